"""Builders for register records (through the services, so derived columns are right)."""

from __future__ import annotations

from datetime import date, timedelta

from ostoja.safeguarding import pesel, services
from ostoja.safeguarding.models import Person

_serial = iter(range(1000, 9999))


def person(org, *, actor=None, name="Jan Testowy", born=date(1990, 5, 17), **kwargs) -> Person:
    kwargs.setdefault("pesel_value", pesel.make(born, next(_serial)))
    kwargs.setdefault("citizenships", ["PL"])
    return services.create_person(
        actor=actor, organisation=org, full_name=name, date_of_birth=born, **kwargs
    )


def complete_checks(p: Person, *, actor=None, on: date | None = None) -> Person:
    """Register check, KRK information and a residence declaration with no period."""
    on = on or services.today() - timedelta(days=10)
    services.record_check(
        actor=actor,
        person=p,
        kind="register",
        checked_on=on,
        result="no_entry",
        both_registers=True,
    )
    services.record_check(
        actor=actor,
        person=p,
        kind="krk",
        checked_on=on,
        issued_on=on,
        result="no_entry",
        scope_confirmed=True,
    )
    services.record_residence(actor=actor, person=p, declared_on=on, text_version="test")
    p.refresh_from_db()
    return p


def admitted(org, *, actor=None, on: date | None = None, start: date | None = None, **kwargs):
    p = complete_checks(person(org, actor=actor, **kwargs), actor=actor, on=on)
    start = start or services.today()
    services.add_engagement(
        actor=actor,
        person=p,
        role="Wolontariusz",
        activity="recreation",
        basis="volunteer",
        start_date=start,
    )
    services.admit(actor=actor, person=p, on=max(start, on or start) if on else None)
    p.refresh_from_db()
    return p
