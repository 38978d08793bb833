"""Background work of the banks (django-tasks; the worker runs them, tests run them at once)."""

from __future__ import annotations

from django_tasks import task


@task()
def discard_stale_imports() -> int:
    """Discard uploaded lists that nobody confirmed within a day (their rows go with them).

    Enqueued after every upload, so no scheduler is needed.
    """
    from .services import discard_stale_pending_imports

    return discard_stale_pending_imports()
