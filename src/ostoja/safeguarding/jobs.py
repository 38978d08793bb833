"""Periodic jobs of the safeguarding register (discovered by the scheduler; plain data)."""

from django.utils.translation import gettext_noop

JOBS = [
    {
        "name": "safeguarding_daily",
        "command": "safeguarding_daily",
        "args": [],
        "cron": "30 2 * * *",
        "description": gettext_noop(
            "Recomputes due re-checks of the vetting register and e-mails safeguarding "
            "officers when a record needs attention (the e-mail names no one)."
        ),
    },
    {
        "name": "safeguarding_retention",
        "command": "safeguarding_retention",
        "args": [],
        "cron": "45 2 * * *",
        "description": gettext_noop(
            "Deletes vetting records (with their checks and attachments) the organisation's "
            "retention period after the person's engagement ended."
        ),
    },
]
