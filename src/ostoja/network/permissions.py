"""Every permission decision of the partnership network, in one place.

Membership itself (who is a partner, who is a coordinator, who acts for an organisation) is
:mod:`ostoja.network.membership`; this module turns it into page-level decisions.
"""

from __future__ import annotations

from . import membership


def can_use_network(user) -> bool:
    """The member's home of the partnership: people of partner organisations, coordinators."""
    return membership.is_partnership_member(user)


def can_manage_network(user) -> bool:
    """Review applications, change partners' states, publish the charter, set targets."""
    return membership.is_coordinator(user)


def can_accept_charter(user, organisation) -> bool:
    """Accept a charter version for an organisation: its manager (or a coordinator), and only
    while the organisation is a member."""
    return organisation.pk in member_organisation_ids() and membership.is_organisation_manager_of(
        user, organisation
    )


def member_organisation_ids() -> set[int]:
    return set(membership.partner_organisations().values_list("pk", flat=True))


def organisations_to_accept_for(user):
    """Partner organisations the user may accept the charter for (a queryset)."""
    from ostoja.organisations.models import Membership
    from ostoja.organisations.roles import Role

    if not getattr(user, "is_authenticated", False):
        return membership.partner_organisations().none()
    managed = Membership.objects.active().filter(user=user, role=Role.ORGANISATION_MANAGER)
    return membership.partner_organisations().filter(
        pk__in=managed.values_list("organisation_id", flat=True)
    )
