"""Periodic jobs of events (discovered by the scheduler)."""

from django.utils.translation import gettext_noop

JOBS = [
    {
        "name": "events_expire_offers",
        "command": "events_expire_offers",
        "args": [],
        "cron": "*/10 * * * *",
        "description": gettext_noop(
            "Expires waiting-list offers whose time is up and offers each seat to the next "
            "person waiting."
        ),
    },
    {
        "name": "events_retention",
        "command": "events_retention",
        "args": [],
        "cron": "50 3 * * *",
        "description": gettext_noop(
            "Deletes accessibility and dietary answers after each event and anonymises "
            "participants' personal data the configured number of days after it."
        ),
    },
]
