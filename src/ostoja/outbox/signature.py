"""HMAC-SHA256 signatures of webhook bodies (pure Python, no Django).

Header (sent as ``X-Ostoja-Signature``)::

    t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>

The timestamp is inside the signed string, so a captured request cannot be replayed with a new
time, and a receiver rejects signatures older (or newer) than a tolerance (5 minutes by
default). Several ``v1=`` entries may appear while a secret is being rotated; one matching entry
is enough. Receivers compare in constant time (``hmac.compare_digest``).

Verifying in a receiver (Python)::

    verify_signature(secret, raw_body, request.headers["X-Ostoja-Signature"])

Failures raise :class:`SignatureError` whose ``reason`` is one of ``missing``, ``malformed``,
``bad_signature`` (forged, altered body or wrong secret: indistinguishable by design),
``expired`` (older than the tolerance) or ``future`` (timestamp ahead of the receiver's clock by
more than the tolerance).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Iterable

SIGNATURE_HEADER = "X-Ostoja-Signature"
KEY_ID_HEADER = "X-Ostoja-Key-Id"
DEFAULT_TOLERANCE = 300  # seconds
_MAX_HEADER = 1024
_HEX64 = re.compile(r"^[0-9a-f]{64}$")

Secret = str | bytes


class SignatureError(ValueError):
    """A signature was rejected; ``reason`` says why (see the module docstring)."""

    def __init__(self, reason: str, message: str = ""):
        super().__init__(message or reason)
        self.reason = reason


def _key(secret: Secret) -> bytes:
    key = secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)
    if not key:
        raise ValueError("An empty secret cannot sign anything.")
    return key


def _secrets(secret: Secret | Iterable[Secret]) -> list[bytes]:
    if isinstance(secret, str | bytes | bytearray):
        return [_key(secret)]
    keys = [_key(s) for s in secret]
    if not keys:
        raise ValueError("At least one secret is needed.")
    return keys


def compute_signature(secret: Secret, body: bytes, timestamp: int) -> str:
    """Hex HMAC-SHA256 over ``"<timestamp>." + body``."""
    signed = str(int(timestamp)).encode("ascii") + b"." + body
    return hmac.new(_key(secret), signed, hashlib.sha256).hexdigest()


def sign(secret: Secret | Iterable[Secret], body: bytes, *, timestamp: int | None = None) -> str:
    """The header value for ``body``: ``t=…,v1=…`` (one ``v1`` per secret given)."""
    ts = int(time.time() if timestamp is None else timestamp)
    parts = [f"t={ts}"]
    parts += [f"v1={compute_signature(key, body, ts)}" for key in _secrets(secret)]
    return ",".join(parts)


def parse_header(header: str | None) -> tuple[int, list[str]]:
    """Split a header into (timestamp, [v1 signatures]); raise SignatureError if unusable."""
    if not header or not header.strip():
        raise SignatureError("missing", "No signature header.")
    if len(header) > _MAX_HEADER:
        raise SignatureError("malformed", "Signature header too long.")
    timestamp = None
    signatures = []
    for item in header.split(","):
        key, sep, value = item.strip().partition("=")
        if not sep:
            raise SignatureError("malformed", "Signature header items are key=value.")
        if key == "t":
            if timestamp is not None or not value.isascii() or not value.isdigit():
                raise SignatureError("malformed", "Bad or repeated timestamp.")
            timestamp = int(value)
        elif key == "v1":
            if not _HEX64.match(value):
                raise SignatureError("malformed", "v1 must be 64 lowercase hex digits.")
            signatures.append(value)
        # Unknown schemes (a future v2) are ignored so receivers can upgrade gradually.
    if timestamp is None or not signatures:
        raise SignatureError("malformed", "Signature header needs t= and v1=.")
    return timestamp, signatures


def verify_signature(
    secret: Secret | Iterable[Secret],
    body: bytes,
    header: str | None,
    *,
    tolerance: int = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> int:
    """Check ``header`` against ``body``; return the signed timestamp or raise SignatureError.

    The HMAC is checked before the time, so an attacker learns nothing from the error about a
    timestamp they could not sign.
    """
    timestamp, signatures = parse_header(header)
    keys = _secrets(secret)
    matched = False
    for key in keys:
        expected = compute_signature(key, body, timestamp)
        for candidate in signatures:
            # No early exit: the comparison count does not depend on which one matched.
            matched |= hmac.compare_digest(expected, candidate)
    if not matched:
        raise SignatureError("bad_signature", "Signature does not match the body.")
    current = time.time() if now is None else now
    if timestamp < current - tolerance:
        raise SignatureError("expired", "Signature timestamp is too old.")
    if timestamp > current + tolerance:
        raise SignatureError("future", "Signature timestamp is in the future.")
    return timestamp
