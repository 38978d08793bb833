"""A freed place in a training edition goes to the next person waiting as a time-limited
offer; an expired offer passes to the next (the scheduled job), as events' waiting lists do."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from ostoja.audit.models import AuditEntry
from ostoja.learning import jobs, services
from ostoja.learning.models import Enrolment
from ostoja.learning.services import Conflict, LearningError
from ostoja.outbox.models import OutboxMessage

from .helpers import edition, professional

pytestmark = pytest.mark.django_db


def _full_edition_with_queue(waiting=2):
    ed = edition(capacity=1, sessions=2)
    first = professional()
    services.enrol(ed, first, actor=first)
    queue = [professional() for _ in range(waiting)]
    for user in queue:
        assert services.enrol(ed, user, actor=user).state == "waiting"
    return ed, first, queue


def _state(ed, user):
    return Enrolment.objects.get(edition=ed, user=user)


def test_a_freed_place_is_offered_to_the_first_waiting_with_a_deadline_and_an_email():
    ed, first, (second, third) = _full_edition_with_queue()
    before = timezone.now()
    offered = services.withdraw(_state(ed, first), actor=first)
    assert offered.user == second and offered.state == "offered"
    hours = (offered.offer_expires_at - before).total_seconds() / 3600
    assert 47.9 < hours <= 48.01
    assert _state(ed, third).state == "waiting"
    mail = OutboxMessage.objects.get(recipients=[second.email])
    assert f"/learning/editions/{ed.pk}/" in mail.body_text
    # The offered place is held: a newcomer waits instead of taking it.
    newcomer = professional()
    assert services.enrol(ed, newcomer, actor=newcomer).state == "waiting"


def test_accepting_in_time_enrols_and_a_second_accept_is_refused():
    ed, first, (second, _third) = _full_edition_with_queue()
    services.withdraw(_state(ed, first), actor=first)
    enrolment = services.accept_offer(_state(ed, second), actor=second)
    assert enrolment.state == "enrolled" and enrolment.offer_expires_at is None
    with pytest.raises(Conflict):
        services.accept_offer(enrolment, actor=second)
    assert AuditEntry.objects.filter(action="learning.enrolment.offer_accepted").count() == 1


def test_someone_else_cannot_take_the_offer():
    ed, first, (second, third) = _full_edition_with_queue()
    services.withdraw(_state(ed, first), actor=first)
    with pytest.raises(LearningError) as err:
        services.accept_offer(_state(ed, second), actor=third)
    assert err.value.status == 403
    assert _state(ed, second).state == "offered"


def test_the_job_expires_the_offer_and_passes_it_to_the_next():
    ed, first, (second, third) = _full_edition_with_queue()
    services.withdraw(_state(ed, first), actor=first)
    assert services.expire_offers() == 0  # not yet due
    later = timezone.now() + dt.timedelta(hours=49)
    assert services.expire_offers(now=later) == 1
    assert _state(ed, second).state == "offer_expired"
    nxt = _state(ed, third)
    assert nxt.state == "offered" and nxt.offer_expires_at > timezone.now()
    assert (
        OutboxMessage.objects.filter(recipients=[second.email]).count() == 2
    )  # offer, then expiry
    assert AuditEntry.objects.filter(action="learning.enrolment.offer_expired").count() == 1
    # The expired person may enrol again, at the end of the queue.
    assert services.enrol(ed, second, actor=second).state == "waiting"


def test_accepting_too_late_is_410_and_the_place_still_moves_on():
    ed, first, (second, third) = _full_edition_with_queue()
    services.withdraw(_state(ed, first), actor=first)
    late = timezone.now() + dt.timedelta(hours=48, seconds=1)
    with pytest.raises(LearningError) as err:
        services.accept_offer(_state(ed, second), actor=second, now=late)
    assert err.value.status == 410
    assert _state(ed, second).state == "offer_expired"
    assert _state(ed, third).state == "offered"


def test_declining_passes_the_place_on_and_an_empty_queue_leaves_it_free():
    ed, first, (second,) = _full_edition_with_queue(waiting=1)
    services.withdraw(_state(ed, first), actor=first)
    assert services.withdraw(_state(ed, second), actor=second) is None  # nobody else waits
    assert _state(ed, second).state == "withdrawn"
    newcomer = professional()
    assert services.enrol(ed, newcomer, actor=newcomer).state == "enrolled"


def test_closing_the_edition_ends_open_offers():
    ed, first, (second, _third) = _full_edition_with_queue()
    services.withdraw(_state(ed, first), actor=first)
    services.close_edition(ed, actor=None)
    assert _state(ed, second).state == "withdrawn"
    assert services.expire_offers(now=timezone.now() + dt.timedelta(days=5)) == 0


def test_the_job_is_scheduled_and_the_command_runs():
    assert any(j["command"] == "learning_expire_offers" for j in jobs.JOBS)
    ed, first, (second, _third) = _full_edition_with_queue()
    services.withdraw(_state(ed, first), actor=first)
    Enrolment.objects.filter(edition=ed, user=second).update(
        offer_expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    call_command("learning_expire_offers", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert _state(ed, second).state == "offer_expired"


def test_the_trainee_takes_the_place_on_the_edition_page():
    ed, first, (second, _third) = _full_edition_with_queue()
    services.withdraw(_state(ed, first), actor=first)
    client = Client()
    client.force_login(second)
    page = client.get(f"/learning/editions/{ed.pk}/").content.decode()
    assert 'id="offer"' in page and f"/learning/editions/{ed.pk}/accept/" in page
    r = client.post(f"/learning/editions/{ed.pk}/accept/")
    assert r.status_code == 302
    assert _state(ed, second).state == "enrolled"
    r = client.post(f"/learning/editions/{ed.pk}/accept/")
    assert r.status_code == 409


def test_the_coordinator_sets_how_long_an_offer_lasts_and_bad_values_are_refused(coordinator):
    from .helpers import practitioner

    trainer = practitioner(trainer=True)
    client = Client()
    client.force_login(coordinator)
    today = timezone.localdate()
    data = {
        "course_title": "Kurs (test)",
        "name": "Edycja krótka",
        "starts_on": today.isoformat(),
        "ends_on": (today + dt.timedelta(days=30)).isoformat(),
        "capacity": "1",
        "min_attendance_percent": "80",
        "trainers": [trainer.pk],
    }
    r = client.post("/learning/editions/new/", {**data, "offer_hours": "0"})
    assert r.status_code == 422
    r = client.post("/learning/editions/new/", {**data, "offer_hours": "6"})
    assert r.status_code == 302
    from ostoja.learning.models import Edition

    ed = Edition.objects.get(name="Edycja krótka")
    assert ed.offer_hours == 6
    first, second = professional(), professional()
    services.enrol(ed, first, actor=first)
    services.enrol(ed, second, actor=second)
    before = timezone.now()
    offered = services.withdraw(_state(ed, first), actor=first)
    assert 5.9 < (offered.offer_expires_at - before).total_seconds() / 3600 <= 6.01
