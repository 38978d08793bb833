"""Consultations: slots with buffers, booking never twice, rescheduling keeps the expert, .ics,
the written thread stays in the platform, reminders, statistics without content."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from icalendar import Calendar

from ostoja.learning import services, slots
from ostoja.learning.models import ConsultationBooking, ConsultationMessage, ConsultationRequest
from ostoja.learning.services import ChildDataFound, Conflict, LearningError, NotAllowed
from ostoja.outbox.models import OutboxMessage
from tests.conftest import login, make_user

from .helpers import expert, partner_org, professional

pytestmark = pytest.mark.django_db
PESEL = "44051401359"
WARSAW = ZoneInfo("Europe/Warsaw")


# --- the pure core --------------------------------------------------------------------------


def test_windows_are_cut_into_slots_with_buffers():
    w = slots.Window(0, dt.time(9), dt.time(12), 45, 15)
    start = dt.datetime(2027, 3, 1, 0, 0, tzinfo=WARSAW)  # a Monday
    got = slots.weekly_slots([w], start=start, days=0, tz=WARSAW)
    assert [s.starts_at.strftime("%H:%M") for s in got] == ["09:00", "10:00", "11:00"]
    assert got[-1].ends_at.strftime("%H:%M") == "11:45"


def test_taken_slots_and_past_slots_are_not_offered():
    w = slots.Window(0, dt.time(9), dt.time(12), 45, 15)
    start = dt.datetime(2027, 3, 1, 9, 30, tzinfo=WARSAW)
    taken = [
        (
            dt.datetime(2027, 3, 1, 10, 0, tzinfo=WARSAW),
            dt.datetime(2027, 3, 1, 10, 45, tzinfo=WARSAW),
        )
    ]
    got = slots.weekly_slots([w], start=start, days=7, tz=WARSAW, taken=taken)
    times = [s.starts_at.strftime("%d %H:%M") for s in got]
    assert times == ["01 11:00", "08 09:00", "08 10:00", "08 11:00"]


def test_slots_keep_wall_clock_time_across_summer_time():
    w = slots.Window(6, dt.time(9), dt.time(10), 60, 0)  # Sundays 9:00
    start = dt.datetime(2027, 3, 27, tzinfo=WARSAW)  # summer time starts on 28 March 2027
    got = slots.weekly_slots([w], start=start, days=1, tz=WARSAW)
    assert [s.starts_at.utcoffset() for s in got] == [dt.timedelta(hours=2)]
    assert got[0].starts_at.hour == 9


def test_is_offered_only_for_exact_slot_starts():
    w = slots.Window(0, dt.time(9), dt.time(12), 45, 15)
    assert slots.is_offered([w], dt.datetime(2027, 3, 1, 10, 0, tzinfo=WARSAW), tz=WARSAW)
    assert slots.is_offered([w], dt.datetime(2027, 3, 1, 10, 15, tzinfo=WARSAW), tz=WARSAW) is None
    assert slots.is_offered([w], dt.datetime(2027, 3, 2, 10, 0, tzinfo=WARSAW), tz=WARSAW) is None


# --- requests and booking -------------------------------------------------------------------


def _ask(user, channel="phone", topic="diagnosis", **kwargs):
    org = user.memberships.first().organisation
    return services.ask_consultation(
        actor=user,
        organisation=org,
        topic=topic,
        urgency="normal",
        channel=channel,
        subject="Jak rozmawiać z rodzicem po ujawnieniu?",
        **kwargs,
    )


def _mails_to(address):
    return [m for m in OutboxMessage.objects.order_by("pk") if address in m.recipients]


def _first_slot(request):
    [(who, free)] = services.free_slots(request)
    return who, free[0]


def test_only_professionals_of_member_organisations_ask():
    outsider = make_user("authority_officer")
    org = outsider.memberships.first().organisation
    with pytest.raises(NotAllowed):
        services.ask_consultation(
            actor=outsider,
            organisation=org,
            topic="legal",
            urgency="normal",
            channel="phone",
            subject="x",
        )
    # A member asking on behalf of an organisation that is not theirs.
    member = professional()
    with pytest.raises(NotAllowed):
        services.ask_consultation(
            actor=member,
            organisation=partner_org(),
            topic="legal",
            urgency="normal",
            channel="phone",
            subject="x",
        )
    assert not ConsultationRequest.objects.exists()


def test_phone_consultation_is_booked_and_both_get_an_ics_invitation():
    ex = expert(areas=["diagnosis"])
    expert(areas=["legal"])  # does not match the topic
    user = professional(full_name="Paula Profesjonalna")
    request = _ask(user)
    offers = services.free_slots(request)
    assert [e for e, _ in offers] == [ex]
    who, slot = _first_slot(request)
    booking = services.book_consultation(request, actor=user, expert=who, starts_at=slot.starts_at)
    request.refresh_from_db()
    assert request.state == "booked" and request.expert == ex
    mails = _mails_to(user.email) + _mails_to(ex.email)
    assert len(mails) == 2
    for mail in mails:
        [attachment] = mail.attachments
        cal = Calendar.from_ical(attachment["content"])
        [event] = cal.walk("VEVENT")
        assert event.decoded("dtstart") == booking.starts_at
        assert {str(a) for a in event.get("attendee")} == {
            f"mailto:{user.email}",
            f"mailto:{ex.email}",
        }
        assert (
            request.subject not in mail.body_text and request.subject not in attachment["content"]
        )
    # The slot is gone from the offer.
    assert slot not in services.expert_slots(ex)


def test_a_slot_just_taken_is_refused_with_409():
    ex = expert()
    first, second = professional(), professional()
    r1, r2 = _ask(first), _ask(second)
    _, slot = _first_slot(r1)
    services.book_consultation(r1, actor=first, expert=ex, starts_at=slot.starts_at)
    with pytest.raises(Conflict) as exc:
        services.book_consultation(r2, actor=second, expert=ex, starts_at=slot.starts_at)
    assert exc.value.status == 409 and exc.value.code == "slot_taken"
    assert ConsultationBooking.objects.filter(active=True).count() == 1
    r2.refresh_from_db()
    assert r2.state == "waiting" and r2.expert is None


def test_the_same_slot_through_the_page_answers_409(client):
    ex = expert()
    first, second = professional(), professional()
    r1, r2 = _ask(first), _ask(second)
    _, slot = _first_slot(r1)
    services.book_consultation(r1, actor=first, expert=ex, starts_at=slot.starts_at)
    login(client, second)
    response = client.post(
        reverse("learning:consultation_book", args=[r2.pk]),
        {"expert": ex.pk, "starts_at": slot.starts_at.isoformat()},
    )
    assert response.status_code == 409
    assert "zajęty" in response.content.decode()


@pytest.mark.parametrize(
    "data",
    [
        {"expert": "x", "starts_at": "2027-01-01T10:00:00+01:00"},
        {"expert": "1", "starts_at": "not a date"},
        {"expert": "1", "starts_at": "2027-01-01T10:00:00"},  # no time zone
        {},
    ],
)
def test_malformed_booking_input_answers_4xx(client, data):
    ex = expert()
    user = professional()
    request = _ask(user)
    if data.get("expert") == "1":
        data = {**data, "expert": ex.pk}
    login(client, user)
    response = client.post(reverse("learning:consultation_book", args=[request.pk]), data)
    assert 400 <= response.status_code < 500
    assert not ConsultationBooking.objects.exists()


def test_a_time_the_expert_does_not_offer_is_refused():
    ex = expert()
    user = professional()
    request = _ask(user)
    _, slot = _first_slot(request)
    with pytest.raises(LearningError) as exc:
        services.book_consultation(
            request, actor=user, expert=ex, starts_at=slot.starts_at + dt.timedelta(minutes=20)
        )
    assert exc.value.code == "not_offered"


def test_rescheduling_keeps_the_expert_and_updates_the_same_calendar_event():
    ex = expert(areas=["diagnosis"])
    other = expert(areas=["diagnosis"])
    user = professional()
    request = _ask(user)
    offers = dict(services.free_slots(request))
    first = offers[ex][0]
    services.book_consultation(request, actor=user, expert=ex, starts_at=first.starts_at)
    request.refresh_from_db()
    assert [e for e, _ in services.free_slots(request)] == [ex]
    with pytest.raises(LearningError) as exc:
        services.book_consultation(
            request, actor=user, expert=other, starts_at=offers[other][0].starts_at
        )
    assert exc.value.code == "other_expert"
    later = services.expert_slots(ex)[1]
    services.book_consultation(request, actor=user, expert=ex, starts_at=later.starts_at)
    active = ConsultationBooking.objects.get(request=request, active=True)
    assert active.starts_at == later.starts_at
    assert first.starts_at in {s.starts_at for s in services.expert_slots(ex)}  # freed again
    invitations = [
        Calendar.from_ical(m.attachments[0]["content"]).walk("VEVENT")[0]
        for m in _mails_to(user.email)
    ]
    assert len({str(e["uid"]) for e in invitations}) == 1
    assert [int(e["sequence"]) for e in invitations] == [0, 1]


def test_only_the_asker_books():
    ex = expert()
    user = professional()
    request = _ask(user)
    _, slot = _first_slot(request)
    with pytest.raises(NotAllowed):
        services.book_consultation(request, actor=ex, expert=ex, starts_at=slot.starts_at)


def test_written_consultation_runs_in_the_platform_and_mails_only_notify():
    ex = expert(areas=["psychological"])
    user = professional()
    request = _ask(
        user, channel="email", topic="psychological", message="Pytanie o wsparcie terapeutyczne."
    )
    assert request.expert == ex
    services.post_message(
        request, actor=ex, body="Odpowiedź eksperta: proponuję kontakt z poradnią."
    )
    request.refresh_from_db()
    assert request.state == "answered" and request.first_response_at is not None
    assert ConsultationMessage.objects.filter(request=request).count() == 2
    for mail in OutboxMessage.objects.all():
        assert "terapeutyczne" not in mail.body_text and "poradnią" not in mail.body_text
        assert request.subject not in mail.body_text and request.subject not in mail.subject
    stranger = professional()
    with pytest.raises(NotAllowed):
        services.post_message(request, actor=stranger, body="Wtrącam się")


def test_messages_with_a_pesel_are_refused_and_other_findings_need_confirmation():
    ex = expert(areas=["diagnosis"])
    user = professional()
    with pytest.raises(ChildDataFound):
        _ask(user, channel="email", message=f"Dziecko ma PESEL {PESEL}", confirmed=True)
    assert not ConsultationRequest.objects.exists()
    request = _ask(user, channel="email", message="Pytanie ogólne.")
    with pytest.raises(ChildDataFound) as exc:
        services.post_message(request, actor=ex, body=f"PESEL {PESEL}", confirmed=True)
    assert exc.value.blocking
    with pytest.raises(ChildDataFound) as exc:
        services.post_message(request, actor=ex, body="Jan Kowalski ur. 3.05.2015 — czy to on?")
    assert not exc.value.blocking
    assert ConsultationMessage.objects.filter(request=request).count() == 1


def test_reply_form_with_a_pesel_answers_422(client):
    expert(areas=["diagnosis"])
    user = professional()
    request = _ask(user, channel="email", message="Pytanie ogólne.")
    login(client, user)
    response = client.post(
        reverse("learning:consultation_reply", args=[request.pk]), {"body": f"PESEL {PESEL}"}
    )
    assert response.status_code == 422
    assert ConsultationMessage.objects.filter(request=request).count() == 1


def test_nobody_else_reads_a_consultation(client):
    expert(areas=["diagnosis"])
    user = professional()
    request = _ask(user, channel="email", message="Pytanie ogólne.")
    url = reverse("learning:consultation", args=[request.pk])
    for intruder in (professional(), expert(areas=["diagnosis"])):
        login(client, intruder)
        assert client.get(url).status_code == 404
    login(client, make_user("coordinator"))  # statistics only, never a consultation
    assert client.get(url).status_code == 403


def test_reminders_go_once_a_day_before():
    ex = expert()
    user = professional()
    request = _ask(user)
    _, slot = _first_slot(request)
    booking = services.book_consultation(request, actor=user, expert=ex, starts_at=slot.starts_at)
    before = OutboxMessage.objects.count()
    assert services.send_reminders(now=booking.starts_at - dt.timedelta(hours=30)) == 0
    assert services.send_reminders(now=booking.starts_at - dt.timedelta(hours=20)) == 1
    assert services.send_reminders(now=booking.starts_at - dt.timedelta(hours=10)) == 0
    assert OutboxMessage.objects.count() == before + 2


def test_statistics_count_topics_voivodeships_and_waiting_without_content():
    ex = expert(areas=["diagnosis", "legal"])
    a = professional(org=partner_org(voivodeship="14"))
    b = professional(org=partner_org(voivodeship="12"))
    r1 = _ask(a, channel="email", message="Treść pytania A")
    _ask(b, channel="email", topic="legal", message="Treść pytania B")
    services.post_message(r1, actor=ex, body="Odpowiedź")
    stats = services.consultation_statistics()
    assert stats["by_topic"] == {"diagnosis": 1, "legal": 1}
    assert stats["by_voivodeship"] == {"14": 1, "12": 1}
    assert "diagnosis" in stats["median_wait_hours"] and "legal" not in stats["median_wait_hours"]
    assert "Treść" not in str(stats)


def test_ics_download_is_for_the_two_people_only(client):
    ex = expert()
    user = professional()
    request = _ask(user)
    _, slot = _first_slot(request)
    services.book_consultation(request, actor=user, expert=ex, starts_at=slot.starts_at)
    url = reverse("learning:consultation_ics", args=[request.pk])
    for who in (user, ex):
        login(client, who)
        response = client.get(url)
        assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
        Calendar.from_ical(response.content)
    login(client, professional())
    assert client.get(url).status_code == 404


def test_availability_bad_input(client):
    ex = expert()
    login(client, ex)
    response = client.post(
        reverse("learning:availability"),
        {
            "slot_minutes": "45",
            "buffer_minutes": "15",
            "start_0": "12:00",
            "end_0": "09:00",
            "start_1": "10:00",
        },
    )
    assert response.status_code == 422
    assert ex.availability.count() == 7  # unchanged


def test_a_written_consultation_without_an_expert_goes_to_the_next_one_flagged():
    user = professional()
    request = _ask(user, channel="email", topic="legal", message="Pytanie prawne.")
    assert request.expert is None
    ex = expert(areas=["legal"])
    request.refresh_from_db()
    assert request.expert == ex
    assert _mails_to(ex.email)
