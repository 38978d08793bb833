"""Send the outbox messages that are due; with --loop, keep doing it (run beside db_worker)."""

from __future__ import annotations

import contextlib
import signal
import time

from django.core.management.base import BaseCommand

from ostoja.outbox import conf
from ostoja.outbox.services import deliver_due


class Command(BaseCommand):
    help = "Deliver due outbox e-mails and webhooks (retries with back-off)."

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="keep running until stopped")
        parser.add_argument(
            "--interval", type=float, default=15.0, help="seconds between sweeps (with --loop)"
        )
        parser.add_argument("--limit", type=int, default=None, help="messages per sweep")
        parser.add_argument(
            "--iterations", type=int, default=0, help="with --loop: stop after N sweeps (0: never)"
        )

    def handle(self, *args, loop=False, interval=15.0, limit=None, iterations=0, **options):
        self._stop = False
        if loop:
            for sig in (signal.SIGTERM, signal.SIGINT):
                # ValueError: not the main thread (e.g. called from a test thread).
                with contextlib.suppress(ValueError):
                    signal.signal(sig, self._request_stop)
        batch = limit or conf.batch_size()
        runs = 0
        while True:
            report = deliver_due(limit=batch)
            runs += 1
            if report.total or report.cancelled or not loop:
                line = f"sent {report.sent}, retrying {report.retrying}, failed {report.failed}"
                if report.cancelled:  # abandoned sends whose cancellation had been requested
                    line += f", cancelled {report.cancelled}"
                self.stdout.write(line)
            if not loop or self._stop or (iterations and runs >= iterations):
                break
            if report.total >= batch:
                continue  # a full batch: more may be waiting
            self._sleep(max(0.0, interval))

    def _sleep(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while not self._stop and time.monotonic() < end:
            time.sleep(min(0.5, end - time.monotonic()))

    def _request_stop(self, signum, frame):
        self._stop = True
