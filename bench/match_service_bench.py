"""Benchmark: the matching service over a published, memory-mapped index (issue 17).

What it measures, with PostgreSQL (a throwaway database ``h_matching_bench``, dropped and
re-created) and the index of ``bench/match_scale_bench.py`` (``--index``, e.g. 100M hashes):

1. **Publishing**: the big index is loaded (mmap), the bank's real entries (``--entries``
   PDQ hashes added through ``banks.services``; their ids start above the synthetic ones) are
   added, and it is saved as a generation of ``OSTOJA_BANKS_INDEX_DIR`` with the change
   number (unchanged files are hard-linked, see ``PdqIndex.save``).
2. **Workers share it**: ``--workers`` processes (``BankIndexCache`` as in a web worker)
   open the generation; for each, the time to be ready and its anonymous vs. file-backed
   resident memory (the shared pages are file-backed: one copy per machine).
3. **Bank changes reach every worker**: the parent adds and removes entries through the
   services; every worker polls (``ensure_fresh`` + a search, every 50 ms, like requests would)
   and records when it first sees each change. Reported: the delay from commit to visibility
   per worker and change, and the time a worker spends applying a change.
4. ``POST /api/v1/match`` with 10,000 hashes (Django test client, a ``match`` token): wall
   time of each request after one warm-up request.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_matching_bench \\
      nice -n 10 .venv/bin/python bench/match_service_bench.py \\
      --index bench/data/scale-images-100000000/index
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/h_matching_bench"
ID_BASE = 1_000_000_000  # real entry ids start above the synthetic rows' ids


def rss() -> dict:
    out = {}
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(("RssAnon", "RssFile", "VmRSS")):
                k, v = line.split(":")
                out[k] = int(v.split()[0]) * 1024
    return out


def setup_django(index_dir: str, refresh: float) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ostoja.config.settings.test")
    import django
    from django.conf import settings

    django.setup()
    settings.OSTOJA_BANKS_INDEX_DIR = index_dir
    settings.OSTOJA_BANKS_REFRESH_SECONDS = refresh


def probes(seed: int, k: int) -> list[str]:
    rng = np.random.default_rng(seed)
    return [rng.bytes(32).hex() for _ in range(k)]


def worker(args) -> None:
    t0 = time.time()
    setup_django(args.index_dir, args.refresh)
    from ostoja.banks import index_cache
    from ostoja.banks.index_cache import BankIndexCache

    # time spent applying changes
    applied: list[float] = []
    real_update = BankIndexCache._update

    def timed_update(self, snap, seq):
        t = time.perf_counter()
        real_update(self, snap, seq)
        applied.append(time.perf_counter() - t)

    BankIndexCache._update = timed_update
    cache = BankIndexCache(refresh=args.refresh)
    cache.ensure_fresh()
    ready = time.time() - t0
    mem = rss()
    print(json.dumps({"ready": True}), flush=True)
    adds = probes(args.seed, args.changes)
    seen_add: dict[int, float] = {}
    seen_gone: dict[int, float] = {}
    deadline = time.time() + args.watch_seconds
    searches = 0
    while time.time() < deadline:
        cache.ensure_fresh()
        res = cache.search("pdq", adds, 0)
        now = time.time()
        searches += 1
        for i, r in enumerate(res):
            if r and i not in seen_add:
                seen_add[i] = now
            if not r and i in seen_add and i not in seen_gone:
                seen_gone[i] = now
        time.sleep(0.05)
    snap = cache._snapshot
    out = {
        "pid": os.getpid(),
        "ready_s": ready,
        "rss_after_ready": mem,
        "rss_end": rss(),
        "generation": snap.generation,
        "size": cache.size(),
        "seen_add": seen_add,
        "seen_gone": seen_gone,
        "apply_s": applied,
        "rebuilds": cache.rebuilds,
        "searches": searches,
        "index_dir": str(index_cache.index_dir()),
    }
    print(json.dumps(out), flush=True)


def recreate_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    if not name.endswith("bench"):
        raise SystemExit("the database name must end in 'bench' (it is dropped)")
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--index", required=True, help="a saved PdqIndex (match_scale_bench.py)")
    p.add_argument("--index-dir", default=str(HERE / "data" / "service-index"))
    p.add_argument("--entries", type=int, default=10_000)
    p.add_argument("--workers", type=int, default=3)
    p.add_argument("--refresh", type=float, default=1.0)
    p.add_argument("--changes", type=int, default=4)
    p.add_argument("--watch-seconds", type=float, default=40.0)
    p.add_argument("--requests", type=int, default=3)
    p.add_argument("--seed", type=int, default=1717)
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--write", default=str(HERE / "results" / "matching_service.json"))
    args = p.parse_args(argv)
    os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    if args.worker:
        worker(args)
        return 0

    result: dict = {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        "loadavg_start": os.getloadavg(),
    }
    recreate_database(os.environ["DATABASE_URL"])
    setup_django(args.index_dir, args.refresh)
    from django.core.management import call_command
    from django.db import connection

    t0 = time.time()
    call_command("migrate", verbosity=0)
    result["migrate_s"] = time.time() - t0

    from ostoja.banks import services
    from ostoja.banks.index_cache import _read_sequence, default_cache
    from ostoja.matching import PdqIndex
    from ostoja.organisations.services import create_organisation, issue_api_token

    h = create_organisation(
        actor=None, name="Bench hotline", kind="hotline", slug="bench-hotline", verified=True
    )
    plat = create_organisation(
        actor=None, name="Bench platform", kind="online_platform", slug="bench-pl", verified=True
    )
    bank = services.create_bank(
        actor=None, owner=h, name="Bench", slug="bench", visibility="shared", enabled=True
    )
    with connection.cursor() as cur:
        cur.execute(f"ALTER SEQUENCE banks_bankentry_id_seq RESTART WITH {ID_BASE + 1}")
    rng = np.random.default_rng(args.seed + 1)
    real = [rng.bytes(32).hex() for _ in range(args.entries)]
    t0 = time.time()
    for s in range(0, len(real), services.MAX_DIRECT_ADD):
        services.add_hashes(
            actor=None,
            bank=bank,
            hashes=[("pdq", v) for v in real[s : s + services.MAX_DIRECT_ADD]],
            classification="baseline",
        )
    result["entries_added_s"] = time.time() - t0
    _tok, secret = issue_api_token(actor=None, organisation=plat, name="b", scopes=["match"])

    # 1. publish: the big index + the real entries, with the change number
    from ostoja.banks.models import BankEntry

    pairs = list(BankEntry.objects.filter(bank=bank).values_list("pk", "value"))
    t0 = time.time()
    big = PdqIndex.load(args.index, verify="quick")
    result["big_load_s"] = time.time() - t0
    t0 = time.time()
    big.add([v for _, v in pairs], [pk for pk, _ in pairs])
    epoch, seq = _read_sequence()
    big.save(args.index_dir, meta={"epoch": epoch, "seq": seq, "enabled": [bank.pk]})
    result["publish_s"] = time.time() - t0
    result["published_hashes"] = len(big)
    del big

    # 2. workers
    cmd = [sys.executable, __file__, "--worker", *(argv or sys.argv[1:])]
    procs = []
    t0 = time.time()
    for _ in range(args.workers):
        procs.append(subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=dict(os.environ)))
    for pr in procs:
        line = pr.stdout.readline()
        assert json.loads(line)["ready"], line
    result["all_workers_ready_s"] = time.time() - t0

    # 3. changes while the workers watch
    adds = probes(args.seed, args.changes)
    changes = []
    added_entries = []
    time.sleep(1.3)
    for v in adds:
        e = services.add_entry(
            actor=None, bank=bank, signal_type="pdq", value=v, classification="baseline"
        )
        changes.append({"kind": "add", "t": time.time()})
        added_entries.append(e)
        time.sleep(1.7)
    for e in added_entries:
        services.remove_entry(actor=None, entry=e)
        changes.append({"kind": "remove", "t": time.time()})
        time.sleep(1.7)
    reports = [json.loads(pr.stdout.read().strip().splitlines()[-1]) for pr in procs]
    for pr in procs:
        pr.wait(60)
    delays = []
    for rep in reports:
        for i in range(args.changes):
            seen = rep["seen_add"].get(str(i))
            delays.append(None if seen is None else seen - changes[i]["t"])
            gone = rep["seen_gone"].get(str(i))
            delays.append(None if gone is None else gone - changes[args.changes + i]["t"])
    result["workers"] = reports
    result["change_delays_s"] = delays
    ok = [d for d in delays if d is not None]
    result["change_delay_max_s"] = max(ok) if ok else None
    result["changes_never_seen"] = sum(d is None for d in delays)

    # 4. POST /api/v1/match with 10,000 hashes
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_ACCEPT_LANGUAGE="en")
    qrng = np.random.default_rng(args.seed + 2)
    near = []
    for v in real[:2000]:
        b = bytearray(bytes.fromhex(v))
        for bit in qrng.choice(256, size=int(qrng.integers(0, 9)), replace=False):
            b[bit // 8] ^= 1 << (bit % 8)
        near.append(b.hex())
    body = [{"signal_type": "pdq", "value": v} for v in near + probes(args.seed + 3, 8000)]
    payload = json.dumps({"hashes": body})
    default_cache.reset()
    t0 = time.time()
    r = client.post("/api/v1/match", payload, content_type="application/json")
    result["api_first_request_s"] = time.time() - t0
    assert r.status_code == 200, r.content[:300]
    times = []
    for _ in range(args.requests):
        t0, c0 = time.time(), time.process_time()
        r = client.post("/api/v1/match", payload, content_type="application/json")
        times.append({"wall_s": time.time() - t0, "cpu_s": time.process_time() - c0})
        assert r.status_code == 200
    data = r.json()
    result["api_10k"] = times
    result["api_matched"] = data["matched"]
    result["api_index_size"] = default_cache.size()
    result["loadavg_end"] = os.getloadavg()
    Path(args.write).write_text(json.dumps(result, indent=1, default=str))
    summary = {k: v for k, v in result.items() if k != "workers"}
    summary["workers"] = [
        {k: w[k] for k in ("ready_s", "rss_after_ready", "rss_end", "apply_s", "size", "rebuilds")}
        for w in reports
    ]
    print(json.dumps(summary, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    raise SystemExit(main())
