"""Answers: providers, partner hotlines, analysts."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ostoja.hotline.models import Item, ItemState

from ..models import (
    Case,
    CaseEvent,
    CaseState,
    ConfirmedBy,
    Flag,
    Notice,
    Route,
    UrlListEntry,
)
from .common import (
    CHECK_RESULTS,
    RESOLVE_DECISIONS,
    RESPONSE_ACTIONS,
    ResponseConflict,
    TakedownError,
    Via,
)
from .helpers import _audit, _event, _lock, clean_text
from .routing import _cancel_unsent
from .sweep import _due_for_resending

_CONFIRMED_BY = {
    Via.PROVIDER_LINK: ConfirmedBy.PROVIDER_LINK,
    Via.PROVIDER_API: ConfirmedBy.PROVIDER_API,
    Via.PROVIDER_WEBHOOK: ConfirmedBy.PROVIDER_WEBHOOK,
    Via.ANALYST: ConfirmedBy.ANALYST,
    Via.PARTNER_HOTLINE: ConfirmedBy.PARTNER_HOTLINE,
}


def _mark_removed(case, *, now, confirmed_by, via, actor=None, notice=None, note="") -> None:
    case.state = CaseState.REMOVED
    case.removed_at = now
    case.removal_confirmed_by = confirmed_by
    case.seconds_report_to_removal = max(0, int((now - case.reported_at).total_seconds()))
    if case.first_notice_at:
        case.seconds_notice_to_removal = max(0, int((now - case.first_notice_at).total_seconds()))
    case.next_action_at = None
    case.flag = Flag.NONE
    case.save()
    case.notices.filter(active=True).update(active=False)
    Item.objects.filter(
        pk=case.item_id, state__in=(ItemState.ACTIONABLE, ItemState.ACTIONED)
    ).update(state=ItemState.REMOVED, closed_at=now)
    UrlListEntry.objects.filter(case=case, removed_at__isnull=True).update(
        removed_at=now, removal_reason=UrlListEntry.Removal.REMOVED, updated_at=now
    )
    _event(
        case,
        CaseEvent.Kind.REMOVED,
        notice=notice,
        via=via,
        actor=actor,
        note=note,
        now=now,
        data={"confirmed_by": confirmed_by},
    )
    _cancel_unsent(case, actor=actor, now=now, reason="removed")


def record_response(*, notice, action: str, via: str, comment: str = "", actor=None, now=None):
    """A recipient's answer to a notice: acknowledged, removed or disputed.

    ``via`` is the channel (signed link, API, signed webhook). Answers to a referral count as
    the partner hotline's. A repeated "removed" is accepted silently (links get clicked
    twice); anything else on a closed case raises :class:`ResponseConflict`.
    """
    now = now or timezone.now()
    if action not in RESPONSE_ACTIONS:
        raise TakedownError(_("Choose: acknowledged, removed or disputed."))
    comment = clean_text(comment)
    with transaction.atomic():
        notice = Notice.objects.select_for_update().get(pk=notice.pk)
        case = _lock(notice.case)
        if not notice.answerable:
            raise TakedownError(_("This notice does not take answers."))
        if case.state == CaseState.REMOVED:
            if action == "removed":
                return case
            raise ResponseConflict(_("The removal of this content has already been confirmed."))
        if case.state == CaseState.CLOSED:
            raise ResponseConflict(_("This notice has been withdrawn; no answer is needed."))
        partner = notice.kind == Notice.Kind.REFERRAL
        confirmed_by = ConfirmedBy.PARTNER_HOTLINE if partner else _CONFIRMED_BY[via]
        notice.response = action
        notice.responded_at = now
        notice.save(update_fields=["response", "responded_at"])
        data = {"notice": str(notice.uuid), "action": action, "via": via, "active": notice.active}
        if not notice.active:
            # A superseded notice (the content moved away): record it, change nothing.
            kind = {
                "acknowledged": CaseEvent.Kind.ACKNOWLEDGED,
                "removed": CaseEvent.Kind.REMOVED,
                "disputed": CaseEvent.Kind.DISPUTED,
            }[action]
            _event(
                case, kind, notice=notice, via=via, actor=actor, note=comment, now=now, data=data
            )
        elif action == "removed":
            _mark_removed(
                case,
                now=now,
                confirmed_by=confirmed_by,
                via=via,
                actor=actor,
                notice=notice,
                note=comment,
            )
        elif action == "acknowledged":
            case.acknowledged_at = case.acknowledged_at or now
            if case.state == CaseState.NOTIFIED:
                case.state = CaseState.ACKNOWLEDGED
            if partner and not _due_for_resending(case).exists():
                case.next_action_at = None  # referrals are re-sent only until acknowledged
            case.save()
            _event(
                case,
                CaseEvent.Kind.ACKNOWLEDGED,
                notice=notice,
                via=via,
                actor=actor,
                note=comment,
                now=now,
                data=data,
            )
            if partner:
                _cancel_unsent(
                    case, actor=actor, now=now, reason="acknowledged", notices_to_cancel=[notice]
                )
        else:
            case.state = CaseState.DISPUTED
            case.next_action_at = None
            case.save()
            _event(
                case,
                CaseEvent.Kind.DISPUTED,
                notice=notice,
                via=via,
                actor=actor,
                note=comment,
                now=now,
                data=data,
            )
        _audit("takedown.notice.answered", case, actor=actor, data=data)
    return case


def record_check(*, actor, case, result: str, note: str = "", now=None) -> Case:
    """An analyst's check: still online, removed, or removal confirmed by the partner hotline."""
    now = now or timezone.now()
    if result not in CHECK_RESULTS:
        raise TakedownError(_("Choose the result of the check."))
    note = clean_text(note)
    with transaction.atomic():
        case = _lock(case)
        if case.is_final:
            raise ResponseConflict(_("This case is closed."))
        if result == "online":
            case.last_verified_at = now
            case.save()
            _event(
                case, CaseEvent.Kind.STILL_ONLINE, via=Via.ANALYST, actor=actor, note=note, now=now
            )
        else:
            partner = result == "partner_removed"
            if partner and case.route != Route.ABROAD:
                raise TakedownError(_("Only referred cases are confirmed by a partner hotline."))
            _mark_removed(
                case,
                now=now,
                confirmed_by=ConfirmedBy.PARTNER_HOTLINE if partner else ConfirmedBy.ANALYST,
                via=Via.PARTNER_HOTLINE if partner else Via.ANALYST,
                actor=actor,
                note=note,
            )
        _audit("takedown.case.checked", case, actor=actor, data={"result": result})
    return case


def resolve_case(*, actor, case, decision: str, reason: str, now=None) -> Case:
    """A supervisor's decision on a disputed or escalated case.

    ``continue``: the notice stands (a disputed case returns to notified/referred and is
    re-noticed; an escalation is marked as seen). ``withdraw``: the notice is withdrawn, the
    case closed and the URL taken off the block list.
    """
    now = now or timezone.now()
    if decision not in RESOLVE_DECISIONS:
        raise TakedownError(_("Choose a decision."))
    reason = clean_text(reason)
    if not reason:
        raise TakedownError(_("Give a reason for the decision."))
    with transaction.atomic():
        case = _lock(case)
        if case.is_final:
            raise ResponseConflict(_("This case is closed."))
        if decision == "continue":
            if case.state == CaseState.DISPUTED:
                referred = case.notices.filter(active=True, kind=Notice.Kind.REFERRAL).exists()
                case.state = CaseState.REFERRED if referred else CaseState.NOTIFIED
                # The notice stands: re-sent from now on (a disputed referral was not
                # acknowledged, so it is re-sent like a provider notice).
                case.next_action_at = now
            case.escalation_seen_at = now
        else:
            case.state = CaseState.CLOSED
            case.closed_reason = reason
            case.next_action_at = None
            case.notices.filter(active=True).update(active=False)
            UrlListEntry.objects.filter(case=case, removed_at__isnull=True).update(
                removed_at=now, removal_reason=UrlListEntry.Removal.WITHDRAWN, updated_at=now
            )
        case.save()
        _event(
            case,
            CaseEvent.Kind.RESOLVED,
            via=Via.ANALYST,
            actor=actor,
            note=reason,
            now=now,
            data={"decision": decision},
        )
        _audit("takedown.case.resolved", case, actor=actor, data={"decision": decision})
        if decision == "withdraw":
            _cancel_unsent(case, actor=actor, now=now, reason="withdrawn")
    return case
