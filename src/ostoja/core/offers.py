"""Time-limited offers of a freed place: the rules the waiting lists of events (seats and
workshop places) and of training editions (places in a cohort) share.

A freed place is not put back on sale while someone waits: it is offered to the first person
in order, who has ``hours`` to take it; an offer that is not taken in time expires and the
place passes to the next person. Expiry runs as a scheduled job (each app's ``jobs.py``), one
offer per transaction, re-checked under the caller's row lock, so the job and a person
accepting at the last second cannot both win.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from django.db import transaction
from django.utils import timezone

DEFAULT_HOURS = 48


def deadline(hours: int | None, now: dt.datetime | None = None) -> dt.datetime:
    """When an offer made ``now`` expires."""
    return (now or timezone.now()) + dt.timedelta(hours=hours or DEFAULT_HOURS)


def is_expired(expires_at: dt.datetime | None, now: dt.datetime) -> bool:
    return expires_at is not None and expires_at <= now


def expire_due(pks: Iterable[int], expire_one: Callable[[int, dt.datetime], bool], *, now) -> int:
    """Run ``expire_one(pk, now)`` for each offer found due, each in a transaction of its own
    (one lock at a time; an offer accepted meanwhile is left alone by ``expire_one``, which
    re-checks under its lock and answers whether it expired the offer)."""
    count = 0
    for pk in list(pks):
        with transaction.atomic():
            if expire_one(pk, now):
                count += 1
    return count
