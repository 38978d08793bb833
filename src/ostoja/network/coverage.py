"""Coverage of Poland: member organisations per voivodeship against the target, and the trend
over time computed from the partners' state history.

An organisation counts in every voivodeship it works in (``Partner.voivodeships``; if empty,
its seat's voivodeship). The trend uses today's list of voivodeships for each partner: the
history records states, not past changes of where an organisation works.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.utils import timezone

from ostoja.organisations import teryt

from .models import CoverageTarget, Partner, PartnerState, PartnerStateChange


@dataclass
class Row:
    code: str
    name: str
    members: int
    status: str  # "gap" (below the minimum), "below_goal", "ok"


def _codes(partner: Partner) -> list[str]:
    return list(partner.voivodeships or []) or (
        [partner.organisation.voivodeship] if partner.organisation.voivodeship else []
    )


def voivodeships() -> list[tuple[str, str]]:
    return [(unit.code, unit.name) for unit in teryt.register().voivodeships()]


def _status(count: int, target: CoverageTarget) -> str:
    if count < target.minimum:
        return "gap"
    if count < target.goal:
        return "below_goal"
    return "ok"


def current_rows(target: CoverageTarget | None = None) -> list[Row]:
    """All 16 voivodeships (also those without members), in TERYT code order."""
    target = target or CoverageTarget.current()
    counts: Counter = Counter()
    partners = Partner.objects.filter(
        state=PartnerState.MEMBER, organisation__is_active=True
    ).select_related("organisation")
    for partner in partners:
        counts.update(set(_codes(partner)))
    return [
        Row(code, name, counts.get(code, 0), _status(counts.get(code, 0), target))
        for code, name in voivodeships()
    ]


def period_ends(period: str, count: int, today: dt.date | None = None) -> list[dt.date]:
    """The last day of each of the ``count`` most recent months (or quarters), oldest first;
    the current, unfinished period ends today."""
    today = today or timezone.localdate()
    step = 3 if period == "quarter" else 1
    ends = [today]
    year, month = today.year, today.month
    if step == 3:
        month = ((month - 1) // 3) * 3 + 1  # first month of this quarter
    for _ in range(count - 1):
        # The day before the first day of the current (month or quarter) period.
        first = dt.date(year, month, 1)
        end = first - dt.timedelta(days=1)
        ends.append(end)
        month -= step
        while month < 1:
            month += 12
            year -= 1
    return list(reversed(ends))


def trend(period: str = "month", count: int = 12) -> tuple[list[dt.date], list[dict]]:
    """Members per voivodeship at the end of each period: ``(ends, rows)`` where each row is
    ``{"code", "name", "counts": [...]}`` and the last row is the total of organisations."""
    ends = period_ends(period, count)
    tz = timezone.get_current_timezone()
    limits = [
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz) for end in ends
    ]
    changes: dict[int, list[tuple[dt.datetime, str]]] = {}
    for partner_id, at, to_state in PartnerStateChange.objects.order_by("at", "pk").values_list(
        "partner_id", "at", "to_state"
    ):
        changes.setdefault(partner_id, []).append((at, to_state))
    partners = Partner.objects.filter(pk__in=changes).select_related("organisation")
    per_code = {code: [0] * len(ends) for code, _n in voivodeships()}
    totals = [0] * len(ends)
    for partner in partners:
        codes = set(_codes(partner)) & set(per_code)
        for i, limit in enumerate(limits):
            state = ""
            for at, to_state in changes[partner.pk]:
                if at >= limit:
                    break
                state = to_state
            if state == PartnerState.MEMBER:
                totals[i] += 1
                for code in codes:
                    per_code[code][i] += 1
    rows = [{"code": c, "name": n, "counts": per_code[c]} for c, n in voivodeships()]
    return ends, rows + [{"code": "", "name": "", "counts": totals}]
