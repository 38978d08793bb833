from django.utils.translation import gettext_noop

JOBS = [
    {
        "name": "scheduler_prune_runs",
        "command": "scheduler_prune_runs",
        "args": [],
        "cron": "45 4 * * *",
        "description": gettext_noop(
            "Deletes the scheduler's own run history older than 90 days (each job's latest run "
            "is kept)."
        ),
    },
]
