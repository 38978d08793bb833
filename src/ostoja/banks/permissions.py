"""Every permission decision of the banks app, in one place.

* Hash banks are hotline work: coordinators and the analysts and supervisors of hotlines use
  them. Everyone else gets 403 (the lists are sensitive: an offender who could read them
  could test material against them).
* Which banks a user sees is a queryset (``HashBank.objects.visible_to``): a coordinator sees
  all; hotline staff see the banks of their own hotlines and every *shared* bank. Another
  organisation's private bank is a 404.
* Managing a bank (entries, import, enable/disable) belongs to the owner's analysts and
  supervisors and to coordinators. Exporting is allowed to whoever sees the bank: shared
  banks exist to be shared.
* Platforms never sign in: they match through the API with an organisation token carrying the
  ``match`` scope, and learn only which bank matched and how, never the lists themselves.
  A token sees (lists, and is told the name of in a match) its own organisation's banks and
  every shared bank (``organisation_sees_bank``; the queryset is
  ``HashBank.objects.visible_to_organisation``). A match against another organisation's
  private bank says only what that bank's ``match_disclosure`` allows: the owner
  organisation and the classification code, the classification code alone, or nothing.
"""

from __future__ import annotations

from ostoja.organisations.permissions import has_role, is_coordinator, roles_of
from ostoja.organisations.roles import HOTLINE_ROLES

__all__ = [
    "can_create_bank",
    "can_export_bank",
    "can_manage_bank",
    "can_use_banks",
    "can_view_bank",
    "hotline_org_ids",
    "is_coordinator",
    "organisation_sees_bank",
]


def hotline_org_ids(user) -> set[int]:
    """Ids of the organisations in which ``user`` is a hotline analyst or supervisor."""
    roles_of(user)  # fills the per-request cache
    cache = getattr(user, "_ostoja_roles", None) or []
    return {org_id for org_id, role in cache if role in HOTLINE_ROLES}


def can_use_banks(user) -> bool:
    return is_coordinator(user) or has_role(user, *HOTLINE_ROLES)


def can_create_bank(user) -> bool:
    return can_use_banks(user)


def owner_choices(user):
    """Organisations for which ``user`` may create a bank."""
    from ostoja.organisations.models import Organisation

    if is_coordinator(user):
        return Organisation.objects.all()
    return Organisation.objects.filter(pk__in=hotline_org_ids(user))


def can_view_bank(user, bank) -> bool:
    from .models import HashBank

    return HashBank.objects.visible_to(user).filter(pk=bank.pk).exists()


def can_manage_bank(user, bank) -> bool:
    return is_coordinator(user) or has_role(user, *HOTLINE_ROLES, organisation=bank.owner)


def can_export_bank(user, bank) -> bool:
    return can_view_bank(user, bank)


def organisation_sees_bank(organisation, *, owner_id: int, visibility: str) -> bool:
    """May an API token of ``organisation`` see (be told the name of) a bank? Its own banks
    and shared ones. Same rule as ``HashBank.objects.visible_to_organisation``."""
    from .models import HashBank

    if visibility == HashBank.Visibility.SHARED:
        return True
    return organisation is not None and owner_id == organisation.pk
