"""Builders for learning tests: practitioners, an edition with sessions, a graduate."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from ostoja.learning import services
from ostoja.network.membership import set_state
from ostoja.network.models import PartnerState
from ostoja.organisations.roles import Role
from tests.conftest import make_user
from tests.factories import OrganisationFactory


def partner_org(**kwargs):
    org = OrganisationFactory(kind="ngo", voivodeship=kwargs.pop("voivodeship", "14"), **kwargs)
    set_state(org, PartnerState.MEMBER, reason="test")
    return org


def professional(org=None, **kwargs):
    org = org or partner_org()
    return make_user(Role.NETWORK_MEMBER, org, **kwargs)


def practitioner(*, trainer=False, supervisor=False, expert=False, areas=(), **kwargs):
    user = make_user(**kwargs)
    services.set_practitioner(
        user,
        actor=None,
        is_trainer=trainer,
        is_supervisor=supervisor,
        is_expert=expert,
        areas=list(areas),
        phone="+48 22 000 00 00" if expert else "",
    )
    return user


def at(days: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_current_timezone())


def edition(*, trainer=None, capacity=10, sessions=5, months=24, min_percent=80, assessment=True):
    trainer = trainer or practitioner(trainer=True)
    ed = services.create_edition(
        actor=None,
        course_title="Diagnoza i interwencja",
        certificate_valid_months=months,
        name="Edycja testowa",
        starts_on=timezone.localdate() - dt.timedelta(days=30),
        ends_on=timezone.localdate(),
        capacity=capacity,
        min_attendance_percent=min_percent,
        requires_assessment=assessment,
        trainers=[trainer],
    )
    for n in range(sessions):
        services.add_session(
            ed,
            actor=trainer,
            module_title=f"Moduł {n // 2 + 1}",
            title=f"Sesja {n + 1}",
            starts_at=at(-30 + n, 9),
            ends_at=at(-30 + n, 12),
        )
    return ed


def graduate(ed=None, user=None):
    """A person who completed an edition (all sessions, assessment passed)."""
    ed = ed or edition()
    user = user or professional()
    enrolment = services.enrol(ed, user, actor=user)
    trainer = ed.trainers.first()
    for s in ed.sessions.all():
        services.mark_attendance(s, actor=trainer, present_ids=[enrolment.pk])
    services.record_assessment(enrolment, actor=trainer, passed=True)
    assert services.evaluate_completion(enrolment, actor=trainer) == []
    return user, enrolment


def group(*, supervisor=None, max_size=5):
    supervisor = supervisor or practitioner(supervisor=True)
    return services.create_group(
        actor=None,
        title="Grupa superwizyjna",
        supervisor=supervisor,
        max_size=max_size,
        first_meeting=at(7, 17),
        every_weeks=4,
        meetings_count=3,
    )


def expert(areas=("diagnosis",), weekdays=range(7), **kwargs):
    user = practitioner(expert=True, areas=areas, **kwargs)
    services.set_availability(
        user,
        actor=user,
        rules=[
            {
                "weekday": d,
                "start_time": dt.time(9),
                "end_time": dt.time(12),
                "slot_minutes": 45,
                "buffer_minutes": 15,
            }
            for d in weekdays
        ],
    )
    return user
