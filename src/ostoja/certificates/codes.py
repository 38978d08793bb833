"""Verification codes: 80 random bits in Crockford's base32, shown in groups of four.

Crockford's alphabet has no I, L, O or U, so a code read aloud or typed from paper survives
the usual confusions; :func:`normalise` maps them back (O→0, I/L→1) and drops separators.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 16  # 16 × 5 bits = 80 bits
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def display(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def normalise(text: str) -> str | None:
    """The canonical code for what a person typed, or None if it cannot be one."""
    cleaned = re.sub(r"[\s\-]", "", (text or "")[:64]).upper().translate(_CONFUSABLE)
    if len(cleaned) != LENGTH or any(c not in ALPHABET for c in cleaned):
        return None
    return cleaned
