"""Enqueueing and delivering outbox messages.

Guarantees
==========
* **Never lost**: ``enqueue_email``/``enqueue_webhook`` write the message in the caller's
  transaction. If the business change rolls back, so does the message; if it commits, the
  message is in the database before anything is sent, and stays there until it is sent, has
  failed permanently (then it waits on the staff page for a person to retry it) or is
  cancelled because it is no longer needed (:func:`cancel_unsent`; never once it was sent, and
  never taken from a deliverer holding a live lease).
* **Not sent twice by us**: a deliverer first *claims* a message: on PostgreSQL with
  ``SELECT … FOR UPDATE SKIP LOCKED`` (concurrent deliverers skip each other's rows instead of
  waiting), on every database with a conditional ``UPDATE … WHERE state = 'pending' AND …`` that
  only one deliverer can win. The claim sets a *lease* (``lease_until``, a random
  ``lease_token``) and counts the attempt; the outcome is written only by the lease holder. A
  deliverer that dies mid-send leaves a lease that expires, and the message is taken again.
* **At-least-once on the wire, de-duplicated by key**: between "the server accepted it" and
  "we recorded that" a crash or a lost acknowledgement is possible, and the message is then
  sent again. Every copy carries the same ``Message-ID`` (e-mail) or ``Idempotency-Key``
  (webhook), both derived from the dedup key, so receivers (and mail clients, which thread by
  Message-ID) recognise the duplicate. Exactly-once delivery over SMTP or HTTP is not possible;
  this is the standard substitute.

Delivery runs (a) as a django-tasks task queued when the enqueueing transaction commits, and
(b) in ``deliver_due()``, the periodic sweep (``manage.py outbox_deliver --loop``) that picks up
retries whose time has come and anything a crashed worker left behind.
"""

from __future__ import annotations

import contextlib
import logging
import re
import smtplib
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, models, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext

from ostoja.audit.services import log_action

from . import composers, conf, transport, webhook_keys
from .backoff import retry_delay
from .models import OutboxMessage

logger = logging.getLogger(__name__)

MAX_RECIPIENTS = 50
MAX_BODY = 1_000_000  # characters of text/HTML body, of all attachments, of a webhook payload
_HEADER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,76}$")
_CONTENT_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$")
# "Display Name <address>" (no quotes, commas or brackets in the name) or a bare address.
_NAMED_ADDRESS = re.compile(r"^([^<>,;\"]*)<([^<>\s]+)>$")
_RESERVED_HEADERS = {
    "message-id",
    "from",
    "to",
    "cc",
    "bcc",
    "subject",
    "date",
    "content-type",
    "content-transfer-encoding",
    "mime-version",
    "content-length",
    "host",
    "idempotency-key",
    "user-agent",
    "x-ostoja-signature",
    "x-ostoja-key-id",
}
State = OutboxMessage.State


class OutboxError(ValueError):
    """A request the outbox refuses (bad input, or an action the state does not allow)."""


# --- validation -----------------------------------------------------------------------------


def _no_newlines(value: str, what: str) -> str:
    if not isinstance(value, str):
        raise OutboxError(f"{what} must be text.")
    if "\r" in value or "\n" in value or "\x00" in value:
        raise OutboxError(f"{what} must be one line.")
    return value


def _clean_dedup_key(key: str) -> str:
    _no_newlines(key, "The dedup key")
    key = key.strip()
    if not key or len(key) > 200 or not key.isprintable():
        raise OutboxError("The dedup key is 1–200 printable characters.")
    return key


def _clean_headers(headers) -> dict:
    if not headers:
        return {}
    if not isinstance(headers, dict) or len(headers) > 20:
        raise OutboxError("Headers are a mapping of at most 20 entries.")
    clean = {}
    for name, value in headers.items():
        if not isinstance(name, str) or not _HEADER_NAME.match(name):
            raise OutboxError(f"Invalid header name: {name!r}.")
        if name.lower() in _RESERVED_HEADERS:
            raise OutboxError(f"The header {name} is set by the outbox itself.")
        clean[name] = _no_newlines(value, f"The header {name}")[:998]
    return clean


def _clean_attachments(attachments) -> list[dict]:
    clean = []
    total = 0
    for item in attachments or ():
        if not isinstance(item, dict):
            raise OutboxError("Each attachment is a mapping with name, content_type, content.")
        name = _no_newlines(item.get("name", ""), "The attachment name")
        if not name or len(name) > 100 or "/" in name or "\\" in name or not name.isprintable():
            raise OutboxError("An attachment name is 1–100 characters without slashes.")
        content_type = (item.get("content_type") or "").lower()
        if not _CONTENT_TYPE.match(content_type):
            raise OutboxError(f"Invalid attachment content type: {content_type!r}.")
        if content_type.split("/")[0] in {"image", "video", "audio"}:
            # Ostoja never sends media (see the safety rules): text and JSON only.
            raise OutboxError("The outbox does not send image, video or audio attachments.")
        content = item.get("content")
        if not isinstance(content, str):
            raise OutboxError("Attachment content is text (e.g. the X-ARF JSON).")
        total += len(content)
        clean.append({"name": name, "content_type": content_type, "content": content})
    if len(clean) > 10 or total > MAX_BODY:
        raise OutboxError("At most 10 attachments of 1,000,000 characters in total.")
    return clean


def _clean_language(language: str) -> str:
    if language and language not in dict(settings.LANGUAGES):
        raise OutboxError(f"Unknown language: {language!r}.")
    return language or ""


def _related_fields(related) -> dict:
    if related is None:
        return {}
    if not isinstance(related, models.Model) or related.pk is None:
        raise OutboxError("The related object must be a saved model instance.")
    return {
        "related_type": ContentType.objects.get_for_model(related),
        "related_id": str(related.pk)[:64],
    }


def _clean_url(url: str) -> str:
    _no_newlines(url, "The webhook URL")
    if len(url) > 2000:
        raise OutboxError("The webhook URL is too long.")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError as exc:
        raise OutboxError(f"Invalid webhook URL: {exc}") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise OutboxError("A webhook URL is http(s)://host/…")
    if parts.username or parts.password:
        # Credentials in the URL would be stored and shown in clear: use signing instead.
        raise OutboxError("A webhook URL must not contain a user name or password.")
    if any(ch.isspace() for ch in url):
        raise OutboxError("A webhook URL has no spaces.")
    return url


# --- enqueueing -----------------------------------------------------------------------------


def _schedule(message_id: int, run_after: datetime | None = None) -> None:
    """Queue a delivery task. If the queue is unavailable, the sweep still delivers."""
    if not conf.deliver_on_commit():
        return
    from .tasks import deliver_message

    try:
        task = deliver_message
        if run_after is not None:
            if not task.get_backend().supports_defer:
                return  # the backend cannot wait: leave it to the sweep
            task = task.using(run_after=run_after)
        task.enqueue(message_id)
    except Exception:  # noqa: BLE001 - the message is safe in the table either way
        logger.exception("Could not queue delivery of outbox message %s", message_id)


def _pending_fields(fields: dict, max_attempts: int | None, now: datetime) -> dict:
    """The delivery fields every new message starts with (single and bulk enqueue alike)."""
    fields["max_attempts"] = max(1, int(max_attempts or conf.max_attempts()))
    fields["next_attempt_at"] = now
    fields["state"] = State.PENDING
    return fields


def _enqueue(dedup_key: str, fields: dict, max_attempts: int | None) -> tuple[OutboxMessage, bool]:
    fields = _pending_fields(fields, max_attempts, timezone.now())
    # Insert first, look up only on a clash: most keys are new (``get_or_create`` would
    # SELECT before every INSERT). The savepoint keeps a clash from breaking the caller's
    # transaction; the other transaction's row is then returned, as ``get_or_create`` would.
    try:
        with transaction.atomic():
            message = OutboxMessage.objects.create(dedup_key=dedup_key, **fields)
        created = True
    except IntegrityError:
        message, created = OutboxMessage.objects.get(dedup_key=dedup_key), False
    if created:
        transaction.on_commit(partial(_schedule, message.pk))
    return message, created


def _email_fields(
    *,
    dedup_key: str,
    to: list[str] | tuple[str, ...],
    subject: str,
    body_text: str = "",
    body_html: str = "",
    attachments=(),
    headers: dict | None = None,
    from_email: str = "",
    bounce_address: str = "",
    language: str = "",
    related=None,
    organisation=None,
    sensitive: bool = False,
    max_attempts: int | None = None,
    composer: str = "",
    composer_args: dict | None = None,
) -> tuple[str, dict, int | None]:
    """Validate one e-mail; return ``(dedup_key, fields, max_attempts)``."""
    dedup_key = _clean_dedup_key(dedup_key)
    if isinstance(to, str):
        to = [to]
    recipients = [(_no_newlines(addr, "A recipient")).strip() for addr in to or ()]
    if not recipients or len(recipients) > MAX_RECIPIENTS:
        raise OutboxError(f"An e-mail needs 1–{MAX_RECIPIENTS} recipients.")
    for addr in recipients:
        named = _NAMED_ADDRESS.match(addr)
        try:
            validate_email(named.group(2) if named else addr)
        except ValidationError as exc:
            raise OutboxError(f"Invalid recipient address: {addr!r}.") from exc
    if from_email:
        _no_newlines(from_email, "The sender")
    if bounce_address:
        # An envelope address, never shown: local@domain, no spaces (the domain may be an
        # address literal or a host of the site's own, which validate_email would refuse).
        local, at, domain = _no_newlines(bounce_address, "The bounce address").rpartition("@")
        if not (local and at and domain) or len(bounce_address) > 254 or " " in bounce_address:
            raise OutboxError(f"Invalid bounce address: {bounce_address!r}.")
    subject = _no_newlines(subject, "The subject").strip()
    if not subject or len(subject) > 255:
        raise OutboxError("The subject is 1–255 characters.")
    payload = None
    if composer:
        if composers.get(composer) is None:
            raise OutboxError(f"No composer is called {composer!r}.")
        if body_text or body_html or attachments:
            raise OutboxError("An e-mail with a composer gets its body from the composer.")
        payload = _clean_payload(composer_args or {})
    elif not isinstance(body_text, str) or not body_text.strip():
        raise OutboxError("An e-mail needs a text body.")
    if not isinstance(body_html, str) or len(body_text) + len(body_html) > MAX_BODY:
        raise OutboxError("The e-mail body is too long.")
    fields = {
        "kind": OutboxMessage.Kind.EMAIL,
        "recipients": recipients,
        "from_email": from_email[:254],
        "bounce_address": bounce_address,
        "subject": subject,
        "body_text": body_text,
        "body_html": body_html,
        "attachments": _clean_attachments(attachments),
        "headers": _clean_headers(headers),
        "language": _clean_language(language),
        "organisation": organisation,
        "sensitive": bool(sensitive),
        "composer": composer,
        "payload": payload,
        **_related_fields(related),
    }
    return dedup_key, fields, max_attempts


def _clean_payload(payload) -> dict:
    """A composer's arguments: a JSON object of modest size."""
    if not isinstance(payload, dict):
        raise OutboxError("A composer's arguments are a JSON object.")
    try:
        size = len(transport.canonical_json(payload))
    except (TypeError, ValueError) as exc:
        raise OutboxError(f"The composer's arguments are not JSON-serialisable: {exc}") from exc
    if size > MAX_BODY:
        raise OutboxError("The composer's arguments are too large.")
    return payload


def enqueue_email(
    *,
    dedup_key: str,
    to: list[str] | tuple[str, ...],
    subject: str,
    body_text: str = "",
    body_html: str = "",
    attachments=(),
    headers: dict | None = None,
    from_email: str = "",
    bounce_address: str = "",
    language: str = "",
    related=None,
    organisation=None,
    sensitive: bool = False,
    max_attempts: int | None = None,
    composer: str = "",
    composer_args: dict | None = None,
) -> tuple[OutboxMessage, bool]:
    """Store an e-mail for sending; return ``(message, created)``.

    Call it inside the transaction of the business change. A second call with the same
    ``dedup_key`` returns the existing message unchanged (``created`` is False).
    ``attachments``: ``[{"name": "xarf.json", "content_type": "application/json",
    "content": "…"}]`` — text only. Raises :class:`OutboxError` for invalid input.
    To store many e-mails at once, use :func:`enqueue_many`.

    ``bounce_address``: the envelope sender when bounces should go elsewhere than the
    ``From`` (``from_email``), e.g. a list's VERP address.
    ``composer`` (with ``composer_args``, a small JSON object) instead of a body: the body and
    attachments are rendered by that composer at delivery (see :mod:`.composers`).
    """
    return _enqueue(
        *_email_fields(
            dedup_key=dedup_key,
            to=to,
            subject=subject,
            body_text=body_text,
            body_html=body_html,
            attachments=attachments,
            headers=headers,
            from_email=from_email,
            bounce_address=bounce_address,
            language=language,
            related=related,
            organisation=organisation,
            sensitive=sensitive,
            max_attempts=max_attempts,
            composer=composer,
            composer_args=composer_args,
        )
    )


#: Rows per SELECT of existing keys and per multi-row INSERT in :func:`enqueue_many` (well
#: under SQLite's limit of bound parameters, and a statement PostgreSQL plans quickly).
ENQUEUE_MANY_CHUNK = 500


def enqueue_many(
    emails: Iterable[Mapping], *, deliver_on_commit: bool = True
) -> list[tuple[OutboxMessage, bool]]:
    """Store many e-mails at once; return ``(message, created)`` for each, in input order.

    Each item holds the keyword arguments of :func:`enqueue_email`, and the result is the one
    a loop of ``enqueue_email`` calls would give, at the cost of two statements per
    :data:`ENQUEUE_MANY_CHUNK` messages instead of four per message (a SELECT, a savepoint,
    an INSERT and its release in ``get_or_create``):

    * **validated first**: every item is checked before anything is written; one invalid
      item raises :class:`OutboxError` and nothing is stored;
    * **idempotent**: a ``dedup_key`` already stored returns that message unchanged
      (``created`` False); a key repeated within ``emails`` is stored once, from its first
      occurrence, and the later ones return that same message with ``created`` False;
    * **in the caller's transaction**: the rows are written in a savepoint of the caller's
      transaction (or a transaction of their own in autocommit), so they commit or roll back
      with the business change, all together; delivery is queued only after the commit;
    * **ordered**: new messages get ascending ids in input order, as one by one;
    * the same ``Message-ID`` and ``Idempotency-Key`` as one by one (both derive from the
      dedup key alone).

    Another transaction may store one of the keys between our SELECT and our INSERT; the
    INSERT then fails on the unique key, the savepoint is rolled back and that chunk is
    stored one message at a time (``get_or_create``, which waits for and returns the other
    transaction's row): the semantics stay those of the single enqueue.

    ``deliver_on_commit=False`` queues no delivery task per message, for a caller that sends
    the batch itself (e.g. with :func:`deliver_many`); the periodic sweep still delivers
    anything left pending.
    """
    prepared = []
    for item in emails:
        if not isinstance(item, Mapping):
            raise OutboxError("Each e-mail is a mapping of enqueue_email's keyword arguments.")
        prepared.append(_email_fields(**item))
    if not prepared:
        return []
    now = timezone.now()
    results: list[tuple[OutboxMessage, bool]] = []
    created_ids: list[int] = []
    with transaction.atomic():
        for start in range(0, len(prepared), ENQUEUE_MANY_CHUNK):
            chunk = prepared[start : start + ENQUEUE_MANY_CHUNK]
            results.extend(_enqueue_chunk(chunk, now, created_ids))
    if created_ids and deliver_on_commit:
        transaction.on_commit(partial(_schedule_many, created_ids))
    return results


def _stored(dedup_keys: set[str]) -> dict[str, OutboxMessage]:
    """The messages already stored under these keys, by key (one SELECT)."""
    return {m.dedup_key: m for m in OutboxMessage.objects.filter(dedup_key__in=dedup_keys)}


def _enqueue_chunk(chunk, now, created_ids: list[int]) -> list[tuple[OutboxMessage, bool]]:
    existing = _stored({key for key, *_ in chunk})
    new: dict[str, OutboxMessage] = {}
    results = []
    for dedup_key, fields, max_attempts in chunk:
        if dedup_key in existing:
            results.append((existing[dedup_key], False))
        elif dedup_key in new:
            results.append((new[dedup_key], False))
        else:
            message = OutboxMessage(
                dedup_key=dedup_key, **_pending_fields(dict(fields), max_attempts, now)
            )
            new[dedup_key] = message
            results.append((message, True))
    if not new:
        return results
    try:
        with transaction.atomic():
            OutboxMessage.objects.bulk_create(list(new.values()))
    except IntegrityError:
        # A concurrent transaction stored one of these keys after our SELECT: one at a time.
        results = []
        for dedup_key, fields, max_attempts in chunk:
            fields = _pending_fields(dict(fields), max_attempts, now)
            message, created = OutboxMessage.objects.get_or_create(
                dedup_key=dedup_key, defaults=fields
            )
            if created:
                created_ids.append(message.pk)
            results.append((message, created))
        return results
    created_ids.extend(message.pk for message in new.values())
    return results


def _schedule_many(message_ids: list[int]) -> None:
    for message_id in message_ids:
        _schedule(message_id)


def enqueue_webhook(
    *,
    dedup_key: str,
    url: str,
    payload,
    hmac_key_id: str = "",
    hmac_secret_ref: str = "",
    headers: dict | None = None,
    language: str = "",
    related=None,
    organisation=None,
    sensitive: bool = False,
    max_attempts: int | None = None,
) -> tuple[OutboxMessage, bool]:
    """Store a webhook POST of ``payload`` (JSON) to ``url``; return ``(message, created)``.

    ``hmac_secret_ref`` names where the signing secret is found at send time (see
    ``webhook_keys``); the secret itself is never stored in the message or the audit log.
    """
    dedup_key = _clean_dedup_key(dedup_key)
    url = _clean_url(url)
    try:
        body = transport.canonical_json(payload)
    except (TypeError, ValueError) as exc:
        raise OutboxError(f"The payload is not JSON-serialisable: {exc}") from exc
    if len(body) > MAX_BODY:
        raise OutboxError("The webhook payload is too large.")
    if hmac_secret_ref and not webhook_keys.is_valid_ref(hmac_secret_ref):
        raise OutboxError(
            "The signing secret reference must look like 'settings:NAME' or 'env:VARIABLE'."
        )
    hmac_key_id = _no_newlines(hmac_key_id, "The key id")
    if len(hmac_key_id) > 100 or len(hmac_secret_ref) > 200:
        raise OutboxError("The key id or secret reference is too long.")
    fields = {
        "kind": OutboxMessage.Kind.WEBHOOK,
        "url": url,
        "payload": payload,
        "hmac_key_id": hmac_key_id,
        "hmac_secret_ref": hmac_secret_ref,
        "headers": _clean_headers(headers),
        "language": _clean_language(language),
        "organisation": organisation,
        "sensitive": bool(sensitive),
        **_related_fields(related),
    }
    return _enqueue(dedup_key, fields, max_attempts)


# --- delivery -------------------------------------------------------------------------------


def _due(now: datetime) -> Q:
    # Pending and due, or "sending" under a lease that has run out (its deliverer died) unless
    # a cancellation was requested meanwhile (``_settle_abandoned_cancellations`` ends those).
    # Cancelled messages are never due.
    return Q(state=State.PENDING, next_attempt_at__lte=now) | Q(
        state=State.SENDING, lease_until__lt=now, cancel_reason=""
    )


def _claim(now: datetime, pk: int | None = None) -> tuple[OutboxMessage, str] | None:
    """Take one due message under a lease; None if there is none (or another deliverer won)."""
    token = uuid.uuid4().hex
    lease = {
        "state": State.SENDING,
        "lease_until": now + timedelta(seconds=conf.lease_seconds()),
        "lease_token": token,
        "attempts": F("attempts") + 1,
        "last_attempt_at": now,
    }
    candidates = OutboxMessage.objects.filter(_due(now))
    if pk is not None:
        candidates = candidates.filter(pk=pk)
    candidates = candidates.order_by("next_attempt_at", "pk").values_list("pk", flat=True)
    claimed = None
    if connection.features.has_select_for_update_skip_locked:
        # PostgreSQL: lock one due row; rows locked by another deliverer are skipped, not
        # waited for. The conditional UPDATE below is then certain to succeed.
        with transaction.atomic():
            row = candidates.select_for_update(skip_locked=True).first()
            if row is not None and OutboxMessage.objects.filter(_due(now), pk=row).update(**lease):
                claimed = row
    else:
        # SQLite (no row locks): the UPDATE re-checks the due condition, so of two deliverers
        # racing for the same row exactly one changes it; the other sees 0 rows and moves on.
        for row in candidates[:10]:
            if OutboxMessage.objects.filter(_due(now), pk=row).update(**lease):
                claimed = row
                break
    if claimed is None:
        return None
    return OutboxMessage.objects.get(pk=claimed), token


def _finish(message: OutboxMessage, token: str, outcome: transport.Outcome, now) -> str:
    """Record the outcome (only if we still hold the lease). Returns the new state."""
    common = {"lease_until": None, "lease_token": "", "response_code": outcome.response_code}
    if outcome.ok:
        fields = {**common, "state": State.SENT, "sent_at": now, "next_attempt_at": None}
        fields["last_error"] = ""
    elif outcome.permanent or message.attempts >= message.max_attempts:
        reason = outcome.error
        if not outcome.permanent:
            reason = f"{outcome.error} (gave up after {message.attempts} attempts)"
        fields = {**common, "state": State.FAILED, "next_attempt_at": None, "last_error": reason}
    else:
        params = conf.backoff()
        delay = retry_delay(message.attempts, **params)
        if outcome.retry_after:
            delay = max(delay, min(outcome.retry_after, params["cap"]))
        fields = {
            **common,
            "state": State.PENDING,
            "next_attempt_at": now + timedelta(seconds=delay),
            "last_error": outcome.error,
        }
    fields["last_error"] = fields["last_error"][:2000]
    state = _record_outcome(message, token, fields, now)
    if state is None:
        logger.warning("Outbox message %s: lease lost before the outcome was saved", message.pk)
        return message.state
    if state == State.CANCELLED:
        _log_cancelled(
            message, reason=None, previous_state=State.SENDING, now=now, after_attempt=True
        )
        return state
    if fields["state"] == State.FAILED:
        log_action(
            "outbox.message.failed",
            organisation=message.organisation,
            target=message,
            data={
                "kind": message.kind,
                "attempts": message.attempts,
                "response_code": outcome.response_code,
                "permanent_error": outcome.permanent,
            },
        )
        logger.error("Outbox message %s failed permanently", message.pk)
    elif fields["state"] == State.PENDING:
        _schedule(message.pk, run_after=fields["next_attempt_at"])
    return fields["state"]


def _record_outcome(message: OutboxMessage, token: str, fields: dict, now) -> str | None:
    """Write the outcome if we still hold the lease; None if we lost it.

    A success is recorded as "sent" whatever happened meanwhile: the message left. A failure
    becomes "cancelled" if a cancellation was requested while we were sending (the content
    the message is about is gone; retrying would be wrong). The two conditional UPDATEs are
    exclusive on ``cancel_reason``; a request landing between them makes the second one miss,
    and the loop then takes the first branch (a request is written at most once).
    """
    mine = OutboxMessage.objects.filter(pk=message.pk, lease_token=token)
    if fields["state"] == State.SENT:
        return State.SENT if mine.update(**fields) else None
    for _attempt in range(3):
        cancelled = mine.exclude(cancel_reason="").update(
            state=State.CANCELLED,
            cancelled_at=now,
            next_attempt_at=None,
            lease_until=None,
            lease_token="",
            response_code=fields["response_code"],
            last_error=fields["last_error"],
        )
        if cancelled:
            return State.CANCELLED
        if mine.filter(cancel_reason="").update(**fields):
            return fields["state"]
        if not mine.exists():
            return None
    return None  # pragma: no cover - a request is written once, so the loop ends above


def _compose(message: OutboxMessage, token: str) -> transport.Outcome | None:
    """Fill in an e-mail that is composed at delivery (once: a retry sends what was stored).

    Returns None when the message is ready to send, otherwise the outcome to record. The
    composed fields are written under our lease token only."""
    if not message.composer or message.body_text:
        return None
    function = composers.get(message.composer)
    if function is None:
        return transport.Outcome.give_up(f"No composer is called {message.composer!r}.")
    try:
        with translation.override(message.language or settings.LANGUAGE_CODE):
            composed = function(dict(message.payload or {}))
        body_text, body_html = composed.body_text, composed.body_html
        if not isinstance(body_text, str) or not body_text.strip():
            raise OutboxError("The composer gave no text body.")
        if not isinstance(body_html, str) or len(body_text) + len(body_html) > MAX_BODY:
            raise OutboxError("The composed body is too long.")
        fields = {
            "body_text": body_text,
            "body_html": body_html,
            "attachments": _clean_attachments(composed.attachments),
        }
    except ObjectDoesNotExist as exc:
        return transport.Outcome.give_up(
            f"Could not compose the e-mail: what it was about is gone ({type(exc).__name__})."
        )
    except Exception as exc:  # noqa: BLE001 - retried like a transport error
        # Only the exception's type: a composer's data may be personal (never in the logs).
        logger.error(  # noqa: TRY400
            "Composer %s failed for outbox message %s: %s",
            message.composer,
            message.pk,
            type(exc).__name__,
        )
        return transport.Outcome.retry(f"Could not compose the e-mail: {type(exc).__name__}")
    OutboxMessage.objects.filter(pk=message.pk, lease_token=token).update(**fields)
    for name, value in fields.items():
        setattr(message, name, value)
    return None


def _send_claimed(message: OutboxMessage, token: str, now: datetime | None) -> str:
    try:
        outcome = _compose(message, token) or transport.send(message)
    except Exception as exc:  # noqa: BLE001 - a bug in one message must not stop the sweep
        logger.exception("Unexpected error sending outbox message %s", message.pk)
        outcome = transport.Outcome.retry(f"Unexpected error: {type(exc).__name__}")
    return _finish(message, token, outcome, now or timezone.now())


def deliver_message(message_id: int, *, now: datetime | None = None) -> str | None:
    """Send one message if it is due and nobody else holds it; return its new state or None."""
    claimed = _claim(now or timezone.now(), pk=message_id)
    if claimed is None:
        return None
    return _send_claimed(*claimed, now)


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    cancelled: int = 0  # abandoned sends whose cancellation was requested (not in ``total``)
    states: dict = field(default_factory=dict)

    @property
    def total(self) -> int:
        return self.sent + self.retrying + self.failed


def deliver_due(now: datetime | None = None, *, limit: int | None = None) -> DeliveryReport:
    """The sweep: send every due message (up to ``limit``), one claim at a time.

    One claim at a time keeps each lease as short as one send, so a slow receiver cannot make
    the lease of a message further down a batch expire before its turn.
    """
    report = DeliveryReport()
    report.cancelled = _settle_abandoned_cancellations(now or timezone.now())
    for _ in range(limit or conf.batch_size()):
        claimed = _claim(now or timezone.now())
        if claimed is None:
            break
        state = _send_claimed(*claimed, now)
        report.states[claimed[0].pk] = state
        if state == State.SENT:
            report.sent += 1
        elif state == State.FAILED:
            report.failed += 1
        else:
            report.retrying += 1
    return report


def deliver_many(
    message_ids, *, mail_connection=None, now: datetime | None = None, flush_every: int = 50
) -> DeliveryReport:
    """Send the given e-mail messages as one batch: one claim, one SMTP connection, and the
    successes recorded together (a newsletter issue to thousands of subscribers).

    The same guarantees as :func:`deliver_message`, with the costs shared: the due messages
    among ``message_ids`` are claimed under one lease token by one conditional UPDATE (on
    PostgreSQL after ``SELECT … FOR UPDATE SKIP LOCKED``, so concurrent deliverers take
    disjoint rows); messages another deliverer holds are skipped. Sent messages are recorded
    every ``flush_every`` messages in one UPDATE that still requires our lease token; a failure
    goes through the ordinary per-message outcome (retry with back-off, or failed). Before each
    send the lease is checked: if it could expire during the next send, the rest of the batch
    is released (pending again, attempt not counted) instead of risking a second deliverer. A
    crash between a send and its flush sends those messages again after the lease expires, with
    the same Message-ID (at-least-once, as everywhere in the outbox).

    ``mail_connection``: a backend to use (e.g. one that signs with DKIM); by default the
    configured one. After a failure that is not a refused recipient the connection is closed,
    and the next message opens a new one.
    """
    from django.core.mail import get_connection

    report = DeliveryReport()
    now = now or timezone.now()
    token = uuid.uuid4().hex
    lease_until = now + timedelta(seconds=conf.lease_seconds())
    lease = {
        "state": State.SENDING,
        "lease_until": lease_until,
        "lease_token": token,
        "attempts": F("attempts") + 1,
        "last_attempt_at": now,
    }
    candidates = OutboxMessage.objects.filter(
        _due(now), pk__in=list(message_ids), kind=OutboxMessage.Kind.EMAIL
    )
    if connection.features.has_select_for_update_skip_locked:
        with transaction.atomic():
            rows = list(candidates.select_for_update(skip_locked=True).values_list("pk", flat=True))
            OutboxMessage.objects.filter(_due(now), pk__in=rows).update(**lease)
    else:
        # SQLite: one UPDATE re-checking the due condition; rows another deliverer changed
        # meanwhile are no longer due and are not taken.
        candidates.update(**lease)
    messages = list(OutboxMessage.objects.filter(lease_token=token).order_by("pk"))
    mail_connection = mail_connection or get_connection(fail_silently=False)
    sent: list[int] = []

    def flush():
        if sent:
            OutboxMessage.objects.filter(pk__in=sent, lease_token=token).update(
                state=State.SENT,
                sent_at=timezone.now(),
                next_attempt_at=None,
                last_error="",
                lease_until=None,
                lease_token="",
                response_code=None,
            )
            for pk in sent:
                report.states[pk] = State.SENT
            report.sent += len(sent)
            sent.clear()

    margin = timedelta(seconds=conf.email_timeout())
    try:
        for index, message in enumerate(messages):
            if timezone.now() + margin >= lease_until:
                rest = [m.pk for m in messages[index:]]
                OutboxMessage.objects.filter(pk__in=rest, lease_token=token).update(
                    state=State.PENDING,
                    lease_until=None,
                    lease_token="",
                    attempts=F("attempts") - 1,
                    next_attempt_at=timezone.now(),
                )
                break
            try:
                outcome = _compose(message, token)
                if outcome is None:
                    # Opens the connection if it is not (yet, or any more) open; the backend
                    # then leaves it open after sending. A failure to connect shows up as the
                    # send's own outcome (retried with back-off).
                    with contextlib.suppress(OSError, smtplib.SMTPException):
                        mail_connection.open()
                    outcome = transport.send_email(message, connection=mail_connection)
            except Exception as exc:  # noqa: BLE001 - one bad message must not stop a batch
                logger.exception("Unexpected error sending outbox message %s", message.pk)
                outcome = transport.Outcome.retry(f"Unexpected error: {type(exc).__name__}")
            if outcome.ok:
                sent.append(message.pk)
                if len(sent) >= flush_every:
                    flush()
                continue
            if not outcome.permanent:
                mail_connection.close()
            state = _finish(message, token, outcome, timezone.now())
            report.states[message.pk] = state
            if state == State.FAILED:
                report.failed += 1
            else:
                report.retrying += 1
    finally:
        flush()
        mail_connection.close()
    return report


# --- people acting on messages --------------------------------------------------------------


@transaction.atomic
def retry_now(*, actor, message: OutboxMessage) -> OutboxMessage:
    """Make a pending or failed message due now, with a fresh attempt budget."""
    message = OutboxMessage.objects.select_for_update().get(pk=message.pk)
    now = timezone.now()
    if message.state == State.SENT:
        raise OutboxError(gettext("This message has already been sent."))
    if message.state == State.CANCELLED or message.cancel_reason:
        # Cancelled because what it was about is over (e.g. the content was removed).
        raise OutboxError(gettext("This message was cancelled."))
    if message.state == State.SENDING and message.lease_until and message.lease_until > now:
        raise OutboxError(gettext("This message is being sent right now."))
    previous = {"previous_state": message.state, "previous_attempts": message.attempts}
    message.state = State.PENDING
    message.attempts = 0
    message.next_attempt_at = now
    message.lease_until = None
    message.lease_token = ""
    message.save(
        update_fields=["state", "attempts", "next_attempt_at", "lease_until", "lease_token"]
    )
    log_action(
        "outbox.message.retried",
        actor=actor,
        organisation=message.organisation,
        target=message,
        data={"kind": message.kind, **previous},
    )
    transaction.on_commit(partial(_schedule, message.pk))
    return message


# --- cancelling -----------------------------------------------------------------------------


@dataclass
class CancelReport:
    """What :func:`cancel_unsent` did, by message id."""

    cancelled: list[int] = field(default_factory=list)
    #: Being sent under a live lease: cancelled if that attempt fails, "sent" if it succeeds.
    requested: list[int] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.cancelled) + len(self.requested)


def _clean_reason(reason: str) -> str:
    reason = _no_newlines(reason, "The reason").strip()
    if not reason or len(reason) > 200 or not reason.isprintable():
        raise OutboxError("The reason is 1–200 printable characters.")
    return reason


def _cancelled_fields(reason: str, now: datetime) -> dict:
    return {
        "state": State.CANCELLED,
        "cancel_reason": reason,
        "cancelled_at": now,
        "next_attempt_at": None,
        "lease_until": None,
        "lease_token": "",
    }


def _log_cancelled(message, *, reason, previous_state, now, actor=None, **extra) -> None:
    if reason is None:
        reason = (
            OutboxMessage.objects.filter(pk=message.pk)
            .values_list("cancel_reason", flat=True)
            .first()
        )
    log_action(
        "outbox.message.cancelled",
        actor=actor,
        organisation=message.organisation,
        target=message,
        data={
            "kind": message.kind,
            "previous_state": previous_state,
            "reason": reason or "",
            **extra,
        },
    )


def cancel_unsent(*, actor, messages, reason: str, now: datetime | None = None) -> CancelReport:
    """Cancel every message in ``messages`` (a queryset) that has not been sent.

    Call it in the transaction of the change that makes the messages pointless (content
    removed, case closed), so both commit together. For each message:

    * pending, failed permanently, or "sending" under a lease that has run out (its deliverer
      is presumed dead, as for a takeover) → **cancelled** at once: never sent afterwards;
    * "sending" under a live lease → a **cancellation request**: the deliverer holding the
      lease records "cancelled" if its attempt fails, "sent" if it succeeded (the message has
      left; that cannot be undone, and saying otherwise would be false);
    * sent or already cancelled → left alone.

    Every write is a conditional UPDATE on the state *and* lease token just read, so a
    deliverer's claim and a cancellation cannot both win: whichever UPDATE lands second
    matches no row (PostgreSQL re-checks the condition after the row lock; SQLite serialises
    writers), and the loser re-reads and acts on the new state. ``reason`` (1–200 characters)
    is stored and shown; write it in English as a ``gettext_noop`` message so pages can
    show it translated. Each cancellation (and request) writes an audit entry.
    """
    reason = _clean_reason(reason)
    now = now or timezone.now()
    report = CancelReport()
    with transaction.atomic():
        targets = list(
            messages.exclude(state__in=OutboxMessage.FINAL_STATES).select_related("organisation")
        )
        for message in targets:
            outcome = _cancel_one(message, reason=reason, now=now, actor=actor)
            if outcome == State.CANCELLED:
                report.cancelled.append(message.pk)
            elif outcome == "requested":
                report.requested.append(message.pk)
    return report


def _cancel_one(message: OutboxMessage, *, reason: str, now: datetime, actor) -> str | None:
    for _attempt in range(5):
        row = (
            OutboxMessage.objects.filter(pk=message.pk)
            .values("state", "lease_until", "lease_token", "cancel_reason")
            .first()
        )
        if row is None or row["state"] in OutboxMessage.FINAL_STATES:
            return None
        same = OutboxMessage.objects.filter(
            pk=message.pk, state=row["state"], lease_token=row["lease_token"]
        )
        live_lease = row["state"] == State.SENDING and (
            row["lease_until"] is not None and row["lease_until"] >= now
        )
        if live_lease:
            if row["cancel_reason"]:
                return "requested"  # asked before; the deliverer will settle it
            if same.filter(cancel_reason="", lease_until__gte=now).update(cancel_reason=reason):
                log_action(
                    "outbox.message.cancel_requested",
                    actor=actor,
                    organisation=message.organisation,
                    target=message,
                    data={"kind": message.kind, "reason": reason},
                )
                return "requested"
            continue  # the deliverer finished meanwhile: look again
        if row["state"] == State.SENDING:
            same = same.filter(lease_until__lt=now)
        if same.update(**_cancelled_fields(reason, now)):
            _log_cancelled(
                message,
                reason=reason,
                previous_state=row["state"],
                now=now,
                actor=actor,
                lease_expired=row["state"] == State.SENDING,
            )
            return State.CANCELLED
        # A deliverer claimed it (or released it) between our read and our write: look again.
    logger.warning("Outbox message %s: could not settle its cancellation", message.pk)
    return None


def _settle_abandoned_cancellations(now: datetime, limit: int = 100) -> int:
    """Cancel messages whose cancellation was requested while a deliverer that then died held
    them: without this they would stay "sending" for ever (``_due`` skips them)."""
    rows = list(
        OutboxMessage.objects.filter(state=State.SENDING, lease_until__lt=now)
        .exclude(cancel_reason="")
        .select_related("organisation")[:limit]
    )
    settled = 0
    for message in rows:
        updated = OutboxMessage.objects.filter(
            pk=message.pk,
            state=State.SENDING,
            lease_token=message.lease_token,
            lease_until__lt=now,
        ).update(**_cancelled_fields(message.cancel_reason, now))
        if updated:
            settled += 1
            _log_cancelled(
                message,
                reason=message.cancel_reason,
                previous_state=State.SENDING,
                now=now,
                lease_expired=True,
            )
    return settled


def erase_recipients(*, messages) -> tuple[int, int]:
    """Blank the recipient addresses of the messages in ``messages`` that are over.

    For retention of personal data (e.g. appellants' e-mail addresses). Only sent and
    cancelled messages are changed; cancel the others first (:func:`cancel_unsent`). Returns
    ``(erased, still_unsent)``. The caller writes the audit entry (with the counts).
    """
    erased = messages.filter(
        state__in=OutboxMessage.FINAL_STATES, kind=OutboxMessage.Kind.EMAIL
    ).update(recipients=[])
    return erased, messages.exclude(state__in=OutboxMessage.FINAL_STATES).count()
