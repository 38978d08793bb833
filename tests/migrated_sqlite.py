"""A migrated SQLite file for the multi-process race tests, migrated once and copied.

The race tests (outbox delivery, schedulers, the RQ worker) start real processes that share one
SQLite *file*, so they cannot use the test runner's in-memory database. Migrating a new file
costs about 35 s of CPU with every app's migrations, and each race test used to do it in a
subprocess with a 120 s limit: on a loaded machine that limit was reached (CI failed on a
time-out in set-up, not in the race). Now the first test to ask migrates one template file,
keyed by the migrations and the locked requirements, and every test copies it (SQLite's
backup API, so a WAL file is never left behind). A file lock makes pytest-xdist's workers wait
for one migration instead of each running their own.

``python -m tests.migrated_sqlite PATH`` is the migrating subprocess (its own Django set-up,
the scheduler race's settings: production's SQLite settings with the test's file name).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MIGRATE_TIMEOUT = 900


def _key() -> str:
    digest = hashlib.sha256(sys.executable.encode())
    files = sorted((REPO / "src").glob("**/migrations/*.py"))
    files.append(REPO / "requirements" / "constraints.txt")
    for path in files:
        digest.update(str(path.relative_to(REPO)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def template() -> Path:
    """The migrated template for the current migrations, made on first use."""
    path = Path(tempfile.gettempdir()) / f"ostoja-migrated-{_key()}.sqlite3"
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            partial = path.with_suffix(f".{os.getpid()}.partial")
            partial.unlink(missing_ok=True)
            env = {
                **os.environ,
                "OSTOJA_RACE_DB": str(partial),
                "DJANGO_SETTINGS_MODULE": "tests.scheduler.race_settings",
                "PYTHONPATH": os.pathsep.join([str(REPO / "src"), str(REPO)]),
            }
            env.pop("DATABASE_URL", None)
            env.pop("OSTOJA_TASK_BACKEND", None)
            done = subprocess.run(
                [sys.executable, "-m", "tests.migrated_sqlite", str(partial)],
                cwd=REPO,
                env=env,
                capture_output=True,
                text=True,
                timeout=MIGRATE_TIMEOUT,
            )
            if done.returncode != 0:
                raise RuntimeError(f"migrating the race template failed:\n{done.stderr}")
            _copy(partial, path)
            for leftover in partial.parent.glob(partial.name + "*"):
                leftover.unlink(missing_ok=True)
    return path


def copy_to(dest: Path) -> None:
    """Put a migrated database at ``dest`` (a race test's own file)."""
    _copy(template(), dest)


def _copy(source: Path, dest: Path) -> None:
    src = sqlite3.connect(source)
    dst = sqlite3.connect(dest)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


if __name__ == "__main__":
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.db import connection

    connection.close()
