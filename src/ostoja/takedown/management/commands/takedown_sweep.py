"""Route waiting cases, re-notice due ones, escalate overdue ones; with --loop, keep going."""

from __future__ import annotations

from ostoja.core.loop_command import LoopCommand
from ostoja.takedown.services import sweep


class Command(LoopCommand):
    help = "Takedown sweep: re-trace and re-notice every due case, escalate overdue ones."
    default_interval = 60.0
    default_limit = 200
    limit_help = "cases per kind per sweep"

    def run_once(self, limit):
        report = sweep(limit=limit)
        line = (
            f"routed {report.routed}, re-noticed {report.resent}, moved {report.moved}, "
            f"flagged {report.flagged}, escalated {report.escalated}, errors {report.errors}"
        )
        return report.total, line, bool(report.total or report.errors)
