"""Every permission decision of the organisations app, in one place."""

from __future__ import annotations

from .roles import PRIVILEGED_ROLES, Role


def roles_of(user, organisation=None) -> set[str]:
    """Roles a user holds (in one organisation, or anywhere). Cached per request on the user."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    cache = getattr(user, "_ostoja_roles", None)
    if cache is None:
        cache = list(user.memberships.values_list("organisation_id", "role"))
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


def can_manage_organisation(user, organisation) -> bool:
    return is_coordinator(user)


def can_manage_tokens(user, organisation) -> bool:
    return is_coordinator(user)


def can_list_organisations(user) -> bool:
    return getattr(user, "is_authenticated", False)
