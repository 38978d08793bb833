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
