"""Priority."""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from .. import priority
from ..models import (
    WAITING_STATES,
    Item,
    SourceKind,
)
from .common import RESCORE_AFTER
from .receiving import active_rules


def item_facts(item: Item, rules: dict) -> priority.ItemFacts:
    points = rules["source_kind_points"]
    kinds = [k for k in item.source_kinds if k in points] or [SourceKind.PUBLIC]
    source_kind = max(kinds, key=lambda k: (points[k], -priority.SOURCE_KINDS.index(k)))
    return priority.ItemFacts(
        first_seen=item.first_seen,
        source_kind=str(source_kind),
        report_count=max(1, item.report_count),
        escalate_reason=item.escalate_reason or None,
        live_stream="live_streaming" in item.annotations,
        new_material=(not item.known) if item.hashes_checked else None,
        infant_or_toddler="infant_toddler" in item.annotations,
        sextortion_or_grooming=bool(
            {"grooming", "sextortion"} & set(item.incident_types)
            or "sextortion" in item.annotations
        ),
        hosted_in_poland=item.hosted_in_poland,
    )


def apply_priority(item: Item, rules: dict, now, memo: dict | None = None) -> None:
    """Score ``item`` and store the result on it (not saved).

    ``memo`` (optional, one per intake call with the same rules and ``now``) reuses results
    for identical facts: a batch's new items mostly have the same facts, and the score is a
    pure function of facts, rules and time.
    """
    facts = item_facts(item, rules)
    if memo is None:
        result = priority.score(facts, rules, now)
    else:
        result = memo.get(facts)
        if result is None:
            result = memo[facts] = priority.score(facts, rules, now)
    item.priority_score = result.score
    item.priority_level = result.level
    item.priority_reasons = [r.as_dict() for r in result.reasons]
    item.priority_rules_version = result.rules_version
    item.priority_deadline = result.deadline
    item.priority_scored_at = now


PRIORITY_FIELDS = [
    "priority_score",
    "priority_level",
    "priority_reasons",
    "priority_rules_version",
    "priority_deadline",
    "priority_scored_at",
]


def rescore_items(hotline_id: int, *, only_stale: bool = False, now=None) -> int:
    """Re-score the hotline's waiting items (all, or those scored ``RESCORE_AFTER`` ago)."""
    now = now or timezone.now()
    rules = active_rules(hotline_id)
    qs = Item.objects.filter(hotline_id=hotline_id, state__in=WAITING_STATES)
    if only_stale:
        qs = qs.filter(
            Q(priority_scored_at__lt=now - RESCORE_AFTER)
            | ~Q(priority_rules_version=rules["version"])
        )
    done = 0
    with transaction.atomic():
        if connection.features.has_select_for_update_skip_locked:
            # Items being changed right now (a report attaching, an assessment) are skipped:
            # they are re-scored by that change or the next time round.
            qs = qs.select_for_update(skip_locked=True, of=("self",))
        items = list(qs.order_by("pk")[:5000])
        unchanged = []
        for item in items:
            before = (
                item.priority_score,
                item.priority_level,
                item.priority_reasons,
                item.priority_rules_version,
                item.priority_deadline,
            )
            apply_priority(item, rules, now)
            after = (
                item.priority_score,
                item.priority_level,
                item.priority_reasons,
                item.priority_rules_version,
                item.priority_deadline,
            )
            if after == before:
                unchanged.append(item.pk)
            else:
                Item.objects.filter(pk=item.pk).update(
                    **{name: getattr(item, name) for name in PRIORITY_FIELDS}
                )
        if unchanged:
            Item.objects.filter(pk__in=unchanged).update(priority_scored_at=now)
        done = len(items)
    return done


def rescore_stale(hotline_ids, now=None) -> None:
    for hotline_id in hotline_ids:
        rescore_items(hotline_id, only_stale=True, now=now)
