"""Training: enrolment with a waiting list, attendance, completion rules, certificates, and the
completion signal that opens supervision."""

from __future__ import annotations

import pytest
from django.utils import translation

from ostoja.audit.models import AuditEntry
from ostoja.certificates.models import Certificate, CertificateState
from ostoja.learning import services
from ostoja.learning.models import Enrolment, SupervisionEligibility
from ostoja.learning.services import Conflict, LearningError, NotAllowed
from ostoja.learning.services.training import add_months
from ostoja.learning.signals import training_completed
from tests.conftest import make_user

from .helpers import edition, graduate, practitioner, professional

pytestmark = pytest.mark.django_db


def test_enrolment_fills_the_cohort_then_the_waiting_list_in_order():
    ed = edition(capacity=2)
    a, b, c, d = (professional() for _ in range(4))
    states = [services.enrol(ed, u, actor=u).state for u in (a, b, c, d)]
    assert states == ["enrolled", "enrolled", "waiting", "waiting"]
    # Twice: refused, nothing changes.
    with pytest.raises(Conflict):
        services.enrol(ed, a, actor=a)
    # A place frees: the first waiting is offered it (for a limited time), not the second.
    offered = services.withdraw(Enrolment.objects.get(edition=ed, user=a), actor=a)
    assert offered.user == c and offered.state == "offered"
    assert Enrolment.objects.get(edition=ed, user=d).state == "waiting"
    assert AuditEntry.objects.filter(action="learning.enrolment.offered").count() == 1


def test_someone_completing_early_still_takes_their_place_in_the_cohort():
    """Completing before the edition ends does not free a place: the cohort's capacity counts
    the people judged (completed or not) as the edition's page does."""
    ed = edition(capacity=1, sessions=1)
    first, enrolment = graduate(ed)
    assert Enrolment.objects.get(pk=enrolment.pk).state == "completed"
    newcomer = professional()
    assert services.enrol(ed, newcomer, actor=newcomer).state == "waiting"


def test_only_professionals_of_member_organisations_enrol():
    ed = edition()
    outsider = make_user("authority_officer")
    with pytest.raises(NotAllowed):
        services.enrol(ed, outsider, actor=outsider)
    assert not Enrolment.objects.filter(user=outsider).exists()


def test_completion_needs_attendance_and_assessment_then_issues_a_certificate():
    ed = edition(sessions=5, min_percent=80, months=24)
    trainer = ed.trainers.first()
    user = professional()
    enrolment = services.enrol(ed, user, actor=user)
    sessions = list(ed.sessions.all())
    for s in sessions[:3]:  # 3 of 5 = 60 %
        services.mark_attendance(s, actor=trainer, present_ids=[enrolment.pk])
    services.record_assessment(enrolment, actor=trainer, passed=True)
    missing = services.evaluate_completion(enrolment, actor=trainer)
    assert missing and "60" in missing[0]
    assert not services.is_eligible(user)
    services.mark_attendance(sessions[3], actor=trainer, present_ids=[enrolment.pk])  # 80 %
    assert services.evaluate_completion(enrolment, actor=trainer) == []
    enrolment.refresh_from_db()
    assert enrolment.state == "completed"
    cert = Certificate.objects.get(code=enrolment.certificate_code)
    assert cert.holder_user == user and cert.kind == "completion"
    assert len(cert.items) == 4 and cert.hours == 12  # four 3-hour sessions attended
    assert cert.valid_until == add_months(enrolment.completed_at.date(), 24)
    assert services.is_eligible(user)


def test_failed_assessment_blocks_completion_when_the_edition_requires_it():
    ed = edition(sessions=2)
    trainer = ed.trainers.first()
    user = professional()
    enrolment = services.enrol(ed, user, actor=user)
    for s in ed.sessions.all():
        services.mark_attendance(s, actor=trainer, present_ids=[enrolment.pk])
    services.record_assessment(enrolment, actor=trainer, passed=False)
    result = services.close_edition(ed, actor=trainer)
    assert result == {"completed": 0, "not_completed": 1}
    enrolment.refresh_from_db()
    assert enrolment.state == "not_completed" and not enrolment.certificate_code
    assert not services.is_eligible(user)


def test_an_edition_without_assessment_completes_on_attendance_alone():
    ed = edition(sessions=2, assessment=False, months=None)
    user, enrolment = None, None
    user = professional()
    enrolment = services.enrol(ed, user, actor=user)
    for s in ed.sessions.all():
        services.mark_attendance(s, actor=ed.trainers.first(), present_ids=[enrolment.pk])
    assert services.close_edition(ed, actor=None) == {"completed": 1, "not_completed": 0}
    cert = Certificate.objects.get(holder_user=user)
    assert cert.valid_until is None  # the course's certificate does not expire


def test_corrected_attendance_reissues_the_certificate_and_supersedes_the_old_one():
    ed = edition(sessions=5, min_percent=60)
    trainer = ed.trainers.first()
    user, enrolment = graduate(ed)
    old = Certificate.objects.get(code=Enrolment.objects.get(pk=enrolment.pk).certificate_code)
    services.mark_attendance(ed.sessions.last(), actor=trainer, present_ids=[])  # correction
    assert services.evaluate_completion(enrolment, actor=trainer) == []
    enrolment.refresh_from_db()
    old.refresh_from_db()
    assert old.state == CertificateState.SUPERSEDED
    new = Certificate.objects.get(code=enrolment.certificate_code)
    assert new.state == CertificateState.VALID and len(new.items) == 4
    # The completion (and the signal) happened once.
    assert AuditEntry.objects.filter(action="learning.enrolment.completed").count() == 1


def test_completion_sends_the_signal_once_and_supervision_listens():
    received = []

    def listener(sender, *, enrolment, user, **kwargs):
        received.append(user.pk)

    training_completed.connect(listener)
    try:
        user, enrolment = graduate()
        services.evaluate_completion(enrolment, actor=None)  # again: no second signal
    finally:
        training_completed.disconnect(listener)
    assert received == [user.pk]
    assert SupervisionEligibility.objects.filter(user=user).count() == 1


def test_only_the_editions_trainers_mark_attendance():
    ed = edition()
    other_trainer = practitioner(trainer=True)
    user = professional()
    enrolment = services.enrol(ed, user, actor=user)
    with pytest.raises(NotAllowed):
        services.mark_attendance(
            ed.sessions.first(), actor=other_trainer, present_ids=[enrolment.pk]
        )
    with pytest.raises(NotAllowed):
        services.mark_attendance(ed.sessions.first(), actor=user, present_ids=[enrolment.pk])


def test_attendance_for_someone_outside_the_cohort_is_refused_and_nothing_saved():
    ed = edition()
    trainer = ed.trainers.first()
    user = professional()
    enrolment = services.enrol(ed, user, actor=user)
    stranger = services.enrol(edition(), professional(), actor=None)
    with pytest.raises(LearningError):
        services.mark_attendance(
            ed.sessions.first(), actor=trainer, present_ids=[enrolment.pk, stranger.pk]
        )
    assert not ed.sessions.first().attendance.exists()


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"capacity": 0}, "places"),
        ({"min_attendance_percent": 101}, "percentage"),
        ({"certificate_valid_months": 0}, "months"),
        ({"name": "   "}, "name"),
    ],
)
def test_edition_bad_input_is_refused(coordinator, kwargs, fragment):
    import datetime as dt

    args = {
        "course_title": "Kurs",
        "name": "Edycja",
        "starts_on": dt.date(2027, 1, 1),
        "ends_on": dt.date(2027, 2, 1),
        "capacity": 10,
    }
    args.update(kwargs)
    with translation.override("en"), pytest.raises(LearningError) as exc:
        services.create_edition(actor=coordinator, **args)
    assert fragment in str(exc.value)


def test_add_months_keeps_the_end_of_month():
    import datetime as dt

    assert add_months(dt.date(2027, 1, 31), 1) == dt.date(2027, 2, 28)
    assert add_months(dt.date(2027, 11, 15), 24) == dt.date(2029, 11, 15)


def test_the_graduate_is_mailed_the_certificate_code_once_and_again_after_a_correction():
    from ostoja.outbox.models import OutboxMessage

    ed = edition(sessions=5, min_percent=60)
    trainer = ed.trainers.first()
    user, enrolment = graduate(ed)

    def mails():
        return [m for m in OutboxMessage.objects.order_by("pk") if user.email in m.recipients]

    [first] = mails()
    enrolment.refresh_from_db()
    code = Certificate.objects.get(code=enrolment.certificate_code).display_code
    assert code in first.body_text and f"/learning/editions/{ed.pk}/" in first.body_text
    services.evaluate_completion(enrolment, actor=trainer)  # nothing changed: no new mail
    assert len(mails()) == 1
    services.mark_attendance(ed.sessions.last(), actor=trainer, present_ids=[])
    services.evaluate_completion(enrolment, actor=trainer)
    assert len(mails()) == 2
