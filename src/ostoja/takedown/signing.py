"""Signed, expiring tokens for providers' links, and webhook signatures (pure Python).

Why not ``django.core.signing``: this module stays free of Django (its tests need no
settings, and the token format is documented for partners who verify or build links in
other languages). The Django layer passes the secret in — e.g. a key derived from
``SECRET_KEY`` with :func:`derive_key` — and old secrets as fallbacks during rotation.

Token format
============
``<payload>.<signature>``, both base64url without padding:

* payload: compact JSON ``{"v": 1, "p": purpose, "s": subject, "iat": issued, "exp": expires}``
  (seconds since the epoch);
* signature: ``HMAC-SHA256(secret, "ostoja-token-v1." + <payload>)``.

The purpose (e.g. ``"takedown.confirm"``, ``"takedown.dispute"``) is inside the signed payload,
so a token made for one action never works for another. Tokens are not encrypted: put ids in
the subject, never the reported URL.

Rejections raise :class:`TokenError` with a distinct ``reason``:

``malformed``       not a token at all (wrong shape, bad base64/JSON, missing fields, too long)
``bad_signature``   forged or altered (the two cannot be told apart without the secret, and the
                    difference would only help an attacker), or signed with an unknown secret
``wrong_purpose``   a genuine token made for another action
``expired``         a genuine token past its expiry
``not_yet_valid``   a genuine token issued in the future (clock skew beyond the leeway)

Time and purpose are checked only *after* the signature: an unauthenticated expiry date means
nothing.

Webhook signatures (``X-Ostoja-Signature: t=…,v1=…``) live in ``ostoja.outbox.signature``,
because the outbox signs every outgoing webhook; they are re-exported here for the takedown
app's inbound provider calls: :func:`sign_webhook`, :func:`verify_webhook`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass

from ostoja.outbox.signature import DEFAULT_TOLERANCE, SignatureError
from ostoja.outbox.signature import sign as sign_webhook
from ostoja.outbox.signature import verify_signature as verify_webhook

__all__ = [
    "DEFAULT_TOLERANCE",
    "SignatureError",
    "TokenClaims",
    "TokenError",
    "derive_key",
    "make_token",
    "read_token",
    "sign_webhook",
    "verify_webhook",
]

MAX_TOKEN_LENGTH = 1024
_DOMAIN = b"ostoja-token-v1."

Secret = str | bytes


class TokenError(ValueError):
    """A token was rejected; ``reason`` is one of the codes in the module docstring."""

    def __init__(self, reason: str, message: str = ""):
        super().__init__(message or reason)
        self.reason = reason


@dataclass(frozen=True)
class TokenClaims:
    purpose: str
    subject: str
    issued_at: int
    expires_at: int


def derive_key(master: Secret, label: str) -> bytes:
    """A key for one use (``label``) from a master secret, so one leak does not serve all."""
    master_bytes = master.encode("utf-8") if isinstance(master, str) else bytes(master)
    if not master_bytes:
        raise ValueError("An empty master secret cannot derive keys.")
    return hmac.new(master_bytes, f"ostoja.key:{label}".encode(), hashlib.sha256).digest()


def _key(secret: Secret) -> bytes:
    key = secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)
    if len(key) < 16:
        raise ValueError("Token secrets must have at least 16 bytes.")
    return key


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    if not text or not all(c.isalnum() or c in "-_" for c in text) or not text.isascii():
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: bytes, payload: str) -> bytes:
    return hmac.new(key, _DOMAIN + payload.encode("ascii"), hashlib.sha256).digest()


def make_token(
    *,
    secret: Secret,
    purpose: str,
    subject: str,
    ttl_seconds: int,
    now: float | None = None,
) -> str:
    """A token for ``purpose`` on ``subject`` (e.g. ``"notice:42"``), valid ``ttl_seconds``."""
    if not purpose or not subject:
        raise ValueError("A token needs a purpose and a subject.")
    if ttl_seconds <= 0:
        raise ValueError("ttl_seconds must be positive.")
    issued = int(time.time() if now is None else now)
    claims = {"v": 1, "p": purpose, "s": subject, "iat": issued, "exp": issued + int(ttl_seconds)}
    payload = _b64(json.dumps(claims, separators=(",", ":"), ensure_ascii=False).encode())
    token = f"{payload}.{_b64(_mac(_key(secret), payload))}"
    if len(token) > MAX_TOKEN_LENGTH:
        raise ValueError("Purpose and subject are too long for a token.")
    return token


def read_token(
    token: str | None,
    *,
    secret: Secret | Iterable[Secret],
    purpose: str,
    now: float | None = None,
    leeway: int = 60,
) -> TokenClaims:
    """Verify ``token`` and return its claims, or raise :class:`TokenError`.

    ``secret`` may be a list: the current secret first, then old ones still accepted.
    """
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        raise TokenError("malformed", "No token, or too long.")
    payload, dot, signature_text = token.strip().partition(".")
    if not dot or "." in signature_text:
        raise TokenError("malformed", "A token has two parts.")
    try:
        signature = _unb64(signature_text)
        claims = json.loads(_unb64(payload))
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise TokenError("malformed", "Not base64url JSON.") from exc
    if (
        not isinstance(claims, dict)
        or claims.get("v") != 1
        or not isinstance(claims.get("p"), str)
        or not isinstance(claims.get("s"), str)
        or not all(type(claims.get(k)) is int for k in ("iat", "exp"))
    ):
        raise TokenError("malformed", "Missing or invalid claims.")
    secrets = [secret] if isinstance(secret, str | bytes | bytearray) else list(secret)
    if not secrets:
        raise ValueError("At least one secret is needed.")
    valid = False
    for candidate in secrets:
        valid |= hmac.compare_digest(_mac(_key(candidate), payload), signature)
    if not valid:
        raise TokenError("bad_signature", "The token was not signed by us, or was altered.")
    if not hmac.compare_digest(claims["p"].encode(), purpose.encode()):
        raise TokenError("wrong_purpose", "The token was made for another action.")
    current = time.time() if now is None else now
    if current > claims["exp"]:
        raise TokenError("expired", "The token has expired.")
    if claims["iat"] > current + leeway:
        raise TokenError("not_yet_valid", "The token was issued in the future.")
    return TokenClaims(claims["p"], claims["s"], claims["iat"], claims["exp"])
