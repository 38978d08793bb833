"""Fictitious demo data (called by ``manage.py seed_demo``): a closed training edition with a
graduate (certificate issued, supervision open to her), a running edition with its cohort
and sessions, a supervision group, and two experts with free consultation slots.

Every demo person's name is invented; all accounts use the published demo password.
Idempotent: nothing is added when the demo course exists.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from ostoja.accounts.services import create_user
from ostoja.network import membership
from ostoja.network.models import Partner, PartnerState
from ostoja.organisations.models import Organisation
from ostoja.organisations.roles import Role
from ostoja.organisations.services import add_membership

from . import permissions, services
from .models import Course

ORG_SLUG = "demo-fundacja-polnoc"
COURSE_TITLE = "Diagnoza, interwencja i pomoc psychologiczna dla dzieci (demo)"
DEMO_PASSWORD = "ostoja-demo-2026"  # noqa: S105 - the published demo password
PRACTITIONERS = [
    # e-mail, name, trainer, supervisor, expert, areas, phone
    ("trenerka@demo.ostoja.invalid", "Teresa Trenerka", True, False, False, [], ""),
    ("superwizor.grupy@demo.ostoja.invalid", "Sławomir Superwizor", False, True, False, [], ""),
    (
        "ekspertka@demo.ostoja.invalid",
        "Ewa Ekspertka",
        False,
        False,
        True,
        ["diagnosis", "psychological", "intervention"],
        "+48 22 000 00 01",
    ),
    (
        "ekspert@demo.ostoja.invalid",
        "Edward Ekspert",
        False,
        False,
        True,
        ["legal", "online", "intervention"],
        "+48 22 000 00 02",
    ),
]
TRAINEES = [
    ("absolwentka@demo.ostoja.invalid", "Olga Absolwentka"),
    ("kursantka@demo.ostoja.invalid", "Kamila Kursantka"),
    ("praktyk@demo.ostoja.invalid", "Paweł Praktyk"),
    ("oczekujaca@demo.ostoja.invalid", "Wanda Oczekująca"),
]
DEMO_LOGINS = [
    (Role.NETWORK_MEMBER, "absolwentka@demo.ostoja.invalid"),
    (Role.NETWORK_MEMBER, "trenerka@demo.ostoja.invalid"),
    (Role.NETWORK_MEMBER, "ekspertka@demo.ostoja.invalid"),
]


def _user(email, name):
    User = get_user_model()
    return User.objects.filter(email=email).first() or create_user(
        actor=None, email=email, password=DEMO_PASSWORD, full_name=name, email_verified=True
    )


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_current_timezone())


@transaction.atomic
def seed_demo(stdout) -> None:
    if Course.objects.filter(title=COURSE_TITLE).exists():
        return
    org = Organisation.objects.filter(slug=ORG_SLUG).first()
    if org is None:
        return
    # Training is for the partnership's members: the demo foundation is one (unless the
    # network's own demo data already decided its state).
    if not Partner.objects.filter(organisation=org).exists():
        membership.set_state(org, PartnerState.MEMBER, reason="demo")
    people = {}
    for email, name, trainer, supervisor, expert, areas, phone in PRACTITIONERS:
        user = _user(email, name)
        add_membership(actor=None, user=user, organisation=org, role=Role.NETWORK_MEMBER)
        services.set_practitioner(
            user,
            actor=None,
            is_trainer=trainer,
            is_supervisor=supervisor,
            is_expert=expert,
            areas=areas,
            phone=phone,
            video_link="https://wideo.example.org/pokoj-demo" if expert else "",
        )
        people[email] = user
    trainees = []
    for email, name in TRAINEES:
        user = _user(email, name)
        add_membership(actor=None, user=user, organisation=org, role=Role.NETWORK_MEMBER)
        trainees.append(user)
    member = get_user_model().objects.filter(email="czlonek@demo.ostoja.invalid").first()
    trainer = people["trenerka@demo.ostoja.invalid"]
    today = timezone.localdate()

    # A past edition, closed: Olga completed it (certificate valid 24 months).
    past = services.create_edition(
        actor=None,
        course_title=COURSE_TITLE,
        course_description=(
            "Kurs w cyklach: rozpoznawanie wykorzystania seksualnego, interwencja i pomoc "
            "psychologiczna dla dzieci. Dane fikcyjne (demo)."
        ),
        certificate_valid_months=24,
        name="Edycja jesienna (demo)",
        starts_on=today - dt.timedelta(days=90),
        ends_on=today - dt.timedelta(days=30),
        capacity=20,
        trainers=[trainer],
    )
    modules = ["Diagnoza", "Interwencja", "Pomoc psychologiczna"]
    for n, module in enumerate(modules):
        day = today - dt.timedelta(days=85 - 20 * n)
        services.add_session(
            past,
            actor=None,
            module_title=module,
            title=f"{module} — warsztat",
            starts_at=_at(day, 9),
            ends_at=_at(day, 15),
            place="Warszawa, sala szkoleniowa (demo)",
        )
    graduate = trainees[0]
    enrolment = services.enrol(past, graduate, actor=graduate)
    services.mark_attendance(past.sessions.first(), actor=None, present_ids=[enrolment.pk])
    for session in past.sessions.all()[1:]:
        services.mark_attendance(session, actor=None, present_ids=[enrolment.pk])
    services.record_assessment(enrolment, actor=None, passed=True)
    services.close_edition(past, actor=None)

    # The current edition: a cohort of three, sessions ahead, a place on the waiting list.
    course = past.course
    current = services.create_edition(
        actor=None,
        course=course,
        name="Edycja wiosenna (demo)",
        starts_on=today + dt.timedelta(days=7),
        ends_on=today + dt.timedelta(days=70),
        capacity=3,
        trainers=[trainer],
    )
    for n, module in enumerate(modules):
        day = today + dt.timedelta(days=7 + 21 * n)
        services.add_session(
            current,
            actor=None,
            module_title=module,
            title=f"{module} — warsztat",
            starts_at=_at(day, 9),
            ends_at=_at(day, 15),
            place="https://wideo.example.org/szkolenie-demo",
        )
    cohort = [trainees[1], trainees[2], member or trainees[3]]
    for user in dict.fromkeys([*cohort, trainees[3]]):  # the last one waits for a place
        if permissions.can_enrol(user):
            services.enrol(current, user, actor=user)

    # A supervision group for the graduates; Olga has a place.
    group = services.create_group(
        actor=None,
        title="Grupa superwizyjna — Warszawa (demo)",
        supervisor=people["superwizor.grupy@demo.ostoja.invalid"],
        max_size=8,
        first_meeting=_at(today + dt.timedelta(days=10), 17),
        every_weeks=4,
        meetings_count=6,
        duration_minutes=120,
        place="https://wideo.example.org/superwizja-demo",
    )
    services.book_group(group, graduate, actor=graduate)

    # Two experts with weekly windows (slots free from tomorrow).
    services.set_availability(
        people["ekspertka@demo.ostoja.invalid"],
        actor=None,
        rules=[
            {"weekday": d, "start_time": dt.time(16), "end_time": dt.time(19)} for d in (0, 2, 4)
        ],
    )
    services.set_availability(
        people["ekspert@demo.ostoja.invalid"],
        actor=None,
        rules=[
            {
                "weekday": d,
                "start_time": dt.time(9),
                "end_time": dt.time(12),
                "slot_minutes": 30,
                "buffer_minutes": 10,
            }
            for d in (1, 3)
        ],
    )
    stdout.write(
        "Learning: 2 training editions (one closed with a certificate), a supervision group, "
        "2 experts with free consultation slots."
    )
