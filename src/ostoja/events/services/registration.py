"""Registering for an event, approval, cancelling, and booking workshops."""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ostoja.audit.services import log_action

from .. import permissions, tickets
from ..models import (
    LIVE,
    Answer,
    BookingStatus,
    Event,
    QuestionKind,
    Registration,
    RegistrationStatus,
    Session,
    SessionKind,
    TicketCategory,
    WorkshopBooking,
)
from . import mail, seats
from .errors import EventError
from .waitlist import pass_category_seat, pass_session_seat

MAX_ANSWER = 2000


def _clean_text(value, *, field: str, max_length: int, required: bool = True) -> str:
    text = unicodedata.normalize("NFC", str(value or "")).strip()
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in text):
        raise EventError(_("Please remove control characters."), code="bad_text", field=field)
    if required and not text:
        raise EventError(_("This field is required."), code="required", field=field)
    if len(text) > max_length:
        raise EventError(
            _("At most %(n)d characters.") % {"n": max_length}, code="too_long", field=field
        )
    return text


def clean_email(value) -> str:
    email = str(value or "").strip()
    try:
        if len(email) > 254:
            raise ValidationError("too long")
        validate_email(email)
    except ValidationError:
        raise EventError(
            _("Enter a valid e-mail address."), code="bad_email", field="email"
        ) from None
    local, _at, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}".lower()


def _clean_answers(event: Event, answers: dict | None) -> list[tuple]:
    answers = answers or {}
    clean = []
    for question in event.questions.all():
        raw = answers.get(question.pk, answers.get(str(question.pk), ""))
        value = _clean_text(
            raw, field=f"q{question.pk}", max_length=MAX_ANSWER, required=question.required
        )
        if not value:
            continue
        if question.kind == QuestionKind.YES_NO and value not in ("yes", "no"):
            raise EventError(_("Answer yes or no."), code="bad_answer", field=f"q{question.pk}")
        if question.kind == QuestionKind.CHOICE and value not in (question.options or []):
            raise EventError(
                _("Choose one of the options."), code="bad_answer", field=f"q{question.pk}"
            )
        clean.append((question, value))
    return clean


def _check_workshops(event: Event, workshops) -> list[Session]:
    chosen = list(workshops or [])
    for session in chosen:
        if session.day.event_id != event.pk or session.kind != SessionKind.WORKSHOP:
            raise EventError(
                _("This workshop is not part of the event."), code="bad_workshop", field="workshops"
            )
    chosen.sort(key=lambda s: s.starts_at)
    for first, second in zip(chosen, chosen[1:], strict=False):
        if second.starts_at < first.ends_at:
            raise EventError(
                _("“%(a)s” and “%(b)s” take place at the same time; choose one of them.")
                % {"a": first.title, "b": second.title},
                code="parallel_workshops",
                field="workshops",
            )
    return chosen


def _already_registered() -> EventError:
    return EventError(
        _(
            "This e-mail address is already registered for this event. The e-mail we sent "
            "has a link to your ticket."
        ),
        code="already_registered",
        status=409,
        field="email",
    )


def register(
    *,
    event: Event,
    category: TicketCategory,
    name: str,
    email: str,
    organisation=None,
    organisation_name: str = "",
    user=None,
    answers: dict | None = None,
    workshops=(),
    language: str = "pl",
) -> tuple[Registration, str]:
    """Register a person; return the registration and its ticket secret.

    A free seat of the category gives ``confirmed`` (or ``pending`` where the organiser
    approves); otherwise the person joins the category's waiting list in arrival order.
    Chosen workshops are booked (or waitlisted) only together with a seat.
    """
    now = timezone.now()
    if not (event.published and event.registration_open) or event.ends_at < now:
        raise EventError(_("Registration for this event is closed."), code="closed", status=409)
    if category.event_id != event.pk:
        raise EventError(
            _("Choose a ticket category of this event."), code="bad_category", field="category"
        )
    if not permissions.may_register(user, event) or not permissions.may_take_category(
        user, category
    ):
        raise EventError(
            _("Only people of the partnership's member organisations may register here."),
            code="members_only",
            status=403,
        )
    name = _clean_text(name, field="name", max_length=200)
    email = clean_email(email)
    organisation_name = _clean_text(
        organisation_name or (organisation.name if organisation else ""),
        field="organisation_name",
        max_length=200,
        required=False,
    )
    clean_answers = _clean_answers(event, answers)
    chosen = _check_workshops(event, workshops)
    # A second live registration with the same address is refused by the unique constraint
    # "one_live_registration_per_address" (below): the seat taken meanwhile rolls back with
    # it. No look-up first, so a registration is one statement shorter.

    salt = tickets.new_salt()
    secret = tickets.secret_for(salt)
    try:
        with transaction.atomic():
            seat = False
            if seats.take_organisation_seat(category, organisation):
                seat = seats.take_category_seat(category)
                if not seat:
                    seats.release_organisation_seat(category, organisation)
            if seat:
                status = (
                    RegistrationStatus.PENDING
                    if category.requires_approval
                    else RegistrationStatus.CONFIRMED
                )
            else:
                status = RegistrationStatus.WAITING
            registration = Registration.objects.create(
                event=event,
                category=category,
                user=user if getattr(user, "is_authenticated", False) else None,
                name=name,
                email=email,
                organisation=organisation,
                organisation_name=organisation_name,
                language=language if language in ("pl", "en") else "pl",
                status=status,
                secret_salt=salt,
                secret_hash=tickets.hash_secret(secret),
                code=tickets.new_code(),
            )
            Answer.objects.bulk_create(
                [Answer(registration=registration, question=q, value=v) for q, v in clean_answers]
            )
            booked = []
            if seat:
                for session in chosen:
                    booked.append(_book(registration, session))
            mail.registration_received(registration)
            log_action(
                "events.registration.created",
                organisation=event.organiser,
                target=registration,
                data={
                    "event": event.pk,
                    "category": category.pk,
                    "status": status,
                    "workshops": [b.session_id for b in booked],
                },
            )
    except IntegrityError as exc:
        if (
            "one_live_registration_per_address" in str(exc)
            or Registration.objects.filter(event=event, email=email, status__in=LIVE).exists()
        ):
            raise _already_registered() from None
        raise
    return registration, secret


def _book(registration: Registration, session: Session) -> WorkshopBooking:
    taken = seats.take_session_seat(session)
    return WorkshopBooking.objects.create(
        registration=registration,
        session=session,
        status=BookingStatus.CONFIRMED if taken else BookingStatus.WAITING,
    )


@transaction.atomic
def book_workshop(registration: Registration, session: Session, *, actor=None) -> WorkshopBooking:
    """Book a workshop for someone holding a seat at the event (or join its waiting list)."""
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.status not in (RegistrationStatus.CONFIRMED, RegistrationStatus.PENDING):
        raise EventError(
            _("Workshops can be booked once you have a seat at the event."),
            code="no_seat",
            status=409,
        )
    [session] = _check_workshops(registration.event, [session])
    live = registration.bookings.filter(
        status__in=[BookingStatus.CONFIRMED, BookingStatus.WAITING, BookingStatus.OFFERED]
    ).select_related("session")
    for other in live:
        if other.session_id == session.pk:
            raise EventError(
                _("You are already booked for this workshop."), code="already_booked", status=409
            )
    _check_workshops(registration.event, [b.session for b in live] + [session])
    booking = _book(registration, session)
    log_action(
        "events.workshop.booked",
        actor=actor,
        organisation=registration.event.organiser,
        target=registration,
        data={"session": session.pk, "status": booking.status},
    )
    return booking


@transaction.atomic
def cancel_booking(booking: WorkshopBooking, *, actor=None) -> WorkshopBooking:
    booking = (
        WorkshopBooking.objects.select_for_update().select_related("session").get(pk=booking.pk)
    )
    if booking.status not in (
        BookingStatus.CONFIRMED,
        BookingStatus.WAITING,
        BookingStatus.OFFERED,
    ):
        return booking
    held = booking.status in (BookingStatus.CONFIRMED, BookingStatus.OFFERED)
    booking.status = BookingStatus.CANCELLED
    booking.save(update_fields=["status"])
    if held:
        pass_session_seat(booking.session)
    log_action(
        "events.workshop.cancelled",
        actor=actor,
        organisation=booking.registration.event.organiser,
        target=booking.registration,
        data={"session": booking.session_id},
    )
    return booking


@transaction.atomic
def cancel_registration(
    registration: Registration, *, actor=None, reason: str = ""
) -> Registration:
    """Cancel (by the participant's link or by the organiser); a freed seat goes to the next
    person waiting, as do freed workshop seats."""
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.status not in LIVE:
        raise EventError(_("This registration is no longer active."), code="not_active", status=409)
    held = registration.holds_seat
    registration.status = RegistrationStatus.CANCELLED
    registration.offer_expires_at = None
    registration.save(update_fields=["status", "offer_expires_at", "updated_at"])
    for booking in registration.bookings.filter(
        status__in=[BookingStatus.CONFIRMED, BookingStatus.WAITING, BookingStatus.OFFERED]
    ):
        booking_held = booking.status != BookingStatus.WAITING
        booking.status = BookingStatus.CANCELLED
        booking.save(update_fields=["status"])
        if booking_held:
            pass_session_seat(booking.session)
    if held:
        pass_category_seat(registration.category, registration.organisation)
    mail.registration_cancelled(registration)
    log_action(
        "events.registration.cancelled",
        actor=actor,
        organisation=registration.event.organiser,
        target=registration,
        data={"by": "organiser" if actor else "participant", "reason": reason[:500]},
    )
    return registration


@transaction.atomic
def approve(registration: Registration, *, actor) -> Registration:
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.status != RegistrationStatus.PENDING:
        raise EventError(
            _("Only registrations awaiting approval can be approved."),
            code="not_pending",
            status=409,
        )
    registration.status = RegistrationStatus.CONFIRMED
    registration.save(update_fields=["status", "updated_at"])
    mail.registration_confirmed(registration)
    log_action(
        "events.registration.approved",
        actor=actor,
        organisation=registration.event.organiser,
        target=registration,
    )
    return registration


@transaction.atomic
def reject(registration: Registration, *, actor, reason: str = "") -> Registration:
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.status != RegistrationStatus.PENDING:
        raise EventError(
            _("Only registrations awaiting approval can be declined."),
            code="not_pending",
            status=409,
        )
    registration.status = RegistrationStatus.REJECTED
    registration.save(update_fields=["status", "updated_at"])
    for booking in registration.bookings.filter(
        status__in=[BookingStatus.CONFIRMED, BookingStatus.OFFERED]
    ):
        booking.status = BookingStatus.CANCELLED
        booking.save(update_fields=["status"])
        pass_session_seat(booking.session)
    registration.bookings.filter(status=BookingStatus.WAITING).update(
        status=BookingStatus.CANCELLED
    )
    pass_category_seat(registration.category, registration.organisation)
    mail.registration_rejected(registration, reason)
    log_action(
        "events.registration.rejected",
        actor=actor,
        organisation=registration.event.organiser,
        target=registration,
        data={"reason": reason[:500]},
    )
    return registration
