"""Check-in: every answer of the redeem logic, nonce replay, offline scans in scan order,
corrections and the certificates of attendance that follow them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

from ostoja.certificates.models import Certificate
from ostoja.events import tickets
from ostoja.events.models import Checkin, Scan
from ostoja.events.services import cancel_registration, register
from ostoja.events.services.certificates import attendance_items, issue_all
from ostoja.events.services.checkin import correct_checkin, redeem, redeem_batch

from .helpers import conference, lists

pytestmark = pytest.mark.django_db


@pytest.fixture
def conf():
    event, category, (w1, w2) = conference(seats=3, workshop_seats=5)
    day1, day2, workshops = lists(event)
    return event, category, w1, w2, day1, day2, workshops


def person(event, category, n, **kw):
    return register(
        event=event, category=category, name=f"Uczestnik {n}", email=f"u{n}@example.com", **kw
    )


def test_ok_then_already_redeemed_with_when_and_where(conf):
    event, category, w1, _, day1, _, _ = conf
    registration, secret = person(event, category, 1)
    first = redeem(day1, secret=secret, gate="Wejście A")
    assert first["status"] == "ok" and first["position"]["attendee_name"] == "Uczestnik 1"
    second = redeem(day1, secret=secret, gate="Wejście B")
    assert second["status"] == "error" and second["reason"] == "already_redeemed"
    assert second["first_checkin"]["gate"] == "Wejście A"
    assert dt.datetime.fromisoformat(second["first_checkin"]["at"])
    assert Checkin.objects.count() == 1


@pytest.mark.parametrize(
    "secret",
    ["", "A" * 32, "not a secret", "ł" * 40, "0" * 500, "<script>", tickets.secret_for("forged")],
)
def test_forged_or_malformed_secrets_are_invalid(conf, secret):
    event, category, _, _, day1, _, _ = conf
    person(event, category, 1)
    answer = redeem(day1, secret=secret)
    assert answer == {**answer, "status": "error", "reason": "invalid", "position": None}
    assert not Checkin.objects.exists()


def test_a_ticket_of_another_event_is_invalid(conf):
    event, category, _, _, day1, _, _ = conf
    other_event, other_category, _ = conference()
    _, secret = person(other_event, other_category, 9)
    assert redeem(day1, secret=secret)["reason"] == "invalid"


def test_cancelled_ticket_is_invalid(conf):
    event, category, _, _, day1, _, _ = conf
    registration, secret = person(event, category, 1)
    cancel_registration(registration)
    assert redeem(day1, secret=secret)["reason"] == "invalid"


def test_waiting_list_secret_is_invalid(conf):
    event, category, _, _, day1, _, _ = conf
    for n in range(3):
        person(event, category, n)
    _, secret = person(event, category, 3)
    assert redeem(day1, secret=secret)["reason"] == "invalid"


def test_unapproved():
    event, category, _ = conference(approval=True)
    day1, _, _ = lists(event)
    _, secret = register(event=event, category=category, name="A", email="a@example.com")
    assert redeem(day1, secret=secret)["reason"] == "unapproved"


def test_wrong_list_for_a_workshop_not_booked(conf):
    event, category, w1, w2, day1, _, workshops = conf
    _, secret = person(event, category, 1, workshops=[w1])
    assert redeem(workshops["Warsztat B"], secret=secret)["reason"] == "wrong_list"
    assert redeem(workshops["Warsztat A"], secret=secret)["status"] == "ok"


def test_wrong_list_for_a_category_not_on_it(conf):
    event, category, _, _, day1, _, _ = conf
    from ostoja.events.services import programme

    press = programme.add_category(event, "Prasa", 5)
    day1.categories.set([press])
    _, secret = person(event, category, 1)
    assert redeem(day1, secret=secret)["reason"] == "wrong_list"


def test_a_replayed_nonce_returns_the_first_answer(conf):
    event, category, _, _, day1, _, _ = conf
    _, secret = person(event, category, 1)
    first = redeem(day1, secret=secret, nonce="n-1")
    replay = redeem(day1, secret=secret, nonce="n-1")
    assert first["status"] == "ok"
    assert replay == first  # not "already_redeemed": the client just did not hear the answer
    other = redeem(day1, secret=secret, nonce="n-2")
    assert other["reason"] == "already_redeemed"
    assert Scan.objects.count() == 2


def test_bad_nonce_and_future_time_are_refused(conf):
    from ostoja.events.services import EventError

    event, category, _, _, day1, _, _ = conf
    _, secret = person(event, category, 1)
    with pytest.raises(EventError):
        redeem(day1, secret=secret, nonce="x" * 191)
    with pytest.raises(EventError):
        redeem(day1, secret=secret, at=timezone.now() + dt.timedelta(hours=1))
    with pytest.raises(EventError):
        redeem(day1, secret=secret, at=dt.datetime(2026, 1, 1, 9, 0))  # naive
    assert not Checkin.objects.exists()


def test_offline_scan_made_earlier_becomes_the_record(conf):
    event, category, _, _, day1, _, _ = conf
    _, secret = person(event, category, 1)
    online = redeem(day1, secret=secret, gate="Online")
    assert online["status"] == "ok"
    earlier = timezone.now() - dt.timedelta(minutes=30)
    offline = redeem(day1, secret=secret, gate="Skaner offline", at=earlier, nonce="off-1")
    assert offline["status"] == "ok"
    record = Checkin.objects.get()
    assert record.gate == "Skaner offline" and record.offline and record.at == earlier
    later = redeem(
        day1, secret=secret, gate="Skaner 3", at=timezone.now() - dt.timedelta(minutes=1)
    )
    assert later["reason"] == "already_redeemed"
    assert later["first_checkin"]["gate"] == "Skaner offline"


def test_offline_batch_is_resolved_in_scan_order(conf):
    event, category, _, _, day1, _, _ = conf
    _, secret = person(event, category, 1)
    now = timezone.now()
    scans = [
        {"secret": secret, "nonce": "b-2", "at": now - dt.timedelta(minutes=5), "gate": "B"},
        {"secret": secret, "nonce": "b-1", "at": now - dt.timedelta(minutes=10), "gate": "A"},
        {"secret": "FORGED", "nonce": "b-3", "at": now - dt.timedelta(minutes=1), "gate": "A"},
    ]
    answers = redeem_batch(day1, scans)
    assert [a["status"] for a in answers] == ["error", "ok", "error"]
    assert answers[0]["reason"] == "already_redeemed" and answers[0]["first_checkin"]["gate"] == "A"
    assert answers[2]["reason"] == "invalid"
    assert Checkin.objects.get().gate == "A"


def test_certificate_covers_exactly_what_was_attended_and_is_reissued_on_correction(
    conf, django_user_model
):
    event, category, w1, _, day1, day2, workshops = conf
    registration, secret = person(event, category, 1, workshops=[w1])
    redeem(day1, secret=secret)
    redeem(workshops["Warsztat A"], secret=secret)
    with translation.override("en"):
        items = attendance_items(registration)
    assert [(i["label"], i["hours"]) for i in items] == [
        (day1.day.title or f"Day {day1.day.date.isoformat()}", 3.0),
        ("Workshop: Warsztat A", 2.0),
    ]
    assert issue_all(event) == 1
    first = Certificate.objects.get(source_key=f"events.registration:{registration.pk}")
    assert float(first.hours) == 5.0
    organiser = django_user_model.objects.create_user(email="org@example.com", password="x")
    correct_checkin(
        day2, registration, present=True, actor=organiser, reason="Lista papierowa, dzień 2"
    )
    first.refresh_from_db()
    assert first.state == "superseded"
    current = Certificate.objects.get(
        source_key=f"events.registration:{registration.pk}", state="valid"
    )
    assert float(current.hours) == 9.0
    assert len(current.items) == 3
    # Issuing again with nothing changed returns the same certificate.
    issue_all(event)
    assert (
        Certificate.objects.filter(source_key=f"events.registration:{registration.pk}").count() == 2
    )


def test_no_certificate_without_check_in(conf):
    event, category, _, _, _, _, _ = conf
    person(event, category, 1)
    assert issue_all(event) == 0
    assert not Certificate.objects.exists()


def test_correction_needs_a_reason(conf, django_user_model):
    from ostoja.events.services import EventError

    event, category, _, _, day1, _, _ = conf
    registration, _ = person(event, category, 1)
    with pytest.raises(EventError):
        correct_checkin(day1, registration, present=True, actor=None, reason="")
