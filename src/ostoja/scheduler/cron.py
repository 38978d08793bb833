"""Crontab arithmetic in the platform's time zone (Django-free apart from reading it).

Cron expressions are 5-field crontabs read in local time (``TIME_ZONE``, Europe/Warsaw), with
Debian cron's rules for the daylight-saving changes (cronsim implements them): a job at 02:30
runs at 03:00 on the spring-forward day and once on the fall-back day.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from cronsim import CronSim, CronSimError

__all__ = ["CronSimError", "latest_at_or_before", "next_after", "slots_between", "validate"]


def _local(dt: datetime, tz: str) -> datetime:
    if dt.tzinfo is None:
        raise ValueError("aware datetimes only")
    return dt.astimezone(ZoneInfo(tz))


def validate(expr: str) -> None:
    """Raise ``CronSimError`` unless ``expr`` is a valid 5-field crontab."""
    if len(expr.split()) != 5:
        raise CronSimError("A schedule has five fields: minute hour day month weekday.")
    CronSim(expr, datetime(2026, 1, 1, tzinfo=ZoneInfo("UTC")))


def latest_at_or_before(expr: str, now: datetime, tz: str) -> datetime:
    """The most recent slot of ``expr`` at or before ``now`` (whole seconds)."""
    start = _local(now, tz).replace(microsecond=0) + timedelta(seconds=1)
    return next(CronSim(expr, start, reverse=True))


def next_after(expr: str, moment: datetime, tz: str) -> datetime:
    """The first slot of ``expr`` strictly after ``moment``."""
    return next(CronSim(expr, _local(moment, tz).replace(microsecond=0)))


def slots_between(expr: str, after: datetime, before: datetime, tz: str, cap: int = 1000) -> int:
    """How many slots lie strictly between ``after`` and ``before`` (at most ``cap``)."""
    count = 0
    for slot in CronSim(expr, _local(after, tz).replace(microsecond=0)):
        if slot >= before or count >= cap:
            break
        count += 1
    return count
