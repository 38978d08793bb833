"""Periodic jobs of training, supervision and consultations (discovered by the scheduler)."""

from django.utils.translation import gettext_noop

JOBS = [
    {
        "name": "learning_consultation_reminders",
        "command": "learning_reminders",
        "args": [],
        "cron": "*/15 * * * *",
        "description": gettext_noop(
            "Reminds both the professional and the expert of a booked consultation about a "
            "day before it (once; the e-mail carries the time, never the subject)."
        ),
    },
    {
        "name": "learning_expire_offers",
        "command": "learning_expire_offers",
        "args": [],
        "cron": "*/10 * * * *",
        "description": gettext_noop(
            "Expires offers of places in training editions whose time is up and offers each "
            "place to the next person on the waiting list."
        ),
    },
]
