"""Supervisors' notes encrypted at rest.

The notes use the platform's AES-256-GCM keyring (:mod:`ostoja.safeguarding.crypto`: keys from
the environment, a key id stored with each value, rotation without a flag day) with associated
data of their own, so a note's ciphertext cannot be moved into another column and decrypted
there. The clear text exists only in the supervisor's request: never in logs, audit data or
e-mails.
"""

from __future__ import annotations

from ostoja.safeguarding import crypto

CONTEXT = "learning:supervisionnote:body"


def seal(text: str) -> str:
    return crypto.encrypt_text(text, context=CONTEXT)


def open_(token: str) -> str:
    return crypto.decrypt_text(token, context=CONTEXT)
