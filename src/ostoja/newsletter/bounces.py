"""Reading bounces: delivery status notifications from a mailbox or a provider's webhook.

A bounce is matched to a subscriber by its VERP address first (the bounce was sent to
``bounce+<subscriber>.<issue>.<mac>@…``; the MAC is checked), and otherwise by the failed
addresses flufl.bounce finds in the report. Permanent failures are hard bounces; temporary ones
are soft. A bounce for an address no list knows changes nothing and is not stored. Messages to
the ``mailto:`` unsubscribe address (``unsubscribe+<token>@…``) arriving in the same mailbox
unsubscribe their sender's subscription.
"""

from __future__ import annotations

import email
import email.policy
import imaplib
import logging
import poplib
from dataclasses import dataclass, field

from flufl.bounce import all_failures

from . import addresses, conf, services
from .models import Bounce, Subscriber

logger = logging.getLogger(__name__)
MAX_MESSAGE = 2_000_000
_RECIPIENT_HEADERS = ("To", "Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To")


@dataclass
class BounceReport:
    stopped: int = 0
    counted: int = 0
    ignored: int = 0
    unsubscribed: int = 0
    outcomes: list = field(default_factory=list)

    def add(self, outcome: str) -> None:
        self.outcomes.append(outcome)
        setattr(self, outcome, getattr(self, outcome) + 1)


def _addresses(values) -> set[str]:
    out = set()
    for value in values or ():
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        value = str(value).strip().strip("<>")
        if "@" in value:
            out.add(value)
    return out


def _detail(message) -> str:
    """The status and diagnostic of a DSN (RFC 3464), for the coordinator."""
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        for block in part.get_payload() or []:
            if not hasattr(block, "get"):
                continue
            status = block.get("Status")
            diagnostic = block.get("Diagnostic-Code")
            if status or diagnostic:
                return " ".join(str(x) for x in (status, diagnostic) if x)
    return str(message.get("Subject", ""))


def _apply(report, *, verp, failed_hard, failed_soft, source, detail) -> None:
    if verp is not None:
        # The VERP address names the subscriber; the report only says how it failed. A message
        # to the bounce address that reports no failure (an auto-reply) is not a bounce.
        subscriber_id, issue_id = verp
        if not failed_hard and not failed_soft:
            report.add("ignored")
            return
        kind = Bounce.Kind.HARD if failed_hard else Bounce.Kind.SOFT
        report.add(
            services.record_bounce(
                subscriber_id=subscriber_id,
                issue_id=issue_id,
                kind=kind,
                source=source,
                detail=detail,
            )
        )
        return
    matched = False
    for kind, found in ((Bounce.Kind.HARD, failed_hard), (Bounce.Kind.SOFT, failed_soft)):
        for address in found:
            for subscriber_id in Subscriber.objects.filter(
                email__iexact=address, state=Subscriber.State.CONFIRMED
            ).values_list("pk", flat=True):
                matched = True
                report.add(
                    services.record_bounce(
                        subscriber_id=subscriber_id,
                        issue_id=None,
                        kind=kind,
                        source=source,
                        detail=detail,
                    )
                )
    if not matched:
        report.add("ignored")


def process_message(raw: bytes, *, source: str = "mailbox", report=None) -> BounceReport:
    """Handle one message from the bounce mailbox (a DSN, or an unsubscribe request)."""
    report = report or BounceReport()
    if len(raw) > MAX_MESSAGE:
        report.add("ignored")
        return report
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    recipients_text = " ".join(str(message.get_all(h, [])) for h in _RECIPIENT_HEADERS)
    token = addresses.parse_unsubscribe_mailto(recipients_text)
    if token:
        done = services.unsubscribe(token, source="mailto")
        report.add("unsubscribed" if done else "ignored")
        return report
    verp = addresses.parse_verp(recipients_text)
    try:
        temporary, permanent = all_failures(message)
    except Exception:  # noqa: BLE001 - a malformed report is ignored, not fatal
        logger.warning("A bounce could not be parsed")
        temporary, permanent = set(), set()
    hard, soft = _addresses(permanent), _addresses(temporary)
    if verp is None and not hard and not soft:
        report.add("ignored")
        return report
    _apply(
        report,
        verp=verp,
        failed_hard=hard,
        failed_soft=soft,
        source=source,
        detail=_detail(message),
    )
    return report


def process_event(
    *, recipient: str, kind: str, bounce_address: str = "", reason: str = "", report=None
) -> BounceReport:
    """One bounce reported by a mail provider's webhook (already authenticated)."""
    report = report or BounceReport()
    kind = Bounce.Kind.SOFT if kind == "soft" else Bounce.Kind.HARD
    verp = addresses.parse_verp(bounce_address)
    address = _addresses([recipient])
    _apply(
        report,
        verp=verp,
        failed_hard=address if kind == Bounce.Kind.HARD else set(),
        failed_soft=address if kind == Bounce.Kind.SOFT else set(),
        source="webhook",
        detail=reason,
    )
    return report


# --- mailboxes ------------------------------------------------------------------------------


class MailboxNotConfigured(RuntimeError):
    pass


def read_mailbox(*, delete: bool = True) -> BounceReport:
    """Read every message in the configured IMAP or POP3 mailbox, process it, then delete it
    (a message is deleted only after it was processed: a crash leaves it for the next run)."""
    settings_ = conf.bounce_mailbox()
    protocol = (settings_.get("protocol") or "").lower()
    if protocol not in ("imap", "pop3") or not settings_.get("host"):
        raise MailboxNotConfigured("NEWSLETTER_BOUNCE_MAILBOX is not configured.")
    if protocol == "imap":
        return _read_imap(settings_, delete=delete)
    return _read_pop3(settings_, delete=delete)


def _read_imap(s: dict, *, delete: bool) -> BounceReport:
    report = BounceReport()
    cls = imaplib.IMAP4_SSL if s.get("ssl", True) else imaplib.IMAP4
    client = cls(s["host"], int(s.get("port") or (993 if s.get("ssl", True) else 143)))
    try:
        client.login(s.get("user", ""), s.get("password", ""))
        client.select(s.get("folder") or "INBOX")
        _typ, data = client.search(None, "ALL")
        for number in (data[0] or b"").split():
            _typ, parts = client.fetch(number, "(RFC822)")
            raw = next((p[1] for p in parts if isinstance(p, tuple)), b"")
            process_message(raw, report=report)
            if delete:
                client.store(number, "+FLAGS", "\\Deleted")
        if delete:
            client.expunge()
        client.close()
    finally:
        client.logout()
    return report


def _read_pop3(s: dict, *, delete: bool) -> BounceReport:
    report = BounceReport()
    cls = poplib.POP3_SSL if s.get("ssl", True) else poplib.POP3
    client = cls(s["host"], int(s.get("port") or (995 if s.get("ssl", True) else 110)))
    try:
        client.user(s.get("user", ""))
        client.pass_(s.get("password", ""))
        count, _size = client.stat()
        for number in range(1, count + 1):
            _resp, lines, _octets = client.retr(number)
            process_message(b"\r\n".join(lines), report=report)
            if delete:
                client.dele(number)
    finally:
        client.quit()
    return report
