"""Re-notices, escalation, the sweep."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ostoja.organisations.roles import Role
from ostoja.outbox.services import (
    OutboxError,
)

from .. import conf, hosting, notices
from ..models import (
    ESCALATION_STATES,
    FINAL_STATES,
    RENOTICE_STATES,
    ROUTING_STATES,
    Case,
    CaseEvent,
    CaseState,
    HostingTrace,
    Notice,
)
from .common import SWEEP_LEASE, logger
from .helpers import _audit, _event, _language, _lock
from .opening import process_case
from .routing import _enqueue_sensitive_email, _reroute_if_moved, _send


def _due_for_resending(case):
    """Active provider notices (until removal) and referrals not yet acknowledged."""
    settled = (Notice.Response.ACKNOWLEDGED, Notice.Response.REMOVED)
    return case.notices.filter(active=True).filter(
        Q(kind=Notice.Kind.NTD) | (Q(kind=Notice.Kind.REFERRAL) & ~Q(response__in=settled))
    )


def renotice_case(case, *, now=None, resolver=None, actor=None) -> str:
    """Re-trace, then re-send the case's notices (or re-route it if the hosting moved).

    Provider notices are re-sent until the removal is confirmed; referrals until the partner
    hotline acknowledges them (then it has the case, and the sweep leaves it alone; escalation
    after ``OSTOJA_ESCALATE_DAYS`` still applies, as it does not depend on re-sending).
    """
    now = now or timezone.now()
    case = Case.objects.select_related("item").get(pk=case.pk)
    if case.state not in RENOTICE_STATES:
        return "skipped"
    if hosting.latest_override(case.item) is None:
        hosting.trace_item(
            case.item,
            purpose=HostingTrace.Purpose.RENOTICE,
            actor=actor,
            resolver=resolver,
            now=now,
        )
    with transaction.atomic():
        case = _lock(case)
        if case.state not in RENOTICE_STATES:
            return "skipped"
        if _reroute_if_moved(case, actor=actor, now=now):
            return "moved"
        trace = hosting.effective(case.item).trace
        sent = 0
        for notice in _due_for_resending(case):
            if _send(case, notice, trace, actor=actor, now=now):
                sent += 1
            else:
                return "flagged"
        if sent or case.state != CaseState.REFERRED:
            case.next_action_at = now + conf.renotice_interval()
        else:
            case.next_action_at = None  # referral acknowledged: nothing left to re-send
        case.save()
        return "resent" if sent else "nothing_to_send"


def escalate_case(case, *, now=None) -> bool:
    now = now or timezone.now()
    with transaction.atomic():
        case = _lock(case)
        if case.escalated_at or case.state in FINAL_STATES or not case.first_notice_at:
            return False
        if case.first_notice_at > now - conf.escalate_after():
            return False
        case.escalated_at = now
        if case.state in (CaseState.NOTIFIED, CaseState.ACKNOWLEDGED):
            case.state = CaseState.NOT_REMOVED
        case.save()
        days = (now - case.first_notice_at).days
        _event(case, CaseEvent.Kind.ESCALATED, now=now, data={"days": days})
        _audit("takedown.case.escalated", case, data={"days": days, "state": case.state})
        _mail_supervisors(case, now=now)
    return True


def _mail_supervisors(case, *, now) -> None:
    """Tell the hotline's supervisors (their own language); no URL in the message."""
    users = (
        get_user_model()
        .objects.filter(
            memberships__organisation=case.hotline,
            memberships__organisation__is_active=True,
            memberships__role=Role.HOTLINE_SUPERVISOR,
            is_active=True,
        )
        .distinct()
    )
    for user in users:
        message = notices.escalation_message(case, _language(user.language, "pl"))
        try:
            _enqueue_sensitive_email(
                message,
                dedup_key=f"takedown:case:{case.pk}:escalated:{user.pk}",
                to=[user.email],
                related=case,
                organisation=case.hotline,
            )
        except OutboxError:
            logger.warning("Escalation e-mail to user %s refused by the outbox", user.pk)


@dataclass
class SweepReport:
    routed: int = 0
    resent: int = 0
    moved: int = 0
    flagged: int = 0
    escalated: int = 0
    errors: int = 0
    outcomes: dict = field(default_factory=dict)

    @property
    def total(self) -> int:
        return self.routed + self.resent + self.moved + self.flagged + self.escalated


def sweep(*, now=None, limit: int = 200, resolver=None) -> SweepReport:
    """Route waiting cases, re-notice due ones, escalate overdue ones (at most ``limit`` each).

    A due case is first *claimed* by moving ``next_action_at`` forward with a conditional
    UPDATE (only one of two concurrent sweepers wins); a sweeper that dies leaves the case due
    again when the lease ends.
    """
    now = now or timezone.now()
    report = SweepReport()
    due = list(
        Case.objects.filter(next_action_at__lte=now)
        .exclude(state__in=FINAL_STATES)
        .order_by("next_action_at", "pk")
        .values_list("pk", "state", "next_action_at")[:limit]
    )
    for pk, state, due_at in due:
        if not Case.objects.filter(pk=pk, next_action_at=due_at).update(
            next_action_at=now + SWEEP_LEASE
        ):
            continue
        case = Case(pk=pk)
        try:
            if state in ROUTING_STATES:
                case = process_case(case, now=now, resolver=resolver)
                outcome = "flagged" if case.state == CaseState.HOSTING_UNKNOWN else "routed"
            elif state in RENOTICE_STATES:
                outcome = renotice_case(case, now=now, resolver=resolver)
            else:
                Case.objects.filter(pk=pk).update(next_action_at=None)
                outcome = "skipped"
        except Exception:  # noqa: BLE001 - one broken case must not stop the sweep
            logger.exception("Takedown sweep failed on case %s", pk)
            report.errors += 1
            continue
        report.outcomes[pk] = outcome
        if outcome == "routed":
            report.routed += 1
        elif outcome == "resent":
            report.resent += 1
        elif outcome == "moved":
            report.moved += 1
        elif outcome == "flagged":
            report.flagged += 1
    overdue = (
        Case.objects.filter(
            state__in=ESCALATION_STATES,
            escalated_at__isnull=True,
            first_notice_at__lte=now - conf.escalate_after(),
        )
        .order_by("first_notice_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in list(overdue):
        if escalate_case(Case(pk=pk), now=now):
            report.escalated += 1
    return report
