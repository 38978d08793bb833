"""Two analysts pressing "next item" at the same time never receive the same item.

PostgreSQL: real threads on separate connections, ``SELECT … FOR UPDATE SKIP LOCKED``.
SQLite (and PostgreSQL too): the conditional-UPDATE path, with threads and with a forced
stale read (both analysts saw the same candidate).
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
from django.db import close_old_connections, connection
from django.utils import timezone

from ostoja.hotline import services
from ostoja.hotline.models import Item
from tests.conftest import make_user
from tests.hotline.factories import HotlineFactory, item

pytestmark = pytest.mark.django_db(transaction=True)

ANALYSTS = 4
ITEMS = 30


def _race(hotline, analysts, *, use_skip_locked):
    claimed: dict[int, list[int]] = {a.pk: [] for a in analysts}
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(analysts))

    def work(analyst):
        try:
            barrier.wait(timeout=30)
            while True:
                got = services.next_item(
                    actor=analyst, hotline_ids=[hotline.pk], use_skip_locked=use_skip_locked
                )
                if got is None:
                    return
                claimed[analyst.pk].append(got.pk)
                # Give it back as assessed-by-someone-else would: keep it out of the queue.
                Item.objects.filter(pk=got.pk).update(state="closed_not_illegal")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=work, args=(a,)) for a in analysts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    every = [pk for pks in claimed.values() for pk in pks]
    duplicates = [pk for pk, n in Counter(every).items() if n > 1]
    assert not duplicates, f"items given to two analysts: {duplicates}"
    assert sorted(every) == sorted(
        Item.objects.filter(hotline=hotline).values_list("pk", flat=True)
    )
    return claimed


def _setup():
    hotline = HotlineFactory()
    for _ in range(ITEMS):
        item(hotline)
    analysts = [make_user("hotline_analyst", hotline) for _ in range(ANALYSTS)]
    return hotline, analysts


@pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="SKIP LOCKED is the PostgreSQL path"
)
def test_concurrent_next_item_skip_locked_on_postgresql():
    assert connection.features.has_select_for_update_skip_locked
    hotline, analysts = _setup()
    _race(hotline, analysts, use_skip_locked=True)


@pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="threads share the database only on PostgreSQL"
)
def test_concurrent_next_item_conditional_update_on_postgresql():
    hotline, analysts = _setup()
    _race(hotline, analysts, use_skip_locked=False)


def test_concurrent_next_item_on_a_sqlite_file(tmp_path):
    """The embedded default (SQLite file): threads race through the conditional UPDATE."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.hotline.sqlite_race",
            str(tmp_path / "race.sqlite3"),
            "4",
            "30",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=Path(__file__).resolve().parents[2],
        env={k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    data = json.loads(result.stdout.strip().splitlines()[-1])
    assert data["vendor"] == "sqlite"
    assert data["errors"] == []
    every = [pk for pks in data["claimed"].values() for pk in pks]
    assert len(every) == len(set(every)), "an item was given to two analysts"
    assert sorted(every) == sorted(data["items"])
    assert sum(1 for pks in data["claimed"].values() if pks) >= 2, "no real race happened"


def test_stale_read_loses_the_race():
    hotline, (a1, a2, *_rest) = _setup()
    target = Item.objects.filter(hotline=hotline).first()
    now = timezone.now()
    until = now + timezone.timedelta(minutes=30)
    # Both analysts saw the same free item; the second UPDATE finds it taken.
    assert services.try_claim(target.pk, actor=a1, until=until, now=now) is True
    assert services.try_claim(target.pk, actor=a2, until=until, now=now) is False
    assert Item.objects.get(pk=target.pk).claimed_by == a1
