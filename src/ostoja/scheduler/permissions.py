"""Permission decisions of the scheduler page: coordinators (platform administrators) only."""

from __future__ import annotations

from ostoja.organisations.permissions import is_coordinator


def can_view_scheduler(user) -> bool:
    return is_coordinator(user)
