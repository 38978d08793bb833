"""Permission decisions of the audit app."""

from ostoja.organisations.permissions import is_coordinator


def can_view_audit_log(user) -> bool:
    return is_coordinator(user)
