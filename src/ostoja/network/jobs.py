"""Periodic jobs of the partnership network (discovered by the scheduler)."""

from django.utils.translation import gettext_noop

JOBS = [
    {
        "name": "network_charter_reminders",
        "command": "network_charter_reminders",
        "args": [],
        "cron": "0 8 * * *",
        "description": gettext_noop(
            "Reminds member organisations that have not accepted the current charter, a week "
            "and a day before the deadline (each reminder once)."
        ),
    },
]
