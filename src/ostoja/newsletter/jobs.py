"""Periodic jobs of the newsletter (discovered by the scheduler)."""

from django.utils.translation import gettext_noop

JOBS = [
    {
        "name": "newsletter_send",
        "command": "newsletter_send",
        "args": [],
        "cron": "* * * * *",
        "description": gettext_noop(
            "Starts the newsletter issues whose time has come and delivers their messages in "
            "batches (one SMTP connection per batch)."
        ),
    },
    {
        "name": "newsletter_read_bounces",
        "command": "newsletter_read_bounces",
        "args": [],
        "cron": "*/15 * * * *",
        "description": gettext_noop(
            "Reads the bounce mailbox (IMAP or POP3): hard bounces stop delivery to an "
            "address, soft bounces are counted; unsubscribe requests by e-mail are applied."
        ),
    },
]
