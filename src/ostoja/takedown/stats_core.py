"""Time-to-removal statistics (pure Python, no Django).

Durations are ``timedelta`` or seconds (int/float); results are in seconds.

Definitions (as printed next to the numbers on the statistics page)
===================================================================
* **Median**: the middle duration; for an even count, the mean of the two middle ones
  (the conventional median, as INHOPE and hotlines report it).
* **p90** (and any percentile): *nearest rank* — the smallest observed duration such that at
  least 90 % of the durations are less than or equal to it (rank ``ceil(0.9 · n)``). It is
  always a real observed time, and reads as "90 % of the content was removed within p90".
  No interpolation between observations.
* **Share removed within a limit** (24 hours, 3 days, 7 days): among the cases whose outcome
  for that limit is *known*. A removed item counts as within if its duration ≤ the limit. An
  item still online counts as *not* within once it has been online longer than the limit;
  while it is younger than the limit its outcome is unknown and it is left out of that share
  (right-censoring). Counting young open items as failures would make a busy week look bad;
  leaving old open items out would flatter slow providers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from statistics import median as _median
from typing import TypeVar

HOUR = 3600
DAY = 24 * HOUR
#: The windows INHOPE-style reports use: label → seconds.
DEFAULT_WINDOWS: dict[str, int] = {"24h": DAY, "3d": 3 * DAY, "7d": 7 * DAY}

Duration = timedelta | int | float
T = TypeVar("T")
K = TypeVar("K", bound=Hashable)


def seconds(value: Duration) -> float:
    """A duration in seconds; ValueError for negative, NaN or infinite values."""
    result = value.total_seconds() if isinstance(value, timedelta) else float(value)
    if math.isnan(result) or math.isinf(result) or result < 0:
        raise ValueError(f"Not a duration: {value!r}")
    return result


def _sorted_seconds(values: Iterable[Duration]) -> list[float]:
    return sorted(seconds(v) for v in values)


def median(values: Iterable[Duration]) -> float | None:
    data = _sorted_seconds(values)
    return float(_median(data)) if data else None


def percentile(values: Iterable[Duration], p: float) -> float | None:
    """Nearest-rank percentile, ``0 < p <= 100`` (see the module docstring)."""
    if not 0 < p <= 100:
        raise ValueError("p is in (0, 100]")
    data = _sorted_seconds(values)
    if not data:
        return None
    # Rounded before ceil: 90 % of 10 must be rank 9, not 10 because of 9.000000000000002.
    rank = max(1, math.ceil(round(p * len(data) / 100, 9)))
    return data[rank - 1]


def p90(values: Iterable[Duration]) -> float | None:
    return percentile(values, 90)


def share(part: int, whole: int) -> float | None:
    """``part / whole``, or None when there is nothing to divide (never a fake 0 %)."""
    if part < 0 or whole < 0 or part > whole:
        raise ValueError("0 <= part <= whole")
    return part / whole if whole else None


def share_within(
    removed: Iterable[Duration], limit: Duration, *, open_ages: Iterable[Duration] = ()
) -> float | None:
    """Share of known outcomes removed within ``limit`` (see the module docstring)."""
    limit_s = seconds(limit)
    removed_s = _sorted_seconds(removed)
    within = sum(1 for d in removed_s if d <= limit_s)
    overdue = sum(1 for age in open_ages if seconds(age) > limit_s)
    return share(within, len(removed_s) + overdue)


@dataclass(frozen=True)
class DurationSummary:
    count: int  # removed items (with a duration)
    open_count: int  # items still online
    median: float | None
    p90: float | None
    within: dict[str, float | None] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "count": self.count,
            "open_count": self.open_count,
            "median_seconds": self.median,
            "p90_seconds": self.p90,
            **{f"share_within_{k}": v for k, v in self.within.items()},
        }


def summarize(
    removed: Iterable[Duration],
    *,
    open_ages: Iterable[Duration] = (),
    windows: Mapping[str, Duration] = DEFAULT_WINDOWS,
) -> DurationSummary:
    removed_s = _sorted_seconds(removed)
    open_s = _sorted_seconds(open_ages)
    return DurationSummary(
        count=len(removed_s),
        open_count=len(open_s),
        median=median(removed_s),
        p90=p90(removed_s),
        within={
            label: share_within(removed_s, limit, open_ages=open_s)
            for label, limit in windows.items()
        },
    )


def group_by(records: Iterable[T], key: Callable[[T], K]) -> dict[K, list[T]]:
    """Records grouped by ``key(record)``, groups in first-seen order."""
    groups: dict[K, list[T]] = {}
    for record in records:
        groups.setdefault(key(record), []).append(record)
    return groups


def summarize_groups(
    records: Iterable[T],
    *,
    key: Callable[[T], K],
    duration: Callable[[T], Duration | None],
    open_age: Callable[[T], Duration | None] = lambda r: None,
    windows: Mapping[str, Duration] = DEFAULT_WINDOWS,
) -> dict[K, DurationSummary]:
    """One summary per group, largest groups first (ties: by key text).

    ``duration(record)`` is the time to removal, or None if the record is not removed;
    ``open_age(record)`` is how long a not-removed record has been online (or None to leave
    it out entirely, e.g. when it was never notified).
    """
    result = {}
    for group, items in group_by(records, key).items():
        removed = [d for d in (duration(r) for r in items) if d is not None]
        ages = [a for r in items if duration(r) is None for a in [open_age(r)] if a is not None]
        result[group] = summarize(removed, open_ages=ages, windows=windows)
    order = sorted(result, key=lambda g: (-(result[g].count + result[g].open_count), str(g)))
    return {g: result[g] for g in order}


def counts_by(records: Iterable[T], key: Callable[[T], K]) -> list[tuple[K, int]]:
    """``[(key, count)]`` largest first (ties by key text): for tables and bar charts."""
    counts: dict[K, int] = {}
    for record in records:
        k = key(record)
        counts[k] = counts.get(k, 0) + 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))


def format_duration(value: float | None) -> str:
    """Compact, language-neutral text: ``"3 d 4 h"``, ``"5 h 20 min"``, ``"45 min"``, ``"—"``."""
    if value is None:
        return "—"
    total_minutes = int(round(seconds(value) / 60))
    days, rest = divmod(total_minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min"
