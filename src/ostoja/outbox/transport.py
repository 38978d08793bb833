"""Sending one outbox message: e-mail through Django's backend, webhooks through urllib.

Both return an :class:`Outcome` instead of raising, and classify failures:

E-mail (``settings.EMAIL_*``)
    * every recipient refused with a 5xx SMTP reply → **permanent** (the address is wrong);
    * a message Django cannot even build (bad header) → **permanent**;
    * anything else — connection refused, timeout, the server closing the connection, 4xx or
      other 5xx replies (often our own relay's configuration) → **retry** until
      ``max_attempts``.

Webhooks (``POST`` of canonical JSON)
    * 2xx → sent;
    * 408 Request Timeout, 429 Too Many Requests and 5xx → **retry** (``Retry-After`` in
      seconds is honoured, within the back-off cap);
    * any other 4xx → **permanent**: the receiver understood and refused; sending the same
      bytes again cannot change its mind (a wrong URL, a rejected signature key…);
    * 3xx → **permanent**: redirects are not followed (a signed body must not wander to
      another host); the provider should register the final URL;
    * timeouts, refused connections, DNS failures, an unresolvable signing secret → **retry**;
    * a URL resolving to a loopback, private or reserved address → **permanent** unless
      ``OUTBOX_WEBHOOK_ALLOW_PRIVATE`` (tests, on-premises receivers). The check resolves the
      host once before connecting; it narrows server-side request forgery but does not stop
      DNS rebinding between the check and the connection.

The ``Idempotency-Key`` header (webhooks) and the ``Message-ID`` (e-mail) are derived from the
message's dedup key, so they are the same on every attempt: delivery is at-least-once (a send
can succeed and its acknowledgement be lost), and the receiver drops the second copy by key.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import smtplib
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection

from . import conf, webhook_keys
from .signature import KEY_ID_HEADER, SIGNATURE_HEADER, sign

USER_AGENT = "Ostoja-Outbox/1.0"
_SNIPPET = 200


@dataclass(frozen=True)
class Outcome:
    ok: bool
    permanent: bool = False
    error: str = ""
    response_code: int | None = None
    retry_after: float | None = None

    @classmethod
    def sent(cls, code: int | None = None) -> Outcome:
        return cls(ok=True, response_code=code)

    @classmethod
    def retry(cls, error: str, code: int | None = None, retry_after=None) -> Outcome:
        return cls(ok=False, error=error, response_code=code, retry_after=retry_after)

    @classmethod
    def give_up(cls, error: str, code: int | None = None) -> Outcome:
        return cls(ok=False, permanent=True, error=error, response_code=code)


def canonical_json(payload) -> bytes:
    """The exact bytes that are signed and sent (sorted keys, no spaces, UTF-8)."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def _clean(text: str, limit: int = _SNIPPET) -> str:
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    return text[:limit]


# --- e-mail ---------------------------------------------------------------------------------


def _smtp_text(reply, limit: int = _SNIPPET) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return _clean(text, limit)


def build_email(message, connection=None) -> EmailMultiAlternatives:
    headers = dict(message.headers or {})
    headers["Message-ID"] = message.message_id
    sender = message.from_email or settings.DEFAULT_FROM_EMAIL
    if message.bounce_address:
        # Django's from_email is the envelope sender; a From header wins for readers.
        headers["From"] = sender
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=message.bounce_address or sender,
        to=list(message.recipients or []),
        headers=headers,
        connection=connection,
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    for item in message.attachments or []:
        content_type = item.get("content_type") or "application/octet-stream"
        content = item.get("content", "")
        if not content_type.startswith("text/"):
            # Non-text parts are base64-encoded from bytes; a str would be re-encoded with
            # the wrong codec for non-ASCII text such as Polish letters.
            content = content.encode("utf-8")
        email.attach(item["name"], content, content_type)
    return email


def send_email(message, connection=None) -> Outcome:
    """Send one e-mail; ``connection``: an open backend to reuse (a batch, see
    ``services.deliver_many``), otherwise a new one is opened and closed for this message."""
    try:
        connection = connection or get_connection(fail_silently=False)
        email = build_email(message, connection=connection)
        email.message()  # builds headers now: a bad header is a permanent fault, not transient
    except (ValueError, KeyError, TypeError) as exc:
        return Outcome.give_up(f"Cannot build the e-mail: {_clean(str(exc))}")
    try:
        sent = connection.send_messages([email])
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _msg in exc.recipients.values()]
        detail = "; ".join(
            f"{addr}: {code} {_smtp_text(msg, 80)}" for addr, (code, msg) in exc.recipients.items()
        )
        error = f"SMTP refused the recipients: {detail}"
        if codes and all(500 <= code < 600 for code in codes):
            return Outcome.give_up(error, code=codes[0])
        return Outcome.retry(error, code=codes[0] if codes else None)
    except smtplib.SMTPResponseException as exc:
        text = _smtp_text(exc.smtp_error)
        return Outcome.retry(f"SMTP error {exc.smtp_code}: {text}", code=exc.smtp_code)
    except (OSError, smtplib.SMTPException) as exc:
        return Outcome.retry(f"Mail server unreachable: {type(exc).__name__}: {_clean(str(exc))}")
    if not sent:
        return Outcome.give_up("The e-mail backend sent nothing (no recipients?).")
    return Outcome.sent()


# --- webhooks -------------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # urllib then raises HTTPError with the 3xx code


def _opener():
    # An empty ProxyHandler: no HTTP(S)_PROXY from the environment sees signed bodies.
    return urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect)


def _address_refused(url: str) -> str:
    """Empty if the URL may be called; otherwise why not."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "Only http and https URLs with a host are allowed."
    if conf.allow_private_webhooks():
        return ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if not address.is_global:
            return f"The webhook host resolves to a non-public address ({address})."
    return ""


def _retry_after(headers) -> float | None:
    value = (headers or {}).get("Retry-After", "") if headers is not None else ""
    value = (value or "").strip()
    if value.isascii() and value.isdigit():
        return float(min(int(value), 24 * 3600))
    return None


def webhook_request_headers(message, body: bytes) -> dict:
    headers = {
        **(message.headers or {}),
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "Idempotency-Key": message.idempotency_key,
    }
    if message.hmac_secret_ref:
        headers[SIGNATURE_HEADER] = sign(webhook_keys.resolve(message.hmac_secret_ref), body)
        if message.hmac_key_id:
            headers[KEY_ID_HEADER] = message.hmac_key_id
    return headers


def send_webhook(message) -> Outcome:
    body = canonical_json(message.payload)
    try:
        refused = _address_refused(message.url)
    except (OSError, UnicodeError, ValueError) as exc:
        return Outcome.retry(f"Cannot resolve the webhook host: {_clean(str(exc))}")
    if refused:
        return Outcome.give_up(refused)
    try:
        headers = webhook_request_headers(message, body)
    except webhook_keys.SecretUnavailable as exc:
        return Outcome.retry(f"Signing secret unavailable: {_clean(str(exc))}")
    # The scheme is http(s): checked at enqueue time and again in _address_refused.
    request = urllib.request.Request(  # noqa: S310
        message.url, data=body, headers=headers, method="POST"
    )
    try:
        with _opener().open(request, timeout=conf.webhook_timeout()) as response:
            response.read(1024)
            return Outcome.sent(response.status)
    except urllib.error.HTTPError as exc:
        code = exc.code
        try:
            snippet = _clean(exc.read(_SNIPPET).decode("utf-8", "replace"))
        except (OSError, http.client.HTTPException):
            snippet = ""
        finally:
            exc.close()
        error = f"HTTP {code}" + (f": {snippet}" if snippet else "")
        if code in (408, 429) or code >= 500:
            return Outcome.retry(error, code=code, retry_after=_retry_after(exc.headers))
        return Outcome.give_up(error, code=code)
    except TimeoutError:
        return Outcome.retry(f"No answer within {conf.webhook_timeout():g} s (timeout).")
    except urllib.error.URLError as exc:
        return Outcome.retry(f"Cannot connect: {_clean(str(exc.reason))}")
    except (OSError, http.client.HTTPException) as exc:
        return Outcome.retry(f"Connection failed: {type(exc).__name__}: {_clean(str(exc))}")


def send(message) -> Outcome:
    if message.kind == "webhook":
        return send_webhook(message)
    return send_email(message)
