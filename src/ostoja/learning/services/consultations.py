"""Consultations with experts: requests, availability, booking a slot, the written thread,
reminders and statistics.

E-mails only *notify* ("you have a new message", "your consultation is booked for …"): the
subject and the messages stay inside the platform, readable only by the person who asked and
the expert.
"""

from __future__ import annotations

import datetime as dt
import statistics as pystats
from collections import Counter, defaultdict

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ostoja.audit.services import log_action
from ostoja.network import membership
from ostoja.organisations.models import Organisation
from ostoja.outbox.services import enqueue_email

from .. import ics, permissions, slots
from ..models import (
    AvailabilityRule,
    ConsultationBooking,
    ConsultationMessage,
    ConsultationRequest,
    Practitioner,
    Topic,
)
from .errors import Conflict, LearningError, NotAllowed, check_child_data

Channel = ConsultationRequest.Channel
State = ConsultationRequest.State
BOOKING_HORIZON_DAYS = 28
MIN_NOTICE = dt.timedelta(hours=2)  # no slot is offered closer than this to now
REMIND_BEFORE = dt.timedelta(hours=24)
MAX_MESSAGE = 10000


def _tz():
    return timezone.get_current_timezone()


def _url(request: ConsultationRequest, language: str) -> str:
    with translation.override(language):
        path = reverse("learning:consultation", args=[request.pk])
    return f"{settings.SITE_URL}{path}"


def _notify(request, user, *, key: str, subject, body, attachments=()) -> None:
    """An e-mail that says *that* something happened, never what was written."""
    language = getattr(user, "language", "") or settings.LANGUAGE_CODE
    with translation.override(language):
        subject_text = str(subject())
        body_text = str(body()) + "\n\n" + _url(request, language) + "\n"
    enqueue_email(
        dedup_key=f"learning:consultation:{request.pk}:{key}:{user.pk}",
        to=[user.email],
        subject=subject_text,
        body_text=body_text,
        attachments=list(attachments),
        language=language,
        related=request,
    )


# --- experts ----------------------------------------------------------------------------------


@transaction.atomic
def set_availability(expert, *, actor, rules) -> list[AvailabilityRule]:
    """Replace the expert's weekly windows. ``rules``: dicts with ``weekday`` (0 = Monday),
    ``start_time``, ``end_time``, ``slot_minutes``, ``buffer_minutes``."""
    if actor is not None and actor.pk != expert.pk and not permissions.is_coordinator(actor):
        raise NotAllowed(_("Experts declare their own availability."), code="forbidden")
    if not permissions.is_expert(expert):
        raise LearningError(_("This person is not flagged as an expert."), code="not_expert")
    clean = []
    for r in rules:
        weekday, start, end = int(r["weekday"]), r["start_time"], r["end_time"]
        slot, buffer = int(r.get("slot_minutes", 45)), int(r.get("buffer_minutes", 15))
        if not 0 <= weekday <= 6:
            raise LearningError(_("There is no such weekday."), code="invalid_weekday")
        if end <= start:
            raise LearningError(_("A window ends after it starts."), code="invalid_times")
        if not 15 <= slot <= 240 or not 0 <= buffer <= 120:
            raise LearningError(
                _("A consultation lasts 15–240 minutes, with a break of 0–120 minutes."),
                code="invalid_length",
            )
        clean.append(
            AvailabilityRule(
                expert=expert,
                weekday=weekday,
                start_time=start,
                end_time=end,
                slot_minutes=slot,
                buffer_minutes=buffer,
            )
        )
    # Lock the expert while the windows change, as booking does.
    Practitioner.objects.select_for_update().get(user=expert)
    AvailabilityRule.objects.filter(expert=expert).delete()
    created = AvailabilityRule.objects.bulk_create(clean)
    log_action(
        "learning.expert.availability_set",
        actor=actor,
        target=expert,
        data={"windows": len(created)},
    )
    return created


def _windows(expert) -> list[slots.Window]:
    return [
        slots.Window(r.weekday, r.start_time, r.end_time, r.slot_minutes, r.buffer_minutes)
        for r in AvailabilityRule.objects.filter(expert=expert)
    ]


def matching_experts(topic: str):
    """Experts whose areas include the topic (areas are a short list: filtered in Python, the
    same on SQLite and PostgreSQL)."""
    return [
        p.user
        for p in Practitioner.objects.filter(is_expert=True, user__is_active=True).select_related(
            "user"
        )
        if topic in (p.areas or [])
    ]


def _taken(expert, start, end) -> list[tuple[dt.datetime, dt.datetime]]:
    return list(
        ConsultationBooking.objects.filter(
            expert=expert, active=True, ends_at__gt=start, starts_at__lt=end
        ).values_list("starts_at", "ends_at")
    )


def expert_slots(expert, *, now=None, days=BOOKING_HORIZON_DAYS) -> list[slots.Slot]:
    now = now or timezone.now()
    start = now + MIN_NOTICE
    end = now + dt.timedelta(days=days + 1)
    return slots.weekly_slots(
        _windows(expert), start=start, days=days, tz=_tz(), taken=_taken(expert, start, end)
    )


def free_slots(request: ConsultationRequest, *, now=None, days=BOOKING_HORIZON_DAYS):
    """``[(expert, [slots])]`` a request can be booked into: every matching expert's free
    slots, or only its own expert's once booked (rescheduling keeps the expert)."""
    experts = [request.expert] if request.expert_id else matching_experts(request.topic)
    return [(e, expert_slots(e, now=now, days=days)) for e in experts]


# --- requests ---------------------------------------------------------------------------------


def _least_busy(experts):
    if not experts:
        return None
    load = Counter(
        ConsultationRequest.objects.filter(
            expert__in=experts, state__in=[State.WAITING, State.BOOKED]
        ).values_list("expert_id", flat=True)
    )
    return min(experts, key=lambda e: (load[e.pk], e.pk))


@transaction.atomic
def ask_consultation(
    *,
    actor,
    organisation: Organisation,
    topic: str,
    urgency: str,
    channel: str,
    subject: str,
    message: str = "",
    confirmed: bool = False,
) -> ConsultationRequest:
    """A professional of a member organisation asks. A written consultation goes at once to
    the least busy matching expert; a phone or video one waits for the asker to book a slot."""
    if organisation.pk not in membership.partner_organisation_ids(actor):
        raise NotAllowed(
            _("Consultations are for professionals of the partnership's member organisations."),
            code="not_member",
        )
    if topic not in Topic.values:
        raise LearningError(_("Choose a topic."), code="invalid_topic")
    if urgency not in ConsultationRequest.Urgency.values:
        raise LearningError(_("Choose the urgency."), code="invalid_urgency")
    if channel not in Channel.values:
        raise LearningError(_("Choose phone, video or written."), code="invalid_channel")
    subject = " ".join((subject or "").split())
    if not subject or len(subject) > 200:
        raise LearningError(_("The subject has 1 to 200 characters."), code="invalid_subject")
    message = (message or "").strip()
    if channel == Channel.EMAIL and not message:
        raise LearningError(_("Describe your question."), code="empty_message")
    if len(message) > MAX_MESSAGE:
        raise LearningError(_("A message has at most 10,000 characters."), code="too_long")
    flags = check_child_data(f"{subject}\n{message}", confirmed=confirmed)
    expert = None
    if channel == Channel.EMAIL:
        expert = _least_busy(matching_experts(topic))
    request = ConsultationRequest.objects.create(
        requester=actor,
        organisation=organisation,
        voivodeship=organisation.voivodeship or "",
        topic=topic,
        urgency=urgency,
        channel=channel,
        subject=subject,
        expert=expert,
    )
    if message:
        ConsultationMessage.objects.create(request=request, author=actor, body=message, flags=flags)
    log_action(
        "learning.consultation.requested",
        actor=actor,
        organisation=organisation,
        target=request,
        data={
            "topic": topic,
            "channel": channel,
            "urgency": urgency,
            "expert": getattr(expert, "pk", None),
        },
    )
    if expert is not None:
        _notify(
            request,
            expert,
            key="assigned",
            subject=lambda: gettext("A written consultation is waiting for you"),
            body=lambda: (
                gettext(
                    "A professional of a member organisation asked a written consultation "
                    "(topic: %(topic)s). Sign in to read the question and answer it."
                )
                % {"topic": request.get_topic_display()}
            ),
        )
    return request


def assign_waiting_written(expert, *, actor=None) -> int:
    """Give a newly flagged expert the written consultations in their areas that found no
    expert when they were asked (oldest first)."""
    areas = (
        Practitioner.objects.filter(user=expert, is_expert=True)
        .values_list("areas", flat=True)
        .first()
    ) or []
    waiting = (
        ConsultationRequest.objects.select_for_update()
        .filter(channel=Channel.EMAIL, expert__isnull=True, state=State.WAITING, topic__in=areas)
        .order_by("created_at", "pk")
    )
    n = 0
    for request in waiting:
        request.expert = expert
        request.save(update_fields=["expert"])
        log_action(
            "learning.consultation.assigned",
            actor=actor,
            organisation=request.organisation,
            target=request,
            data={"expert": expert.pk},
        )
        _notify(
            request,
            expert,
            key="assigned",
            subject=lambda: gettext("A written consultation is waiting for you"),
            body=lambda request=request: (
                gettext(
                    "A professional of a member organisation asked a written consultation "
                    "(topic: %(topic)s). Sign in to read the question and answer it."
                )
                % {"topic": request.get_topic_display()}
            ),
        )
        n += 1
    return n


def _invite(request, booking, *, key: str, rescheduled: bool) -> None:
    invitation = ics.consultation_invitation(booking)
    attachment = {"name": "konsultacja.ics", "content_type": "text/calendar", "content": invitation}
    for user in (request.requester, booking.expert):

        def subject():
            return (
                gettext("Consultation moved to %(when)s")
                if rescheduled
                else gettext("Consultation booked for %(when)s")
            ) % {"when": date_format(timezone.localtime(booking.starts_at), "DATETIME_FORMAT")}

        def body(user=user):
            other = booking.expert if user.pk == request.requester_id else request.requester
            return gettext(
                "Consultation (%(channel)s) with %(other)s on %(when)s. The calendar invitation "
                "is attached. Details and the way to connect are on the consultation's page."
            ) % {
                "channel": request.get_channel_display(),
                "other": other,
                "when": date_format(timezone.localtime(booking.starts_at), "DATETIME_FORMAT"),
            }

        _notify(request, user, key=key, subject=subject, body=body, attachments=[attachment])


@transaction.atomic
def book_consultation(
    request: ConsultationRequest, *, actor, expert, starts_at: dt.datetime, now=None
):
    """Book (or move) a phone or video consultation into a free slot of a matching expert.

    A slot is never given twice: the expert's row is locked while the slot is checked and
    taken (two people booking the same expert wait for each other), and the database refuses
    a second active booking of the same expert and start (the unique constraint) even if the
    lock were bypassed. Rescheduling keeps the expert.
    """
    now = now or timezone.now()
    request = ConsultationRequest.objects.select_for_update().get(pk=request.pk)
    if actor.pk != request.requester_id:
        raise NotAllowed(_("Only the person who asked books the consultation."), code="forbidden")
    if request.channel == Channel.EMAIL:
        raise LearningError(_("A written consultation needs no date."), code="written")
    if request.state == State.CLOSED:
        raise LearningError(_("This consultation is closed."), code="closed", status=409)
    current = request.bookings.filter(active=True).first()
    if request.expert_id and expert.pk != request.expert_id:
        raise LearningError(
            _("A consultation is moved to another time with the same expert."), code="other_expert"
        )
    if expert not in matching_experts(request.topic):
        raise LearningError(_("This expert does not consult on this topic."), code="no_match")
    try:
        Practitioner.objects.select_for_update().get(user=expert)  # one booking of them at a time
    except Practitioner.DoesNotExist:
        raise LearningError(_("This expert does not consult on this topic."), code="no_match")
    slot = slots.is_offered(_windows(expert), starts_at, tz=_tz())
    if slot is None:
        raise LearningError(_("The expert does not offer this time."), code="not_offered")
    if slot.starts_at < now + MIN_NOTICE:
        raise LearningError(_("This time is too close or has passed."), code="too_late")
    clash = ConsultationBooking.objects.filter(
        expert=expert, active=True, starts_at__lt=slot.ends_at, ends_at__gt=slot.starts_at
    )
    if current:
        clash = clash.exclude(pk=current.pk)
    if clash.exists():
        raise Conflict(_("This time was just taken. Choose another one."), code="slot_taken")
    if current:
        current.active = False
        current.save(update_fields=["active"])
        request.ics_sequence += 1
    try:
        with transaction.atomic():
            booking = ConsultationBooking.objects.create(
                request=request, expert=expert, starts_at=slot.starts_at, ends_at=slot.ends_at
            )
    except IntegrityError:
        raise Conflict(_("This time was just taken. Choose another one."), code="slot_taken")
    request.expert = expert
    request.state = State.BOOKED
    request.save(update_fields=["expert", "state", "ics_sequence"])
    log_action(
        "learning.consultation.rescheduled" if current else "learning.consultation.booked",
        actor=actor,
        organisation=request.organisation,
        target=request,
        data={"expert": expert.pk, "starts_at": slot.starts_at.isoformat()},
    )
    _invite(request, booking, key=f"booking{booking.pk}", rescheduled=bool(current))
    return booking


@transaction.atomic
def post_message(request: ConsultationRequest, *, actor, body: str, confirmed: bool = False):
    """A message in a written consultation, between the person who asked and the expert."""
    request = ConsultationRequest.objects.select_for_update().get(pk=request.pk)
    if not permissions.can_see_consultation(actor, request):
        raise NotAllowed(_("This is not your consultation."), code="forbidden")
    if request.channel != Channel.EMAIL:
        raise LearningError(_("Messages belong to written consultations."), code="not_written")
    if request.state == State.CLOSED:
        raise LearningError(_("This consultation is closed."), code="closed", status=409)
    body = (body or "").strip()
    if not body:
        raise LearningError(_("The message is empty."), code="empty")
    if len(body) > MAX_MESSAGE:
        raise LearningError(_("A message has at most 10,000 characters."), code="too_long")
    flags = check_child_data(body, confirmed=confirmed)
    message = ConsultationMessage.objects.create(
        request=request, author=actor, body=body, flags=flags
    )
    from_expert = actor.pk == request.expert_id
    if from_expert and request.first_response_at is None:
        request.first_response_at = message.created_at
    request.state = State.ANSWERED if from_expert else State.WAITING
    request.save(update_fields=["first_response_at", "state"])
    log_action(
        "learning.consultation.message_posted",
        actor=actor,
        organisation=request.organisation,
        target=request,
        data={"message": message.pk, "flags": flags},
    )
    recipient = request.requester if from_expert else request.expert
    if recipient is not None:
        _notify(
            request,
            recipient,
            key=f"message{message.pk}",
            subject=lambda: gettext("New message in your consultation"),
            body=lambda: gettext(
                "There is a new message in a written consultation on the platform. For "
                "confidentiality it is not sent by e-mail: sign in to read it."
            ),
        )
    return message


@transaction.atomic
def close_consultation(request: ConsultationRequest, *, actor) -> ConsultationRequest:
    request = ConsultationRequest.objects.select_for_update().get(pk=request.pk)
    if not permissions.can_see_consultation(actor, request):
        raise NotAllowed(_("This is not your consultation."), code="forbidden")
    if request.state == State.CLOSED:
        return request
    if request.first_response_at is None and request.channel != Channel.EMAIL:
        booking = request.bookings.filter(active=True).first()
        if booking and booking.starts_at <= timezone.now():
            request.first_response_at = booking.starts_at
    request.state = State.CLOSED
    request.save(update_fields=["state", "first_response_at"])
    log_action(
        "learning.consultation.closed",
        actor=actor,
        organisation=request.organisation,
        target=request,
        data={},
    )
    return request


# --- jobs -------------------------------------------------------------------------------------


def send_reminders(*, now=None) -> int:
    """Remind both sides of a booked consultation about a day before it (once)."""
    now = now or timezone.now()
    sent = 0
    due = ConsultationBooking.objects.filter(
        active=True,
        reminder_sent_at__isnull=True,
        starts_at__gt=now,
        starts_at__lte=now + REMIND_BEFORE,
        request__state=State.BOOKED,
    ).select_related("request__requester", "expert")
    for booking in due:
        with transaction.atomic():
            locked = (
                ConsultationBooking.objects.select_for_update()
                .filter(pk=booking.pk, reminder_sent_at__isnull=True, active=True)
                .first()
            )
            if locked is None:
                continue
            request = booking.request
            when = timezone.localtime(booking.starts_at)
            for user in (request.requester, booking.expert):
                _notify(
                    request,
                    user,
                    key=f"reminder{booking.pk}",
                    subject=lambda when=when: (
                        gettext("Reminder: consultation on %(when)s")
                        % {"when": date_format(when, "DATETIME_FORMAT")}
                    ),
                    body=lambda request=request, when=when: (
                        gettext("A reminder: consultation (%(channel)s) on %(when)s.")
                        % {
                            "channel": request.get_channel_display(),
                            "when": date_format(when, "DATETIME_FORMAT"),
                        }
                    ),
                )
            locked.reminder_sent_at = now
            locked.save(update_fields=["reminder_sent_at"])
            sent += 1
    if sent:
        log_action("learning.consultation.reminders_sent", actor=None, data={"count": sent})
    return sent


# --- statistics -------------------------------------------------------------------------------


def consultation_statistics(*, since: dt.date | None = None) -> dict:
    """Counts by topic, voivodeship and channel, and waiting times (hours from the request to
    the expert's first answer or the booked consultation) — never any content."""
    rows = ConsultationRequest.objects.all()
    if since:
        rows = rows.filter(created_at__date__gte=since)
    by_topic, by_voivodeship, by_channel = Counter(), Counter(), Counter()
    waits = defaultdict(list)
    values = rows.values("pk", "topic", "voivodeship", "channel", "created_at", "first_response_at")
    booked = dict(
        ConsultationBooking.objects.filter(active=True, request__in=rows).values_list(
            "request_id", "starts_at"
        )
    )
    for r in values:
        by_topic[r["topic"]] += 1
        by_voivodeship[r["voivodeship"] or ""] += 1
        by_channel[r["channel"]] += 1
        answered = r["first_response_at"] or booked.get(r["pk"])
        if answered:
            waits[r["topic"]].append((answered - r["created_at"]).total_seconds() / 3600)
    all_waits = [w for ws in waits.values() for w in ws]
    return {
        "total": sum(by_topic.values()),
        "by_topic": dict(by_topic),
        "by_voivodeship": dict(by_voivodeship),
        "by_channel": dict(by_channel),
        "median_wait_hours": {t: round(pystats.median(ws), 1) for t, ws in waits.items()},
        "median_wait_hours_all": round(pystats.median(all_waits), 1) if all_waits else None,
    }
