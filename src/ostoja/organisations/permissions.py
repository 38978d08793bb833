"""Every permission decision of the organisations app, in one place.

Who may do what
===============
* **Coordinators** (platform administrators): every organisation, active or not — create,
  edit, deactivate and reactivate them, manage their API tokens and members.
* **Organisation managers**: their own organisation's page, API tokens and members; nothing of
  another organisation (it does not exist for them: 404).
* **Everyone else signed in**: the pages of the organisations they belong to.
* A **deactivated organisation** grants nothing: its memberships count for no role
  (``roles_of`` reads only active memberships) and its tokens do not authenticate.
"""

from __future__ import annotations

from .roles import PRIVILEGED_ROLES, Role


def roles_of(user, organisation=None) -> set[str]:
    """Roles a user holds (in one organisation, or anywhere). Cached per request on the user."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    cache = getattr(user, "_ostoja_roles", None)
    if cache is None:
        # Only memberships of active organisations grant a role (deactivation takes effect on
        # the next request).
        cache = list(user.memberships.active().values_list("organisation_id", "role"))
        user._ostoja_roles = cache
    if organisation is None:
        return {role for _org, role in cache}
    return {role for org_id, role in cache if org_id == organisation.pk}


def has_role(user, *roles, organisation=None) -> bool:
    return bool(roles_of(user, organisation) & set(roles))


def is_coordinator(user) -> bool:
    return has_role(user, Role.COORDINATOR)


def requires_mfa(user) -> bool:
    """Users who reach hotline data or administration must use a second factor."""
    return bool(roles_of(user) & PRIVILEGED_ROLES) or getattr(user, "is_superuser", False)


def can_view_organisation(user, organisation) -> bool:
    return is_coordinator(user) or bool(roles_of(user, organisation))


def can_create_organisation(user) -> bool:
    return is_coordinator(user)


def can_manage_organisation(user, organisation) -> bool:
    """Edit, deactivate and reactivate an organisation (its name, kind, register data…)."""
    return is_coordinator(user)


def is_manager_of(user, organisation) -> bool:
    return has_role(user, Role.ORGANISATION_MANAGER, organisation=organisation)


def can_manage_tokens(user, organisation) -> bool:
    """Issue and revoke the organisation's API tokens."""
    return is_coordinator(user) or is_manager_of(user, organisation)


def can_manage_members(user, organisation) -> bool:
    """Invite, change and remove the organisation's members (used by the ``people`` app)."""
    return is_coordinator(user) or is_manager_of(user, organisation)


def can_search_register(user) -> bool:
    """The TERYT picker of the organisation form."""
    return is_coordinator(user)


def can_list_organisations(user) -> bool:
    return getattr(user, "is_authenticated", False)
