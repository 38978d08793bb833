"""Every permission decision of positions, standards and campaigns, in one place.

Membership comes from the network (:mod:`ostoja.network.membership`): drafts are read and
commented on by partnership members; an organisation co-signs, declares adoption and joins a
campaign through its organisation manager (or a coordinator); the coordinator runs the stages,
the address book and the campaigns.
"""

from __future__ import annotations

from ostoja.network import membership


def is_member(user) -> bool:
    return membership.is_partnership_member(user)


def is_coordinator(user) -> bool:
    return membership.is_coordinator(user)


def can_edit(user, document) -> bool:
    """The editor group (named by the coordinator) and coordinators."""
    if is_coordinator(user):
        return True
    return (
        getattr(user, "is_authenticated", False)
        and is_member(user)
        and document.editors.filter(pk=user.pk).exists()
    )


def acting_organisations(user):
    """Partner organisations the user may act for (sign, declare, join, add events)."""
    orgs = membership.partner_organisations()
    if not getattr(user, "is_authenticated", False):
        return []
    ids = membership.partner_organisation_ids(user)
    return [o for o in orgs.filter(pk__in=ids) if membership.is_organisation_manager_of(user, o)]


def can_act_for(user, organisation) -> bool:
    return membership.partner_organisations().filter(
        pk=organisation.pk
    ).exists() and membership.is_organisation_manager_of(user, organisation)


def can_act_for_any(user) -> bool:
    return bool(acting_organisations(user))
