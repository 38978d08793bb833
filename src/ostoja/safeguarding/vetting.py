"""Which checks art. 21 of the Act of 13 May 2016 requires of a person, and what is missing.

Django-free: plain data in, plain data out (``services`` feeds it from the database).

The law (Act of 13 May 2016 on counteracting threats of sexual crime and protecting minors,
as amended in 2023; article and paragraph numbers to be confirmed against the consolidated
text):

* art. 21 ust. 1 — before employing a person or admitting them to other activity related to
  the education, upbringing, recreation, treatment, psychological counselling, spiritual
  development, sport or other interests of minors, or to their care, the organiser checks
  whether the person is in the Register of Sexual Offenders: the restricted-access register
  *and* the register of persons the State Commission (for cases of sexual abuse of minors under
  15) entered. → requirement ``register`` (both registers, one check record).
* art. 21 ust. 3 — the person presents information from the National Criminal Register (KRK)
  on offences of chapters XIX and XXV of the Criminal Code, its art. 189a and 207, and the Act
  of 29 July 2005 on counteracting drug addiction (or equivalent foreign offences).
  → requirement ``krk``.
* art. 21 ust. 4 — a citizen of another state also presents the criminal-record information
  of the state of citizenship issued for work with children (or the general one where that
  state issues none). → requirement ``foreign_record`` per citizenship other than PL.
* art. 21 ust. 5 — the organiser requires a declaration of the states, other than Poland and
  the state of citizenship, where the person lived in the last 20 years, and the criminal-record
  information of each. → requirement ``residence_declaration`` for everyone, and
  ``foreign_record`` per declared state.
* art. 21 ust. 6 — where a state issues no such information (or keeps no register), the person
  makes a declaration under criminal liability instead; it satisfies ``foreign_record``.
* art. 23 — admitting a person without these is an offence: the register refuses to mark a
  person admitted while anything required is missing.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

REGISTER = "register"
KRK = "krk"
RESIDENCE = "residence_declaration"
FOREIGN = "foreign_record"
KINDS = (REGISTER, KRK, RESIDENCE, FOREIGN)

RESULT_NO_ENTRY = "no_entry"
RESULT_ENTRY = "entry"

RESIDENCE_YEARS = 20


@dataclass(frozen=True)
class Requirement:
    kind: str
    country: str = ""  # ISO 3166-1 alpha-2 for foreign records
    reason: str = ""  # 'citizenship' or 'residence' for foreign records

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.country)


@dataclass(frozen=True)
class Period:
    country: str
    start: date
    end: date


@dataclass(frozen=True)
class RecordedCheck:
    kind: str
    on: date
    country: str = ""
    result: str = RESULT_NO_ENTRY


@dataclass
class Status:
    required: list[Requirement]
    missing: list[Requirement]
    adverse: list[RecordedCheck]  # checks whose result bars admission
    latest: dict[tuple[str, str], date] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return not self.missing and not self.adverse


def add_months(day: date, months: int) -> date:
    """``day`` plus whole months, clamped to the month's last day (31 Jan + 1 → 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def residence_window_start(declared_on: date) -> date:
    return add_months(declared_on, -12 * RESIDENCE_YEARS)


class PeriodError(ValueError):
    """``code``: 'order', 'future', 'poland', 'overlap'; ``other`` is the clashing period."""

    def __init__(self, code: str, other: Period | None = None):
        super().__init__(code)
        self.code = code
        self.other = other


def check_period(new: Period, existing: Iterable[Period], declared_on: date) -> None:
    """Refuse a residence period that is inverted, after the declaration, in Poland, or that
    overlaps a period already declared (a person lives in one country at a time)."""
    if new.end < new.start:
        raise PeriodError("order")
    if new.end > declared_on:
        raise PeriodError("future")
    if new.country == "PL":
        raise PeriodError("poland")
    for other in existing:
        if new.start <= other.end and other.start <= new.end:
            raise PeriodError("overlap", other)


def required_checks(
    *,
    citizenships: Iterable[str],
    declared_on: date | None,
    periods: Iterable[Period],
) -> list[Requirement]:
    """Every check art. 21 requires for this person, in a stable order."""
    citizenships = [c for c in dict.fromkeys(citizenships) if c]
    result = [Requirement(REGISTER), Requirement(KRK), Requirement(RESIDENCE)]
    foreign: dict[str, str] = {}
    for country in citizenships:
        if country != "PL":
            foreign.setdefault(country, "citizenship")
    if declared_on is not None:
        window = residence_window_start(declared_on)
        for period in periods:
            if period.end < window or period.country == "PL":
                continue
            foreign.setdefault(period.country, "residence")
    result += [Requirement(FOREIGN, c, foreign[c]) for c in sorted(foreign)]
    return result


def status(
    *,
    citizenships: Iterable[str],
    declared_on: date | None,
    periods: Iterable[Period],
    checks: Iterable[RecordedCheck],
) -> Status:
    """What is required, what is missing and which recorded checks bar admission.

    Only the latest check of each requirement counts (a later "no entry" does not wash out an
    "entry": any adverse latest result bars admission).
    """
    required = required_checks(citizenships=citizenships, declared_on=declared_on, periods=periods)
    latest: dict[tuple[str, str], RecordedCheck] = {}
    for check in checks:
        key = (check.kind, check.country if check.kind == FOREIGN else "")
        if key not in latest or check.on >= latest[key].on:
            latest[key] = check
    if declared_on is not None:
        latest[(RESIDENCE, "")] = RecordedCheck(RESIDENCE, declared_on)
    missing = [r for r in required if r.key not in latest]
    adverse = [
        latest[r.key] for r in required if r.key in latest and latest[r.key].result == RESULT_ENTRY
    ]
    return Status(
        required=required,
        missing=missing,
        adverse=adverse,
        latest={r.key: latest[r.key].on for r in required if r.key in latest},
    )


def recheck_due(st: Status, interval_months: int) -> date | None:
    """When the checks must be repeated under the organisation's policy: the oldest of the
    current required checks plus the interval (Polish law sets no interval; see the module
    doc). ``None`` while anything is missing (there is nothing to repeat yet)."""
    if st.missing or not st.latest or interval_months <= 0:
        return None
    return add_months(min(st.latest.values()), interval_months)
