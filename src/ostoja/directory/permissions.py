"""Every permission decision of the services directory, in one place.

* Anyone (signed in or not) searches and reads published services; the HSDS API is public.
* A *service editor* proposes new services and edits for the organisations in which they hold
  that role, and confirms that their services are still correct. Their proposals go live only
  when a coordinator approves them.
* A *coordinator* reviews proposals, edits any service (the real national helplines have no
  provider account), imports and exports the directory.
"""

from __future__ import annotations

from ostoja.organisations.permissions import has_role, is_coordinator, roles_of
from ostoja.organisations.roles import Role

__all__ = [
    "can_edit_service",
    "can_export",
    "can_import",
    "can_manage_directory",
    "can_propose_for",
    "can_review_changes",
    "editor_organisation_ids",
    "is_coordinator",
]


def editor_organisation_ids(user) -> set[int]:
    """Ids of the organisations in which ``user`` is a service editor."""
    if Role.SERVICE_EDITOR not in roles_of(user):  # roles_of is cached per request
        return set()
    cached = getattr(user, "_directory_editor_orgs", None)
    if cached is None:
        cached = set(
            user.memberships.active()
            .filter(role=Role.SERVICE_EDITOR)
            .values_list("organisation_id", flat=True)
        )
        user._directory_editor_orgs = cached
    return cached


def can_manage_directory(user) -> bool:
    """Reach the directory's management pages (own services, proposals, review)."""
    return is_coordinator(user) or has_role(user, Role.SERVICE_EDITOR)


def can_propose_for(user, organisation) -> bool:
    """Propose services on behalf of ``organisation`` (a platform Organisation)."""
    if organisation is None:
        return is_coordinator(user)
    return is_coordinator(user) or organisation.pk in editor_organisation_ids(user)


def can_edit_service(user, service) -> bool:
    owner_id = service.provider.owner_id if service.provider_id else None
    return is_coordinator(user) or (
        owner_id is not None and owner_id in editor_organisation_ids(user)
    )


def can_view_change(user, change) -> bool:
    return is_coordinator(user) or (
        change.organisation_id is not None
        and change.organisation_id in editor_organisation_ids(user)
    )


def can_review_changes(user) -> bool:
    """Approve or reject proposals: coordinators only (never the proposer's own role)."""
    return is_coordinator(user)


def can_import(user) -> bool:
    return is_coordinator(user)


def can_export(user) -> bool:
    return is_coordinator(user)
