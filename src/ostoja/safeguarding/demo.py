"""Fictitious demo data of the vetting register (called by ``manage.py seed_demo``).

A safeguarding officer and an organisation manager of the demo foundation
``demo-fundacja-polnoc`` (the password of every demo account; the officer sets up two-factor
authentication at first sign-in), and three invented people: one admitted, one who declared
a year in Germany and still lacks the German record, one whose engagement has ended.
Idempotent: nothing is added when the register already has people.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction

from ostoja.accounts.services import create_user
from ostoja.organisations.models import Organisation
from ostoja.organisations.roles import Role
from ostoja.organisations.services import add_membership

from . import pesel, services
from .models import Person

ORG_SLUG = "demo-fundacja-polnoc"
DEMO_PASSWORD = "ostoja-demo-2026"  # noqa: S105 - the published demo password
USERS = [
    ("ochrona@demo.ostoja.invalid", "Olga Ochrona", Role.SAFEGUARDING_OFFICER),
    ("zarzad@demo.ostoja.invalid", "Zenon Zarząd", Role.ORGANISATION_MANAGER),
]


@transaction.atomic
def seed_demo(stdout) -> None:
    org = Organisation.objects.filter(slug=ORG_SLUG).first()
    if org is None:
        return
    User = get_user_model()
    officer = None
    for email, name, role in USERS:
        user = User.objects.filter(email=email).first() or create_user(
            actor=None, email=email, password=DEMO_PASSWORD, full_name=name, email_verified=True
        )
        add_membership(actor=None, user=user, organisation=org, role=role)
        officer = officer or user
    if Person.objects.of(org).exists():
        return
    today = services.today()
    checked = today - timedelta(days=60)

    def person(name, born, serial, **kwargs):
        return services.create_person(
            actor=officer,
            organisation=org,
            full_name=name,
            date_of_birth=born,
            pesel_value=pesel.make(born, serial),
            citizenships=["PL"],
            **kwargs,
        )

    def basic_checks(p, on):
        services.record_check(
            actor=officer,
            person=p,
            kind="register",
            checked_on=on,
            result="no_entry",
            both_registers=True,
            reference="DEMO/1",
        )
        services.record_check(
            actor=officer,
            person=p,
            kind="krk",
            checked_on=on,
            issued_on=on - timedelta(days=5),
            result="no_entry",
            scope_confirmed=True,
        )
        services.record_residence(actor=officer, person=p, declared_on=on, text_version="demo")

    anna = person("Anna Przykładowa (demo)", date(1991, 3, 14), 1201)
    basic_checks(anna, checked)
    services.add_engagement(
        actor=officer,
        person=anna,
        role="Trenerka (demo)",
        activity="sport",
        basis="civil_contract",
        start_date=checked + timedelta(days=7),
    )
    services.admit(actor=officer, person=anna, on=checked + timedelta(days=7))

    piotr = person("Piotr Wymyślony (demo)", date(2001, 11, 2), 3405)
    basic_checks(piotr, today - timedelta(days=2))
    services.add_residence_period(
        actor=officer,
        person=piotr,
        country="DE",
        start_date=date(2022, 1, 1),
        end_date=date(2022, 12, 31),
    )
    services.add_engagement(
        actor=officer,
        person=piotr,
        role="Wolontariusz na obozie (demo)",
        activity="recreation",
        basis="volunteer",
        start_date=today + timedelta(days=14),
    )

    ewa = person("Ewa Fikcyjna (demo)", date(1985, 6, 30), 2208)
    basic_checks(ewa, today - timedelta(days=400))
    engagement = services.add_engagement(
        actor=officer,
        person=ewa,
        role="Wychowawczyni świetlicy (demo)",
        activity="upbringing",
        basis="employment",
        start_date=today - timedelta(days=390),
    )
    services.admit(actor=officer, person=ewa, on=today - timedelta(days=390))
    services.end_engagement(
        actor=officer, engagement=engagement, end_date=today - timedelta(days=30)
    )
    stdout.write(
        "Safeguarding demo: ochrona@demo.ostoja.invalid (safeguarding officer) and "
        "zarzad@demo.ostoja.invalid (organisation manager) of Fundacja Bezpieczna Północ."
    )
