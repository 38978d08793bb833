"""Ticket secrets, short codes and QR codes.

The secret in a QR ticket is ``HMAC-SHA256(key, salt)`` cut to 160 bits and written in base32
(32 characters, QR alphanumeric mode). Only its SHA-256 is stored, so a database leak gives no
usable tickets, and a lookup is an index search on that hash (nothing secret is compared
character by character). The random salt lets the ticket and its badge be printed again later
without storing the secret itself. The key is ``EVENTS_TICKET_KEY`` (``SECRET_KEY`` if unset).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import re
import secrets

import segno
from django.conf import settings

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are read aloud
CODE_LENGTH = 8
_SECRET = re.compile(r"^[A-Z2-7]{32}$")


def _key() -> bytes:
    return (getattr(settings, "EVENTS_TICKET_KEY", "") or settings.SECRET_KEY).encode()


def new_salt() -> str:
    return secrets.token_hex(16)


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def secret_for(salt: str) -> str:
    mac = hmac.new(_key(), b"ostoja.events.ticket:" + salt.encode(), hashlib.sha256).digest()
    return base64.b32encode(mac[:20]).decode()


def normalise(secret: str) -> str:
    return "".join(str(secret or "").split()).upper()[:200]


def looks_like_secret(secret: str) -> bool:
    return bool(_SECRET.match(normalise(secret)))


def hash_secret(secret: str) -> str:
    return hashlib.sha256(normalise(secret).encode()).hexdigest()


def qr_svg(secret: str, scale: int = 4) -> str:
    """The QR code as inline SVG markup (no image file, no attachment)."""
    return segno.make(secret, error="m").svg_inline(scale=scale, title="QR")


def qr_png(secret: str, scale: int = 6) -> bytes:
    out = io.BytesIO()
    segno.make(secret, error="m").save(out, kind="png", scale=scale, border=2)
    return out.getvalue()
