"""Route waiting cases, re-notice due ones, escalate overdue ones; with --loop, keep going."""

from __future__ import annotations

import contextlib
import signal
import time

from django.core.management.base import BaseCommand

from ostoja.takedown.services import sweep


class Command(BaseCommand):
    help = "Takedown sweep: re-trace and re-notice every due case, escalate overdue ones."

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="keep running until stopped")
        parser.add_argument(
            "--interval", type=float, default=60.0, help="seconds between sweeps (with --loop)"
        )
        parser.add_argument("--limit", type=int, default=200, help="cases per kind per sweep")
        parser.add_argument(
            "--iterations", type=int, default=0, help="with --loop: stop after N sweeps (0: never)"
        )

    def handle(self, *args, loop=False, interval=60.0, limit=200, iterations=0, **options):
        self._stop = False
        if loop:
            for sig in (signal.SIGTERM, signal.SIGINT):
                with contextlib.suppress(ValueError):  # not the main thread
                    signal.signal(sig, self._request_stop)
        runs = 0
        while True:
            report = sweep(limit=limit)
            runs += 1
            if report.total or report.errors or not loop:
                self.stdout.write(
                    f"routed {report.routed}, re-noticed {report.resent}, moved {report.moved}, "
                    f"flagged {report.flagged}, escalated {report.escalated}, "
                    f"errors {report.errors}"
                )
            if not loop or self._stop or (iterations and runs >= iterations):
                break
            if report.total >= limit:
                continue  # a full batch: more may be due
            self._sleep(max(0.0, interval))

    def _sleep(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while not self._stop and time.monotonic() < end:
            time.sleep(min(0.5, end - time.monotonic()))

    def _request_stop(self, signum, frame):
        self._stop = True
