"""Analyst safety: revealing an original URL."""

from __future__ import annotations

from django.db import transaction

from ostoja.audit.services import log_action

from ..models import (
    Item,
)


def reveal_url(item: Item, *, actor) -> str:
    """The item's URL as a plain string (for copying), recorded in the audit log."""
    with transaction.atomic():
        log_action(
            "hotline.item.url_revealed",
            actor=actor,
            organisation=item.hotline,
            target=item,
            data={"host": item.host},
        )
    return item.canonical_url
