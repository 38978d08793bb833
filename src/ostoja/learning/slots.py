"""Free consultation slots from weekly availability (pure Python, no Django).

An expert declares weekly windows ("Tuesdays 16:00–19:00, 45-minute consultations with a
15-minute break after each"). :func:`weekly_slots` cuts each window into slots: a slot starts
at the window's start and every ``slot + buffer`` minutes after, as long as the slot itself
(not its buffer) ends inside the window. Slots are computed in the platform's time zone, so a
window keeps its wall-clock time across the change to and from summer time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Window:
    weekday: int  # 0 = Monday
    start: dt.time
    end: dt.time
    slot_minutes: int
    buffer_minutes: int


@dataclass(frozen=True, order=True)
class Slot:
    starts_at: dt.datetime
    ends_at: dt.datetime


def weekly_slots(
    windows: Iterable[Window],
    *,
    start: dt.datetime,
    days: int,
    tz: ZoneInfo,
    taken: Iterable[tuple[dt.datetime, dt.datetime]] = (),
) -> list[Slot]:
    """Slots of ``windows`` beginning after ``start`` within ``days`` days, minus those that
    overlap a ``taken`` interval (including its buffer-free span). Sorted by time."""
    if days < 0 or days > 366:
        raise ValueError("days must be between 0 and 366")
    taken = sorted(taken)
    windows = list(windows)
    first_day = start.astimezone(tz).date()
    out: list[Slot] = []
    for offset in range(days + 1):
        day = first_day + dt.timedelta(days=offset)
        for w in windows:
            if w.weekday != day.weekday() or w.slot_minutes <= 0 or w.buffer_minutes < 0:
                continue
            window_start = dt.datetime.combine(day, w.start, tzinfo=tz)
            window_end = dt.datetime.combine(day, w.end, tzinfo=tz)
            step = dt.timedelta(minutes=w.slot_minutes + w.buffer_minutes)
            length = dt.timedelta(minutes=w.slot_minutes)
            at = window_start
            while at + length <= window_end:
                slot = Slot(at, at + length)
                if slot.starts_at > start and not any(
                    a < slot.ends_at and slot.starts_at < b for a, b in taken
                ):
                    out.append(slot)
                at += step
    return sorted(set(out))


def is_offered(windows: Iterable[Window], starts_at: dt.datetime, *, tz: ZoneInfo) -> Slot | None:
    """The slot of ``windows`` beginning exactly at ``starts_at``, or None."""
    local = starts_at.astimezone(tz)
    for slot in weekly_slots(windows, start=local - dt.timedelta(seconds=1), days=0, tz=tz):
        if slot.starts_at == local:
            return slot
    return None
