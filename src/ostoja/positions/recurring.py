"""Dates the partnership marks every year, suggested to members ahead of time."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class RecurringDate:
    key: str
    month: int
    day: int
    name: object
    #: Days ahead that members are reminded.
    ahead: int = 30

    def next_on(self, today: dt.date) -> dt.date:
        this_year = dt.date(today.year, self.month, self.day)
        return this_year if this_year >= today else dt.date(today.year + 1, self.month, self.day)


DATES = [
    RecurringDate(
        "eu-day-18-november",
        11,
        18,
        _(
            "European Day on the Protection of Children against Sexual Exploitation and "
            "Sexual Abuse"
        ),
        ahead=42,
    ),
    RecurringDate("childrens-rights-20-november", 11, 20, _("Universal Children's Day"), ahead=42),
    RecurringDate(
        "safer-internet-day", 2, 11, _("Safer Internet Day (around this date)"), ahead=35
    ),
]


def due(today: dt.date) -> list[tuple[RecurringDate, dt.date]]:
    """Dates whose reminder day is today or passed, not yet happened (the job is idempotent
    through the outbox's dedup key, so a missed day is caught up)."""
    result = []
    for date in DATES:
        on = date.next_on(today)
        if (on - today).days <= date.ahead:
            result.append((date, on))
    return result
