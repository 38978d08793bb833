"""The scheduler under a controlled clock: due jobs run once, missed runs are made up once,
failures are recorded without personal data, lost runs are shown as failed."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.utils import timezone

from ostoja.hotline.models import Item, Report
from ostoja.scheduler import services
from ostoja.scheduler.models import JobRun, KnownJob
from ostoja.scheduler.registry import Job, registered_jobs
from ostoja.scheduler.services import Scheduler
from tests.hotline.factories import HotlineFactory, report

from .conftest import warsaw

pytestmark = pytest.mark.django_db
State = JobRun.State

RETENTION = registered_jobs()["hotline_retention"]  # 15 3 * * *
RESCORE = registered_jobs()["hotline_rescore"]  # */5 * * * *


def runs(job=None):
    qs = JobRun.objects.order_by("scheduled_for", "pk")
    return list(qs.filter(job=job) if job else qs)


def test_a_job_first_seen_waits_for_its_next_slot_then_runs_once(clock, executed):
    scheduler = Scheduler([RETENTION], clock=clock)
    clock.set(2026, 3, 2, 12, 0)
    assert scheduler.tick().claimed == []  # today's 03:15 was before the job existed here
    assert KnownJob.objects.get(name="hotline_retention").first_seen_at == clock.now
    clock.set(2026, 3, 3, 3, 14, 59)
    assert scheduler.tick().claimed == []
    clock.set(2026, 3, 3, 3, 15)
    (run,) = scheduler.tick().claimed
    assert executed == [("hotline_retention", [])]
    run.refresh_from_db()
    assert run.scheduled_for == warsaw(2026, 3, 3, 3, 15) and run.missed_slots == 0
    assert run.state == State.OK and run.error == ""
    assert run.started_at and run.finished_at >= run.started_at and run.duration_ms is not None
    # Ticks later the same day do nothing; the next day's slot runs.
    for minutes in (1, 30, 600):
        clock.set(2026, 3, 3, 3, 15)
        clock.advance(minutes=minutes)
        assert scheduler.tick().claimed == []
    clock.set(2026, 3, 4, 3, 15, 20)
    assert [r.scheduled_for for r in scheduler.tick().claimed] == [warsaw(2026, 3, 4, 3, 15)]
    assert len(executed) == 2


def test_the_scheduler_runs_retention_under_a_controlled_clock(clock):
    """The retention job really deletes a reporter's address when its time comes."""
    hotline = HotlineFactory()
    submitted = report(hotline, ["https://example.com/old"], reporter_email="r@example.test")
    # The item was closed 91 days ago (the hotline keeps addresses for 90 days).
    Item.objects.filter(pk=submitted.urls[0].item_id).update(
        state="not_illegal", closed_at=timezone.now() - timedelta(days=91)
    )
    scheduler = Scheduler([RETENTION], clock=clock)
    clock.set(2026, 3, 2, 3, 0)
    scheduler.tick()
    assert Report.objects.get(pk=submitted.report.pk).reporter_email == "r@example.test"
    clock.set(2026, 3, 2, 3, 15)
    (run,) = scheduler.tick().claimed
    run.refresh_from_db()
    assert run.state == State.OK
    assert Report.objects.get(pk=submitted.report.pk).reporter_email is None


def test_a_run_missed_while_the_scheduler_was_down_runs_once_when_it_comes_back(clock, executed):
    scheduler = Scheduler([RETENTION, RESCORE], clock=clock)
    clock.set(2026, 3, 1, 0, 0)
    scheduler.tick()
    clock.set(2026, 3, 2, 3, 15)
    assert {r.job for r in scheduler.tick().claimed} == {"hotline_retention", "hotline_rescore"}
    # The scheduler stops here and is started again (a new instance) three days later.
    executed.clear()
    restarted = Scheduler([RETENTION, RESCORE], clock=clock)
    clock.set(2026, 3, 5, 10, 2)
    claimed = {r.job: r for r in restarted.tick().claimed}
    assert sorted(executed) == [("hotline_rescore", []), ("hotline_retention", [])]
    retention, rescore = claimed["hotline_retention"], claimed["hotline_rescore"]
    assert retention.scheduled_for == warsaw(2026, 3, 5, 3, 15)
    assert retention.missed_slots == 2  # 3 and 4 March: made up by this one run
    assert rescore.scheduled_for == warsaw(2026, 3, 5, 10, 0)
    # Every 5-minute slot from 2 March 03:15 to 5 March 10:00, both excluded: made up by one run.
    assert (
        rescore.missed_slots
        == (warsaw(2026, 3, 5, 10, 0) - warsaw(2026, 3, 2, 3, 15)) // (timedelta(minutes=5)) - 1
    )
    for _ in range(3):
        clock.advance(seconds=30)
        assert restarted.tick().claimed == []
    assert len(executed) == 2
    assert len(runs("hotline_retention")) == 2 and len(runs("hotline_rescore")) == 2


def test_a_short_outage_of_a_frequent_job_is_made_up_once(clock, executed):
    scheduler = Scheduler([RESCORE], clock=clock)
    clock.set(2026, 3, 2, 9, 0)
    scheduler.tick()
    clock.set(2026, 3, 2, 9, 5)
    scheduler.tick()
    clock.set(2026, 3, 2, 9, 31)  # down from 09:06 to 09:31: 09:10 … 09:25 were missed
    (run,) = scheduler.tick().claimed
    assert run.scheduled_for == warsaw(2026, 3, 2, 9, 30) and run.missed_slots == 4
    assert len(executed) == 2


def test_ticking_twice_at_the_same_moment_claims_once(clock, executed):
    first, second = Scheduler([RETENTION], clock=clock), Scheduler([RETENTION], clock=clock)
    clock.set(2026, 3, 1, 0, 0)
    first.tick()
    clock.set(2026, 3, 2, 3, 15)
    assert len(first.tick().claimed) == 1
    report = second.tick()
    assert report.claimed == [] and report.taken == []  # it saw the claim: nothing to do
    assert len(executed) == 1


def test_the_unique_claim_refuses_a_second_scheduler_that_saw_nothing(clock, executed, monkeypatch):
    """Even if a second scheduler read "not run yet" just before the first one's claim
    committed, its INSERT of the same (job, time) fails and it queues nothing."""
    clock.set(2026, 3, 1, 0, 0)
    Scheduler([RETENTION], clock=clock).tick()
    clock.set(2026, 3, 2, 3, 15)
    slow = Scheduler([RETENTION], clock=clock, identity="slow")
    real_claim = slow._claim

    def lose_the_race(job, slot, missed, now):
        # The slow scheduler has read "no run for 03:15 yet"; the fast one claims it now.
        assert len(Scheduler([RETENTION], clock=clock, identity="fast").tick().claimed) == 1
        return real_claim(job, slot, missed, now)

    monkeypatch.setattr(slow, "_claim", lose_the_race)
    report = slow.tick()
    assert report.claimed == [] and report.taken == ["hotline_retention"]
    assert [r.claimed_by for r in runs()] == ["fast"]
    assert len(executed) == 1


def test_a_task_delivered_twice_runs_the_job_once(clock, executed):
    clock.set(2026, 3, 1, 0, 0)
    scheduler = Scheduler([RETENTION], clock=clock)
    scheduler.tick()
    clock.set(2026, 3, 2, 3, 15)
    (run,) = scheduler.tick().claimed
    assert services.execute_run(run.pk) == "not queued"
    assert len(executed) == 1


def test_a_failure_is_recorded_with_a_short_error_and_no_personal_data(clock, monkeypatch):
    from ostoja.hotline import services as hotline_services

    def boom(**kwargs):
        raise ValueError("could not delete reporter@example.test")

    monkeypatch.setattr(hotline_services, "apply_retention", boom)
    clock.set(2026, 3, 1, 0, 0)
    scheduler = Scheduler([RETENTION], clock=clock)
    scheduler.tick()
    clock.set(2026, 3, 2, 3, 15)
    (run,) = scheduler.tick().claimed
    run.refresh_from_db()
    assert run.state == State.FAILED
    assert run.error == "ValueError"
    assert run.finished_at and run.duration_ms is not None
    # The failure does not block the next day's run.
    monkeypatch.undo()
    clock.set(2026, 3, 3, 3, 15)
    (nxt,) = scheduler.tick().claimed
    nxt.refresh_from_db()
    assert nxt.state == State.OK


def test_a_command_error_is_shown_with_its_own_text(clock):
    job = Job("bad_args", "hotline_rescore", ("--no-such-option",), "0 * * * *", "x")
    clock.set(2026, 3, 1, 0, 0)
    scheduler = Scheduler([job], clock=clock)
    scheduler.tick()
    clock.set(2026, 3, 1, 1, 0)
    (run,) = scheduler.tick().claimed
    run.refresh_from_db()
    assert run.state == State.FAILED
    assert run.error.startswith("CommandError:") and "--no-such-option" in run.error


def test_a_run_no_worker_starts_is_failed_after_an_hour_and_never_runs_late(
    clock, executed, monkeypatch
):
    from ostoja.scheduler import tasks

    queued = []
    monkeypatch.setattr(tasks, "run_job", SimpleNamespace(enqueue=queued.append))
    clock.set(2026, 3, 1, 0, 0)
    scheduler = Scheduler([RETENTION], clock=clock)
    scheduler.tick()
    clock.set(2026, 3, 2, 3, 15)
    (run,) = scheduler.tick().claimed
    assert queued == [run.pk] and JobRun.objects.get(pk=run.pk).state == State.QUEUED
    clock.advance(minutes=59)
    assert scheduler.tick().expired == 0
    clock.advance(minutes=2)
    assert scheduler.tick().expired == 1
    run.refresh_from_db()
    assert run.state == State.FAILED and run.error == services.ERROR_NOT_STARTED
    # The worker finally gets the task: it does not run a job given up on.
    assert services.execute_run(run.pk) == "not queued"
    assert executed == []


def test_a_run_that_never_finishes_is_failed_after_twelve_hours(clock):
    run = JobRun.objects.create(
        job="hotline_retention",
        scheduled_for=warsaw(2026, 3, 2, 3, 15),
        command="hotline_retention",
        state=State.RUNNING,
        claimed_by="x",
        claimed_at=warsaw(2026, 3, 2, 3, 15),
        started_at=warsaw(2026, 3, 2, 3, 15),
    )
    assert services.expire_stale_runs(now=warsaw(2026, 3, 2, 15, 14)) == 0
    assert services.expire_stale_runs(now=warsaw(2026, 3, 2, 15, 16)) == 1
    run.refresh_from_db()
    assert run.state == State.FAILED and run.error == services.ERROR_NOT_FINISHED


def test_an_unavailable_queue_fails_the_run_and_the_next_slot_runs(clock, monkeypatch, executed):
    from ostoja.scheduler import tasks

    def down(run_id):
        raise ConnectionError("queue down")

    real = tasks.run_job
    monkeypatch.setattr(tasks, "run_job", SimpleNamespace(enqueue=down))
    clock.set(2026, 3, 1, 0, 0)
    scheduler = Scheduler([RETENTION], clock=clock)
    scheduler.tick()
    clock.set(2026, 3, 2, 3, 15)
    (run,) = scheduler.tick().claimed
    run.refresh_from_db()
    assert run.state == State.FAILED and run.error == services.ERROR_NOT_QUEUED
    monkeypatch.setattr(tasks, "run_job", real)
    clock.set(2026, 3, 3, 3, 15)
    assert len(scheduler.tick().claimed) == 1 and len(executed) == 1


def test_next_wakeup_is_the_earliest_next_slot(clock):
    scheduler = Scheduler([RETENTION, RESCORE], clock=clock)
    assert scheduler.next_wakeup(warsaw(2026, 3, 2, 3, 12)) == warsaw(2026, 3, 2, 3, 15)
    assert scheduler.next_wakeup(warsaw(2026, 3, 2, 3, 15)) == warsaw(2026, 3, 2, 3, 20)


def test_prune_keeps_recent_runs_and_each_jobs_latest(clock):
    def make(job, day):
        return JobRun.objects.create(
            job=job,
            scheduled_for=warsaw(2026, 1, day, 3, 15),
            command=job,
            state=State.OK,
            claimed_by="x",
            claimed_at=warsaw(2026, 1, day, 3, 15),
        )

    old = make("hotline_retention", 1)
    latest_of_rare_job = make("directory_send_reminders", 2)
    recent = make("hotline_retention", 20)
    deleted = services.prune_runs(now=warsaw(2026, 1, 25), keep_days=10)
    assert deleted == 1
    assert set(JobRun.objects.values_list("pk", flat=True)) == {latest_of_rare_job.pk, recent.pk}
    assert not JobRun.objects.filter(pk=old.pk).exists()


def test_run_scheduler_once_and_list():
    out = StringIO()
    call_command("run_scheduler", "--list", stdout=out)
    listing = out.getvalue()
    for name in ("hotline_retention", "hotline_rescore", "directory_send_reminders"):
        assert name in listing
    assert "15 3 * * *" in listing
    out = StringIO()
    call_command("run_scheduler", "--once", stdout=out)
    # First sight of every job: nothing is due yet, every job is now known.
    assert JobRun.objects.count() == 0
    assert set(KnownJob.objects.values_list("name", flat=True)) == set(registered_jobs())
