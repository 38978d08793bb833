"""Periodic jobs of the services directory (run by the platform's scheduler)."""

from django.utils.translation import gettext_noop

JOBS = [
    {
        "name": "directory_send_reminders",
        "command": "directory_send_reminders",
        "args": [],
        "cron": "0 9 * * *",
        "description": gettext_noop(
            "Reminds provider organisations by e-mail to verify their services every 6 months."
        ),
    },
]
