"""Several deliverers at once never send the same message twice.

* PostgreSQL (``DATABASE_URL=postgres://…``): threads in this process, each with its own
  connection, racing through ``SELECT … FOR UPDATE SKIP LOCKED`` claims.
* SQLite: separate *processes* on a database file in WAL mode, as in production (the
  in-memory test database serialises threads with table locks and proves nothing), racing
  through conditional ``UPDATE`` claims.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from ostoja.outbox.models import OutboxMessage
from ostoja.outbox.services import deliver_due, enqueue_webhook
from tests import migrated_sqlite

from .conftest import WebhookReceiver
from .race_helpers import wait_until_under_way

N_MESSAGES = 40
N_WORKERS = 4
N_FAILURES = 5
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def slow_receiver(settings):
    settings.OUTBOX_WEBHOOK_ALLOW_PRIVATE = True
    settings.OUTBOX_WEBHOOK_TIMEOUT = 5
    settings.OUTBOX_DELIVER_ON_COMMIT = False  # only the competing sweeps deliver
    receiver = WebhookReceiver(delay=0.01)  # sends overlap: every worker is mid-send at times
    yield receiver
    receiver.close()


def _assert_each_sent_once(receiver, keys, states, per_worker):
    assert states == {"sent": N_MESSAGES}
    calls = Counter(r.headers["Idempotency-Key"] for r in receiver.requests)
    assert set(calls) == set(keys)
    # Every message reached the receiver once, plus once more for each scripted 503.
    assert sum(calls.values()) == N_MESSAGES + N_FAILURES
    assert sorted(calls.values(), reverse=True)[N_FAILURES:] == [1] * (N_MESSAGES - N_FAILURES)
    assert sum(per_worker) == N_MESSAGES - N_FAILURES  # the rest went out in the final sweep
    assert sum(1 for n in per_worker if n) >= 2, "the deliverers did not compete"


@pytest.mark.django_db(transaction=True)
def test_concurrent_threads_on_postgresql(slow_receiver):
    if connection.vendor != "postgresql":
        pytest.skip("threads share one in-memory SQLite database; see the process test")
    for i in range(N_MESSAGES):
        enqueue_webhook(dedup_key=f"race:{i}", url=slow_receiver.url, payload={"i": i})
    slow_receiver.behaviours.extend([503] * N_FAILURES)  # retries race too
    start = threading.Barrier(N_WORKERS)
    errors, per_worker = [], [0] * N_WORKERS

    def worker(n):
        try:
            start.wait()
            idle = 0
            while idle < 3:
                report = deliver_due(limit=1)
                per_worker[n] += report.sent
                idle = 0 if report.total else idle + 1
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(N_WORKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert deliver_due(now=timezone.now() + timedelta(hours=1)).sent == N_FAILURES
    keys = [m.idempotency_key for m in OutboxMessage.objects.all()]
    states = dict(Counter(OutboxMessage.objects.values_list("state", flat=True)))
    _assert_each_sent_once(slow_receiver, keys, states, per_worker)


@pytest.mark.slow
def test_concurrent_processes_on_sqlite(slow_receiver, tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite claim path; PostgreSQL is covered by the thread test")
    env = {
        **os.environ,
        "OSTOJA_RACE_DB": str(tmp_path / "race.sqlite3"),
        "OSTOJA_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "tests.outbox.race_settings",
    }
    env.pop("DATABASE_URL", None)

    def run(*args, **kwargs):
        cmd = [sys.executable, "-m", "tests.outbox.race_worker", *args]
        return subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, **kwargs)

    migrated_sqlite.copy_to(tmp_path / "race.sqlite3")
    setup = run("setup", str(N_MESSAGES), slow_receiver.url, timeout=300)
    assert setup.returncode == 0, setup.stderr
    slow_receiver.behaviours.extend([503] * N_FAILURES)
    go = tmp_path / "go"
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.outbox.race_worker", "deliver", str(go)],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(N_WORKERS)
    ]
    time.sleep(1.5)  # let every process finish importing Django, then start them together
    go.touch()
    per_worker = []
    for w in workers:
        out, err = w.communicate(timeout=120)
        assert w.returncode == 0, err
        per_worker.append(int(out.strip()))
    # The 503s are retried a minute later; deliver them as the next sweep would.
    final = run("deliver-later", timeout=60)
    assert final.returncode == 0, final.stderr
    report = json.loads(run("report", timeout=60).stdout)
    _assert_each_sent_once(slow_receiver, report["keys"], report["states"], per_worker)


# --- a cancellation racing the deliverers ---------------------------------------------------------
#
# Deliverers send from the oldest message on; once they are under way (a few messages sent), a
# canceller cancels from the newest back, one message per transaction, so they meet in the middle
# and some messages are claimed and cancelled at the same moment. (Started together, the
# canceller can win every message before a deliverer's first claim: SQLite's lock is not fair.)
# For every message exactly one side may win: it was sent (received once) or it was cancelled
# (never received). A cancellation that met a live lease is a request, and since the receiver
# accepts everything, those messages end "sent".

N_CANCEL_RACE = 30
N_CANCEL_DELIVERERS = 2


def _assert_cancel_or_send(receiver, by_pk, keys_by_pk, cancelled, requested):
    received = Counter(r.headers["Idempotency-Key"] for r in receiver.requests)
    assert set(by_pk.values()) <= {"sent", "cancelled"}, by_pk  # nothing left half-way
    for pk, state in by_pk.items():
        expected = 1 if state == "sent" else 0
        assert received[keys_by_pk[pk]] == expected, (pk, state, received[keys_by_pk[pk]])
    assert set(received) <= set(keys_by_pk.values())
    assert all(by_pk[pk] == "cancelled" for pk in cancelled)
    assert all(by_pk[pk] == "sent" for pk in requested)
    states = Counter(by_pk.values())
    assert states["sent"] >= 1 and states["cancelled"] >= 1, (
        f"the deliverers and the canceller did not compete: {dict(states)}"
    )


@pytest.mark.django_db(transaction=True)
def test_cancel_racing_deliverers_on_postgresql(slow_receiver):
    if connection.vendor != "postgresql":
        pytest.skip("threads share one in-memory SQLite database; see the process test")
    from ostoja.outbox.services import cancel_unsent

    for i in range(N_CANCEL_RACE):
        enqueue_webhook(dedup_key=f"cancel-race:{i}", url=slow_receiver.url, payload={"i": i})
    start = threading.Barrier(N_CANCEL_DELIVERERS + 1)
    errors, cancelled, requested = [], [], []

    def deliverer():
        try:
            start.wait()
            idle = 0
            while idle < 3:
                idle = 0 if deliver_due(limit=1).total else idle + 1
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    def canceller():
        try:
            start.wait()
            wait_until_under_way()
            pks = OutboxMessage.objects.order_by("-pk").values_list("pk", flat=True)
            for pk in list(pks):
                report = cancel_unsent(
                    actor=None, messages=OutboxMessage.objects.filter(pk=pk), reason="race"
                )
                cancelled.extend(report.cancelled)
                requested.extend(report.requested)
                time.sleep(0.002)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliverer) for _ in range(N_CANCEL_DELIVERERS)]
    threads.append(threading.Thread(target=canceller))
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    by_pk = dict(OutboxMessage.objects.values_list("pk", "state"))
    keys_by_pk = {m.pk: m.idempotency_key for m in OutboxMessage.objects.all()}
    _assert_cancel_or_send(slow_receiver, by_pk, keys_by_pk, cancelled, requested)


@pytest.mark.slow
def test_cancel_racing_deliverer_processes_on_sqlite(slow_receiver, tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite claim path; PostgreSQL is covered by the thread test")
    env = {
        **os.environ,
        "OSTOJA_RACE_DB": str(tmp_path / "race.sqlite3"),
        "OSTOJA_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "tests.outbox.race_settings",
    }
    env.pop("DATABASE_URL", None)

    def start(*args):
        return subprocess.Popen(
            [sys.executable, "-m", "tests.outbox.race_worker", *args],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    migrated_sqlite.copy_to(tmp_path / "race.sqlite3")
    setup = start("setup", str(N_CANCEL_RACE), slow_receiver.url)
    out, err = setup.communicate(timeout=300)
    assert setup.returncode == 0, err
    # Processes on a loaded machine wait long for the CPU: with 10 ms sends the deliverers
    # could finish all 30 before the canceller, started at the same moment, got to run once
    # (seen in CI: "did not compete: {'sent': 30}"). 100 ms sends give it 1.5 s.
    slow_receiver.delay = 0.1
    go = tmp_path / "go"
    processes = [start("deliver", str(go)) for _ in range(N_CANCEL_DELIVERERS)]
    processes.append(start("cancel", str(go)))
    time.sleep(1.5)  # let every process finish importing Django, then start them together
    go.touch()
    outputs = []
    for p in processes:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        outputs.append(out.strip())
    cancel_report = json.loads(outputs[-1])
    report = start("report")
    out, err = report.communicate(timeout=60)
    assert report.returncode == 0, err
    result = json.loads(out)
    _assert_cancel_or_send(
        slow_receiver,
        {int(pk): state for pk, state in result["by_pk"].items()},
        {int(pk): key for pk, key in result["keys_by_pk"].items()},
        cancel_report["cancelled"],
        cancel_report["requested"],
    )
