"""Periodic jobs of the hash banks (discovered by the scheduler, see ostoja.scheduler)."""

from django.utils.translation import gettext_noop

JOBS = [
    {
        "name": "banks_publish_index",
        "command": "banks_index_publish",
        "args": ["--if-stale"],
        "cron": "*/10 * * * *",
        "description": gettext_noop(
            "Publishes the enabled banks' PDQ hashes as a new shared, memory-mapped index "
            "when the published one is stale (banks switched on or off, by default 10,000 "
            "changed entries, or any change after an hour). Does nothing unless "
            "OSTOJA_BANKS_INDEX_DIR is set."
        ),
    },
]
