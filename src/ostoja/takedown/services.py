"""State changes of notice and takedown. Views, the API, commands, tasks and tests call these.

Each function validates, runs in one transaction, stores an event on the case, writes its
audit entry and queues e-mails and webhooks in the outbox *in the same transaction* (so a
notice exists if and only if its state change committed; delivery, retries and back-off are
the outbox's job).

The flow
========
1. :func:`handle_illegal_assessment` (called by the hotline after an "illegal" assessment
   commits, or by the "Take action" button) opens a :class:`~.models.Case`, puts the URL on
   the block list and queues :func:`process_case` as a task. The case is due for the sweep
   five minutes later as well, so a lost task only delays it.
2. :func:`process_case` traces the hosting (DNS → ``.mmdb`` → provider rules; an analyst's
   override wins) and routes the case:

   * hosted in the home country (``OSTOJA_HOME_COUNTRY``, Poland) → the configured police
     contact is notified once, and an NTD notice goes to the provider (e-mail in the
     provider's language with an X-ARF v4 attachment, and/or a signed webhook);
   * hosted abroad → a referral to the partner hotline of that country (organisation of kind
     hotline with that country); without one, an NTD notice straight to the provider if we
     know it;
   * hosting or recipient unknown → the case stays in the analysts' list, flagged with the
     reason, and is traced again every ``OSTOJA_RETRACE_MINUTES``.
3. :func:`sweep` (``manage.py takedown_sweep [--loop]`` or the ``sweep`` task) re-traces and
   re-sends the active notices of every case not confirmed removed every
   ``OSTOJA_RENOTICE_HOURS`` — provider notices until the removal is confirmed, referrals
   until the partner hotline acknowledges them (if the hosting moved, the old notice is
   superseded and the case is routed again) — and escalates cases still online
   ``OSTOJA_ESCALATE_DAYS`` after the first notice to the hotline's supervisors.
4. Answers — :func:`record_response` (provider's signed link, API or signed webhook; partner
   hotline), :func:`record_check` (analyst) — move the case to acknowledged, removed or
   disputed. Removal closes the hotline item, drops the URL from the block list, freezes
   the times for the statistics and cancels the case's messages not sent yet (notices,
   re-notices, referrals, escalation e-mails; never the police notification) — as does a
   supervisor withdrawing the notice (:func:`resolve_case`).

Writes to ``hotline.Item`` (state ``actioned``/``removed``, ``closed_at``,
``hosted_in_poland``) are conditional ``UPDATE``\\ s that never move an item backwards.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from ostoja.audit.services import log_action
from ostoja.hotline.models import ILLEGAL_OUTCOMES, Assessment, Item, ItemState, Outcome
from ostoja.organisations.models import Organisation
from ostoja.organisations.roles import Role
from ostoja.outbox import webhook_keys
from ostoja.outbox.models import OutboxMessage
from ostoja.outbox.services import (
    OutboxError,
    cancel_unsent,
    enqueue_email,
    enqueue_webhook,
    erase_recipients,
)

from . import conf, hosting, notices
from .models import (
    ESCALATION_STATES,
    FINAL_STATES,
    RENOTICE_STATES,
    ROUTING_STATES,
    Appeal,
    AppealState,
    Case,
    CaseEvent,
    CaseState,
    ConfirmedBy,
    ContactPoint,
    Flag,
    HostingTrace,
    Notice,
    ProviderRule,
    Route,
    UrlListEntry,
)

logger = logging.getLogger(__name__)

#: Most trusted first (the item's "source" in the statistics is its most trusted reporter).
SOURCE_ORDER = ("police", "partner_hotline", "platform", "public")
RESPONSE_ACTIONS = ("acknowledged", "removed", "disputed")
CHECK_RESULTS = ("online", "removed", "partner_removed")
RESOLVE_DECISIONS = ("continue", "withdraw")
APPEAL_DECISIONS = (AppealState.UPHELD, AppealState.LIFTED, AppealState.CLOSED)
MAX_COMMENT = 2000
FIRST_SWEEP_DELAY = timedelta(minutes=5)
SWEEP_LEASE = timedelta(minutes=10)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
_COUNTRY = re.compile(r"^[A-Z]{2}$")

Via = CaseEvent.Via


class TakedownError(ValueError):
    """A request the takedown workflow refuses; the message is for people (translated)."""


class ResponseConflict(TakedownError):
    """An answer that no longer fits the case (already removed, withdrawn…)."""


# --------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------


def clean_text(value, *, limit: int = MAX_COMMENT, field_label: str = "text") -> str:
    """Strip, refuse control and text-direction characters, cap the length."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TakedownError(_("The text is not valid."))
    value = value.replace("\r\n", "\n").strip()
    if _CONTROL.search(value):
        raise TakedownError(_("The text contains control or text-direction characters."))
    if len(value) > limit:
        raise TakedownError(_("The text is longer than %(limit)d characters.") % {"limit": limit})
    return value


def _actor(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _event(case, kind, *, notice=None, via=Via.SYSTEM, actor=None, note="", data=None, now=None):
    return CaseEvent.objects.create(
        case=case,
        notice=notice,
        kind=kind,
        via=via,
        actor=_actor(actor),
        note=note,
        data=data or {},
        at=now or timezone.now(),
    )


def _audit(action, case, *, actor=None, data=None):
    log_action(action, actor=actor, organisation=case.hotline, target=case, data=data or {})


def _lock(case) -> Case:
    return Case.objects.select_for_update().select_related("item", "hotline").get(pk=case.pk)


def primary_source(item) -> str:
    kinds = set(item.source_kinds or [])
    return next((k for k in SOURCE_ORDER if k in kinds), "")


def _illegal_assessment(item) -> Assessment | None:
    return (
        Assessment.objects.filter(item=item, outcome__in=ILLEGAL_OUTCOMES)
        .order_by("-created_at", "-pk")
        .first()
    )


@dataclass(frozen=True)
class Recipient:
    organisation: Organisation | None
    email: str
    language: str
    webhook_url: str = ""
    webhook_key_id: str = ""
    webhook_secret_ref: str = ""

    @property
    def reachable(self) -> bool:
        return bool(self.email or self.webhook_url)


def _language(code: str, default: str = "en") -> str:
    return code if code in dict(settings.LANGUAGES) else default


def recipient_for(organisation: Organisation | None) -> Recipient | None:
    """How to reach an organisation: its contact point, else its contact e-mail."""
    if organisation is None:
        return None
    point = ContactPoint.objects.filter(organisation=organisation).first()
    if point is not None:
        return Recipient(
            organisation,
            point.email or organisation.contact_email,
            _language(point.language, _language(organisation.language)),
            point.webhook_url,
            point.webhook_key_id,
            point.webhook_secret_ref,
        )
    return Recipient(organisation, organisation.contact_email, _language(organisation.language))


def police_recipient() -> Recipient | None:
    """``OSTOJA_POLICE_CONTACT``: an e-mail address, or the slug of a police organisation."""
    configured = conf.police_contact()
    if not configured:
        return None
    if "@" in configured:
        return Recipient(None, configured, "pl")
    org = Organisation.objects.filter(slug=configured).first()
    recipient = recipient_for(org)
    return recipient if recipient and recipient.reachable else None


def partner_hotline_for(country: str, own_hotline) -> Organisation | None:
    """The verified hotline organisation of ``country`` (the earliest, if several)."""
    return (
        Organisation.objects.filter(kind=Organisation.Kind.HOTLINE, country=country, verified=True)
        .exclude(pk=own_hotline.pk)
        .order_by("created_at", "pk")
        .first()
    )


# --------------------------------------------------------------------------------------
# Opening a case
# --------------------------------------------------------------------------------------


def can_open_case(item) -> bool:
    return item.outcome in ILLEGAL_OUTCOMES and item.state in (
        ItemState.ACTIONABLE,
        ItemState.ACTIONED,
    )


def handle_illegal_assessment(*, actor, item, now=None) -> Case | None:
    """Open the takedown case of an item assessed illegal (idempotent); None if not eligible.

    Safe to call from ``transaction.on_commit`` of the hotline's assessment: it never raises
    for an item that is not (or no longer) actionable, and does no network work itself — the
    trace and the notices run in :func:`process_case`, queued as a task.
    """
    now = now or timezone.now()
    item = Item.objects.select_related("hotline").get(pk=item.pk)
    if not can_open_case(item):
        return None
    assessment = _illegal_assessment(item)
    with transaction.atomic():
        try:
            with transaction.atomic():
                case, created = Case.objects.get_or_create(
                    item=item,
                    defaults={
                        "hotline": item.hotline,
                        "reported_at": item.first_seen,
                        "confirmed_at": assessment.created_at if assessment else now,
                        "baseline": item.outcome == Outcome.ILLEGAL_BASELINE,
                        "site_type": assessment.site_type if assessment else "",
                        "age_band": assessment.age_band if assessment else "",
                        "content_type": assessment.content_type if assessment else "",
                        "source_kind": primary_source(item),
                        "next_action_at": now + FIRST_SWEEP_DELAY,
                        "created_at": now,
                    },
                )
        except IntegrityError:  # a concurrent call created it
            return Case.objects.get(item=item)
        if not created:
            return case
        UrlListEntry.objects.create(
            case=case,
            hotline=item.hotline,
            url=item.canonical_url,
            sha256=item.url_sha256,
            added_at=now,
            updated_at=now,
        )
        _event(
            case,
            CaseEvent.Kind.OPENED,
            actor=actor,
            via=Via.ANALYST if actor else Via.SYSTEM,
            now=now,
        )
        _audit(
            "takedown.case.opened",
            case,
            actor=actor,
            data={"item": item.pk, "baseline": case.baseline, "outcome": item.outcome},
        )
        actor_id = actor.pk if _actor(actor) else None
        transaction.on_commit(partial(_queue_processing, case.pk, actor_id))
    return case


def _queue_processing(case_id: int, actor_id: int | None) -> None:
    from .tasks import process_case_task

    try:
        process_case_task.enqueue(case_id, actor_id)
    except Exception:  # noqa: BLE001 - the sweep processes the case anyway
        logger.exception("Could not queue the processing of takedown case %s", case_id)


def process_case(
    case, *, actor=None, now=None, resolver=None, purpose=None, retrace: bool = True
) -> Case:
    """Trace the hosting (unless an override is in force) and route the case.

    Only cases waiting to be routed are touched; anything else is returned unchanged, so a
    task and the sweep may both call it. ``retrace=False`` routes on the traces already
    stored (demo data, imports).
    """
    now = now or timezone.now()
    case = Case.objects.select_related("item").get(pk=case.pk)
    if case.state not in ROUTING_STATES:
        return case
    if retrace and hosting.latest_override(case.item) is None:
        purpose = purpose or (
            HostingTrace.Purpose.ASSESSMENT
            if case.state == CaseState.NEW
            else HostingTrace.Purpose.RETRY
        )
        hosting.trace_item(case.item, purpose=purpose, actor=actor, resolver=resolver, now=now)
    with transaction.atomic():
        case = _lock(case)
        if case.state in ROUTING_STATES:
            _route(case, actor=actor, now=now)
    return case


# --------------------------------------------------------------------------------------
# Routing and sending
# --------------------------------------------------------------------------------------


def _set_item_hosting(item, country: str) -> None:
    if country:
        Item.objects.filter(pk=item.pk).update(hosted_in_poland=country == "PL")


def _mark_item_actioned(item) -> None:
    Item.objects.filter(pk=item.pk, state=ItemState.ACTIONABLE).update(state=ItemState.ACTIONED)


def _flag(case, flag: str, detail: str, *, actor, now) -> None:
    changed = case.flag != flag
    case.state = CaseState.HOSTING_UNKNOWN
    case.flag = flag
    case.flag_detail = detail[:300]
    case.next_action_at = now + conf.retrace_interval()
    case.save()
    if changed:
        _event(
            case,
            CaseEvent.Kind.FLAGGED,
            actor=actor,
            data={"flag": flag, "detail": detail},
            now=now,
        )
        _audit("takedown.case.flagged", case, actor=actor, data={"flag": flag})


def _route(case, *, actor, now) -> None:
    """Decide and act on the hosting in force. The case is locked by the caller."""
    item = case.item
    current = hosting.effective(item)
    trace = current.trace
    case.hosting_country = current.country
    case.provider = current.provider
    _set_item_hosting(item, current.country)
    if trace is not None:
        _event(
            case,
            CaseEvent.Kind.TRACED,
            actor=actor,
            now=now,
            data={
                "trace": trace.pk,
                "kind": trace.kind,
                "country": trace.country,
                "asn": trace.asn,
                "provider": trace.provider_id,
                "errors": trace.error_codes,
            },
        )
    if not current.country:
        detail = ", ".join(trace.error_codes) if trace else ""
        _flag(case, Flag.NO_TRACE, detail, actor=actor, now=now)
        return
    if current.country == conf.home_country():
        case.route = Route.DOMESTIC
        _notify_police(case, trace, actor=actor, now=now)
        provider = recipient_for(current.provider)
        if provider is None:
            _flag(case, Flag.NO_PROVIDER, trace.as_org if trace else "", actor=actor, now=now)
            return
        if not provider.reachable:
            _flag(case, Flag.NO_CONTACT, current.provider.name, actor=actor, now=now)
            return
        notice = _new_notice(case, Notice.Kind.NTD, provider, now=now)
        if not _send(case, notice, trace, actor=actor, now=now):
            return
        case.state = CaseState.NOTIFIED
    else:
        case.route = Route.ABROAD
        partner = partner_hotline_for(current.country, case.hotline)
        via_partner = recipient_for(partner)
        direct = recipient_for(current.provider)
        if via_partner is not None and via_partner.reachable:
            case.partner_hotline = partner
            notice = _new_notice(case, Notice.Kind.REFERRAL, via_partner, now=now)
            if not _send(case, notice, trace, actor=actor, now=now):
                return
            case.state = CaseState.REFERRED
        elif direct is not None and direct.reachable:
            # No partner hotline in that country: notify the provider directly (INHOPE's
            # fallback), in its language.
            notice = _new_notice(case, Notice.Kind.NTD, direct, now=now)
            if not _send(case, notice, trace, actor=actor, now=now):
                return
            case.state = CaseState.NOTIFIED
        else:
            flag = Flag.NO_CONTACT if (partner or current.provider) else Flag.NO_PARTNER
            _flag(case, flag, current.country, actor=actor, now=now)
            return
    case.flag = Flag.NONE
    case.flag_detail = ""
    case.next_action_at = now + conf.renotice_interval() if case.state in RENOTICE_STATES else None
    case.save()
    _mark_item_actioned(item)


def _new_notice(case, kind, recipient: Recipient, *, now) -> Notice:
    return Notice.objects.create(
        case=case,
        kind=kind,
        recipient=recipient.organisation,
        email=recipient.email,
        webhook_url=recipient.webhook_url,
        language=recipient.language,
        created_at=now,
    )


def _channels(notice, recipient_secret: tuple[str, str], message: dict, *, case, sequence):
    """Queue the e-mail and/or webhook of one sending; return the outbox messages and errors."""
    queued, errors = [], []
    base = f"takedown:{notice.uuid}:{sequence}"
    common = {
        "related": notice,
        "organisation": case.hotline,
        "sensitive": True,
        "language": message["language"],
    }
    if notice.email:
        try:
            msg, _created = enqueue_email(
                dedup_key=f"{base}:email",
                to=[notice.email],
                subject=message["subject"],
                body_text=message["body"],
                attachments=message.get("attachments", ()),
                headers={"X-Ostoja-Notice": str(notice.uuid)},
                **common,
            )
            queued.append(msg)
        except OutboxError as exc:
            errors.append(f"email: {exc}")
    if notice.webhook_url and message.get("payload") is not None:
        key_id, secret_ref = recipient_secret
        try:
            msg, _created = enqueue_webhook(
                dedup_key=f"{base}:webhook",
                url=notice.webhook_url,
                payload=message["payload"],
                hmac_key_id=key_id,
                hmac_secret_ref=secret_ref,
                headers={"X-Ostoja-Notice": str(notice.uuid)},
                **common,
            )
            queued.append(msg)
        except OutboxError as exc:
            errors.append(f"webhook: {exc}")
    return queued, errors


def _enqueue_sensitive_email(message: dict, *, dedup_key, to, related, organisation):
    """Queue a rendered message (``subject``/``body``/``language``) as a sensitive e-mail."""
    return enqueue_email(
        dedup_key=dedup_key,
        to=to,
        subject=message["subject"],
        body_text=message["body"],
        language=message["language"],
        related=related,
        organisation=organisation,
        sensitive=True,
    )


def _secret_of(notice) -> tuple[str, str]:
    point = (
        ContactPoint.objects.filter(organisation_id=notice.recipient_id).first()
        if notice.recipient_id
        else None
    )
    if point is None:
        return "", ""
    return point.webhook_key_id, point.webhook_secret_ref


def _send(case, notice, trace, *, actor, now) -> bool:
    """Send (or re-send) a notice; False (and the case flagged) if nothing could be queued."""
    sequence = notice.send_count + 1
    link = notices.make_link(notice, now=now)
    if notice.kind == Notice.Kind.REFERRAL:
        message = notices.referral_message(case, notice, trace, sequence=sequence, link=link)
        kind = CaseEvent.Kind.REFERRAL_RESENT if sequence > 1 else CaseEvent.Kind.REFERRAL_SENT
    else:
        message = notices.ntd_message(case, notice, trace, sequence=sequence, link=link)
        kind = CaseEvent.Kind.RENOTICE_SENT if sequence > 1 else CaseEvent.Kind.NOTICE_SENT
    queued, errors = _channels(notice, _secret_of(notice), message, case=case, sequence=sequence)
    if not queued:
        notice.active = False
        notice.save(update_fields=["active"])
        _flag(case, Flag.NO_CONTACT, "; ".join(errors), actor=actor, now=now)
        return False
    notice.send_count = sequence
    notice.first_sent_at = notice.first_sent_at or now
    notice.last_sent_at = now
    notice.save(update_fields=["send_count", "first_sent_at", "last_sent_at"])
    case.notice_count += 1
    case.first_notice_at = case.first_notice_at or now
    case.last_notice_at = now
    data = {
        "notice": str(notice.uuid),
        "sequence": sequence,
        "recipient": notice.recipient_id,
        "channels": [m.kind for m in queued],
        "outbox": [m.pk for m in queued],
        "errors": errors,
    }
    _event(case, kind, notice=notice, actor=actor, now=now, data=data)
    action = {
        CaseEvent.Kind.NOTICE_SENT: "takedown.notice.sent",
        CaseEvent.Kind.RENOTICE_SENT: "takedown.notice.resent",
        CaseEvent.Kind.REFERRAL_SENT: "takedown.referral.sent",
        CaseEvent.Kind.REFERRAL_RESENT: "takedown.referral.resent",
    }[kind]
    _audit(action, case, actor=actor, data=data)
    return True


#: Why unsent messages of a case were cancelled. Stored in English on the outbox message and
#: shown translated (``gettext_noop``: the text is in this app's catalogue).
CANCEL_REASONS = {
    "removed": gettext_noop("The content was removed"),
    "withdrawn": gettext_noop("The notice was withdrawn"),
    "acknowledged": gettext_noop("The partner hotline acknowledged the referral"),
}


def _outbox_of(*objects) -> Q:
    """Outbox messages related to any of ``objects`` (notices, the case)."""
    by_type: dict = {}
    for obj in objects:
        by_type.setdefault(ContentType.objects.get_for_model(obj), []).append(str(obj.pk))
    condition = Q(pk__in=[])
    for content_type, ids in by_type.items():
        condition |= Q(related_type=content_type, related_id__in=ids)
    return condition


def _cancel_unsent(case, *, actor, now, reason: str, notices_to_cancel=None):
    """Cancel the case's outbox messages that have not been sent (same transaction).

    By default: every notice's messages except the police notification's (removal does not
    end a police matter: they need the report whatever happened to the content) and the
    messages related to the case itself (supervisors' escalation e-mails). Messages being
    sent at this moment are cancelled only if that attempt fails (see
    :func:`ostoja.outbox.services.cancel_unsent`). Recorded on the case when anything was
    cancelled or is waiting to be.
    """
    if notices_to_cancel is None:
        notices_to_cancel = list(case.notices.exclude(kind=Notice.Kind.POLICE))
        objects = [*notices_to_cancel, case]
    else:
        objects = list(notices_to_cancel)
    if not objects:
        return None
    report = cancel_unsent(
        actor=_actor(actor),
        messages=OutboxMessage.objects.filter(_outbox_of(*objects)),
        reason=CANCEL_REASONS[reason],
        now=now,
    )
    if report.total:
        data = {
            "reason": reason,
            "reason_text": CANCEL_REASONS[reason],
            "cancelled": report.cancelled,
            "requested": report.requested,
        }
        _event(case, CaseEvent.Kind.UNSENT_CANCELLED, actor=actor, now=now, data=data)
        _audit("takedown.case.unsent_cancelled", case, actor=actor, data=data)
    return report


def _notify_police(case, trace, *, actor, now) -> None:
    if case.police_notified_at:
        return
    recipient = police_recipient()
    if recipient is None:
        if not case.events.filter(kind=CaseEvent.Kind.POLICE_MISSING).exists():
            _event(case, CaseEvent.Kind.POLICE_MISSING, actor=actor, now=now)
            logger.warning(
                "OSTOJA_POLICE_CONTACT is not set: police not notified (case %s)", case.pk
            )
        return
    notice = _new_notice(case, Notice.Kind.POLICE, recipient, now=now)
    message = notices.police_message(case, notice, trace)
    message["payload"] = {
        "format": "ostoja-police-notification",
        "version": 1,
        "notice_id": str(notice.uuid),
        "sent_at": notices.iso(now),
        "xarf": notices.xarf_report(case, notice, trace, sequence=1),
    }
    queued, errors = _channels(notice, _secret_of(notice), message, case=case, sequence=1)
    if not queued:
        _event(case, CaseEvent.Kind.POLICE_MISSING, notice=notice, now=now, data={"errors": errors})
        return
    notice.send_count = 1
    notice.first_sent_at = notice.last_sent_at = now
    notice.save(update_fields=["send_count", "first_sent_at", "last_sent_at"])
    case.police_notified_at = now
    data = {"notice": str(notice.uuid), "outbox": [m.pk for m in queued], "errors": errors}
    _event(case, CaseEvent.Kind.POLICE_NOTIFIED, notice=notice, actor=actor, now=now, data=data)
    _audit("takedown.police.notified", case, actor=actor, data=data)


def _supersede(case, *, actor, now, reason: str) -> None:
    for notice in case.notices.filter(active=True).exclude(kind=Notice.Kind.POLICE):
        notice.active = False
        notice.save(update_fields=["active"])
        _event(
            case,
            CaseEvent.Kind.SUPERSEDED,
            notice=notice,
            actor=actor,
            now=now,
            data={"reason": reason},
        )


def _moved(case, current: hosting.Hosting) -> bool:
    if not current.known:
        return False  # a failed trace is not a move: keep notifying the last known host
    if current.country != case.hosting_country:
        return True
    return current.provider is not None and current.provider.pk != case.provider_id


def _reroute_if_moved(case, *, actor, now) -> bool:
    current = hosting.effective(case.item)
    if not _moved(case, current):
        return False
    old = {"country": case.hosting_country, "provider": case.provider_id}
    _supersede(case, actor=actor, now=now, reason="hosting_moved")
    _audit(
        "takedown.case.hosting_moved",
        case,
        actor=actor,
        data={
            "from": old,
            "to": {"country": current.country, "provider": getattr(current.provider, "pk", None)},
        },
    )
    case.state = CaseState.HOSTING_UNKNOWN  # routed again below
    case.partner_hotline = None
    _route(case, actor=actor, now=now)
    return True


# --------------------------------------------------------------------------------------
# Re-notices, escalation, the sweep
# --------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------
# Answers: providers, partner hotlines, analysts
# --------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------
# Hosting: manual trace and override
# --------------------------------------------------------------------------------------


def retrace(*, actor, case, resolver=None, now=None) -> HostingTrace:
    """An analyst asks for a fresh trace; a waiting case is routed, a moved one re-routed."""
    now = now or timezone.now()
    case = Case.objects.select_related("item").get(pk=case.pk)
    result = hosting.trace_item(
        case.item, purpose=HostingTrace.Purpose.MANUAL, actor=actor, resolver=resolver, now=now
    )
    with transaction.atomic():
        case = _lock(case)
        _audit(
            "takedown.hosting.traced",
            case,
            actor=actor,
            data={"trace": result.pk, "country": result.country, "errors": result.error_codes},
        )
        if hosting.latest_override(case.item) is None:
            if case.state in ROUTING_STATES:
                _route(case, actor=actor, now=now)
            elif not case.is_final and case.state != CaseState.DISPUTED:
                _reroute_if_moved(case, actor=actor, now=now)
    return result


def override_hosting(*, actor, case, country: str, provider=None, reason: str, now=None):
    """Set the hosting by hand (e.g. behind a CDN); stays in force until overridden again."""
    now = now or timezone.now()
    country = (country or "").strip().upper()
    errors = {}
    if not _COUNTRY.match(country):
        errors["country"] = _("Enter a two-letter country code (ISO 3166-1), e.g. PL.")
    if provider is not None and provider.kind != Organisation.Kind.HOSTING_PROVIDER:
        errors["provider"] = _("Choose an organisation of kind hosting provider.")
    try:
        reason = clean_text(reason)
    except TakedownError as exc:
        errors["reason"] = str(exc)
    else:
        if not reason:
            errors["reason"] = _("Give the reason for the override.")
    if errors:
        raise TakedownError(errors)
    with transaction.atomic():
        case = _lock(case)
        if case.is_final:
            raise ResponseConflict(_("This case is closed."))
        trace = HostingTrace.objects.create(
            item=case.item,
            kind=HostingTrace.Kind.OVERRIDE,
            purpose=HostingTrace.Purpose.MANUAL,
            host=case.item.host[:253],
            country=country,
            provider=provider,
            match_reason="override",
            reason=reason,
            actor=_actor(actor),
            traced_at=now,
        )
        data = {
            "trace": trace.pk,
            "country": country,
            "provider": provider.pk if provider else None,
            "reason": reason,
            "previous": {"country": case.hosting_country, "provider": case.provider_id},
        }
        _event(
            case,
            CaseEvent.Kind.OVERRIDDEN,
            via=Via.ANALYST,
            actor=actor,
            note=reason,
            data=data,
            now=now,
        )
        _audit("takedown.hosting.overridden", case, actor=actor, data=data)
        if case.state in ROUTING_STATES:
            _route(case, actor=actor, now=now)
        elif case.state != CaseState.DISPUTED:
            _reroute_if_moved(case, actor=actor, now=now)
    return trace


# --------------------------------------------------------------------------------------
# Appeals against the block list
# --------------------------------------------------------------------------------------


def submit_appeal(*, url: str, email: str, message: str, name: str = "", language: str = "pl"):
    """Store a site owner's appeal for the supervisors of the hotline that listed the URL."""
    from ostoja.hotline import url_canonical
    from ostoja.hotline.services import receiving_hotline

    now = timezone.now()
    try:
        canonical = url_canonical.canonicalise(url)
        sha = url_canonical.url_sha256(canonical)
    except url_canonical.UrlRejected:
        canonical, sha = url.strip()[:2048], ""
    entry = None
    if sha:
        # The entry still listed, else the most recent one (an appeal may come late).
        entries = UrlListEntry.objects.filter(sha256=sha)
        entry = (
            entries.filter(removed_at__isnull=True).order_by("-added_at").first()
            or entries.order_by("-added_at").first()
        )
    hotline = entry.hotline if entry else receiving_hotline()
    with transaction.atomic():
        appeal = Appeal.objects.create(
            hotline=hotline,
            url=canonical,
            url_sha256=sha,
            entry=entry,
            name=name.strip()[:200],
            email=email.strip(),
            language=_language(language, "pl"),
            message=message,
            created_at=now,
        )
        log_action(
            "takedown.appeal.received",
            organisation=hotline,
            target=appeal,
            data={"matched_entry": entry.pk if entry else None},
        )
    return appeal


def decide_appeal(*, actor, appeal, decision: str, note: str, now=None) -> Appeal:
    now = now or timezone.now()
    if decision not in APPEAL_DECISIONS:
        raise TakedownError(_("Choose a decision."))
    note = clean_text(note)
    if decision != AppealState.CLOSED and not note:
        raise TakedownError(_("Explain the decision: the site owner receives it."))
    with transaction.atomic():
        appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
        if appeal.state != AppealState.NEW:
            raise ResponseConflict(_("This appeal has already been decided."))
        appeal.state = decision
        appeal.decided_by = _actor(actor)
        appeal.decided_at = now
        appeal.decision_note = note
        appeal.save()
        lifted = 0
        if decision == AppealState.LIFTED and appeal.entry_id:
            lifted = UrlListEntry.objects.filter(
                pk=appeal.entry_id, removed_at__isnull=True
            ).update(removed_at=now, removal_reason=UrlListEntry.Removal.APPEAL, updated_at=now)
        if decision != AppealState.CLOSED:
            reply = notices.appeal_reply(appeal, appeal.language)
            try:
                _enqueue_sensitive_email(
                    reply,
                    dedup_key=f"takedown:appeal:{appeal.pk}:decided",
                    to=[appeal.email],
                    related=appeal,
                    organisation=appeal.hotline,
                )
            except OutboxError:
                logger.warning("The reply to appeal %s was refused by the outbox", appeal.pk)
        log_action(
            "takedown.appeal.decided",
            actor=actor,
            organisation=appeal.hotline,
            target=appeal,
            data={"decision": decision, "entry_lifted": bool(lifted)},
        )
    return appeal


RETENTION_REASON = gettext_noop("The appellant's contact details were deleted (retention)")


def apply_appeal_retention(*, actor=None, now=None) -> int:
    """Delete appellants' e-mail addresses and names ``OSTOJA_APPEAL_RETENTION_DAYS`` (90)
    days after their appeal was decided or closed; return how many appeals were cleared.

    The appeal stays (hotline, address, dates, decision: the statistics and the record of the
    decision); the addresses also go from the reply e-mails in the outbox. A reply still
    being sent at this moment holds its appeal back until the next run. Each hotline where
    anything was deleted gets one audit entry with the counts (like the hotline's
    ``apply_retention`` for reporters' addresses).
    """
    now = now or timezone.now()
    days = conf.appeal_retention_days()
    cutoff = now - timedelta(days=days)
    due = Appeal.objects.filter(
        contact_deleted_at__isnull=True, decided_at__isnull=False, decided_at__lte=cutoff
    ).exclude(state=AppealState.NEW)
    appeal_type = ContentType.objects.get_for_model(Appeal)
    total = 0
    for hotline_id in list(due.values_list("hotline_id", flat=True).distinct()):
        with transaction.atomic():
            ids = [
                str(pk)
                for pk in due.select_for_update()
                .filter(hotline_id=hotline_id)
                .values_list("pk", flat=True)
            ]
            replies = OutboxMessage.objects.filter(related_type=appeal_type, related_id__in=ids)
            cancel_unsent(actor=actor, messages=replies, reason=RETENTION_REASON, now=now)
            busy = set(
                replies.exclude(state__in=OutboxMessage.FINAL_STATES).values_list(
                    "related_id", flat=True
                )
            )
            ready = [pk for pk in ids if pk not in busy]
            if not ready:
                continue
            erased, _unsent = erase_recipients(messages=replies.filter(related_id__in=ready))
            count = Appeal.objects.filter(pk__in=ready).update(
                email="", name="", contact_deleted_at=now
            )
            total += count
            log_action(
                "takedown.retention.appeal_contacts_deleted",
                actor=actor,
                organisation=Organisation.objects.get(pk=hotline_id),
                data={"appeals": count, "outbox_messages": erased, "retention_days": days},
            )
    return total


# --------------------------------------------------------------------------------------
# Provider directory
# --------------------------------------------------------------------------------------


def add_provider_rule(*, actor, organisation, spec: str, note: str = "") -> ProviderRule:
    if organisation.kind != Organisation.Kind.HOSTING_PROVIDER:
        raise TakedownError({"organisation": _("Choose a hosting provider.")})
    try:
        asn, network = hosting.parse_rule_spec(spec)
    except ValueError as exc:
        raise TakedownError({"spec": str(exc)})
    note = clean_text(note, limit=200)
    duplicate = (
        ProviderRule.objects.filter(asn=asn)
        if asn
        else ProviderRule.objects.filter(network=network)
    )
    if duplicate.exists():
        raise TakedownError({"spec": _("A rule for this AS number or range already exists.")})
    with transaction.atomic():
        rule = ProviderRule.objects.create(
            organisation=organisation,
            asn=asn,
            network=network,
            note=note,
            created_by=_actor(actor),
        )
        log_action(
            "takedown.provider_rule.created",
            actor=actor,
            organisation=organisation,
            target=rule,
            data={"spec": rule.spec},
        )
    return rule


def delete_provider_rule(*, actor, rule) -> None:
    with transaction.atomic():
        log_action(
            "takedown.provider_rule.deleted",
            actor=actor,
            organisation=rule.organisation,
            target=rule,
            data={"spec": rule.spec},
        )
        rule.delete()


CONTACT_KINDS = (
    Organisation.Kind.HOSTING_PROVIDER,
    Organisation.Kind.HOTLINE,
    Organisation.Kind.POLICE,
    Organisation.Kind.ONLINE_PLATFORM,
)


def save_contact_point(
    *,
    actor,
    organisation,
    email: str = "",
    language: str = "en",
    webhook_url: str = "",
    webhook_key_id: str = "",
    webhook_secret_ref: str = "",
) -> ContactPoint:
    errors = {}
    if organisation.kind not in CONTACT_KINDS:
        errors["organisation"] = _("Contact points are for providers, hotlines and the police.")
    if language not in dict(settings.LANGUAGES):
        errors["language"] = _("Choose Polish or English.")
    if webhook_secret_ref and not webhook_keys.is_valid_ref(webhook_secret_ref):
        errors["webhook_secret_ref"] = _(
            "A reference looks like settings:NAME or env:VARIABLE (never the secret itself)."
        )
    if webhook_url and not webhook_url.lower().startswith(("https://", "http://")):
        errors["webhook_url"] = _("Enter an http(s) address.")
    if webhook_secret_ref and not webhook_url:
        errors["webhook_url"] = _("A signing secret needs a webhook address.")
    if errors:
        raise TakedownError(errors)
    with transaction.atomic():
        point, created = ContactPoint.objects.update_or_create(
            organisation=organisation,
            defaults={
                "email": email.strip(),
                "language": language,
                "webhook_url": webhook_url.strip(),
                "webhook_key_id": webhook_key_id.strip()[:100],
                "webhook_secret_ref": webhook_secret_ref.strip(),
                "updated_by": _actor(actor),
            },
        )
        log_action(
            "takedown.contact_point.saved",
            actor=actor,
            organisation=organisation,
            target=point,
            data={
                "created": created,
                "email": bool(point.email),
                "language": point.language,
                "webhook": bool(point.webhook_url),
                "signed": bool(point.webhook_secret_ref),
            },
        )
    return point


# --------------------------------------------------------------------------------------
# Feedback to reporters
# --------------------------------------------------------------------------------------

PUBLIC_OUTCOMES = {
    "removed": gettext_lazy("Assessed – removed"),
    "removal_requested": gettext_lazy("Assessed – removal requested from the hosting provider"),
    "referred_abroad": gettext_lazy(
        "Assessed – passed to the partner hotline in the country where it is hosted"
    ),
    "action_pending": gettext_lazy("Assessed – action being prepared"),
}
_PUBLIC = {
    CaseState.REMOVED: "removed",
    CaseState.NOTIFIED: "removal_requested",
    CaseState.ACKNOWLEDGED: "removal_requested",
    CaseState.NOT_REMOVED: "removal_requested",
    CaseState.DISPUTED: "removal_requested",
    CaseState.REFERRED: "referred_abroad",
    CaseState.NEW: "action_pending",
    CaseState.HOSTING_UNKNOWN: "action_pending",
}


def public_outcome(item) -> str | None:
    """What a reporter may learn about the takedown of an item, as a stable code.

    ``"removed"``, ``"removal_requested"``, ``"referred_abroad"``, ``"action_pending"`` or None
    (no case, or a withdrawn notice: the hotline's own status applies). No details: not the
    provider, not the country, not the times. :data:`PUBLIC_OUTCOMES` holds the words.
    """
    state = Case.objects.filter(item_id=item.pk).values_list("state", flat=True).first()
    return _PUBLIC.get(state) if state else None


def public_outcome_text(item) -> str | None:
    code = public_outcome(item)
    return str(PUBLIC_OUTCOMES[code]) if code else None
