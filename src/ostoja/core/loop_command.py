"""A management command that does one run of work, or with ``--loop`` keeps doing it.

Used by the long-running sweepers that ``make run`` starts beside the web server
(``outbox_deliver``, ``takedown_sweep``). A subclass says what one run is; this class owns the
loop: a full batch is followed at once by the next run, otherwise it waits ``--interval``
seconds; SIGTERM/SIGINT end it after the current run; ``--iterations`` bounds it (tests).
"""

from __future__ import annotations

import contextlib
import signal
import time

from django.core.management.base import BaseCommand


class LoopCommand(BaseCommand):
    default_interval: float = 60.0
    default_limit: int | None = 200
    limit_help = "items per run"

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="keep running until stopped")
        parser.add_argument(
            "--interval",
            type=float,
            default=self.default_interval,
            help="seconds between runs (with --loop)",
        )
        parser.add_argument("--limit", type=int, default=self.default_limit, help=self.limit_help)
        parser.add_argument(
            "--iterations", type=int, default=0, help="with --loop: stop after N runs (0: never)"
        )

    def batch_size(self, limit: int | None) -> int:
        return limit

    def run_once(self, limit: int) -> tuple[int, str, bool]:
        """Do one run: (how many were handled, the line to print, whether it is worth printing
        in a loop)."""
        raise NotImplementedError

    def handle(self, *args, loop=False, interval=None, limit=None, iterations=0, **options):
        self._stop = False
        if loop:
            for sig in (signal.SIGTERM, signal.SIGINT):
                # ValueError: not the main thread (e.g. called from a test thread).
                with contextlib.suppress(ValueError):
                    signal.signal(sig, self._request_stop)
        interval = self.default_interval if interval is None else interval
        batch = self.batch_size(limit)
        runs = 0
        while True:
            total, line, notable = self.run_once(batch)
            runs += 1
            if notable or not loop:
                self.stdout.write(line)
            if not loop or self._stop or (iterations and runs >= iterations):
                break
            if total >= batch:
                continue  # a full batch: more may be due
            self._sleep(max(0.0, interval))

    def _sleep(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while not self._stop and time.monotonic() < end:
            time.sleep(min(0.5, end - time.monotonic()))

    def _request_stop(self, signum, frame):
        self._stop = True
