"""Every permission decision of the people app, in one place.

Who may invite, change and remove whom. Coordinators manage everyone; an organisation
manager manages the members of their own organisation, and only in the roles they may grant.
"""

from __future__ import annotations

from ostoja.organisations.models import Organisation
from ostoja.organisations.permissions import has_role, is_coordinator
from ostoja.organisations.roles import Role

#: Roles an organisation manager may grant in their own organisation. Never coordinator and
#: never the hotline roles: those reach reports of abuse material and are granted by
#: coordinators only.
MANAGER_GRANTABLE_ROLES = frozenset(
    {
        Role.ORGANISATION_MANAGER,
        Role.NETWORK_MEMBER,
        Role.AUTHORITY_OFFICER,
        Role.SERVICE_EDITOR,
        Role.SAFEGUARDING_OFFICER,
    }
)


def is_manager_of(user, organisation) -> bool:
    return has_role(user, Role.ORGANISATION_MANAGER, organisation=organisation)


def can_manage_people(user, organisation) -> bool:
    """Invite into, and change members of, this organisation."""
    return is_coordinator(user) or is_manager_of(user, organisation)


def can_use_people_pages(user) -> bool:
    """Coordinators, and organisation managers (for their own organisations)."""
    return is_coordinator(user) or has_role(user, Role.ORGANISATION_MANAGER)


def managed_organisations(user):
    """Organisations whose people the user manages (a queryset)."""
    if is_coordinator(user):
        return Organisation.objects.all()
    if not has_role(user, Role.ORGANISATION_MANAGER):
        return Organisation.objects.none()
    return Organisation.objects.filter(
        memberships__user=user, memberships__role=Role.ORGANISATION_MANAGER
    ).distinct()


def grantable_roles(user, organisation) -> frozenset:
    """Roles the user may grant (or take away) in this organisation."""
    if is_coordinator(user):
        return frozenset(Role)
    if is_manager_of(user, organisation):
        return MANAGER_GRANTABLE_ROLES
    return frozenset()


def can_grant(user, organisation, role: str) -> bool:
    return role in grantable_roles(user, organisation)


def can_change_membership(user, membership) -> bool:
    """Change or remove a membership: only one whose role the user could have granted."""
    return can_grant(user, membership.organisation, membership.role)


def can_deactivate_accounts(user) -> bool:
    return is_coordinator(user)
