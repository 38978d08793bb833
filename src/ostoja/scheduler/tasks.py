"""The task that runs a scheduled job on the worker (database queue or RQ on Redis)."""

from __future__ import annotations

from django_tasks import task


@task()
def run_job(run_id: int) -> str:
    """Run one claimed job run (safe to deliver twice: only the first start runs it)."""
    from .services import execute_run

    return execute_run(run_id)
