"""Helpers shared by the benchmark scripts (run as `python bench/<name>.py`)."""

from __future__ import annotations

import sys
from urllib.parse import urlparse


def recreate_database(url: str) -> None:
    """Drop and create the benchmark's PostgreSQL database.

    Refuses anything but a loopback server and a database whose name ends in ``bench``, so a
    benchmark can never wipe a real database.
    """
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if not name.endswith("bench"):
        sys.exit(f"Refusing to drop database {name!r}: its name must end in 'bench'.")
    if parsed.hostname not in ("127.0.0.1", "localhost", "::1"):
        sys.exit("The benchmark runs on loopback only (DATABASE_URL host 127.0.0.1).")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo ("unknown CPU" elsewhere)."""
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def memory_gib() -> float:
    """Total RAM in GiB from /proc/meminfo (0.0 when it cannot be read)."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemTotal"):
                    return int(line.split()[1]) / 1024 / 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0.0
