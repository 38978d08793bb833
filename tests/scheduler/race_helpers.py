"""What the two-scheduler race tests share with their worker processes (no pytest here)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

WARSAW = ZoneInfo("Europe/Warsaw")

# The moments every competing scheduler ticks at, together: first sight of the jobs, each
# daily slot of 2 March (with the 5-minute job), then a return after a three-day outage.
TICKS = [
    datetime(2026, 3, 2, 0, 0, tzinfo=WARSAW),
    datetime(2026, 3, 2, 3, 15, tzinfo=WARSAW),
    datetime(2026, 3, 2, 3, 15, 30, tzinfo=WARSAW),
    datetime(2026, 3, 2, 3, 30, tzinfo=WARSAW),
    datetime(2026, 3, 2, 4, 45, tzinfo=WARSAW),
    datetime(2026, 3, 2, 9, 0, 10, tzinfo=WARSAW),
    datetime(2026, 3, 5, 10, 0, 5, tzinfo=WARSAW),
]

# Every (job, slot) that must run exactly once over those ticks.
EXPECTED = {
    ("hotline_retention", "2026-03-02 03:15"),
    ("hotline_rescore", "2026-03-02 03:15"),
    ("takedown_appeal_retention", "2026-03-02 03:30"),
    ("hotline_rescore", "2026-03-02 03:30"),
    ("scheduler_prune_runs", "2026-03-02 04:45"),
    ("hotline_rescore", "2026-03-02 04:45"),
    ("directory_send_reminders", "2026-03-02 09:00"),
    ("hotline_rescore", "2026-03-02 09:00"),
    ("hotline_retention", "2026-03-05 03:15"),
    ("takedown_appeal_retention", "2026-03-05 03:30"),
    ("scheduler_prune_runs", "2026-03-05 04:45"),
    ("directory_send_reminders", "2026-03-05 09:00"),
    ("hotline_rescore", "2026-03-05 10:00"),
}


def slot_key(run) -> tuple[str, str]:
    return run.job, run.scheduled_for.astimezone(WARSAW).strftime("%Y-%m-%d %H:%M")


# The race is about who runs a slot, not which apps have jobs: the schedulers in it see only
# the jobs these moments were chosen for, so a later app's job cannot change the expectation.
RACE_JOBS = (
    "hotline_retention",
    "hotline_rescore",
    "takedown_appeal_retention",
    "directory_send_reminders",
    "scheduler_prune_runs",
)


def race_jobs():
    from ostoja.scheduler.registry import registered_jobs

    return [job for name, job in registered_jobs().items() if name in RACE_JOBS]


def compete(identity: str, wait_for_others: Callable[[int], None]) -> list[tuple[str, str]]:
    """Tick a scheduler through ``TICKS``, meeting the other schedulers before each tick."""
    from ostoja.scheduler.services import Scheduler

    now = {"t": TICKS[0]}
    scheduler = Scheduler(race_jobs(), clock=lambda: now["t"], identity=identity)
    claimed = []
    for k, moment in enumerate(TICKS):
        now["t"] = moment
        wait_for_others(k)
        claimed += [slot_key(run) for run in scheduler.tick().claimed]
    return claimed
