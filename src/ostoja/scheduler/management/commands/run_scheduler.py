"""Run every periodic job of the platform on its schedule (one process per installation).

Started by ``make run``; in production run it once under the process manager (systemd,
supervisord…). A second one started by mistake does no harm: each run is claimed by a unique
row in the database, so no job runs twice. The jobs themselves run on the task worker.
"""

from __future__ import annotations

import contextlib
import signal
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from ostoja.scheduler import cron
from ostoja.scheduler.services import Scheduler


class Command(BaseCommand):
    help = "Run the scheduled jobs (declared in each app's jobs.py) on their schedules."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="one check of due jobs, then exit")
        parser.add_argument(
            "--list", action="store_true", help="print the jobs and their next run, then exit"
        )
        parser.add_argument(
            "--max-sleep",
            type=float,
            default=60.0,
            help="longest pause between checks in seconds (it also wakes at the next due time)",
        )

    def handle(self, *args, once=False, list=False, max_sleep=60.0, **options):
        scheduler = Scheduler()
        if list:
            now = timezone.now()
            for job in scheduler.jobs:
                nxt = cron.next_after(job.cron, now, settings.TIME_ZONE)
                self.stdout.write(f"{job.name:32} {job.cron:16} next {nxt:%Y-%m-%d %H:%M %Z}")
            return
        self._stop = False
        if not once:
            for sig in (signal.SIGTERM, signal.SIGINT):
                with contextlib.suppress(ValueError):  # not the main thread
                    signal.signal(sig, self._request_stop)
            self.stdout.write(
                f"Scheduler {scheduler.identity} started with {len(scheduler.jobs)} job(s)."
            )
        while True:
            report = scheduler.tick()
            for run in report.claimed:
                extra = f" (stands for {run.missed_slots} missed)" if run.missed_slots else ""
                self.stdout.write(f"Queued {run.job} for {run.scheduled_for:%Y-%m-%d %H:%M}{extra}")
            for name in report.taken:
                self.stdout.write(f"{name}: already claimed by another scheduler")
            if once or self._stop:
                return
            now = timezone.now()
            wake = scheduler.next_wakeup(now)
            pause = max_sleep if wake is None else (wake - now).total_seconds()
            self._sleep(min(max(pause, 0.5), max_sleep))

    def _sleep(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while not self._stop and time.monotonic() < end:
            time.sleep(min(0.5, end - time.monotonic()))

    def _request_stop(self, signum, frame):
        self._stop = True
