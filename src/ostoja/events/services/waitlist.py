"""Waiting lists: a freed seat goes to the next person as a time-limited offer.

The seat is handed over without being put back on sale (``taken`` does not change), so a new
registration can never overtake the queue. Passing seats is serialised per category (or
workshop) by a row lock on it; the offers, their expiry and every manual reordering are
audited (reordering only with a reason, kept in :class:`~ostoja.events.models.QueueChange`).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ostoja.audit.services import log_action
from ostoja.core import offers

from ..models import (
    BookingStatus,
    QueueChange,
    Registration,
    RegistrationStatus,
    Session,
    TicketCategory,
    WorkshopBooking,
)
from . import mail, seats
from .errors import EventError

CANDIDATES = 200  # waiting people examined for one seat (per-organisation limits may skip some)


def _offer_deadline(event, now=None):
    return offers.deadline(event.offer_hours, now)


def pass_category_seat(category: TicketCategory, leaver_organisation=None):
    """A seat of ``category`` was freed: offer it to the first eligible waiting person, or put
    it back on sale. Call inside the transaction that freed it."""
    seats.release_organisation_seat(category, leaver_organisation)
    category = (
        TicketCategory.objects.select_for_update().select_related("event").get(pk=category.pk)
    )
    waiting = Registration.objects.filter(
        category=category, status=RegistrationStatus.WAITING
    ).order_by("queue_position", "pk")[:CANDIDATES]
    for candidate in waiting:
        if not seats.take_organisation_seat(category, candidate.organisation):
            continue  # this organisation's seats in the category are all taken
        candidate.status = RegistrationStatus.OFFERED
        candidate.offer_expires_at = _offer_deadline(category.event)
        candidate.save(update_fields=["status", "offer_expires_at", "updated_at"])
        mail.offer_made(candidate)
        log_action(
            "events.waitlist.offered",
            organisation=category.event.organiser,
            target=candidate,
            data={"category": category.pk, "expires": candidate.offer_expires_at.isoformat()},
        )
        return candidate
    seats.release_category_seat(category)
    return None


def pass_session_seat(session: Session):
    """A workshop seat was freed: offer it to the first booking waiting, or free it."""
    session = Session.objects.select_for_update().select_related("day__event").get(pk=session.pk)
    candidate = (
        WorkshopBooking.objects.filter(session=session, status=BookingStatus.WAITING)
        .select_related("registration")
        .order_by("queue_position", "pk")
        .first()
    )
    if candidate is None:
        seats.release_session_seat(session)
        return None
    candidate.status = BookingStatus.OFFERED
    candidate.offer_expires_at = _offer_deadline(session.day.event)
    candidate.save(update_fields=["status", "offer_expires_at"])
    mail.workshop_offer_made(candidate)
    log_action(
        "events.waitlist.workshop_offered",
        organisation=session.day.event.organiser,
        target=candidate.registration,
        data={"session": session.pk, "expires": candidate.offer_expires_at.isoformat()},
    )
    return candidate


def _expire_registration(registration: Registration) -> None:
    registration.status = RegistrationStatus.EXPIRED
    registration.save(update_fields=["status", "updated_at"])
    mail.offer_expired(registration)
    log_action(
        "events.waitlist.offer_expired",
        organisation=registration.event.organiser,
        target=registration,
        data={"category": registration.category_id},
    )
    pass_category_seat(registration.category, registration.organisation)


def _expire_booking(booking: WorkshopBooking) -> None:
    booking.status = BookingStatus.EXPIRED
    booking.save(update_fields=["status"])
    log_action(
        "events.waitlist.workshop_offer_expired",
        organisation=booking.session.day.event.organiser,
        target=booking.registration,
        data={"session": booking.session_id},
    )
    pass_session_seat(booking.session)


def _offer_gone() -> EventError:
    return EventError(
        _("This offer has expired and the seat went to the next person on the waiting list."),
        code="offer_expired",
        status=410,
    )


def accept_offer(registration: Registration, *, now=None) -> Registration:
    """The person takes the offered seat (before the offer expires)."""
    now = now or timezone.now()
    with transaction.atomic():
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        if registration.status != RegistrationStatus.OFFERED:
            raise EventError(
                _("There is no open offer for this registration."), code="no_offer", status=409
            )
        expired = offers.is_expired(registration.offer_expires_at, now)
        if expired:
            _expire_registration(registration)
        else:
            registration.status = (
                RegistrationStatus.PENDING
                if registration.category.requires_approval
                else RegistrationStatus.CONFIRMED
            )
            registration.offer_expires_at = None
            registration.save(update_fields=["status", "offer_expires_at", "updated_at"])
            mail.registration_confirmed(registration)
            log_action(
                "events.waitlist.offer_accepted",
                organisation=registration.event.organiser,
                target=registration,
            )
    if expired:
        raise _offer_gone()
    return registration


def accept_workshop_offer(booking: WorkshopBooking, *, now=None) -> WorkshopBooking:
    now = now or timezone.now()
    with transaction.atomic():
        booking = (
            WorkshopBooking.objects.select_for_update()
            .select_related("session__day__event")
            .get(pk=booking.pk)
        )
        if booking.status != BookingStatus.OFFERED:
            raise EventError(
                _("There is no open offer for this workshop."), code="no_offer", status=409
            )
        expired = offers.is_expired(booking.offer_expires_at, now)
        if expired:
            _expire_booking(booking)
        else:
            booking.status = BookingStatus.CONFIRMED
            booking.offer_expires_at = None
            booking.save(update_fields=["status", "offer_expires_at"])
            log_action(
                "events.waitlist.workshop_offer_accepted",
                organisation=booking.session.day.event.organiser,
                target=booking.registration,
                data={"session": booking.session_id},
            )
    if expired:
        raise _offer_gone()
    return booking


def _expire_registration_due(pk: int, now) -> bool:
    registration = Registration.objects.select_for_update().get(pk=pk)
    if registration.status != RegistrationStatus.OFFERED:
        return False  # accepted or cancelled meanwhile
    if not offers.is_expired(registration.offer_expires_at, now):
        return False
    _expire_registration(registration)
    return True


def _expire_booking_due(pk: int, now) -> bool:
    booking = (
        WorkshopBooking.objects.select_for_update().select_related("session__day__event").get(pk=pk)
    )
    if booking.status != BookingStatus.OFFERED or not offers.is_expired(
        booking.offer_expires_at, now
    ):
        return False
    _expire_booking(booking)
    return True


def expire_offers(*, now=None) -> dict:
    """Expire offers whose time is up; each seat passes to the next person (scheduled job)."""
    now = now or timezone.now()
    return {
        "registrations": offers.expire_due(
            Registration.objects.filter(
                status=RegistrationStatus.OFFERED, offer_expires_at__lte=now
            ).values_list("pk", flat=True),
            _expire_registration_due,
            now=now,
        ),
        "workshops": offers.expire_due(
            WorkshopBooking.objects.filter(
                status=BookingStatus.OFFERED, offer_expires_at__lte=now
            ).values_list("pk", flat=True),
            _expire_booking_due,
            now=now,
        ),
    }


def waiting_list(category: TicketCategory):
    return Registration.objects.filter(
        category=category, status=RegistrationStatus.WAITING
    ).order_by("queue_position", "pk")


@transaction.atomic
def move_in_queue(registration: Registration, *, new_rank: int, reason: str, actor) -> QueueChange:
    """Move a waiting person to ``new_rank`` (1 = next to be offered). A reason is required
    and kept; the move is audited."""
    reason = " ".join(str(reason or "").split())
    if len(reason) < 5:
        raise EventError(
            _("Give the reason for changing the order of the waiting list."),
            code="reason_required",
            field="reason",
        )
    if len(reason) > 1000:
        raise EventError(
            _("At most %(n)d characters.") % {"n": 1000}, code="too_long", field="reason"
        )
    TicketCategory.objects.select_for_update().get(pk=registration.category_id)
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.status != RegistrationStatus.WAITING:
        raise EventError(
            _("Only people on the waiting list can be moved."), code="not_waiting", status=409
        )
    queue = list(waiting_list(registration.category))
    old_rank = next(i for i, r in enumerate(queue, 1) if r.pk == registration.pk)
    try:
        new_rank = int(new_rank)
    except (TypeError, ValueError):
        raise EventError(
            _("Enter a place on the list."), code="bad_rank", field="new_rank"
        ) from None
    if not 1 <= new_rank <= len(queue):
        raise EventError(
            _("Enter a place between 1 and %(n)d.") % {"n": len(queue)},
            code="bad_rank",
            field="new_rank",
        )
    queue.pop(old_rank - 1)
    queue.insert(new_rank - 1, registration)
    # Renumber the list with the order it now has (positions are ranks, not times, from here).
    base = min(r.queue_position for r in queue)
    for i, item in enumerate(queue):
        position = base + i
        if item.queue_position != position:
            Registration.objects.filter(pk=item.pk).update(queue_position=position)
    change = QueueChange.objects.create(
        registration=registration, actor=actor, old_rank=old_rank, new_rank=new_rank, reason=reason
    )
    log_action(
        "events.waitlist.reordered",
        actor=actor,
        organisation=registration.event.organiser,
        target=registration,
        data={"from": old_rank, "to": new_rank, "reason": reason},
    )
    return change
