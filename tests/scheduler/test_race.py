"""Two schedulers started together (by mistake) never run a job twice.

* PostgreSQL: schedulers in threads of this process, each with its own connection.
* SQLite: separate processes on a database file in WAL mode, as in production (threads on the
  in-memory test database would be serialised by its table locks and prove nothing).

Both tick through the same controlled moments, meeting before each tick, so every claim is
contested. Each (job, scheduled time) must be claimed once and its command executed once.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection

from ostoja.scheduler import services
from ostoja.scheduler.models import JobRun
from tests import migrated_sqlite

from .race_helpers import EXPECTED, compete, slot_key

N_SCHEDULERS = 2
REPO = Path(__file__).resolve().parents[2]


def _assert_each_slot_ran_once(claimed_per_scheduler, executed, runs):
    all_claimed = [slot for claimed in claimed_per_scheduler for slot in claimed]
    assert Counter(all_claimed) == Counter(EXPECTED)  # each slot claimed once, none missing
    assert sorted(key for key, _, _ in runs) == sorted(EXPECTED)
    assert {state for _, state, _ in runs} == {"ok"}
    assert Counter(executed) == Counter(job for job, _ in EXPECTED)  # each run executed once
    # Both schedulers really competed (each won some claims), not one after the other.
    assert all(claimed for claimed in claimed_per_scheduler), claimed_per_scheduler


@pytest.mark.django_db(transaction=True)
def test_two_schedulers_in_threads_on_postgresql(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("threads share one in-memory SQLite database; see the process test")
    executed, lock = [], threading.Lock()

    def record(command, args):
        with lock:
            executed.append(command)

    monkeypatch.setattr(services, "run_command", record)
    barrier = threading.Barrier(N_SCHEDULERS)
    results, errors = [None] * N_SCHEDULERS, []

    def scheduler(n):
        try:
            results[n] = compete(f"thread-{n}", lambda k: barrier.wait(timeout=60))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
            barrier.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=scheduler, args=(n,)) for n in range(N_SCHEDULERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    runs = [(slot_key(r), r.state, r.claimed_by) for r in JobRun.objects.all()]
    _assert_each_slot_ran_once(results, executed, runs)


def _worker(env, *args, timeout=120):
    return subprocess.run(
        [sys.executable, "-m", "tests.scheduler.race_worker", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=True,
    )


def test_two_scheduler_processes_on_sqlite(tmp_path):
    env = {
        **os.environ,
        "OSTOJA_RACE_DB": str(tmp_path / "race.sqlite3"),
        "DJANGO_SETTINGS_MODULE": "tests.scheduler.race_settings",
        "PYTHONPATH": os.pathsep.join([str(REPO / "src"), str(REPO)]),
    }
    env.pop("DATABASE_URL", None)
    env.pop("OSTOJA_TASK_BACKEND", None)
    migrated_sqlite.copy_to(tmp_path / "race.sqlite3")
    _worker(env, "setup", timeout=300)
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.scheduler.race_worker",
                "compete",
                f"proc-{n}",
                str(tmp_path),
                str(N_SCHEDULERS),
            ],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(N_SCHEDULERS)
    ]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        results.append([tuple(slot) for slot in json.loads(out)])
    executed = (tmp_path / "executed").read_text().split()
    runs = [
        ((job, at), state, by) for job, at, state, by in json.loads(_worker(env, "report").stdout)
    ]
    _assert_each_slot_ran_once(results, executed, runs)
