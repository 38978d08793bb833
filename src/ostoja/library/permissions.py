"""Every permission decision of the library, in one place (membership from the network)."""

from __future__ import annotations

from ostoja.network import membership

from .models import Access


def is_member(user) -> bool:
    """Partnership members (people of partner organisations) and coordinators."""
    return membership.is_partnership_member(user)


def can_read(user, material) -> bool:
    return material.access == Access.PUBLIC or is_member(user)


def can_add_materials(user) -> bool:
    """Coordinators, and managers of partner organisations (for their own publications)."""
    if membership.is_coordinator(user):
        return True
    return any(
        membership.is_organisation_manager_of(user, org) for org in publishing_organisations(user)
    )


def publishing_organisations(user):
    """Organisations the user may publish materials for."""
    if membership.is_coordinator(user):
        return membership.partner_organisations()
    ids = membership.partner_organisation_ids(user)
    return [
        org
        for org in membership.partner_organisations().filter(pk__in=ids)
        if membership.is_organisation_manager_of(user, org)
    ]


def can_edit(user, material) -> bool:
    if membership.is_coordinator(user):
        return True
    return material.publisher_id is not None and membership.is_organisation_manager_of(
        user, material.publisher
    )


def can_order(user) -> bool:
    """People of partner organisations order printed copies for their organisation."""
    return bool(membership.partner_organisation_ids(user))


def ordering_organisations(user):
    return membership.partner_organisations().filter(
        pk__in=membership.partner_organisation_ids(user)
    )


def can_manage_stock(user) -> bool:
    return membership.is_coordinator(user)


def can_manage_journal(user) -> bool:
    return membership.is_coordinator(user)


def can_change_subscription(user, organisation) -> bool:
    return membership.is_organisation_manager_of(user, organisation)


def managed_partner_organisations(user):
    """Partner organisations whose subscription the user may change."""
    orgs = membership.partner_organisations()
    if membership.is_coordinator(user):
        return orgs
    ids = membership.partner_organisation_ids(user)
    return [o for o in orgs.filter(pk__in=ids) if membership.is_organisation_manager_of(user, o)]


def can_use_journal_page(user) -> bool:
    return membership.is_coordinator(user) or bool(managed_partner_organisations(user))
