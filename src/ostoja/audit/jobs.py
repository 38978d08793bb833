"""Periodic jobs of the audit log (discovered by the scheduler)."""

from django.utils.translation import gettext_noop

JOBS = [
    {
        "name": "audit_verify",
        "command": "audit_verify",
        "args": [],
        "cron": "10 2 * * *",
        "description": gettext_noop(
            "Verifies the audit log's hash chain in one consistent snapshot, up to its head."
        ),
    },
    {
        "name": "audit_checkpoint",
        "command": "audit_checkpoint",
        "args": [],
        "cron": "20 2 * * *",
        "description": gettext_noop(
            "Signs the head of the audit log (Ed25519), writes the checkpoint to the "
            "checkpoint directory and e-mails it to the coordinators."
        ),
    },
]
