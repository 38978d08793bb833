"""Every permission decision of notice and takedown, in one place.

Who may do what
===============
* **Anyone** (anonymous): the splash page ``/blocked/`` and its appeal form; a provider or
  partner hotline holding a valid signed link answers *that one notice* (the token is the
  credential; see ``notices.read_link_token``).
* **Hotline analysts and supervisors** of the item's hotline: the takedown list and an item's
  takedown page, "Take action", a fresh trace, recording a check (removed / still online /
  confirmed by the partner hotline), the referral export. Another hotline's case is a 404.
* **Supervisors** of the item's hotline additionally: override the hosting (it redirects
  notices, so it is a supervisor's call and audit-logged with a reason), decide disputed and
  escalated cases, decide appeals against the block list.
* **Provider directory** (rules AS/IP range → provider, contact points): supervisors and
  coordinators. It holds no report content; coordinators administer partners platform-wide.
* **Statistics** (figures only): coordinators and hotline staff.
* API tokens: scope ``urllist`` downloads the block list; scope ``ntd`` answers the notices
  addressed to the token's organisation (any other notice is a 404). Providers with a
  registered webhook secret may instead sign their answer (``X-Ostoja-Signature``).
"""

from __future__ import annotations

from ostoja.hotline.permissions import hotline_ids, supervised_hotline_ids
from ostoja.organisations.permissions import has_role, is_coordinator
from ostoja.organisations.roles import HOTLINE_ROLES, Role


def can_work_on_takedown(user) -> bool:
    return has_role(user, *HOTLINE_ROLES)


def can_supervise(user) -> bool:
    return has_role(user, Role.HOTLINE_SUPERVISOR)


def can_view_case(user, case) -> bool:
    return case.hotline_id in hotline_ids(user)


def can_act_on(user, case_or_item) -> bool:
    hotline_id = getattr(case_or_item, "hotline_id", None)
    return hotline_id in hotline_ids(user)


def can_supervise_case(user, case) -> bool:
    return case.hotline_id in supervised_hotline_ids(user)


def can_override_hosting(user, case) -> bool:
    """Replace a traced hosting by hand (behind a CDN, a wrong database entry): supervisors."""
    return can_supervise_case(user, case)


def can_enter_untraced_hosting(user, case) -> bool:
    """Enter the hosting by hand (with a reason) when it could not be traced at all: any
    analyst of the case's hotline, so an unresolvable host is not a dead end."""
    from .models import Flag

    return can_act_on(user, case) and case.flag == Flag.NO_TRACE and not case.is_final


def can_set_hosting(user, case) -> bool:
    return can_override_hosting(user, case) or can_enter_untraced_hosting(user, case)


def can_resolve(user, case) -> bool:
    return can_supervise_case(user, case)


def can_decide_appeal(user, appeal) -> bool:
    return appeal.hotline_id in supervised_hotline_ids(user)


def can_manage_providers(user) -> bool:
    return is_coordinator(user) or has_role(user, Role.HOTLINE_SUPERVISOR)


def can_view_statistics(user) -> bool:
    return is_coordinator(user) or has_role(user, *HOTLINE_ROLES)


def statistics_hotline_ids(user) -> list[int] | None:
    """None: every hotline (coordinators); otherwise the user's own hotlines."""
    if is_coordinator(user):
        return None
    return sorted(hotline_ids(user))


def can_download_urllist(api_token) -> bool:
    return api_token is not None and api_token.has_scope("urllist")


def can_answer_notice(api_token, notice) -> bool:
    return (
        api_token is not None
        and api_token.has_scope("ntd")
        and notice.recipient_id is not None
        and notice.recipient_id == api_token.organisation_id
    )
