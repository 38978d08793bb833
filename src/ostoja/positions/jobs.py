"""Periodic jobs of positions and campaigns (discovered by the scheduler)."""

from django.utils.translation import gettext_noop

JOBS = [
    {
        "name": "positions_suggest_dates",
        "command": "positions_suggest_dates",
        "args": [],
        "cron": "0 8 * * *",
        "description": gettext_noop(
            "Suggests recurring dates such as 18 November (the European Day on the Protection "
            "of Children against Sexual Exploitation and Sexual Abuse) to member organisations "
            "ahead of time, once per date and year."
        ),
    },
]
