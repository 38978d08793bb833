"""The scale-out path: with ``OSTOJA_TASK_BACKEND=rq`` scheduled jobs go through Redis and are
run by RQ's worker. These tests run in the RQ pass (``make test-rq``) and are skipped otherwise.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ostoja.scheduler.models import JobRun
from ostoja.scheduler.registry import registered_jobs
from ostoja.scheduler.services import Scheduler
from tests import migrated_sqlite
from tests.background import rq_enabled

pytestmark = pytest.mark.skipif(not rq_enabled(), reason="the RQ pass only (make test-rq)")
REPO = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_a_scheduled_run_goes_through_redis_and_rqs_worker(clock):
    import django_rq
    from django_tasks_rq import Job
    from rq.registry import FinishedJobRegistry

    from ostoja.scheduler import tasks

    backend = tasks.run_job.get_backend()
    assert type(backend).__mro__[1].__module__ == "django_tasks_rq.backend"  # RQBackend
    scheduler = Scheduler([registered_jobs()["hotline_retention"]], clock=clock)
    clock.set(2026, 3, 1, 12, 0)
    scheduler.tick()
    clock.set(2026, 3, 2, 3, 15)
    (run,) = scheduler.tick().claimed
    run.refresh_from_db()
    assert run.state == JobRun.State.OK
    # The task was stored in Redis and taken out by an rq worker, which recorded its result.
    queue = django_rq.get_queue("default", job_class=Job)
    (job_id,) = FinishedJobRegistry(queue=queue).get_job_ids()
    job = Job.fetch(job_id, connection=queue.connection)
    assert job.func_name == "ostoja.scheduler.tasks.run_job" and list(job.args) == [run.pk]
    assert job.return_value() == "ok"
    assert backend.get_result(job_id).worker_ids  # an rq worker ran it


def _run(env, *args):
    return subprocess.run(
        [sys.executable, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )


def test_manage_py_rqworker_runs_the_queued_jobs(tmp_path):
    """Production's command line: a scheduler process queues into Redis, then
    ``manage.py rqworker --burst --job-class django_tasks_rq.Job`` runs the jobs."""
    env = {
        **os.environ,
        "OSTOJA_RACE_DB": str(tmp_path / "rq.sqlite3"),
        "DJANGO_SETTINGS_MODULE": "tests.scheduler.race_settings",
        "PYTHONPATH": os.pathsep.join([str(REPO / "src"), str(REPO)]),
    }
    env.pop("DATABASE_URL", None)
    worker = ["-m", "tests.scheduler.race_worker"]
    migrated_sqlite.copy_to(tmp_path / "rq.sqlite3")
    assert _run(env, *worker, "setup").returncode == 0
    queued = _run(env, *worker, "enqueue")
    assert queued.returncode == 0, queued.stderr
    claimed = {tuple(slot) for slot in json.loads(queued.stdout)}
    assert claimed == {
        ("hotline_retention", "2026-03-02 03:15"),
        ("hotline_rescore", "2026-03-02 03:15"),
    }
    states = {
        (job, at): state for job, at, state, _ in json.loads(_run(env, *worker, "report").stdout)
    }
    assert set(states.values()) == {"queued"}  # waiting in Redis: nothing ran them yet
    rq = _run(
        env, "manage.py", "rqworker", "default", "--burst", "--job-class", "django_tasks_rq.Job"
    )
    assert rq.returncode == 0, rq.stderr
    states = {
        (job, at): state for job, at, state, _ in json.loads(_run(env, *worker, "report").stdout)
    }
    assert states == dict.fromkeys(claimed, "ok")
