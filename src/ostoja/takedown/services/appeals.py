"""Appeals against the block list."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from ostoja.audit.services import log_action
from ostoja.organisations.models import Organisation
from ostoja.outbox.models import OutboxMessage
from ostoja.outbox.services import (
    OutboxError,
    cancel_unsent,
    erase_recipients,
)

from .. import conf, notices
from ..models import (
    Appeal,
    AppealState,
    UrlListEntry,
)
from .common import APPEAL_DECISIONS, ResponseConflict, TakedownError, logger
from .helpers import _actor, _language, clean_text
from .routing import _enqueue_sensitive_email


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
