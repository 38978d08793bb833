"""Background delivery through django-tasks (the database queue in production)."""

from __future__ import annotations

from django_tasks import task


@task()
def deliver_message(message_id: int) -> str:
    """Send one outbox message if it is still due. Safe to run twice: the claim decides."""
    from .services import deliver_message as deliver

    return deliver(message_id) or "not due"
