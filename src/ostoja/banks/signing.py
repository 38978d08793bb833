"""Ed25519 signatures for bank exports, so a partner can check a list with a published key.

An export is the CSV file unchanged (readable by any tool) plus a detached signature file
``<name>.sig``: JSON holding a *statement* (the file's SHA-256 and size, which bank, which
version, which format, since when, how many rows, when, by which site) and the Ed25519
signature over the canonical form of that statement::

    {"format": "ostoja-bank-export-signature", "version": 1, "algorithm": "Ed25519",
     "key_id": "…", "statement": {…}, "signature": "<base64>"}

The signed message is ``b"ostoja-bank-export-v1\\n"`` followed by the statement as JSON with
sorted keys, no spaces, UTF-8. Signing the statement rather than the raw file binds the
metadata too (an old export cannot be passed off as a newer version of the bank).

``verify_export`` is a pure function (no Django, no database): a partner needs only this
module, the ``cryptography`` package and the publisher's public key (PEM).

The private key is a PKCS#8 PEM file named by the setting or environment variable
``OSTOJA_BANK_SIGNING_KEY_FILE`` (default ``var/keys/bank-signing-ed25519.pem``), created for
development with ``manage.py banks_keygen``. The key id is the first 16 hex digits of the
SHA-256 of the raw 32-byte public key.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

SIGNATURE_FORMAT = "ostoja-bank-export-signature"
SIGNATURE_VERSION = 1
ALGORITHM = "Ed25519"
DOMAIN = b"ostoja-bank-export-v1\n"
MAX_SIGNATURE_BYTES = 64 * 1024

__all__ = [
    "SigningKeyMissing",
    "VerificationError",
    "VerifiedExport",
    "generate_key",
    "key_id",
    "load_private_key",
    "load_public_key",
    "public_key_pem",
    "sign_export",
    "signing_key_path",
    "verify_export",
]


class SigningKeyMissing(RuntimeError):
    """No signing key is configured (or the file cannot be read)."""


class VerificationError(ValueError):
    """The export does not verify. The message says why."""


@dataclass(frozen=True)
class VerifiedExport:
    key_id: str
    statement: dict


# -- keys ---------------------------------------------------------------------------------------


def signing_key_path() -> Path:
    """Where the private key is read from: setting, then environment, then ``var/keys/``."""
    configured = None
    try:
        from django.conf import settings

        configured = getattr(settings, "OSTOJA_BANK_SIGNING_KEY_FILE", None)
        var_dir = Path(getattr(settings, "VAR_DIR", "var"))
    except Exception:  # noqa: BLE001 - outside Django
        var_dir = Path("var")
    configured = configured or os.environ.get("OSTOJA_BANK_SIGNING_KEY_FILE")
    if configured:
        return Path(configured)
    return var_dir / "keys" / "bank-signing-ed25519.pem"


def load_private_key(path: str | os.PathLike | None = None) -> Ed25519PrivateKey:
    path = Path(path) if path else signing_key_path()
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SigningKeyMissing(
            f"No bank signing key at {path}. Create one with `manage.py banks_keygen` or set "
            "OSTOJA_BANK_SIGNING_KEY_FILE."
        ) from None
    except OSError as exc:
        raise SigningKeyMissing(f"The bank signing key at {path} cannot be read: {exc}") from None
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise SigningKeyMissing(f"{path} is not an unencrypted PEM private key: {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyMissing(f"{path} is not an Ed25519 key.")
    return key


def load_public_key(pem: str | bytes) -> Ed25519PublicKey:
    """An Ed25519 public key from PEM (SubjectPublicKeyInfo). ValueError if it is not one."""
    data = pem.encode("ascii", "replace") if isinstance(pem, str) else pem
    try:
        key = serialization.load_pem_public_key(data.strip() + b"\n")
    except (ValueError, TypeError, UnicodeError) as exc:
        raise VerificationError(f"the public key is not a PEM public key ({exc})") from None
    if not isinstance(key, Ed25519PublicKey):
        raise VerificationError("the public key is not an Ed25519 key")
    return key


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(key: Ed25519PublicKey | Ed25519PrivateKey) -> str:
    if isinstance(key, Ed25519PrivateKey):
        key = key.public_key()
    return hashlib.sha256(_raw_public(key)).hexdigest()[:16]


def public_key_pem(key: Ed25519PublicKey | Ed25519PrivateKey) -> str:
    if isinstance(key, Ed25519PrivateKey):
        key = key.public_key()
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def generate_key(path: str | os.PathLike, *, overwrite: bool = False) -> Ed25519PrivateKey:
    """Write a new private key (mode 0600) and its public key next to it (``.pub``)."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists; refusing to replace a signing key.")
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    os.replace(tmp, path)
    path.with_name(path.name + ".pub").write_text(public_key_pem(key), encoding="ascii")
    return key


# -- signing and verifying ----------------------------------------------------------------------


def _message(statement: dict) -> bytes:
    canonical = json.dumps(statement, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return DOMAIN + canonical.encode("utf-8")


def sign_export(data: bytes, *, statement: dict, private_key: Ed25519PrivateKey) -> bytes:
    """The detached signature file (JSON bytes) for export ``data``.

    ``statement`` is extended with ``file_sha256`` and ``file_size``.
    """
    full = dict(statement)
    full["file_sha256"] = hashlib.sha256(data).hexdigest()
    full["file_size"] = len(data)
    signature = private_key.sign(_message(full))
    envelope = {
        "format": SIGNATURE_FORMAT,
        "version": SIGNATURE_VERSION,
        "algorithm": ALGORITHM,
        "key_id": key_id(private_key),
        "statement": full,
        "signature": base64.b64encode(signature).decode("ascii"),
    }
    return (json.dumps(envelope, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def verify_export(
    data: bytes, signature_file: bytes, public_key: str | bytes | Ed25519PublicKey
) -> VerifiedExport:
    """Check an export against its signature file and the publisher's public key.

    Returns the signed statement; raises :class:`VerificationError` naming the problem
    (tampered file, other key, malformed signature file).
    """
    key = public_key if isinstance(public_key, Ed25519PublicKey) else load_public_key(public_key)
    if len(signature_file) > MAX_SIGNATURE_BYTES:
        raise VerificationError("the signature file is too large")
    try:
        envelope = json.loads(signature_file.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise VerificationError("the signature file is not JSON") from None
    if not isinstance(envelope, dict) or envelope.get("format") != SIGNATURE_FORMAT:
        raise VerificationError("the signature file is not an Ostoja bank export signature")
    if envelope.get("version") != SIGNATURE_VERSION:
        raise VerificationError(f"unsupported signature version {envelope.get('version')!r}")
    if envelope.get("algorithm") != ALGORITHM:
        raise VerificationError(f"unsupported algorithm {envelope.get('algorithm')!r}")
    statement = envelope.get("statement")
    sig_b64 = envelope.get("signature")
    if not isinstance(statement, dict) or not isinstance(sig_b64, str):
        raise VerificationError("the signature file lacks its statement or signature")
    try:
        signature = base64.b64decode(sig_b64, validate=True)
    except ValueError:
        raise VerificationError("the signature is not valid base64") from None
    expected_id = key_id(key)
    if envelope.get("key_id") != expected_id:
        raise VerificationError(
            f"the export was signed with key {envelope.get('key_id')!r}, "
            f"not with the given key {expected_id}"
        )
    try:
        key.verify(signature, _message(statement))
    except InvalidSignature:
        raise VerificationError("the signature does not match: the statement was altered") from None
    if statement.get("file_size") != len(data) or statement.get("file_sha256") != (
        hashlib.sha256(data).hexdigest()
    ):
        raise VerificationError(
            "the file does not match its signature: it was altered or is not the signed file"
        )
    return VerifiedExport(key_id=expected_id, statement=statement)
