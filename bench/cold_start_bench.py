"""Benchmark: the first match answer of a fresh install and of a new web worker (issue 11, 17).

Simulates a fresh clone with an empty numba cache directory, then measures with gunicorn
(production settings, one worker, a throwaway SQLite database holding one bank of 500 PDQ
hashes) the time from the worker answering ``/healthz`` to its first ``POST /api/v1/match``
answer:

1. ``before``: the code as it was (``--before-root``, a checkout of the previous commit): no
   warm-up, so the first search compiles the kernels;
2. ``after, make run``: ``manage.py matching_warmup`` (what ``make run`` now runs after
   migrating; its time is reported), then a worker start;
3. ``after, next worker start``: another worker start with the cache already warm.

Each number is one measurement (a cold start happens once); run it twice to see the spread.

    .venv/bin/python bench/cold_start_bench.py --before-root /path/to/old/checkout [--write]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_common import cpu_model, memory_gib

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))

SETUP = """
import numpy as np
from ostoja.banks import services
from ostoja.organisations.services import create_organisation, issue_api_token
h = create_organisation(actor=None, name='Bench hotline', kind='hotline', slug='bench-hotline',
                        verified=True)
p = create_organisation(actor=None, name='Bench platform', kind='online_platform',
                        slug='bench-platform', verified=True)
bank = services.create_bank(actor=None, owner=h, name='Bench bank', slug='bench-bank',
                            visibility='shared', enabled=True)
rng = np.random.default_rng(5)
for _ in range(500):
    services.add_entry(actor=None, bank=bank, signal_type='pdq', value=rng.bytes(32).hex(),
                       classification='baseline')
t, s = issue_api_token(actor=None, organisation=p, name='bench', scopes=['match'])
print(s)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def env_for(root: Path, db: Path, cache: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="ostoja.config.settings.prod",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        DATABASE_URL=f"sqlite:///{db}",
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(root / "src"),
        NUMBA_CACHE_DIR=str(cache),
    )
    return env


def first_match(root: Path, env: dict, token: str) -> tuple[float, int]:
    """Start a worker; seconds from its first /healthz 200 to its first match answer."""
    port = free_port()
    server = subprocess.Popen(
        [
            GUNICORN,
            "ostoja.config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--worker-class",
            "gthread",
            "--threads",
            "4",
            "--timeout",
            "300",
            "--log-level",
            "warning",
        ],
        cwd=root,
        env=env,
    )
    try:
        for _ in range(600):
            try:
                probe = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                probe.request("GET", "/healthz")
                if probe.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.05)
        else:
            sys.exit("gunicorn did not start")
        body = json.dumps({"hashes": [{"signal_type": "pdq", "value": "ab" * 32}]})
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        t0 = time.perf_counter()
        conn.request(
            "POST",
            "/api/v1/match",
            body=body,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        response = conn.getresponse()
        response.read()
        return time.perf_counter() - t0, response.status
    finally:
        server.terminate()
        server.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before-root", type=Path, help="checkout of the code before the fix")
    parser.add_argument("--write", action="store_true", help="write bench/results/cold_start.md")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="ostoja-cold-start-"))
    db = tmp / "bench.sqlite3"
    rows = []
    try:
        setup_env = env_for(ROOT, db, tmp / "unused-cache")
        subprocess.run(
            [PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=setup_env,
            check=True,
        )
        token = subprocess.run(
            [PYTHON, "manage.py", "shell", "-c", SETUP],
            cwd=ROOT,
            env=setup_env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()[-1]

        if args.before_root:
            cache = tmp / "cache-before"
            seconds, status = first_match(
                args.before_root, env_for(args.before_root, db, cache), token
            )
            rows.append(("before: fresh clone, first worker", seconds, status))
            print(rows[-1], flush=True)

        cache = tmp / "cache-after"  # empty: a fresh clone
        env = env_for(ROOT, db, cache)
        t0 = time.perf_counter()
        out = subprocess.run(
            [PYTHON, "manage.py", "matching_warmup"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        warmup_seconds = time.perf_counter() - t0
        print(f"matching_warmup on a fresh cache: {warmup_seconds:.1f} s ({out})", flush=True)
        for label in (
            "after: fresh clone, `make run` (warm-up run first), first worker",
            "after: next worker start",
        ):
            seconds, status = first_match(ROOT, env, token)
            rows.append((label, seconds, status))
            print(rows[-1], flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    lines = [
        "# Matching cold start (`bench/cold_start_bench.py`)",
        "",
        f"- Machine: {cpu_model()}, {os.cpu_count()} cores, {memory_gib():.0f} GiB RAM; date "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; other work was running on "
        "the machine.",
        "- gunicorn 1 worker x 4 threads, production settings, SQLite, one bank of 500 PDQ "
        "hashes; time from the worker's first `/healthz` answer to its first "
        "`POST /api/v1/match` answer. One measurement each.",
        f"- `manage.py matching_warmup` on an empty cache (once per install, run by "
        f"`make run` after migrating): {warmup_seconds:.1f} s.",
        "",
        "| case | first match answer | HTTP |",
        "| --- | ---: | ---: |",
    ]
    lines += [f"| {label} | {seconds:.3f} s | {status} |" for label, seconds, status in rows]
    print("\n".join(lines))
    if args.write:
        (ROOT / "bench" / "results" / "cold_start.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
