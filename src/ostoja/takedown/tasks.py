"""Background work of the takedown app (django-tasks; tests run them at once).

There is no scheduler in django-tasks: run ``manage.py takedown_sweep --loop`` beside the
worker (as ``make run`` does for the outbox), or call it from cron / a systemd timer every few
minutes. The ``sweep`` task below does one round, for deployments that enqueue periodic tasks.
"""

from __future__ import annotations

from django_tasks import task


@task()
def process_case_task(case_id: int, actor_id: int | None = None) -> str:
    """Trace and route a newly opened case (the sweep does it too if this task is lost)."""
    from django.contrib.auth import get_user_model

    from .models import Case
    from .services import process_case

    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    case = Case.objects.filter(pk=case_id).first()
    if case is None:
        return "gone"
    return process_case(case, actor=actor).state


@task()
def sweep() -> dict:
    """One round of re-traces, re-notices and escalations."""
    from .services import sweep as run

    report = run()
    return {
        "routed": report.routed,
        "resent": report.resent,
        "moved": report.moved,
        "flagged": report.flagged,
        "escalated": report.escalated,
        "errors": report.errors,
    }
