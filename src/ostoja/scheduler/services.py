"""The scheduler: decides which job is due, claims the run in the database, queues it as a task.

One tick (``Scheduler.tick``) does, for every registered job:

1. find the job's latest scheduled time at or before *now* (its cron, Europe/Warsaw);
2. if that time is later than the job's last claimed run (or than the moment the scheduler
   first saw the job), insert ``JobRun(job, scheduled_for=that time)``. The unique constraint on
   (job, scheduled_for) lets exactly one of several schedulers insert it; the others get an
   ``IntegrityError`` and move on. Slots missed while no scheduler ran are not run one by one:
   the single run for the latest slot stands for them (``missed_slots`` counts them);
3. queue the run as the django-tasks task ``run_job`` (database queue, or RQ on Redis), which
   the worker executes through :func:`execute_run`.

The clock is injected (``Scheduler(clock=…)``), so tests move time instead of sleeping.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from io import StringIO

from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from . import conf, cron
from .models import JobRun, KnownJob
from .registry import Job, registered_jobs

logger = logging.getLogger(__name__)
State = JobRun.State

# Stored in English, shown translated (the page runs them through gettext).
ERROR_NOT_STARTED = gettext_noop("Not started in time: is the task worker running?")
ERROR_NOT_FINISHED = gettext_noop("Did not finish in time: the worker may have stopped.")
ERROR_NOT_QUEUED = gettext_noop("Could not be queued: the task queue was unavailable.")


def _tz() -> str:
    return settings.TIME_ZONE


def scheduler_identity() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


@dataclass
class TickReport:
    now: datetime
    claimed: list[JobRun] = field(default_factory=list)
    taken: list[str] = field(default_factory=list)  # slots another scheduler claimed first
    expired: int = 0


class Scheduler:
    """Runs the registered jobs on their schedules. Several may run at once without harm."""

    def __init__(
        self,
        jobs: Iterable[Job] | None = None,
        *,
        clock: Callable[[], datetime] = timezone.now,
        identity: str | None = None,
    ):
        self.jobs = list(registered_jobs().values() if jobs is None else jobs)
        self.clock = clock
        self.identity = identity or scheduler_identity()

    def tick(self) -> TickReport:
        now = self.clock()
        report = TickReport(now=now)
        report.expired = expire_stale_runs(now=now)
        first_seen = self._first_seen(now)
        last_claimed = dict(
            JobRun.objects.filter(job__in=[j.name for j in self.jobs])
            .values("job")
            .annotate(last=Max("scheduled_for"))
            .values_list("job", "last")
        )
        for job in self.jobs:
            slot = cron.latest_at_or_before(job.cron, now, _tz())
            anchor = max(d for d in (first_seen[job.name], last_claimed.get(job.name)) if d)
            if slot <= anchor:
                continue
            missed = cron.slots_between(job.cron, anchor, slot, _tz())
            run = self._claim(job, slot, missed, now)
            if run is None:
                report.taken.append(job.name)
                continue
            report.claimed.append(run)
            enqueue_run(run)
        return report

    def next_wakeup(self, now: datetime) -> datetime | None:
        """When the next slot of any job comes (the loop sleeps until then, or less)."""
        slots = [cron.next_after(job.cron, now, _tz()) for job in self.jobs]
        return min(slots) if slots else None

    def _first_seen(self, now: datetime) -> dict[str, datetime]:
        names = [j.name for j in self.jobs]
        seen = dict(KnownJob.objects.filter(name__in=names).values_list("name", "first_seen_at"))
        for name in names:
            if name not in seen:
                known, _ = KnownJob.objects.get_or_create(
                    name=name, defaults={"first_seen_at": now}
                )
                seen[name] = known.first_seen_at
        return seen

    def _claim(self, job: Job, slot: datetime, missed: int, now: datetime) -> JobRun | None:
        try:
            with transaction.atomic():
                return JobRun.objects.create(
                    job=job.name,
                    scheduled_for=slot,
                    missed_slots=missed,
                    command=job.command,
                    args=list(job.args),
                    state=State.QUEUED,
                    claimed_by=self.identity,
                    claimed_at=now,
                )
        except IntegrityError:
            return None  # another scheduler claimed this slot first


def enqueue_run(run: JobRun) -> None:
    """Hand a claimed run to the task queue (the worker runs it)."""
    from . import tasks

    try:
        tasks.run_job.enqueue(run.pk)
    except Exception:  # noqa: BLE001 - the run is marked failed; the next slot runs as usual
        logger.exception("Could not queue scheduled job %s (run %s)", run.job, run.pk)
        JobRun.objects.filter(pk=run.pk, state=State.QUEUED).update(
            state=State.FAILED, error=ERROR_NOT_QUEUED, finished_at=timezone.now()
        )


def run_command(command: str, args: list[str]) -> None:
    """Run a job's management command; its output is not kept (it may name people)."""
    call_command(command, *args, stdout=StringIO(), stderr=StringIO())


def short_error(exc: BaseException) -> str:
    """What coordinators see of a failure: the exception's class, and the text of a
    ``CommandError`` (written by us for people). Other messages may quote data: log only."""
    if isinstance(exc, CommandError):
        return f"CommandError: {exc}"[:300]
    return type(exc).__name__[:300]


def execute_run(run_id: int) -> str:
    """Run a queued job run once: a conditional UPDATE takes it from *queued* to *running*, so
    a second delivery of the same task (or a run already given up as lost) does nothing."""
    started = timezone.now()
    if not JobRun.objects.filter(pk=run_id, state=State.QUEUED).update(
        state=State.RUNNING, started_at=started
    ):
        return "not queued"
    run = JobRun.objects.get(pk=run_id)
    t0 = time.monotonic()
    state, error = State.OK, ""
    try:
        run_command(run.command, list(run.args))
    except Exception as exc:  # noqa: BLE001 - recorded on the run; traceback to the log
        state, error = State.FAILED, short_error(exc)
        logger.exception("Scheduled job %s (run %s) failed", run.job, run.pk)
    duration_ms = int((time.monotonic() - t0) * 1000)
    # The outcome is the truth even if the run had meanwhile been given up as "not finished".
    JobRun.objects.filter(pk=run_id).update(
        state=state, error=error, finished_at=timezone.now(), duration_ms=duration_ms
    )
    return state


def expire_stale_runs(*, now: datetime) -> int:
    """Fail runs no worker started, or finished, in time, so coordinators see it."""
    not_started = JobRun.objects.filter(
        state=State.QUEUED, claimed_at__lt=now - conf.queued_timeout()
    ).update(state=State.FAILED, error=ERROR_NOT_STARTED, finished_at=now)
    not_finished = JobRun.objects.filter(
        state=State.RUNNING, started_at__lt=now - conf.run_timeout()
    ).update(state=State.FAILED, error=ERROR_NOT_FINISHED, finished_at=now)
    return not_started + not_finished


def prune_runs(*, now: datetime | None = None, keep_days: int | None = None) -> int:
    """Delete finished runs older than ``keep_days``, keeping each job's latest run."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=conf.keep_days() if keep_days is None else keep_days)
    latest = JobRun.objects.values("job").annotate(last=Max("scheduled_for"))
    keep = Q()
    for row in latest:
        keep |= Q(job=row["job"], scheduled_for=row["last"])
    old = JobRun.objects.filter(state__in=JobRun.FINAL_STATES, scheduled_for__lt=cutoff)
    if latest:
        old = old.exclude(keep)
    deleted, _ = old.delete()
    return deleted


@dataclass(frozen=True)
class JobStatus:
    """What the coordinators' page shows for one job."""

    job: Job
    next_run: datetime
    last_run: JobRun | None
    last_finished: JobRun | None


def job_statuses(jobs: Iterable[Job] | None = None, *, now: datetime | None = None):
    now = now or timezone.now()
    jobs = list(registered_jobs().values() if jobs is None else jobs)
    last, last_finished = {}, {}
    for job in jobs:  # a handful of jobs: two indexed look-ups each
        runs = JobRun.objects.filter(job=job.name).order_by("-scheduled_for", "-pk")
        last[job.name] = runs.first()
        last_finished[job.name] = runs.filter(state__in=JobRun.FINAL_STATES).first()
    return [
        JobStatus(
            job=job,
            next_run=cron.next_after(job.cron, now, _tz()),
            last_run=last[job.name],
            last_finished=last_finished[job.name],
        )
        for job in jobs
    ]
