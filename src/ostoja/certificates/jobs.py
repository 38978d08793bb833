"""Periodic jobs of the certificates (discovered by the scheduler; plain data)."""

from django.utils.translation import gettext_noop

JOBS = [
    {
        "name": "certificates_expiry_reminders",
        "command": "certificates_remind",
        "args": [],
        "cron": "0 8 * * *",
        "description": gettext_noop(
            "E-mails holders whose certificate expires within 30 days (once per certificate)."
        ),
    },
]
