"""Send the outbox messages that are due; with --loop, keep doing it (run beside db_worker)."""

from __future__ import annotations

from ostoja.core.loop_command import LoopCommand
from ostoja.outbox import conf
from ostoja.outbox.services import deliver_due


class Command(LoopCommand):
    help = "Deliver due outbox e-mails and webhooks (retries with back-off)."
    default_interval = 15.0
    default_limit = None
    limit_help = "messages per sweep (default: the outbox batch size)"

    def batch_size(self, limit):
        return limit or conf.batch_size()

    def run_once(self, limit):
        report = deliver_due(limit=limit)
        line = f"sent {report.sent}, retrying {report.retrying}, failed {report.failed}"
        if report.cancelled:  # abandoned sends whose cancellation had been requested
            line += f", cancelled {report.cancelled}"
        return report.total, line, bool(report.total or report.cancelled)
