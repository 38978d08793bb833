"""Who belongs to the partnership: the one contract the network's parts rely on.

Forum, newsletter, events, training, library and positions ask here, never the models
directly, so that "member" means the same everywhere:

* an organisation is a *partner* when it is active and its ``Partner.state`` is ``member``;
* a person is a *partnership member* when they hold an active membership (any role) in a
  partner organisation, or are a coordinator (who runs the partnership).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from ostoja.organisations.models import Membership, Organisation
from ostoja.organisations.roles import Role

from .models import Partner, PartnerState, PartnerStateChange


def partner_organisations():
    """Active organisations that are members of the partnership."""
    return Organisation.objects.active().filter(partner__state=PartnerState.MEMBER)


def is_coordinator(user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return Membership.objects.active().filter(user=user, role=Role.COORDINATOR).exists()


def partner_organisation_ids(user) -> set[int]:
    """Ids of the partner organisations the user belongs to (any role)."""
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(
        Membership.objects.active()
        .filter(user=user, organisation__partner__state=PartnerState.MEMBER)
        .values_list("organisation_id", flat=True)
    )


def is_partnership_member(user) -> bool:
    """A person of a partner organisation, or a coordinator."""
    return bool(partner_organisation_ids(user)) or is_coordinator(user)


def is_organisation_manager_of(user, organisation) -> bool:
    """The person may act for the organisation in the network (its manager or a coordinator)."""
    if is_coordinator(user):
        return True
    return (
        Membership.objects.active()
        .filter(user=user, organisation=organisation, role=Role.ORGANISATION_MANAGER)
        .exists()
    )


@transaction.atomic
def set_state(organisation, to_state: str, *, actor=None, reason: str = "") -> Partner:
    """Move an organisation to a partnership state, recording who, when and why."""
    partner, created = Partner.objects.select_for_update().get_or_create(organisation=organisation)
    from_state = "" if created else partner.state
    if to_state == PartnerState.MEMBER and not partner.member_since:
        partner.member_since = timezone.localdate()
    partner.state = to_state
    partner.save()
    PartnerStateChange.objects.create(
        partner=partner, from_state=from_state, to_state=to_state, reason=reason, actor=actor
    )
    return partner
