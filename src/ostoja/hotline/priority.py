"""Priority of a hotline item: rules as data, scoring as a pure function (Django-free).

Why rules are data
==================
Which reports go first is a policy decision of the hotline's supervisors, and it changes
(new threats, new partners, staffing). So the weights, level thresholds and time limits are a
plain JSON-able dict with a ``version``; the Django app stores each version, lets supervisors
edit a copy, validates it with :func:`validate_rules` and records on every item which
``rules_version`` scored it, so a past decision can always be explained with the rules in force
at the time. :data:`DEFAULT_RULES` is version 1. Treat it as read-only (``copy.deepcopy`` it
before editing).

Why scoring is pure
===================
:func:`score` takes the facts, the rules and ``now`` and returns a :class:`PriorityResult`; it
reads no clock, database or settings. Same input, same result: results are reproducible in an
audit, testable, and the queue can be re-scored at any time (waiting time makes the score grow
with ``now``). Arithmetic is integer only (no floating point, no ``math.log``), so a result
cannot differ between machines.

Model
=====
Points are added for each factor present; the level comes from the total:

* ``immediate_risk`` -- an analyst or reporter gave an ``escalate_reason`` (a child in danger
  now). Adds its points and **always** makes the item P1, whatever the thresholds say.
* ``live_stream`` -- abuse being streamed live: it is happening now.
* ``new_material`` -- not known from the hash banks, so possibly an unidentified child. Only
  ``True`` counts: ``None`` (not checked yet) contributes nothing.
* ``infant_or_toddler`` -- the youngest victims, who cannot tell anyone.
* ``sextortion_or_grooming`` -- a child is being coerced now; time matters.
* ``hosted_in_poland`` -- within reach of Polish police and providers. ``None`` (not known yet)
  contributes nothing; once known, the item is re-scored.
* ``source_kind`` -- points per kind of source (police and partner hotlines above platforms
  above the public in the defaults: trained reporters are more often right).
* ``reports`` -- ``points_per_doubling`` for every doubling of the number of reports
  (``floor(log2(count))``, so 1 report gives 0, 2-3 give one step, 4-7 two...), capped at
  ``max_points``: many reports mean wide reach, but a flood of reports must not outrank a child
  in danger.
* ``waiting`` -- ``points_per_hour`` for each full hour since ``first_seen``, capped at
  ``max_points``, so nothing starves at the bottom of the queue.

All points are non-negative integers (enforced by :func:`validate_rules`), so adding a risk
factor can never lower the score. The level is P1 if ``score >= thresholds.P1``, P2 if
``score >= thresholds.P2``, otherwise P3. The deadline is ``first_seen`` plus the level's
time limit: the clock starts when the hotline first saw the address, not when it was last
re-scored, so an item escalated late is (correctly) overdue at once.

Each :class:`Reason` carries a stable ``code``, its ``points`` and ``params``; the Django layer
turns codes into translated text. Reasons list only factors that added points (plus
``immediate_risk`` whenever present, since it forces P1), so ``sum(r.points) == score``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

__all__ = [
    "DEFAULT_RULES",
    "FLAG_FACTORS",
    "LEVELS",
    "SOURCE_KINDS",
    "ItemFacts",
    "PriorityResult",
    "Reason",
    "score",
    "validate_rules",
]

LEVELS: Final = ("P1", "P2", "P3")
SOURCE_KINDS: Final = ("police", "partner_hotline", "platform", "public")
#: Yes/no factors, in the order their reasons are listed.
FLAG_FACTORS: Final = (
    "immediate_risk",
    "live_stream",
    "new_material",
    "infant_or_toddler",
    "sextortion_or_grooming",
    "hosted_in_poland",
)

DEFAULT_RULES: Final[dict[str, Any]] = {
    "version": 1,
    "factors": {
        "immediate_risk": 100,
        "live_stream": 60,
        "new_material": 20,
        "infant_or_toddler": 25,
        "sextortion_or_grooming": 30,
        "hosted_in_poland": 15,
    },
    "source_kind_points": {
        "police": 20,
        "partner_hotline": 20,
        "platform": 10,
        "public": 0,
    },
    "reports": {"points_per_doubling": 5, "max_points": 20},
    "waiting": {"points_per_hour": 1, "max_points": 24},
    "thresholds": {"P1": 60, "P2": 30},
    "time_limits_hours": {"P1": 1, "P2": 24, "P3": 72},
}

_ONE_HOUR: Final = timedelta(hours=1)


@dataclass(frozen=True, kw_only=True, slots=True)
class ItemFacts:
    """What the hotline knows about an item, as far as priority is concerned.

    ``None`` means "not known yet" and contributes nothing. An ``escalate_reason`` that is
    empty or blank counts as absent (a blank form field).
    """

    first_seen: datetime
    source_kind: str
    report_count: int = 1
    escalate_reason: str | None = None
    live_stream: bool = False
    new_material: bool | None = None
    infant_or_toddler: bool = False
    sextortion_or_grooming: bool = False
    hosted_in_poland: bool | None = None

    def __post_init__(self) -> None:
        _require_aware(self.first_seen, "first_seen")
        if self.source_kind not in SOURCE_KINDS:
            raise ValueError(
                f"source_kind must be one of {', '.join(SOURCE_KINDS)}, got {self.source_kind!r}"
            )
        if not _is_int(self.report_count) or self.report_count < 1:
            raise ValueError(f"report_count must be an integer >= 1, got {self.report_count!r}")
        if self.escalate_reason is not None and not isinstance(self.escalate_reason, str):
            raise ValueError("escalate_reason must be a string or None")
        for name in ("live_stream", "infant_or_toddler", "sextortion_or_grooming"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be True or False")
        for name in ("new_material", "hosted_in_poland"):
            if getattr(self, name) not in (True, False, None):
                raise ValueError(f"{name} must be True, False or None")

    @property
    def immediate_risk(self) -> bool:
        return bool(self.escalate_reason and self.escalate_reason.strip())


@dataclass(frozen=True, slots=True)
class Reason:
    """One contribution to a score. ``code`` is stable; the Django layer writes the text."""

    code: str
    points: int
    params: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "points": self.points, "params": dict(self.params)}


@dataclass(frozen=True, slots=True)
class PriorityResult:
    score: int
    level: str
    reasons: list[Reason]
    rules_version: int
    deadline: datetime

    def overdue(self, now: datetime) -> bool:
        """True once ``now`` is past the deadline (at the deadline itself: not yet)."""
        _require_aware(now, "now")
        return now > self.deadline

    def as_dict(self) -> dict[str, Any]:
        """JSON-able form, for storing beside the item."""
        return {
            "score": self.score,
            "level": self.level,
            "reasons": [reason.as_dict() for reason in self.reasons],
            "rules_version": self.rules_version,
            "deadline": self.deadline.isoformat(),
        }


def score(facts: ItemFacts, rules: Mapping[str, Any], now: datetime) -> PriorityResult:
    """Score an item. Pure: the result depends only on the arguments.

    Raises ``ValueError`` if the rules are malformed or ``now`` is a naive datetime.
    """
    validate_rules(rules)
    _require_aware(now, "now")
    factors = rules["factors"]

    reasons: list[Reason] = []
    if facts.immediate_risk:
        # Always listed: it forces P1 even if a rule set gives it no points.
        reasons.append(
            Reason("immediate_risk", factors["immediate_risk"], {"reason": facts.escalate_reason})
        )
    present = {
        "live_stream": facts.live_stream,
        "new_material": facts.new_material is True,
        "infant_or_toddler": facts.infant_or_toddler,
        "sextortion_or_grooming": facts.sextortion_or_grooming,
        "hosted_in_poland": facts.hosted_in_poland is True,
    }
    for code, is_present in present.items():
        if is_present:
            _add(reasons, code, factors[code], {})

    _add(
        reasons,
        "source_kind",
        rules["source_kind_points"][facts.source_kind],
        {"kind": facts.source_kind},
    )

    doublings = facts.report_count.bit_length() - 1  # floor(log2(count)), exact for ints
    reports = rules["reports"]
    _add(
        reasons,
        "reports",
        min(reports["max_points"], reports["points_per_doubling"] * doublings),
        {"count": facts.report_count},
    )

    hours_waited = max(0, (now - facts.first_seen) // _ONE_HOUR)
    waiting = rules["waiting"]
    _add(
        reasons,
        "waiting",
        min(waiting["max_points"], waiting["points_per_hour"] * hours_waited),
        {"hours": hours_waited},
    )

    total = sum(reason.points for reason in reasons)
    thresholds = rules["thresholds"]
    if facts.immediate_risk or total >= thresholds["P1"]:
        level = "P1"
    elif total >= thresholds["P2"]:
        level = "P2"
    else:
        level = "P3"
    deadline = facts.first_seen + timedelta(hours=rules["time_limits_hours"][level])
    return PriorityResult(
        score=total,
        level=level,
        reasons=reasons,
        rules_version=rules["version"],
        deadline=deadline,
    )


def _add(reasons: list[Reason], code: str, points: int, params: dict[str, Any]) -> None:
    if points > 0:
        reasons.append(Reason(code, points, params))


# --------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------

_SECTION_KEYS: Final = {
    "factors": FLAG_FACTORS,
    "source_kind_points": SOURCE_KINDS,
    "reports": ("points_per_doubling", "max_points"),
    "waiting": ("points_per_hour", "max_points"),
    "thresholds": ("P1", "P2"),
    "time_limits_hours": LEVELS,
}
_TOP_KEYS: Final = ("version", *_SECTION_KEYS)
_MAX_TIME_LIMIT_HOURS: Final = 24 * 366  # a year; larger is a typo, and would overflow dates


def validate_rules(rules: Any) -> None:
    """Raise ``ValueError`` naming the first problem in a rule set; return None if it is valid.

    Checked: exactly the expected keys at every level (a typo must not silently drop a
    factor), ``version`` a positive integer, every points value a non-negative integer (so a
    factor can never lower a score), thresholds ``P1 > P2 > 0`` (every level reachable), time
    limits positive numbers of hours (at most a year) with ``P1 <= P2 <= P3`` (a more urgent
    level never gets more time).
    """
    _require_mapping(rules, "rules")
    _require_keys(rules, _TOP_KEYS, "rules")
    version = rules["version"]
    if not _is_int(version) or version < 1:
        raise ValueError(f"rules.version must be a positive integer, got {version!r}")

    for section, keys in _SECTION_KEYS.items():
        path = f"rules.{section}"
        _require_mapping(rules[section], path)
        _require_keys(rules[section], keys, path)
        if section == "time_limits_hours":
            continue
        for key in keys:
            value = rules[section][key]
            if not _is_int(value) or value < 0:
                raise ValueError(f"{path}.{key} must be a non-negative integer, got {value!r}")

    thresholds = rules["thresholds"]
    if not thresholds["P1"] > thresholds["P2"] > 0:
        raise ValueError(
            "rules.thresholds must satisfy P1 > P2 > 0 so that every level is reachable, "
            f"got P1={thresholds['P1']!r}, P2={thresholds['P2']!r}"
        )

    limits = rules["time_limits_hours"]
    for level in LEVELS:
        value = limits[level]
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or not 0 < value <= _MAX_TIME_LIMIT_HOURS
        ):
            raise ValueError(
                f"rules.time_limits_hours.{level} must be a positive number of hours "
                f"(at most {_MAX_TIME_LIMIT_HOURS}), got {value!r}"
            )
    if not limits["P1"] <= limits["P2"] <= limits["P3"]:
        raise ValueError(
            "rules.time_limits_hours must satisfy P1 <= P2 <= P3 (a more urgent level never "
            f"gets more time), got P1={limits['P1']!r}, P2={limits['P2']!r}, P3={limits['P3']!r}"
        )


def _require_mapping(value: Any, path: str) -> None:
    if not isinstance(value, Mapping):
        raise ValueError(f"{path} must be an object (dict), got {type(value).__name__}")


def _require_keys(mapping: Mapping[str, Any], expected: tuple[str, ...], path: str) -> None:
    missing = [key for key in expected if key not in mapping]
    if missing:
        raise ValueError(f"{path} is missing {', '.join(missing)}")
    unknown = sorted(str(key) for key in mapping if key not in expected)
    if unknown:
        raise ValueError(f"{path} has unknown keys {', '.join(unknown)}")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _require_aware(value: Any, name: str) -> None:
    if not isinstance(value, datetime):
        raise ValueError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
