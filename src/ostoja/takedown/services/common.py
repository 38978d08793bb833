"""Exceptions and constants shared by the takedown services."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

from ..models import (
    AppealState,
    CaseEvent,
)

logger = logging.getLogger(__name__)

#: Most trusted first (the item's "source" in the statistics is its most trusted reporter).
SOURCE_ORDER = ("police", "partner_hotline", "platform", "public")
RESPONSE_ACTIONS = ("acknowledged", "removed", "disputed")
CHECK_RESULTS = ("online", "removed", "partner_removed")
RESOLVE_DECISIONS = ("continue", "withdraw")
APPEAL_DECISIONS = (AppealState.UPHELD, AppealState.LIFTED, AppealState.CLOSED)
MAX_COMMENT = 2000
FIRST_SWEEP_DELAY = timedelta(minutes=5)
SWEEP_LEASE = timedelta(minutes=10)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
_COUNTRY = re.compile(r"^[A-Z]{2}$")

Via = CaseEvent.Via


class TakedownError(ValueError):
    """A request the takedown workflow refuses; the message is for people (translated)."""


class ResponseConflict(TakedownError):
    """An answer that no longer fits the case (already removed, withdrawn…)."""
