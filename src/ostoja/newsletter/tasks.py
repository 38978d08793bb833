"""Background work through django-tasks."""

from __future__ import annotations

from django_tasks import task


@task()
def send_due() -> dict:
    """Start the issues whose time has come and deliver their messages."""
    from .sending import run_due

    return run_due()
