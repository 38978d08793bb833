"""Permission decisions of the outbox, in one place.

* **Coordinators** (platform administrators) see every outgoing message and may retry it. For
  messages marked *sensitive* (hotline notices: they concern reported content) they see the
  delivery facts — recipient, state, attempts, times — but not the subject or the last error,
  which a receiver may fill with the reported URL. Coordinators never need report content.
* **Hotline supervisors** see and retry the messages sent on behalf of their hotline
  organisations, with every detail: they answer for those notices.
* Everyone else: no access.
"""

from __future__ import annotations

from ostoja.organisations.permissions import has_role, is_coordinator
from ostoja.organisations.roles import Role


def outbox_organisation_ids(user) -> frozenset[int]:
    """Organisations whose messages ``user`` answers for (as hotline supervisor)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    return frozenset(
        user.memberships.active()
        .filter(role=Role.HOTLINE_SUPERVISOR)
        .values_list("organisation_id", flat=True)
    )


def can_view_outbox(user) -> bool:
    return is_coordinator(user) or has_role(user, Role.HOTLINE_SUPERVISOR)


def can_retry(user, message) -> bool:
    """Only called on messages from ``OutboxMessage.objects.visible_to(user)``."""
    return can_view_outbox(user)


def can_view_details(user, message) -> bool:
    """Subject and last error of a message (hidden from coordinators if sensitive)."""
    if message.organisation_id and message.organisation_id in outbox_organisation_ids(user):
        return True
    return is_coordinator(user) and not message.sensitive
