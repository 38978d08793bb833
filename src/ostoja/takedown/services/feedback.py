"""Feedback to reporters."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from ..models import (
    Case,
    CaseState,
)

PUBLIC_OUTCOMES = {
    "removed": gettext_lazy("Assessed – removed"),
    "removal_requested": gettext_lazy("Assessed – removal requested from the hosting provider"),
    "referred_abroad": gettext_lazy(
        "Assessed – passed to the partner hotline in the country where it is hosted"
    ),
    "action_pending": gettext_lazy("Assessed – action being prepared"),
}
_PUBLIC = {
    CaseState.REMOVED: "removed",
    CaseState.NOTIFIED: "removal_requested",
    CaseState.ACKNOWLEDGED: "removal_requested",
    CaseState.NOT_REMOVED: "removal_requested",
    CaseState.DISPUTED: "removal_requested",
    CaseState.REFERRED: "referred_abroad",
    CaseState.NEW: "action_pending",
    CaseState.HOSTING_UNKNOWN: "action_pending",
}


def public_outcome(item) -> str | None:
    """What a reporter may learn about the takedown of an item, as a stable code.

    ``"removed"``, ``"removal_requested"``, ``"referred_abroad"``, ``"action_pending"`` or None
    (no case, or a withdrawn notice: the hotline's own status applies). No details: not the
    provider, not the country, not the times. :data:`PUBLIC_OUTCOMES` holds the words.
    """
    state = Case.objects.filter(item_id=item.pk).values_list("state", flat=True).first()
    return _PUBLIC.get(state) if state else None


def public_outcome_text(item) -> str | None:
    code = public_outcome(item)
    return str(PUBLIC_OUTCOMES[code]) if code else None
