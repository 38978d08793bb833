"""How an audit entry is hashed (pure function, shared by writer and verifier)."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

GENESIS_HASH = "0" * 64
MASK = "***"
# Keys whose values never reach the audit log in clear.
_SECRET_KEY_RE = re.compile(
    r"pass(word)?|secret|token|api[_-]?key|otp|totp|recovery|signature|cookie|session", re.I
)


def mask_secrets(value: Any) -> Any:
    """Return a copy of ``value`` with every secret-looking key's value replaced by ``***``."""
    if isinstance(value, dict):
        return {
            str(k): (MASK if _SECRET_KEY_RE.search(str(k)) else mask_secrets(v))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [mask_secrets(v) for v in value]
    return value


def entry_digest(*, prev_hash: str, fields: dict[str, Any]) -> str:
    payload = json.dumps(
        fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return hashlib.sha256((prev_hash + "\n" + payload).encode("utf-8")).hexdigest()
