"""Supervision for graduates: groups, bookings, attendance and the supervisor's private notes."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ostoja.audit.services import log_action

from .. import notes, permissions
from ..models import (
    SupervisionAttendance,
    SupervisionBooking,
    SupervisionEligibility,
    SupervisionGroup,
    SupervisionMeeting,
    SupervisionNote,
)
from .errors import Conflict, LearningError, NotAllowed, check_child_data


@transaction.atomic
def grant_eligibility(user, *, source_key: str) -> SupervisionEligibility:
    right, created = SupervisionEligibility.objects.get_or_create(user=user, source_key=source_key)
    if created:
        log_action(
            "learning.supervision.eligible", actor=None, target=user, data={"source": source_key}
        )
    return right


def is_eligible(user) -> bool:
    """Supervision is for people who completed a training (see ``receivers.py``)."""
    return bool(getattr(user, "is_authenticated", False)) and (
        SupervisionEligibility.objects.filter(user=user).exists()
    )


@transaction.atomic
def create_group(
    *,
    actor,
    title: str,
    supervisor,
    max_size: int,
    first_meeting: dt.datetime,
    every_weeks: int = 4,
    meetings_count: int = 6,
    duration_minutes: int = 120,
    place: str = "",
) -> SupervisionGroup:
    """A group with its meetings on a recurring schedule (same wall-clock time, also across
    the change of summer time)."""
    if actor is not None and not permissions.can_manage_supervision(actor):
        raise NotAllowed(_("Only a coordinator creates supervision groups."), code="forbidden")
    if not permissions.is_supervisor(supervisor):
        raise LearningError(
            _("The supervisor must be flagged as a supervisor."), code="not_supervisor"
        )
    if not 1 <= max_size <= 100:
        raise LearningError(_("A group has 1 to 100 places."), code="invalid")
    if not 1 <= every_weeks <= 52 or not 1 <= meetings_count <= 52:
        raise LearningError(_("Meetings repeat every 1–52 weeks, 1–52 times."), code="invalid")
    if not 15 <= duration_minutes <= 600:
        raise LearningError(_("A meeting lasts 15 to 600 minutes."), code="invalid")
    if not title.strip():
        raise LearningError(_("Give the group a name."), code="invalid")
    group = SupervisionGroup.objects.create(
        title=title.strip()[:200],
        supervisor=supervisor,
        max_size=max_size,
        place=place.strip()[:300],
        first_meeting=first_meeting,
        every_weeks=every_weeks,
        meetings_count=meetings_count,
        duration_minutes=duration_minutes,
    )
    tz = timezone.get_current_timezone()
    local = first_meeting.astimezone(tz)
    for n in range(meetings_count):
        day = local.date() + dt.timedelta(weeks=n * every_weeks)
        start = dt.datetime.combine(day, local.time(), tzinfo=tz)
        SupervisionMeeting.objects.create(
            group=group, starts_at=start, ends_at=start + dt.timedelta(minutes=duration_minutes)
        )
    log_action(
        "learning.supervision.group_created",
        actor=actor,
        target=group,
        data={"supervisor": supervisor.pk, "max_size": max_size, "meetings": meetings_count},
    )
    return group


@transaction.atomic
def book_group(group: SupervisionGroup, user, *, actor) -> SupervisionBooking:
    if not is_eligible(user):
        raise NotAllowed(
            _(
                "Supervision groups are for people who have completed a training of the "
                "partnership. Complete a training edition first."
            ),
            code="not_eligible",
        )
    group = SupervisionGroup.objects.select_for_update().get(pk=group.pk)  # serialises places
    if group.bookings.filter(user=user, active=True).exists():
        raise Conflict(_("You have already booked a place in this group."), code="already_booked")
    if group.bookings.filter(active=True).count() >= group.max_size:
        raise Conflict(_("This group is full."), code="full")
    if not group.meetings.filter(starts_at__gt=timezone.now()).exists():
        raise LearningError(_("This group has no meetings ahead."), code="over", status=409)
    try:
        with transaction.atomic():
            booking = SupervisionBooking.objects.create(group=group, user=user)
    except IntegrityError:
        raise Conflict(_("You have already booked a place in this group."), code="already_booked")
    log_action(
        "learning.supervision.booked", actor=actor, target=group, data={"booking": booking.pk}
    )
    return booking


@transaction.atomic
def cancel_booking(booking: SupervisionBooking, *, actor) -> None:
    booking = SupervisionBooking.objects.select_for_update().get(pk=booking.pk)
    if (
        actor is not None
        and actor.pk != booking.user_id
        and not permissions.can_see_group(actor, booking.group)
    ):
        raise NotAllowed(_("This is not your booking."), code="forbidden")
    if not booking.active:
        return
    booking.active = False
    booking.save(update_fields=["active"])
    log_action(
        "learning.supervision.cancelled",
        actor=actor,
        target=booking.group,
        data={"booking": booking.pk},
    )


@transaction.atomic
def mark_meeting_attendance(meeting: SupervisionMeeting, *, actor, present_ids) -> int:
    group = meeting.group
    if actor is not None and not permissions.can_keep_notes(actor, group):
        raise NotAllowed(_("Only the group's supervisor marks attendance."), code="forbidden")
    present_ids = {int(i) for i in present_ids}
    bookings = list(group.bookings.filter(active=True))
    if present_ids - {b.pk for b in bookings}:
        raise LearningError(_("Someone marked present has no place in this group."), code="unknown")
    for b in bookings:
        SupervisionAttendance.objects.update_or_create(
            meeting=meeting, booking=b, defaults={"present": b.pk in present_ids}
        )
    log_action(
        "learning.supervision.attendance_marked",
        actor=actor,
        target=group,
        data={"meeting": meeting.pk, "present": len(present_ids), "booked": len(bookings)},
    )
    return len(present_ids)


MAX_NOTE = 20000


@transaction.atomic
def add_note(
    meeting: SupervisionMeeting, *, actor, text: str, confirmed: bool = False
) -> SupervisionNote:
    """Store the supervisor's note, encrypted. The text is checked for child-identifying data
    first; it never enters the audit log (only its length and the kinds confirmed)."""
    if not permissions.can_keep_notes(actor, meeting.group):
        raise NotAllowed(_("Only the group's supervisor keeps notes."), code="forbidden")
    text = (text or "").strip()
    if not text:
        raise LearningError(_("The note is empty."), code="empty")
    if len(text) > MAX_NOTE:
        raise LearningError(_("A note has at most 20,000 characters."), code="too_long")
    flags = check_child_data(text, confirmed=confirmed)
    note = SupervisionNote.objects.create(
        meeting=meeting, author=actor, body_encrypted=notes.seal(text), flags=flags
    )
    log_action(
        "learning.supervision.note_added",
        actor=actor,
        target=meeting.group,
        data={"meeting": meeting.pk, "flags": flags},
    )
    return note


def read_notes(meeting: SupervisionMeeting, user) -> list[tuple[SupervisionNote, str]]:
    """The notes of a meeting, decrypted — for their author only."""
    if not permissions.can_keep_notes(user, meeting.group):
        raise NotAllowed(_("Only the group's supervisor reads the notes."), code="forbidden")
    return [(n, notes.open_(n.body_encrypted)) for n in meeting.notes.filter(author=user)]
