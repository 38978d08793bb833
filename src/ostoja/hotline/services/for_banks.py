"""For the hash banks."""

from __future__ import annotations

from ..models import (
    Item,
    ReportHash,
)


def hashes_of_item(item: Item) -> list[tuple[str, str]]:
    """``[(signal_type, value), …]`` of every hash sent with the reports of this item."""
    rows = (
        ReportHash.objects.filter(report__urls__item=item)
        .values_list("signal_type", "value")
        .distinct()
        .order_by("signal_type", "value")
    )
    return [(t, v) for t, v in rows]
