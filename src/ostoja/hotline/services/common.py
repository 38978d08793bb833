"""Exceptions and constants shared by the hotline's services."""

from __future__ import annotations

import logging
from datetime import timedelta

logger = logging.getLogger(__name__)

RESCORE_AFTER = timedelta(minutes=10)
STATUS_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I L O U
STATUS_CODE_LENGTH = 16  # 80 random bits


class HotlineNotConfigured(RuntimeError):
    """No hotline organisation can receive reports."""


class IdempotencyConflict(RuntimeError):
    """An Idempotency-Key was reused with a different request."""


class ClaimError(RuntimeError):
    """The item cannot be taken or assessed by this analyst now."""
