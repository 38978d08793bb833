"""Progress of action plans: sub-items roll up into their parent (Django-free)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable


def rolled_up(items: Iterable[tuple[int, int | None, int]]) -> dict[int, int]:
    """``items``: (id, parent_id, own progress 0-100). An item with children takes the mean of
    its children's (rolled-up) progress, rounded down; a leaf keeps its own. Cycles cannot
    occur (a parent is chosen among existing items of the same plan)."""
    children: dict[int | None, list[int]] = defaultdict(list)
    own: dict[int, int] = {}
    for item_id, parent_id, progress in items:
        own[item_id] = progress
        children[parent_id].append(item_id)
    result: dict[int, int] = {}

    def value(item_id: int) -> int:
        if item_id not in result:
            kids = children.get(item_id)
            result[item_id] = sum(value(k) for k in kids) // len(kids) if kids else own[item_id]
        return result[item_id]

    for item_id in own:
        value(item_id)
    return result


def overall(progress: dict[str, int] | None) -> int | None:
    """One figure for a plan: the mean of its progress per P, rounded down (None: nothing
    planned)."""
    if not progress:
        return None
    return sum(progress.values()) // len(progress)


def by_pillar(rows: Iterable[tuple[str, int]]) -> dict[str, int]:
    """Mean progress of top-level items per pillar: ``rows`` are (pillar, progress)."""
    sums: dict[str, list[int]] = defaultdict(list)
    for pillar, progress in rows:
        sums[pillar].append(progress)
    return {p: sum(v) // len(v) for p, v in sums.items()}
