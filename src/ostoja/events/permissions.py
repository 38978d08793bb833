"""Every permission decision about events, in one place."""

from __future__ import annotations

from django.db.models import Q

from ostoja.network import membership
from ostoja.organisations.models import Membership
from ostoja.organisations.roles import Role

from .models import Event, Visibility


def _managed_organisation_ids(user) -> set[int]:
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(
        Membership.objects.active()
        .filter(user=user, role=Role.ORGANISATION_MANAGER)
        .values_list("organisation_id", flat=True)
    )


def can_organise(user) -> bool:
    """Coordinators, and managers of partner organisations (local events of their own)."""
    if membership.is_coordinator(user):
        return True
    return bool(_managed_organisation_ids(user) & membership.partner_organisation_ids(user))


def managed_events(user):
    """Events the user may manage (tenant scope: other organisations' events are not here)."""
    if membership.is_coordinator(user):
        return Event.objects.all()
    return Event.objects.filter(organiser_id__in=_managed_organisation_ids(user))


def can_manage(user, event) -> bool:
    return managed_events(user).filter(pk=event.pk).exists()


def checkin_events(user):
    """Events the user may check people in to (organisers and named check-in staff)."""
    if not getattr(user, "is_authenticated", False):
        return Event.objects.none()
    if membership.is_coordinator(user):
        return Event.objects.all()
    return Event.objects.filter(
        Q(organiser_id__in=_managed_organisation_ids(user)) | Q(checkin_staff=user)
    ).distinct()


def can_check_in(user) -> bool:
    return checkin_events(user).exists()


def visible_events(user):
    """Published events the user may see: public ones, and members-only ones for members."""
    events = Event.objects.filter(published=True)
    if membership.is_partnership_member(user):
        return events
    return events.filter(visibility=Visibility.PUBLIC)


def may_register(user, event) -> bool:
    return event.visibility == Visibility.PUBLIC or membership.is_partnership_member(user)


def may_take_category(user, category) -> bool:
    return not category.members_only or membership.is_partnership_member(user)
