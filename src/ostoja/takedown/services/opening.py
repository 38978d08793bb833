"""Opening a case."""

from __future__ import annotations

from functools import partial

from django.db import IntegrityError, transaction
from django.utils import timezone

from ostoja.hotline.models import ILLEGAL_OUTCOMES, Item, ItemState, Outcome

from .. import hosting
from ..models import (
    ROUTING_STATES,
    Case,
    CaseEvent,
    CaseState,
    HostingTrace,
    UrlListEntry,
)
from .common import FIRST_SWEEP_DELAY, Via, logger
from .helpers import _actor, _audit, _event, _illegal_assessment, _lock, primary_source
from .routing import _route


def can_open_case(item) -> bool:
    return item.outcome in ILLEGAL_OUTCOMES and item.state in (
        ItemState.ACTIONABLE,
        ItemState.ACTIONED,
    )


def handle_illegal_assessment(*, actor, item, now=None) -> Case | None:
    """Open the takedown case of an item assessed illegal (idempotent); None if not eligible.

    Safe to call from ``transaction.on_commit`` of the hotline's assessment: it never raises
    for an item that is not (or no longer) actionable, and does no network work itself — the
    trace and the notices run in :func:`process_case`, queued as a task.
    """
    now = now or timezone.now()
    item = Item.objects.select_related("hotline").get(pk=item.pk)
    if not can_open_case(item):
        return None
    assessment = _illegal_assessment(item)
    with transaction.atomic():
        try:
            with transaction.atomic():
                case, created = Case.objects.get_or_create(
                    item=item,
                    defaults={
                        "hotline": item.hotline,
                        "reported_at": item.first_seen,
                        "confirmed_at": assessment.created_at if assessment else now,
                        "baseline": item.outcome == Outcome.ILLEGAL_BASELINE,
                        "site_type": assessment.site_type if assessment else "",
                        "age_band": assessment.age_band if assessment else "",
                        "content_type": assessment.content_type if assessment else "",
                        "source_kind": primary_source(item),
                        "next_action_at": now + FIRST_SWEEP_DELAY,
                        "created_at": now,
                    },
                )
        except IntegrityError:  # a concurrent call created it
            return Case.objects.get(item=item)
        if not created:
            return case
        UrlListEntry.objects.create(
            case=case,
            hotline=item.hotline,
            url=item.canonical_url,
            sha256=item.url_sha256,
            added_at=now,
            updated_at=now,
        )
        _event(
            case,
            CaseEvent.Kind.OPENED,
            actor=actor,
            via=Via.ANALYST if actor else Via.SYSTEM,
            now=now,
        )
        _audit(
            "takedown.case.opened",
            case,
            actor=actor,
            data={"item": item.pk, "baseline": case.baseline, "outcome": item.outcome},
        )
        actor_id = actor.pk if _actor(actor) else None
        transaction.on_commit(partial(_queue_processing, case.pk, actor_id))
    return case


def _queue_processing(case_id: int, actor_id: int | None) -> None:
    from ..tasks import process_case_task

    try:
        process_case_task.enqueue(case_id, actor_id)
    except Exception:  # noqa: BLE001 - the sweep processes the case anyway
        logger.exception("Could not queue the processing of takedown case %s", case_id)


def process_case(
    case, *, actor=None, now=None, resolver=None, purpose=None, retrace: bool = True
) -> Case:
    """Trace the hosting (unless an override is in force) and route the case.

    Only cases waiting to be routed are touched; anything else is returned unchanged, so a
    task and the sweep may both call it. ``retrace=False`` routes on the traces already
    stored (demo data, imports).
    """
    now = now or timezone.now()
    case = Case.objects.select_related("item").get(pk=case.pk)
    if case.state not in ROUTING_STATES:
        return case
    if retrace and hosting.latest_override(case.item) is None:
        purpose = purpose or (
            HostingTrace.Purpose.ASSESSMENT
            if case.state == CaseState.NEW
            else HostingTrace.Purpose.RETRY
        )
        hosting.trace_item(case.item, purpose=purpose, actor=actor, resolver=resolver, now=now)
    with transaction.atomic():
        case = _lock(case)
        if case.state in ROUTING_STATES:
            _route(case, actor=actor, now=now)
    return case
