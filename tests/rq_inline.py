"""The RQ backend for the background-work tests run through Redis (``make test-rq``).

``InlineRQBackend`` is django-tasks-rq's own ``RQBackend`` (the task is serialised into Redis
exactly as in production); after each enqueue an rq ``SimpleWorker`` in burst mode takes the
queue's jobs back out of Redis and runs them in this process, through django-tasks-rq's ``Job``
class, as ``manage.py rqworker --job-class django_tasks_rq.Job`` would. Tests therefore keep
their "the task has run once enqueue returns" view, and every task really goes through Redis.
Deferred tasks (``run_after``) stay in RQ's scheduled registry, as they would until RQ's
scheduler moves them.
"""

from __future__ import annotations

import threading

import django_rq
from django_tasks_rq import Job, RQBackend
from rq.timeouts import TimerDeathPenalty
from rq.worker import SimpleWorker

_draining = threading.local()


class InlineWorker(SimpleWorker):
    # SIGALRM-based time-outs and signal handlers work only in the main thread; some tests
    # enqueue from several threads.
    death_penalty_class = TimerDeathPenalty

    def _install_signal_handlers(self):
        pass


def drain(queue_name: str) -> int:
    """Run every job waiting in ``queue_name`` (burst); returns how many ran."""
    if getattr(_draining, "active", False):
        return 0  # a task enqueued by a running task: the burst loop below picks it up
    _draining.active = True
    try:
        queue = django_rq.get_queue(queue_name, job_class=Job)
        worker = InlineWorker([queue], connection=queue.connection, job_class=Job)
        before = worker.successful_job_count + worker.failed_job_count
        worker.work(burst=True, logging_level="WARNING")
        return worker.successful_job_count + worker.failed_job_count - before
    finally:
        _draining.active = False


class InlineRQBackend(RQBackend):
    def enqueue(self, task, args, kwargs):
        result = super().enqueue(task, args, kwargs)
        if task.run_after is None:
            drain(task.queue_name)
        return result
