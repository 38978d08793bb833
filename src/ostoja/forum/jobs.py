"""Periodic jobs of the forum (discovered by the scheduler)."""

from django.utils.translation import gettext_noop

JOBS = [
    {
        "name": "forum_digest_daily",
        "command": "forum_digest",
        "args": ["--frequency", "daily"],
        "cron": "0 7 * * *",
        "description": gettext_noop(
            "E-mails the daily forum digest to members who have not visited the forum, "
            "listing only threads in categories they may see."
        ),
    },
    {
        "name": "forum_digest_weekly",
        "command": "forum_digest",
        "args": ["--frequency", "weekly"],
        "cron": "0 7 * * 1",
        "description": gettext_noop(
            "E-mails the weekly forum digest to members who have not visited the forum, "
            "listing only threads in categories they may see."
        ),
    },
    {
        "name": "forum_sweep_files",
        "command": "forum_sweep_files",
        "args": [],
        "cron": "30 3 * * *",
        "description": gettext_noop(
            "Deletes attachment files that no post refers to (written before a transaction "
            "that rolled back), once they are an hour old."
        ),
    },
]
