"""Routing and sending."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils.translation import gettext_noop

from ostoja.hotline.models import Item, ItemState
from ostoja.outbox.models import OutboxMessage
from ostoja.outbox.services import (
    OutboxError,
    cancel_unsent,
    enqueue_email,
    enqueue_webhook,
)

from .. import conf, hosting, notices
from ..models import (
    RENOTICE_STATES,
    CaseEvent,
    CaseState,
    ContactPoint,
    Flag,
    Notice,
    Route,
)
from .common import logger
from .helpers import (
    Recipient,
    _actor,
    _audit,
    _event,
    partner_hotline_for,
    police_recipient,
    recipient_for,
)


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
