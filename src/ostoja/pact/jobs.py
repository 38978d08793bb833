"""Periodic jobs of the Pact (discovered by the scheduler; plain data)."""

from django.utils.translation import gettext_noop

JOBS = [
    {
        "name": "pact_reminders",
        "command": "pact_reminders",
        "args": [],
        "cron": "0 8 * * *",
        "description": gettext_noop(
            "E-mails authority officers about milestones coming due, evidence about to "
            "expire, the self-assessment's deadline and the biennial review of the Pact."
        ),
    },
]
