"""Seat counters: conditional UPDATEs, so a seat is never given twice.

``UPDATE … SET taken = taken + 1 WHERE id = %s AND taken < quota`` is atomic in the database:
on PostgreSQL a concurrent writer waits for the row lock and re-checks the condition against
the committed value, so of N writers racing for the last seat exactly one matches. The row
lock is held only until the caller's transaction commits. A check constraint
(``taken <= quota``) stands behind it.
"""

from __future__ import annotations

from django.db.models import F

from ..models import OrganisationSeats, Session, TicketCategory


def take_category_seat(category: TicketCategory) -> bool:
    return bool(
        TicketCategory.objects.filter(pk=category.pk, taken__lt=F("quota")).update(
            taken=F("taken") + 1
        )
    )


def release_category_seat(category: TicketCategory) -> None:
    TicketCategory.objects.filter(pk=category.pk, taken__gt=0).update(taken=F("taken") - 1)


def take_organisation_seat(category: TicketCategory, organisation) -> bool:
    """One of the organisation's seats in a category with a per-organisation limit."""
    limit = category.per_organisation_limit
    if not limit or organisation is None:
        return True
    OrganisationSeats.objects.get_or_create(category=category, organisation=organisation)
    return bool(
        OrganisationSeats.objects.filter(
            category=category, organisation=organisation, taken__lt=limit
        ).update(taken=F("taken") + 1)
    )


def release_organisation_seat(category: TicketCategory, organisation) -> None:
    if not category.per_organisation_limit or organisation is None:
        return
    OrganisationSeats.objects.filter(
        category=category, organisation=organisation, taken__gt=0
    ).update(taken=F("taken") - 1)


def take_session_seat(session: Session) -> bool:
    if session.capacity is None:
        Session.objects.filter(pk=session.pk).update(taken=F("taken") + 1)
        return True
    return bool(
        Session.objects.filter(pk=session.pk, taken__lt=F("capacity")).update(taken=F("taken") + 1)
    )


def release_session_seat(session: Session) -> None:
    Session.objects.filter(pk=session.pk, taken__gt=0).update(taken=F("taken") - 1)
