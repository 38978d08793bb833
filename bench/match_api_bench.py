"""Benchmark: ``POST /api/v1/match`` with 10,000 PDQ hashes over a published index (issue 17).

Measures the whole API path (JSON parsing and validation, the index search, the database
check of the candidates, the answer) at 1M-10M indexed hashes, and compares two source trees
in the same run: ``--baseline-src`` (e.g. the commit before a change, extracted with
``git archive <commit> src | tar -x -C /tmp/base``) against this checkout's ``src``. Both run
in their own subprocesses, alternately, against the same database and the same published
index, so the machine's load moves both alike.

1. A throwaway PostgreSQL database (``h_matching_api_bench``: dropped and re-created), one
   shared bank with ``--entries`` real PDQ entries added through ``banks.services``, a
   ``match`` token of another organisation.
2. ``--n`` uniform random hashes (ids above the real entries') plus the real entries are
   published as the shared index (``OSTOJA_BANKS_INDEX_DIR``) with the change number.
3. Each variant: one warm-up request, then ``--requests`` timed requests (wall and CPU time
   of the process). The body: 2,000 near duplicates of real entries (0-8 bits flipped) and
   8,000 random hashes. Every answer is checked to be identical between the variants. The
   kernel alone (``BankIndexCache.search`` of the same hashes) is timed after the requests,
   and the requests once more with the search answered from memory (everything but the
   kernel: parsing, validation, the database check, the answer).
   ``--profile`` prints a cProfile of one request of this checkout.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_matching_api_bench \\
      nice -n 10 .venv/bin/python bench/match_api_bench.py --n 10000000 \\
      --baseline-src /tmp/matching-base/src
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/h_matching_api_bench"
SYNTHETIC_ID_BASE = 1_000_000_000


def setup_django(index_dir: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ostoja.config.settings.test")
    import django
    from django.conf import settings

    django.setup()
    settings.OSTOJA_BANKS_INDEX_DIR = index_dir
    settings.OSTOJA_BANKS_REFRESH_SECONDS = 1


def prepare(args) -> dict:
    from bench_common import recreate_database

    recreate_database(os.environ["DATABASE_URL"])
    setup_django(args.index_dir)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from ostoja.banks import services
    from ostoja.banks.index_cache import _read_sequence
    from ostoja.banks.models import BankEntry
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
    rng = np.random.default_rng(args.seed)
    real = [rng.bytes(32).hex() for _ in range(args.entries)]
    for s in range(0, len(real), services.MAX_DIRECT_ADD):
        services.add_hashes(
            actor=None,
            bank=bank,
            hashes=[("pdq", v) for v in real[s : s + services.MAX_DIRECT_ADD]],
            classification="baseline",
        )
    _tok, secret = issue_api_token(actor=None, organisation=plat, name="b", scopes=["match"])
    t0 = time.time()
    words = rng.integers(0, 2**64, size=(args.n, 4), dtype=np.uint64)
    ids = np.arange(SYNTHETIC_ID_BASE, SYNTHETIC_ID_BASE + args.n, dtype=np.int64)
    index = PdqIndex.from_words(words, ids)
    del words, ids
    pairs = list(BankEntry.objects.filter(bank=bank).values_list("pk", "value"))
    index.add([v for _, v in pairs], [pk for pk, _ in pairs])
    epoch, seq = _read_sequence()
    index.save(args.index_dir, meta={"epoch": epoch, "seq": seq, "enabled": [bank.pk]})
    built = time.time() - t0
    qrng = np.random.default_rng(args.seed + 2)
    near = []
    for v in real[:2000]:
        b = bytearray(bytes.fromhex(v))
        for bit in qrng.choice(256, size=int(qrng.integers(0, 9)), replace=False):
            b[bit // 8] ^= 1 << (bit % 8)
        near.append(b.hex())
    randoms = [qrng.bytes(32).hex() for _ in range(args.hashes - len(near))]
    body = {"hashes": [{"signal_type": "pdq", "value": v} for v in near + randoms]}
    Path(args.payload).write_text(json.dumps(body))
    return {"secret": secret, "index_hashes": len(index), "build_and_publish_s": built}


def client(args) -> None:
    """One variant (whichever ``ostoja`` is on the path): warm up, then time requests."""
    setup_django(args.index_dir)
    import resource

    from django.test import Client

    import ostoja

    payload = Path(args.payload).read_text()
    c = Client(HTTP_AUTHORIZATION=f"Bearer {args.secret}", HTTP_ACCEPT_LANGUAGE="en")
    t0 = time.time()
    r = c.post("/api/v1/match", payload, content_type="application/json")
    first = time.time() - t0
    assert r.status_code == 200, r.content[:300]
    times = []
    for _ in range(args.requests):
        t0, c0 = time.perf_counter(), time.process_time()
        r = c.post("/api/v1/match", payload, content_type="application/json")
        times.append({"wall_s": time.perf_counter() - t0, "cpu_s": time.process_time() - c0})
        assert r.status_code == 200
    data = json.loads(r.content)
    # the kernel alone (the index search of the same hashes, as the request makes it)
    from ostoja.banks.index_cache import default_cache

    values = [x["value"].lower() for x in json.loads(payload)["hashes"]]
    kernel = []
    for _ in range(args.requests):
        c0 = time.process_time()
        default_cache.search("pdq", values, 31)
        kernel.append(time.process_time() - c0)
    # everything but the kernel: the same requests with the search answered from memory
    found = default_cache.search("pdq", values, 31)
    real_search = default_cache.search
    default_cache.search = lambda signal_type, v, threshold=None: found
    outside = []
    for _ in range(args.requests):
        c0 = time.process_time()
        c.post("/api/v1/match", payload, content_type="application/json")
        outside.append(time.process_time() - c0)
    default_cache.search = real_search
    if args.profile:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        prof.enable()
        c.post("/api/v1/match", payload, content_type="application/json")
        prof.disable()
        pstats.Stats(prof, stream=sys.stderr).sort_stats("cumulative").print_stats(35)
        pstats.Stats(prof, stream=sys.stderr).sort_stats("tottime").print_stats(25)
    print(
        json.dumps(
            {
                "src": str(Path(ostoja.__file__).parents[1]),
                "first_s": first,
                "requests": times,
                "kernel_cpu_s": kernel,
                "outside_kernel_cpu_s": outside,
                "matched": data["matched"],
                "answer_sha256": hashlib.sha256(
                    json.dumps(data, sort_keys=True).encode()
                ).hexdigest(),
                "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "response_bytes": len(r.content),
            }
        )
    )


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--n", type=int, default=1_000_000, help="synthetic hashes in the index")
    p.add_argument("--entries", type=int, default=10_000)
    p.add_argument("--hashes", type=int, default=10_000, help="hashes per request")
    p.add_argument("--requests", type=int, default=3)
    p.add_argument("--rounds", type=int, default=2, help="alternating rounds per variant")
    p.add_argument("--baseline-src", help="the other tree's src directory")
    p.add_argument("--index-dir", default=str(HERE / "data" / "api-bench-index"))
    p.add_argument("--payload", default=str(HERE / "data" / "api-bench-payload.json"))
    p.add_argument("--seed", type=int, default=1717)
    p.add_argument("--profile", action="store_true")
    p.add_argument(
        "--reuse", action="store_true", help="keep the database and index of the last run"
    )
    p.add_argument("--client", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--secret", help=argparse.SUPPRESS)
    p.add_argument("--write", help="JSON results file")
    args = p.parse_args(argv)
    os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    if args.client:
        client(args)
        return 0
    Path(args.payload).parent.mkdir(parents=True, exist_ok=True)
    result: dict = {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        "loadavg_start": os.getloadavg(),
    }
    state = Path(args.index_dir + ".state.json")
    if args.reuse and state.exists():
        prepared = json.loads(state.read_text())
    else:
        prepared = prepare(args)
        state.write_text(json.dumps(prepared))
    result.update(prepared)
    secret = result.pop("secret")
    variants = {"after": str(ROOT / "src")}
    if args.baseline_src:
        variants = {"before": args.baseline_src, **variants}
    runs: dict[str, list] = {name: [] for name in variants}
    for _round in range(args.rounds):
        for name, src in variants.items():
            env = dict(os.environ, PYTHONPATH=src)
            cmd = [
                sys.executable,
                __file__,
                "--client",
                "--secret",
                secret,
                "--index-dir",
                args.index_dir,
                "--payload",
                args.payload,
                "--requests",
                str(args.requests),
            ]
            if args.profile and name == "after" and _round == 0:
                cmd.append("--profile")
            out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
            if out.returncode:
                raise SystemExit(out.stderr[-3000:])
            if "--profile" in cmd:
                print(out.stderr[-12000:], file=sys.stderr)
            rep = json.loads(out.stdout.strip().splitlines()[-1])
            rep["loadavg"] = os.getloadavg()
            runs[name].append(rep)
            print(name, json.dumps(rep), flush=True)
    result["runs"] = runs
    answers = {rep["answer_sha256"] for reps in runs.values() for rep in reps}
    result["answers_identical"] = len(answers) == 1
    result["summary"] = {
        name: {
            "wall_s": sorted(t["wall_s"] for rep in reps for t in rep["requests"]),
            "cpu_s": sorted(t["cpu_s"] for rep in reps for t in rep["requests"]),
            "matched": reps[0]["matched"],
            "kernel_cpu_s": sorted(k for rep in reps for k in rep.get("kernel_cpu_s", [])),
            "outside_kernel_cpu_s": sorted(
                k for rep in reps for k in rep.get("outside_kernel_cpu_s", [])
            ),
        }
        for name, reps in runs.items()
    }
    result["loadavg_end"] = os.getloadavg()
    if args.write:
        Path(args.write).write_text(json.dumps(result, indent=1))
    print(json.dumps({k: v for k, v in result.items() if k != "runs"}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
