"""Sending an issue: render once per language, write one outbox message per subscriber,
deliver them in batches over one SMTP connection each, DKIM-signed when a key is configured.

Exactly once per subscriber: the issue is taken from "scheduled" by a conditional UPDATE that
only one runner can win, and each message's outbox de-duplication key is
``newsletter:issue:<issue>:sub:<subscriber>`` (unique), so running the enqueue again adds
nothing. The outbox's claim and lease then make sure one deliverer sends each message; retries,
back-off and permanent failures are the outbox's (see ``ostoja.outbox.services``).

Rendering is the expensive part of a naive send (Markdown, templates), so each language is
rendered once with a placeholder where the subscriber's unsubscribe token goes; a message is
then two ``str.replace`` calls. The envelope sender is the subscriber's VERP bounce address
(the outbox's ``bounce_address``); the ``From`` header the list's address.
"""

from __future__ import annotations

import uuid

import dkim
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import get_connection
from django.core.mail.backends import smtp
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from ostoja.core.text import plain_text, render_markdown
from ostoja.organisations.models import Membership
from ostoja.organisations.roles import Role
from ostoja.outbox.models import OutboxMessage
from ostoja.outbox.services import DeliveryReport, deliver_many, enqueue_email, enqueue_many

from . import addresses, conf
from .models import Issue, Subscriber

PLACEHOLDER = "UNSUBSCRIBExTOKENxPLACEHOLDERx00"
ENQUEUE_CHUNK = 1000


def member_user_ids() -> set[int]:
    """People of partner organisations and coordinators (``ostoja.network.membership``'s
    definition, as one query for a whole list instead of one call per subscriber)."""
    from ostoja.network.membership import partner_organisations

    return set(
        Membership.objects.active()
        .filter(organisation__in=partner_organisations())
        .values_list("user_id", flat=True)
    ) | set(
        Membership.objects.active().filter(role=Role.COORDINATOR).values_list("user_id", flat=True)
    )


def render_version(issue: Issue, language: str) -> dict:
    """Subject, HTML and text of one language, with :data:`PLACEHOLDER` for the token."""
    language, subject, body = issue.version(language)
    with translation.override(language):
        archive = f"{settings.SITE_URL}{reverse('newsletter:archive_issue', args=[issue.pk])}"
        context = {
            "issue": issue,
            "newsletter": issue.newsletter,
            "subject": subject,
            "body_html": render_markdown(body),
            "body_text": plain_text(body),
            "unsubscribe_url": addresses.unsubscribe_url(PLACEHOLDER, language),
            "archive_url": archive,
            "language": language,
        }
        html = render_to_string("newsletter/email/issue.html", context)
        text = render_to_string("newsletter/email/issue.txt", context)
    return {"language": language, "subject": subject, "html": html, "text": text}


def headers_for(issue: Issue, token: str, language: str) -> dict:
    url = addresses.unsubscribe_url(token, language)
    mailto = addresses.unsubscribe_mailto(token)
    return {
        "List-Id": addresses.list_id(issue.newsletter),
        "List-Unsubscribe": f"<{url}>, <mailto:{mailto}?subject=unsubscribe>",
        # RFC 8058: a POST of "List-Unsubscribe=One-Click" to the https URL unsubscribes.
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Precedence": "list",
    }


def recipients(issue: Issue):
    subscribers = Subscriber.objects.filter(
        newsletter=issue.newsletter, state=Subscriber.State.CONFIRMED
    )
    if issue.newsletter.members_only:
        # Members' issues go only to people who are members *now* (an organisation that left
        # the partnership no longer receives them, even if its people once subscribed).
        subscribers = subscribers.filter(user_id__in=member_user_ids())
    return subscribers.order_by("pk").only("pk", "email", "language", "unsubscribe_token")


def _message(issue, subscriber, version) -> dict:
    """One subscriber's e-mail, as :func:`ostoja.outbox.services.enqueue_many` takes it."""
    token = subscriber.unsubscribe_token
    return {
        "dedup_key": f"newsletter:issue:{issue.pk}:sub:{subscriber.pk}",
        "to": [subscriber.email],
        "from_email": conf.from_email(),
        "bounce_address": addresses.verp_address(subscriber.pk, issue.pk),
        "subject": version["subject"],
        "body_text": version["text"].replace(PLACEHOLDER, token),
        "body_html": version["html"].replace(PLACEHOLDER, token),
        "headers": headers_for(issue, token, version["language"]),
        "language": version["language"],
        "related": subscriber,
    }


def enqueue_issue(issue_id: int, *, now=None) -> int | None:
    """Write the issue's messages if it is scheduled and due; None if another runner (or
    nobody) had it to send. Returns the number of recipients."""
    from ostoja.audit.services import log_action

    now = now or timezone.now()
    with transaction.atomic():
        taken = Issue.objects.filter(
            pk=issue_id, state=Issue.State.SCHEDULED, scheduled_at__lte=now
        ).update(state=Issue.State.SENDING)
        if not taken:
            return None
        issue = Issue.objects.select_related("newsletter").get(pk=issue_id)
        versions = {lang: render_version(issue, lang) for lang in ("pl", "en")}
        batch, count = [], 0
        # Through the outbox's own bulk enqueue: its checks (addresses, headers, sizes) and
        # de-duplication keys, no delivery task per message (``deliver`` sends in batches).
        for subscriber in recipients(issue).iterator(chunk_size=ENQUEUE_CHUNK):
            version = versions[issue.version(subscriber.language)[0]]
            batch.append(_message(issue, subscriber, version))
            if len(batch) >= ENQUEUE_CHUNK:
                enqueue_many(batch, deliver_on_commit=False)
                count += len(batch)
                batch = []
        if batch:
            enqueue_many(batch, deliver_on_commit=False)
            count += len(batch)
        issue.state = Issue.State.SENT
        issue.sent_at = now
        issue.recipients = count
        issue.save(update_fields=["state", "sent_at", "recipients", "updated_at"])
        log_action(
            "newsletter.issue.sent",
            target=issue,
            data={"list": issue.newsletter.slug, "recipients": count},
        )
    return count


def enqueue_test(issue: Issue, actor, language: str) -> OutboxMessage:
    version = render_version(issue, language)
    token = PLACEHOLDER  # not a subscriber's token: the links lead to "unsubscribed", harmlessly
    message, _created = enqueue_email(
        dedup_key=f"newsletter:test:{issue.pk}:{uuid.uuid4().hex}",
        to=[actor.email],
        subject=f"[TEST] {version['subject']}"[:255],
        body_text=version["text"],
        body_html=version["html"],
        from_email=conf.from_email(),
        language=version["language"],
        headers=headers_for(issue, token, version["language"]),
        related=issue,
    )
    return message


# --- DKIM -----------------------------------------------------------------------------------


def _dkim_key() -> tuple[bytes, bytes, bytes] | None:
    settings_ = conf.dkim()
    if not settings_.get("selector") or not settings_.get("domain"):
        return None
    key = settings_.get("key", "")
    if not key and settings_.get("key_file"):
        with open(settings_["key_file"], "rb") as handle:
            key = handle.read()
    if not key:
        return None
    key = key.encode() if isinstance(key, str) else key
    return settings_["selector"].encode(), settings_["domain"].encode(), key


SIGNED_HEADERS = [
    b"from", b"to", b"subject", b"date", b"message-id", b"mime-version", b"content-type",
    b"list-id", b"list-unsubscribe", b"list-unsubscribe-post",
]  # fmt: skip


def dkim_sign(raw: bytes, key=None) -> bytes:
    """``raw`` with a DKIM-Signature header prepended (unchanged if no key is configured).
    The signature covers List-Unsubscribe and List-Unsubscribe-Post, as RFC 8058 requires."""
    key = key or _dkim_key()
    if key is None:
        return raw
    selector, domain, private = key
    signature = dkim.sign(
        raw, selector, domain, private, include_headers=SIGNED_HEADERS, linesep=b"\r\n"
    )
    return signature + raw


class DkimEmailBackend(smtp.EmailBackend):
    """Django's SMTP backend, signing each message with DKIM when a key is configured.
    Set it as ``EMAIL_BACKEND`` to sign every e-mail of the platform (the newsletter's batches
    use it whenever the SMTP backend is configured)."""

    def _send(self, email_message):
        if not email_message.recipients():
            return False
        from django.core.mail.message import sanitize_address

        encoding = email_message.encoding or settings.DEFAULT_CHARSET
        from_email = sanitize_address(email_message.from_email, encoding)
        recipients = [sanitize_address(a, encoding) for a in email_message.recipients()]
        raw = dkim_sign(email_message.message().as_bytes(linesep="\r\n"))
        try:
            self.connection.sendmail(from_email, recipients, raw)
        except Exception:
            if not self.fail_silently:
                raise
            return False
        return True


def batch_connection():
    connection = get_connection(fail_silently=False)
    if type(connection) is smtp.EmailBackend:
        return DkimEmailBackend(fail_silently=False)
    return connection


# --- running --------------------------------------------------------------------------------


def due_messages(now):
    return (
        OutboxMessage.objects.filter(
            related_type=ContentType.objects.get_for_model(Subscriber),
            state=OutboxMessage.State.PENDING,
            next_attempt_at__lte=now,
            dedup_key__startswith="newsletter:issue:",
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def deliver(*, now=None, limit: int | None = None) -> DeliveryReport:
    """Deliver due newsletter messages, one SMTP connection per batch."""
    total = DeliveryReport()
    size = conf.batch_size()
    done = 0
    while limit is None or done < limit:
        ids = list(due_messages(now or timezone.now())[:size])
        if not ids:
            break
        report = deliver_many(ids, mail_connection=batch_connection(), now=now)
        total.sent += report.sent
        total.failed += report.failed
        total.retrying += report.retrying
        done += len(ids)
        if not report.total:
            break  # everything was taken by another deliverer
    return total


def run_due(*, now=None) -> dict:
    """Start every scheduled issue whose time has come, then deliver. For the scheduler."""
    now = now or timezone.now()
    started = {}
    for issue_id in Issue.objects.filter(
        state=Issue.State.SCHEDULED, scheduled_at__lte=now
    ).values_list("pk", flat=True):
        count = enqueue_issue(issue_id, now=now)
        if count is not None:
            started[issue_id] = count
    report = deliver()
    return {"started": started, "sent": report.sent, "failed": report.failed}
