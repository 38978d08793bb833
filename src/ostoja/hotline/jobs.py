"""Periodic jobs of the hotline (run by the platform's scheduler, see ostoja.scheduler)."""

from django.utils.translation import gettext_noop

JOBS = [
    {
        "name": "hotline_retention",
        "command": "hotline_retention",
        "args": [],
        "cron": "15 3 * * *",
        "description": gettext_noop(
            "Deletes reporters' e-mail addresses once the hotline's retention period (default "
            "90 days) has passed since all items of their report were closed."
        ),
    },
    {
        "name": "hotline_rescore",
        "command": "hotline_rescore",
        "args": [],
        "cron": "*/5 * * * *",
        "description": gettext_noop(
            "Refreshes the waiting-time priorities of waiting items (the queue also does it "
            "when it is opened)."
        ),
    },
]
