"""Supervision: only graduates book, groups never overfill, notes stay the supervisor's own."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.urls import reverse

from ostoja.audit.models import AuditEntry
from ostoja.learning import services
from ostoja.learning.models import SupervisionBooking, SupervisionNote
from ostoja.learning.services import ChildDataFound, Conflict, NotAllowed
from tests.conftest import login, make_user

from .helpers import graduate, group, practitioner, professional

pytestmark = pytest.mark.django_db
PESEL = "44051401359"  # a valid PESEL (check digit correct), the common test number


def test_booking_without_a_completed_training_is_refused():
    g = group()
    user = professional()
    with pytest.raises(NotAllowed) as exc:
        services.book_group(g, user, actor=user)
    assert exc.value.code == "not_eligible"
    assert not SupervisionBooking.objects.exists()


def test_booking_through_the_page_without_training_is_refused_with_403(client):
    g = group()
    user = professional()
    login(client, user)
    response = client.post(reverse("learning:group_book", args=[g.pk]))
    assert response.status_code == 403
    assert (
        "ukończyły szkolenie" in response.content.decode()
        or "completed a training" in response.content.decode()
    )
    assert not SupervisionBooking.objects.exists()


def test_a_graduate_books_once_and_the_group_never_overfills():
    g = group(max_size=1)
    first, _ = graduate()
    second, _ = graduate()
    services.book_group(g, first, actor=first)
    with pytest.raises(Conflict):
        services.book_group(g, first, actor=first)
    with pytest.raises(Conflict) as exc:
        services.book_group(g, second, actor=second)
    assert exc.value.code == "full"
    assert g.bookings.filter(active=True).count() == 1


def test_meetings_follow_the_recurring_schedule_in_wall_clock_time():
    supervisor = practitioner(supervisor=True)
    # 17:00 on the Monday before the change to winter time (2026-10-25), every week, 2 times.
    from django.utils import timezone

    tz = timezone.get_current_timezone()
    first = dt.datetime(2026, 10, 19, 17, 0, tzinfo=tz)
    g = services.create_group(
        actor=None,
        title="G",
        supervisor=supervisor,
        max_size=3,
        first_meeting=first,
        every_weeks=1,
        meetings_count=2,
    )
    local = [timezone.localtime(m.starts_at) for m in g.meetings.all()]
    assert [(m.date().isoformat(), m.hour) for m in local] == [
        ("2026-10-19", 17),
        ("2026-10-26", 17),
    ]


def test_notes_are_encrypted_and_readable_only_by_the_supervisor():
    supervisor = practitioner(supervisor=True)
    g = group(supervisor=supervisor)
    meeting = g.meetings.first()
    services.add_note(meeting, actor=supervisor, text="Omówiliśmy trudną interwencję.")
    stored = SupervisionNote.objects.get()
    assert "interwencj" not in stored.body_encrypted
    with connection.cursor() as cur:
        cur.execute("SELECT body_encrypted FROM learning_supervisionnote")
        assert "interwencj" not in cur.fetchone()[0]
    assert [t for _, t in services.read_notes(meeting, supervisor)] == [
        "Omówiliśmy trudną interwencję."
    ]
    coordinator = make_user("coordinator")
    with pytest.raises(NotAllowed):
        services.read_notes(meeting, coordinator)
    with pytest.raises(NotAllowed):
        services.add_note(meeting, actor=coordinator, text="x")
    entry = AuditEntry.objects.get(action="learning.supervision.note_added")
    assert "interwencj" not in str(entry.data)


def test_a_note_with_a_pesel_is_refused_even_when_confirmed():
    supervisor = practitioner(supervisor=True)
    meeting = group(supervisor=supervisor).meetings.first()
    with pytest.raises(ChildDataFound) as exc:
        services.add_note(meeting, actor=supervisor, text=f"Dziecko PESEL {PESEL}", confirmed=True)
    assert exc.value.blocking and exc.value.kinds == ["pesel"]
    assert not SupervisionNote.objects.exists()


def test_a_phone_number_needs_confirmation_and_is_flagged():
    supervisor = practitioner(supervisor=True)
    meeting = group(supervisor=supervisor).meetings.first()
    text = "Telefon zaufania poradni: 601 234 567"
    with pytest.raises(ChildDataFound) as exc:
        services.add_note(meeting, actor=supervisor, text=text)
    assert not exc.value.blocking
    note = services.add_note(meeting, actor=supervisor, text=text, confirmed=True)
    assert note.flags == ["phone"]


def test_coordinator_sees_dates_and_attendance_never_notes(client):
    supervisor = practitioner(supervisor=True)
    g = group(supervisor=supervisor)
    user, _ = graduate()
    booking = services.book_group(g, user, actor=user)
    meeting = g.meetings.first()
    services.mark_meeting_attendance(meeting, actor=supervisor, present_ids=[booking.pk])
    services.add_note(meeting, actor=supervisor, text="Tajna notatka superwizora")
    login(client, make_user("coordinator"))
    page = client.get(reverse("learning:group", args=[g.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert str(user) in body and "Tajna" not in body
    assert client.get(reverse("learning:meeting", args=[meeting.pk])).status_code == 404
    login(client, supervisor)
    notes = client.get(reverse("learning:meeting", args=[meeting.pk]))
    assert "Tajna notatka superwizora" in notes.content.decode()
    assert notes["Cache-Control"] == "no-store"


def test_note_form_with_pesel_answers_422_and_saves_nothing(client):
    supervisor = practitioner(supervisor=True)
    meeting = group(supervisor=supervisor).meetings.first()
    login(client, supervisor)
    response = client.post(
        reverse("learning:meeting", args=[meeting.pk]),
        {"text": f"PESEL {PESEL}", "confirm_child_data": "on"},
    )
    assert response.status_code == 422
    assert "PESEL" in response.content.decode()
    assert PESEL not in response.content.decode().replace(f"PESEL {PESEL}</textarea>", "")
    assert not SupervisionNote.objects.exists()
