"""Signed checkpoints of the audit chain: the chain anchored outside the database.

The hash chain proves that entries fit together, but someone who can write to the database
can rewrite the whole chain and recompute every hash. A checkpoint is the head (number and
hash of the last entry) signed with an Ed25519 key that is not in the database, written to a
file in a directory a coordinator keeps and e-mailed to the coordinators. Later,
``manage.py audit_verify --checkpoint FILE`` checks the signature and that the entry at the
checkpoint's number still carries the checkpoint's hash; because each entry's hash covers the
previous one, that proves no entry up to the checkpoint was changed, removed or reordered.

The file format follows the bank export signatures (``ostoja.banks.signing``, whose key
handling is reused)::

    {"format": "ostoja-audit-checkpoint", "version": 1, "algorithm": "Ed25519",
     "key_id": "…", "statement": {"seq": …, "entry_hash": "…", "created_at": "…",
     "site": "…"}, "signature": "<base64>"}

The signed message is ``b"ostoja-audit-checkpoint-v1\\n"`` and the statement as JSON with
sorted keys, no spaces, UTF-8. The key is ``OSTOJA_AUDIT_CHECKPOINT_KEY_FILE`` (default
``var/keys/audit-checkpoint-ed25519.pem``, created by ``audit_checkpoint`` if missing, its
public key beside it as ``.pub``).
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings
from django.utils import timezone

from ostoja.banks import signing

from .services import ChainState, verify_chain_state

FORMAT = "ostoja-audit-checkpoint"
VERSION = 1
ALGORITHM = "Ed25519"
DOMAIN = b"ostoja-audit-checkpoint-v1\n"
MAX_FILE_BYTES = 64 * 1024


class CheckpointError(ValueError):
    """The checkpoint file is not valid or not signed by the given key. The message says why."""


class ChainBroken(RuntimeError):
    """No checkpoint is signed for a chain that does not verify."""


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    entry_hash: str
    created_at: str
    key_id: str

    @property
    def anchor(self) -> ChainState:
        return ChainState(self.seq, self.entry_hash)


def key_path() -> Path:
    configured = getattr(settings, "OSTOJA_AUDIT_CHECKPOINT_KEY_FILE", None) or os.environ.get(
        "OSTOJA_AUDIT_CHECKPOINT_KEY_FILE"
    )
    if configured:
        return Path(configured)
    return Path(settings.VAR_DIR) / "keys" / "audit-checkpoint-ed25519.pem"


def public_key_path() -> Path:
    path = key_path()
    return path.with_name(path.name + ".pub")


def checkpoint_dir() -> Path:
    configured = getattr(settings, "OSTOJA_AUDIT_CHECKPOINT_DIR", None) or os.environ.get(
        "OSTOJA_AUDIT_CHECKPOINT_DIR"
    )
    return Path(configured) if configured else Path(settings.VAR_DIR) / "audit-checkpoints"


def ensure_key() -> tuple[object, bool]:
    """The private key; generated (mode 0600, public key beside it) if missing."""
    path = key_path()
    if not path.exists():
        return signing.generate_key(path), True
    return signing.load_private_key(path), False


def _message(statement: dict) -> bytes:
    canonical = json.dumps(statement, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return DOMAIN + canonical.encode("utf-8")


def sign_head(private_key) -> tuple[bytes, Checkpoint]:
    """Verify the chain and sign its head. Raises :class:`ChainBroken` if it does not verify."""
    problem, state = verify_chain_state()
    if problem is not None:
        raise ChainBroken(f"Audit chain broken at entry #{problem.seq}: {problem.reason}.")
    statement = {
        "seq": state.seq,
        "entry_hash": state.last_hash,
        "created_at": timezone.now().isoformat(timespec="seconds"),
        "site": getattr(settings, "SITE_URL", ""),
    }
    envelope = {
        "format": FORMAT,
        "version": VERSION,
        "algorithm": ALGORITHM,
        "key_id": signing.key_id(private_key),
        "statement": statement,
        "signature": base64.b64encode(private_key.sign(_message(statement))).decode("ascii"),
    }
    data = (json.dumps(envelope, indent=2, sort_keys=True) + "\n").encode("utf-8")
    return data, Checkpoint(state.seq, state.last_hash, statement["created_at"], envelope["key_id"])


def write_checkpoint(data: bytes, checkpoint: Checkpoint, directory: Path | None = None) -> Path:
    directory = directory or checkpoint_dir()
    directory.mkdir(parents=True, exist_ok=True)
    stamp = checkpoint.created_at.replace(":", "").replace("-", "")[:15]
    path = directory / f"audit-checkpoint-{stamp}-{checkpoint.seq}.json"
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return path


def read_checkpoint(data: bytes, public_key: str | bytes | Ed25519PublicKey) -> Checkpoint:
    """Check a checkpoint file's signature; return what it states."""
    try:
        key = (
            public_key
            if isinstance(public_key, Ed25519PublicKey)
            else signing.load_public_key(public_key)
        )
    except signing.VerificationError as exc:
        raise CheckpointError(str(exc)) from None
    if len(data) > MAX_FILE_BYTES:
        raise CheckpointError("the checkpoint file is too large")
    try:
        envelope = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise CheckpointError("the checkpoint file is not JSON") from None
    if not isinstance(envelope, dict) or envelope.get("format") != FORMAT:
        raise CheckpointError("the file is not an Ostoja audit checkpoint")
    if envelope.get("version") != VERSION or envelope.get("algorithm") != ALGORITHM:
        raise CheckpointError("unsupported checkpoint version or algorithm")
    statement = envelope.get("statement")
    sig = envelope.get("signature")
    if not isinstance(statement, dict) or not isinstance(sig, str):
        raise CheckpointError("the checkpoint lacks its statement or signature")
    if envelope.get("key_id") != signing.key_id(key):
        raise CheckpointError(
            f"the checkpoint was signed with key {envelope.get('key_id')!r}, not with the "
            f"given key {signing.key_id(key)}"
        )
    try:
        key.verify(base64.b64decode(sig, validate=True), _message(statement))
    except (InvalidSignature, ValueError):
        raise CheckpointError("the signature does not match: the checkpoint was forged or altered")
    seq, entry_hash = statement.get("seq"), statement.get("entry_hash")
    if (
        not isinstance(seq, int)
        or isinstance(seq, bool)
        or seq < 0
        or not isinstance(entry_hash, str)
    ):
        raise CheckpointError("the checkpoint's statement is malformed")
    return Checkpoint(seq, entry_hash, str(statement.get("created_at", "")), envelope["key_id"])
