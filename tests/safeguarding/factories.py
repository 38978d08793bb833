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
    register_check(p, actor=actor, on=on)
    krk_information(p, actor=actor, on=on)
    services.record_residence(actor=actor, person=p, declared_on=on, text_version="test")
    p.refresh_from_db()
    return p


def admitted(org, *, actor=None, on: date | None = None, start: date | None = None, **kwargs):
    p = complete_checks(person(org, actor=actor, **kwargs), actor=actor, on=on)
    start = start or services.today()
    engagement(p, actor=actor, start=start)
    services.admit(actor=actor, person=p, on=max(start, on or start) if on else None)
    p.refresh_from_db()
    return p


# --- single steps, with the values most tests use (override what the test is about) ---------


def register_check(p: Person, *, actor=None, on: date | None = None, **overrides):
    """The Register of Sexual Offenders checked (both registers), no entry."""
    fields = {"result": "no_entry", "both_registers": True, **overrides}
    on = on or services.today()
    return services.record_check(actor=actor, person=p, kind="register", checked_on=on, **fields)


def krk_information(p: Person, *, actor=None, on: date | None = None, **overrides):
    """KRK information in the scope of art. 21 ust. 3, issued and presented on ``on``."""
    on = on or services.today()
    fields = {"issued_on": on, "result": "no_entry", "scope_confirmed": True, **overrides}
    return services.record_check(actor=actor, person=p, kind="krk", checked_on=on, **fields)


def foreign_record(p: Person, country: str, *, actor=None, on: date | None = None, **overrides):
    """Criminal-record information of ``country``, issued and presented on ``on``."""
    on = on or services.today()
    fields = {"issued_on": on, "result": "no_entry", **overrides}
    return services.record_check(
        actor=actor, person=p, kind="foreign_record", country=country, checked_on=on, **fields
    )


def residence_period(
    p: Person,
    country: str = "DE",
    start: date = date(2019, 1, 1),
    end: date = date(2019, 12, 31),
    *,
    actor=None,
):
    """A period lived abroad (by default the year 2019 in Germany)."""
    return services.add_residence_period(
        actor=actor, person=p, country=country, start_date=start, end_date=end
    )


def engagement(p: Person, *, actor=None, start: date | None = None, **overrides):
    """A volunteer in recreation from ``start`` (today by default)."""
    fields = {"role": "Wolontariusz", "activity": "recreation", "basis": "volunteer", **overrides}
    return services.add_engagement(
        actor=actor, person=p, start_date=start or services.today(), **fields
    )


def policy(org, *, actor=None, **overrides):
    """The organisation's policy: the defaults unless overridden."""
    fields = {
        "recheck_months": 24,
        "reminder_days": 30,
        "retention_months": 36,
        "managers_may_read": False,
        **overrides,
    }
    return services.update_policy(actor=actor, organisation=org, **fields)


def signed_in(user):
    """A test client signed in as ``user``."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def run(command: str, *, today: date | None = None, **options) -> str:
    """Run a management command (as the scheduler would, on ``today``); return its output."""
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    if today is not None:
        options["today"] = today.isoformat()
    call_command(command, stdout=out, **options)
    return out.getvalue()
