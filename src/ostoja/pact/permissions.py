"""Every permission decision of the Pact, in one place."""

from __future__ import annotations

from ostoja.organisations.permissions import has_role, is_coordinator
from ostoja.organisations.roles import Role


def is_pact_coordinator(user) -> bool:
    return is_coordinator(user)


def can_use_pact_workspace(user) -> bool:
    """Officers of local authorities, coordinators, and reviewers assigned to a signatory."""
    if not getattr(user, "is_authenticated", False):
        return False
    if is_coordinator(user) or has_role(user, Role.AUTHORITY_OFFICER):
        return True
    return user.pact_reviews.exists()


def can_sign(user) -> bool:
    return is_coordinator(user) or has_role(user, Role.AUTHORITY_OFFICER)


def can_manage_signatories(user) -> bool:
    return is_coordinator(user)


def can_curate_catalogue(user) -> bool:
    """Coordinators add, reword, reorder and retire the catalogue's measures."""
    return is_coordinator(user)


def can_review(user, signatory) -> bool:
    """Only the reviewer the coordinator assigned (coordinators may always)."""
    return is_coordinator(user) or (
        signatory.reviewer_id is not None and signatory.reviewer_id == user.pk
    )
