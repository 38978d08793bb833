"""Every permission decision of the safeguarding register, in one place.

* Safeguarding officers of an organisation read and write its register.
* Organisation managers of the same organisation read it only when the officers allow it
  (``RegisterPolicy.managers_may_read``) and only with a second factor set up (the register
  holds criminal-record checks); they always see the access log of their organisation.
* Nobody else — not even platform coordinators — reaches a register. Another organisation's
  register, person or record is a 404 (``views._organisation``).
"""

from __future__ import annotations

from allauth.mfa.models import Authenticator

from ostoja.organisations.permissions import roles_of
from ostoja.organisations.roles import Role

OFFICER = Role.SAFEGUARDING_OFFICER
MANAGER = Role.ORGANISATION_MANAGER


def can_use_safeguarding(user) -> bool:
    """Holds a role that may reach some organisation's register."""
    return bool(roles_of(user) & {OFFICER, MANAGER})


def has_any_role_in(user, organisation) -> bool:
    return bool(roles_of(user, organisation) & {OFFICER, MANAGER})


def is_officer(user, organisation) -> bool:
    return OFFICER in roles_of(user, organisation)


def _has_second_factor(user) -> bool:
    cache = getattr(user, "_ostoja_has_totp", None)
    if cache is None:
        cache = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        user._ostoja_has_totp = cache
    return cache


def can_read_register(user, organisation, policy) -> bool:
    if is_officer(user, organisation):
        return True
    return (
        MANAGER in roles_of(user, organisation)
        and policy.managers_may_read
        and _has_second_factor(user)
    )


def can_write_register(user, organisation) -> bool:
    return is_officer(user, organisation)


def can_view_access_log(user, organisation) -> bool:
    return has_any_role_in(user, organisation)


def can_manage_policy(user, organisation) -> bool:
    return is_officer(user, organisation)
