"""Encryption at rest for the register's identifying fields and attachments (AES-256-GCM).

Keys come from the environment, never from the database:

* ``OSTOJA_SAFEGUARDING_KEYS`` — comma-separated ``key_id:base64-of-32-bytes`` pairs; the
  **first** is the current key (new values are encrypted with it), the others are kept only to
  read older values. Every stored value carries the id of its key, so keys rotate without a
  flag day: put a new key first, keep the old one second, run
  ``manage.py safeguarding_rotate_keys`` (re-encrypts every value with the current key), then
  drop the old key.
* ``OSTOJA_SAFEGUARDING_INDEX_KEY`` — base64 of 32 bytes for the keyed hash (HMAC-SHA-256)
  that finds a PESEL already in an organisation's register without decrypting every row. It
  does not rotate with the encryption keys (changing it means recomputing the hashes, which
  ``safeguarding_rotate_keys --reindex`` does).

Development and test settings set ``OSTOJA_SAFEGUARDING_DEV_KEYS = True``, which allows fixed,
published keys when the variables are missing; any other settings refuse to run without them.

Each value is bound to its column with the GCM associated data (``app.model.field``), so a
ciphertext copied into another column does not decrypt.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "v1"
NONCE_BYTES = 12
# Published on purpose: only for development and tests (see the module docstring).
_DEV_KEYS = "dev1:" + base64.b64encode(hashlib.sha256(b"ostoja-dev-safeguarding").digest()).decode()
_DEV_INDEX_KEY = base64.b64encode(hashlib.sha256(b"ostoja-dev-safeguarding-index").digest())


class DecryptionError(RuntimeError):
    """A stored value cannot be decrypted (unknown key id, or altered)."""


@dataclass(frozen=True)
class Keyring:
    current_id: str
    keys: dict[str, bytes]
    index_key: bytes


def _dev_allowed() -> bool:
    return bool(getattr(settings, "OSTOJA_SAFEGUARDING_DEV_KEYS", False))


def parse_keys(spec: str) -> tuple[str, dict[str, bytes]]:
    keys: dict[str, bytes] = {}
    current = ""
    for part in (spec or "").split(","):
        part = part.strip()
        if not part:
            continue
        key_id, sep, encoded = part.partition(":")
        key_id = key_id.strip()
        if not sep or not key_id or not key_id.isalnum() or len(key_id) > 16:
            raise ImproperlyConfigured(
                "OSTOJA_SAFEGUARDING_KEYS: each entry is key_id:base64 (key id: 1–16 letters "
                "or digits)."
            )
        try:
            raw = base64.b64decode(encoded.strip(), validate=True)
        except ValueError:
            raise ImproperlyConfigured(f"OSTOJA_SAFEGUARDING_KEYS: key {key_id} is not base64.")
        if len(raw) != 32:
            raise ImproperlyConfigured(f"OSTOJA_SAFEGUARDING_KEYS: key {key_id} is not 32 bytes.")
        if key_id in keys:
            raise ImproperlyConfigured(f"OSTOJA_SAFEGUARDING_KEYS: key id {key_id} twice.")
        keys[key_id] = raw
        current = current or key_id
    return current, keys


@lru_cache(maxsize=1)
def keyring() -> Keyring:
    spec = os.environ.get("OSTOJA_SAFEGUARDING_KEYS", "")
    index = os.environ.get("OSTOJA_SAFEGUARDING_INDEX_KEY", "")
    if not spec or not index:
        if not _dev_allowed():
            raise ImproperlyConfigured(
                "Set OSTOJA_SAFEGUARDING_KEYS and OSTOJA_SAFEGUARDING_INDEX_KEY (see README: "
                "safeguarding keys) before using the safeguarding register."
            )
        spec = spec or _DEV_KEYS
        index = index or _DEV_INDEX_KEY
    current, keys = parse_keys(spec)
    if not current:
        raise ImproperlyConfigured("OSTOJA_SAFEGUARDING_KEYS holds no key.")
    try:
        index_key = base64.b64decode(index, validate=True)
    except ValueError:
        raise ImproperlyConfigured("OSTOJA_SAFEGUARDING_INDEX_KEY is not base64.")
    if len(index_key) < 32:
        raise ImproperlyConfigured("OSTOJA_SAFEGUARDING_INDEX_KEY must be at least 32 bytes.")
    return Keyring(current, keys, index_key)


def reset_keyring() -> None:
    """Forget the cached keys (tests that change the environment; after a rotation)."""
    keyring.cache_clear()


def new_key() -> str:
    """A fresh key in the environment's format (for the rotation instructions)."""
    return base64.b64encode(secrets.token_bytes(32)).decode()


def encrypt_bytes(data: bytes, *, context: str) -> tuple[str, bytes]:
    """Encrypt with the current key; return ``(key_id, nonce + ciphertext)``."""
    ring = keyring()
    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = AESGCM(ring.keys[ring.current_id]).encrypt(nonce, data, context.encode())
    return ring.current_id, nonce + sealed


def decrypt_bytes(key_id: str, blob: bytes, *, context: str) -> bytes:
    ring = keyring()
    key = ring.keys.get(key_id)
    if key is None:
        raise DecryptionError(f"unknown key id {key_id!r}")
    try:
        return AESGCM(key).decrypt(
            bytes(blob[:NONCE_BYTES]), bytes(blob[NONCE_BYTES:]), context.encode()
        )
    except InvalidTag:
        raise DecryptionError("the value was altered or belongs to another column")


def encrypt_text(value: str, *, context: str) -> str:
    """``v1.<key id>.<base64url(nonce + ciphertext)>``; the empty string stays empty."""
    if value == "":
        return ""
    key_id, blob = encrypt_bytes(value.encode(), context=context)
    return f"{PREFIX}.{key_id}.{base64.urlsafe_b64encode(blob).decode()}"


def decrypt_text(token: str, *, context: str) -> str:
    if token == "":
        return ""
    prefix, key_id, encoded = (token.split(".", 2) + ["", ""])[:3]
    if prefix != PREFIX or not key_id or not encoded:
        raise DecryptionError("not an encrypted value")
    return decrypt_bytes(key_id, base64.urlsafe_b64decode(encoded), context=context).decode()


def key_id_of(token: str) -> str:
    return token.split(".", 2)[1] if token.startswith(PREFIX + ".") else ""


def blind_index(value: str, *, purpose: str) -> str:
    """A keyed hash for equality look-ups of an encrypted value (hex, 64 characters)."""
    message = f"{purpose}\x00{value}".encode()
    return hmac.new(keyring().index_key, message, hashlib.sha256).hexdigest()
