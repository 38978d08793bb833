"""Periodic jobs of notice and takedown (run by the platform's scheduler, see ostoja.scheduler).

The sweep (re-notices, escalations) is not here: ``takedown_sweep --loop`` runs all the time.
"""

from django.utils.translation import gettext_noop

JOBS = [
    {
        "name": "takedown_appeal_retention",
        "command": "takedown_appeal_retention",
        "args": [],
        "cron": "30 3 * * *",
        "description": gettext_noop(
            "Deletes appellants' e-mail addresses and names 90 days (OSTOJA_APPEAL_RETENTION_DAYS) "
            "after their appeal was decided; the appeals stay for the statistics."
        ),
    },
]
