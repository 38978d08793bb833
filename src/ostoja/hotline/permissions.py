"""Every permission decision of the hotline, in one place.

Who may do what
===============
* **Anyone** (anonymous): the public report form and the status page (with a status code).
* **Hotline analysts and supervisors** of a hotline organisation: that hotline's queue, items,
  reports, assessments and the "copy original" action. Items of another hotline do not exist
  for them (404), see :meth:`ostoja.hotline.models.ItemQuerySet.visible_to`.
* **Supervisors** additionally edit their hotline's priority rules and settings.
* **Coordinators** (platform administrators) see aggregate statistics only, never report
  content (URLs, descriptions, hashes, assessments): administering the platform does not
  require looking at abuse reports, and every person who can is one more person to vet and
  protect. A coordinator who also holds an analyst or supervisor membership gets that access
  through the membership, scoped to that hotline like anyone else.
* API tokens: a token with the ``reports`` scope sends reports for its organisation and reads
  the status of the reports its organisation sent (enforced in ``api.py``).
"""

from __future__ import annotations

from ostoja.organisations.permissions import has_role, is_coordinator
from ostoja.organisations.roles import HOTLINE_ROLES, Role


def hotline_ids(user) -> frozenset[int]:
    """Ids of the organisations in which ``user`` is a hotline analyst or supervisor."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, "_ostoja_hotline_ids", None)
    if cached is None:
        cached = frozenset(
            user.memberships.active()
            .filter(role__in=list(HOTLINE_ROLES))
            .values_list("organisation_id", flat=True)
        )
        user._ostoja_hotline_ids = cached
    return cached


def supervised_hotline_ids(user) -> frozenset[int]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, "_ostoja_supervised_ids", None)
    if cached is None:
        cached = frozenset(
            user.memberships.active()
            .filter(role=Role.HOTLINE_SUPERVISOR)
            .values_list("organisation_id", flat=True)
        )
        user._ostoja_supervised_ids = cached
    return cached


def can_work_in_hotline(user) -> bool:
    """Open the queue, take items, assess (in the user's own hotlines)."""
    return has_role(user, *HOTLINE_ROLES)


def can_view_statistics(user) -> bool:
    return can_work_in_hotline(user) or is_coordinator(user)


def can_open_hotline_pages(user) -> bool:
    """Reach the hotline's staff pages at all (coordinators are sent to the statistics)."""
    return can_view_statistics(user)


def can_assess(user, item) -> bool:
    return item.hotline_id in hotline_ids(user)


def can_reveal_url(user, item) -> bool:
    return can_assess(user, item)


def is_supervisor_of(user, organisation) -> bool:
    return organisation.pk in supervised_hotline_ids(user)


def can_manage_rules(user, organisation) -> bool:
    return is_supervisor_of(user, organisation)


def can_manage_settings(user, organisation) -> bool:
    return is_supervisor_of(user, organisation)


def can_send_reports(api_token) -> bool:
    return api_token is not None and api_token.has_scope("reports")
