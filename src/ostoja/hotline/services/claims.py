"""Claims and "next item"."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ostoja.audit.services import log_action

from ..models import (
    WAITING_STATES,
    Assessment,
    HotlineSettings,
    Item,
    ItemState,
)
from .common import ClaimError
from .scoring import rescore_stale


def _claim_minutes(hotline_ids) -> dict[int, int]:
    found = dict(
        HotlineSettings.objects.filter(hotline_id__in=hotline_ids).values_list(
            "hotline_id", "claim_minutes"
        )
    )
    default = HotlineSettings._meta.get_field("claim_minutes").default
    return {hid: found.get(hid, default) for hid in hotline_ids}


def _available(now) -> Q:
    return Q(claimed_by__isnull=True) | Q(claimed_until__lte=now)


def next_item(*, actor, hotline_ids, now=None, use_skip_locked: bool | None = None) -> Item | None:
    """Give ``actor`` the most urgent waiting item nobody holds, claimed atomically.

    An analyst who already holds a live claim gets that item back (one at a time). Items
    waiting for a second opinion are never given to an analyst who assessed them.
    PostgreSQL: ``SELECT … FOR UPDATE SKIP LOCKED``. Elsewhere (SQLite): a conditional
    ``UPDATE … WHERE claim is free`` whose row count says who won.
    """
    now = now or timezone.now()
    hotline_ids = sorted(hotline_ids)
    if not hotline_ids:
        return None
    held = (
        Item.objects.filter(
            hotline_id__in=hotline_ids,
            state__in=WAITING_STATES,
            claimed_by=actor,
            claimed_until__gt=now,
        )
        .urgent_first()
        .first()
    )
    if held is not None:
        return held
    rescore_stale(hotline_ids, now)
    minutes = _claim_minutes(hotline_ids)
    candidates = (
        Item.objects.filter(hotline_id__in=hotline_ids, state__in=WAITING_STATES)
        .filter(_available(now))
        .exclude(pk__in=Assessment.objects.filter(analyst=actor).values("item_id"))
        .urgent_first()
    )
    if use_skip_locked is None:
        use_skip_locked = connection.features.has_select_for_update_skip_locked
    if use_skip_locked:
        with transaction.atomic():
            item = candidates.select_for_update(skip_locked=True, of=("self",)).first()
            if item is None:
                return None
            item.claimed_by = actor
            item.claimed_until = now + timedelta(minutes=minutes[item.hotline_id])
            item.save(update_fields=["claimed_by", "claimed_until", "updated_at"])
            _log_claim(actor, item, via="next")
            return item
    for pk, hotline_id in candidates.values_list("pk", "hotline_id")[:25]:
        with transaction.atomic():
            until = now + timedelta(minutes=minutes[hotline_id])
            if try_claim(pk, actor=actor, until=until, now=now):
                item = Item.objects.get(pk=pk)
                _log_claim(actor, item, via="next")
                return item
    return None


def try_claim(pk: int, *, actor, until, now) -> bool:
    """Claim one item if nobody holds it: ``UPDATE … WHERE claim is free``; True if we won.

    The database checks the condition and writes in one statement (SQLite holds its write
    lock; PostgreSQL re-checks the row after waiting for a concurrent writer), so of two
    analysts racing for the same row exactly one gets row count 1.
    """
    updated = (
        Item.objects.filter(pk=pk, state__in=WAITING_STATES)
        .filter(_available(now))
        .update(claimed_by=actor, claimed_until=until, updated_at=now)
    )
    return updated == 1


def _log_claim(actor, item, *, via) -> None:
    log_action(
        "hotline.item.claimed",
        actor=actor,
        organisation=item.hotline,
        target=item,
        data={"via": via, "until": item.claimed_until.isoformat(), "level": item.priority_level},
    )


def claim_item(item: Item, *, actor, now=None) -> Item:
    """Take one particular waiting item (from its page), if nobody else holds it."""
    now = now or timezone.now()
    if item.state not in WAITING_STATES:
        raise ClaimError(_("This item is not waiting for assessment."))
    if item.state == ItemState.SECOND_OPINION and item.assessments.filter(analyst=actor).exists():
        raise ClaimError(
            _("You gave the first assessment; a second analyst must give the next one.")
        )
    if item.claimed_by_id == actor.pk and item.claim_active(now):
        return item
    minutes = _claim_minutes([item.hotline_id])[item.hotline_id]
    with transaction.atomic():
        if not try_claim(item.pk, actor=actor, until=now + timedelta(minutes=minutes), now=now):
            raise ClaimError(_("Another analyst is assessing this item."))
        item.refresh_from_db()
        _log_claim(actor, item, via="page")
    return item


def release_claim(item: Item, *, actor) -> Item:
    with transaction.atomic():
        released = Item.objects.filter(pk=item.pk, claimed_by=actor).update(
            claimed_by=None, claimed_until=None, updated_at=timezone.now()
        )
        if released:
            log_action("hotline.item.released", actor=actor, organisation=item.hotline, target=item)
    item.refresh_from_db()
    return item
