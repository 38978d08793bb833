"""Benchmark: hotline report intake through the partner API, against a plain INSERT ceiling.

A benchmark, not a test. It measures, in one run, on one PostgreSQL database on loopback:

* **single**: sustained ``POST /api/v1/reports`` (one report, one URL; 10 % re-report an
  address already seen, so items are both created and attached) from several keep-alive
  client threads: reports/s and latency p50/p99;
* **batch**: ``POST /api/v1/reports/batch`` (1,000 reports × N URLs): URLs/s and latency;
* **ceiling**: a plain ``INSERT`` loop (one row per statement, autocommit) into the same
  database, from one connection and from as many connections as the API clients; and a
  multi-row ``INSERT`` of the batch's size (the batch ceiling).

The server is gunicorn (``pip install gunicorn``) with production settings, bound to
127.0.0.1 only. Every report gets an audit entry (single) or every batch one (batch), so the
audit chain is part of what is measured; the chain is verified at the end, and the numbers of
reports, report URLs and items are checked against what was sent.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hotline_bench \\
        .venv/bin/python bench/hotline_intake_bench.py --write

The database named in DATABASE_URL is dropped and re-created: its name must end in "bench".
Bounded: every phase stops at ``--seconds`` or its request count, whichever comes first.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench_common import cpu_model, memory_gib, recreate_database

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="ostoja.config.settings.prod",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        DATABASE_URL=url,
        DB_CONN_MAX_AGE="600",
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT / "src"),
    )
    return env


def django_shell(env: dict, code: str) -> str:
    """Run ``code`` with ``manage.py shell`` under the server's settings; its last line."""
    out = subprocess.run(
        [PYTHON, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip().splitlines()[-1]


def setup_data(env: dict) -> str:
    """Migrate, create the hotline and a platform with a 'reports' token; return the token."""
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    code = (
        "from ostoja.organisations.services import create_organisation, issue_api_token\n"
        "h = create_organisation(actor=None, name='Bench hotline', kind='hotline', "
        "slug='bench-hotline', verified=True)\n"
        "p = create_organisation(actor=None, name='Bench platform', kind='online_platform', "
        "slug='bench-platform', verified=True)\n"
        "t, s = issue_api_token(actor=None, organisation=p, name='bench', scopes=['reports'])\n"
        "print(s)\n"
    )
    return django_shell(env, code)


class Client:
    def __init__(self, port: int, token: str):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.headers = {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Accept-Language": "en",
        }

    def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        for attempt in range(2):
            try:
                self.conn.request("POST", path, body=body, headers=self.headers)
                response = self.conn.getresponse()
                return response.status, response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                if attempt:
                    raise
        raise RuntimeError("unreachable")


def run_single(port, token, *, clients, seconds, max_requests, label="") -> dict:
    latencies: list[list[float]] = [[] for _ in range(clients)]
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    counter = {"n": 0}
    barrier = threading.Barrier(clients + 1)
    stop_at = [0.0]

    def work(index: int) -> None:
        client = Client(port, token)
        barrier.wait()
        i = 0
        while time.perf_counter() < stop_at[0]:
            with lock:
                if counter["n"] >= max_requests:
                    return
                counter["n"] += 1
                n = counter["n"]
            # One report in ten repeats an address seen before (it attaches to its item).
            url = (
                f"https://img.example.net/repeat/{n % 50}"
                if n % 10 == 0
                else f"https://bench.example.com/{label}{index}/{i}"
            )
            body = json.dumps({"incident_type": "csam", "urls": [url]}).encode()
            t0 = time.perf_counter()
            status, _ = client.post("/api/v1/reports", body)
            latencies[index].append(time.perf_counter() - t0)
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
            i += 1

    threads = [threading.Thread(target=work, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    stop_at[0] = time.perf_counter() + seconds
    start = time.perf_counter()
    barrier.wait()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    flat = [x for per in latencies for x in per]
    return {
        "requests": len(flat),
        "wall_s": wall,
        "rate": len(flat) / wall,
        "p50_ms": percentile(flat, 50) * 1000,
        "p99_ms": percentile(flat, 99) * 1000,
        "statuses": statuses,
    }


def run_batch(
    port, token, *, clients, batches, batch_size, urls_per_report, seconds, label=""
) -> dict:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    todo = list(range(batches))
    deadline = time.perf_counter() + seconds
    sent_urls = {"n": 0}

    def body_for(b: int) -> bytes:
        reports = [
            {
                "incident_type": "csam",
                "urls": [
                    f"https://files.example.com/{label}b{b}/r{r}/u{u}"
                    for u in range(urls_per_report)
                ],
            }
            for r in range(batch_size)
        ]
        return json.dumps({"reports": reports}).encode()

    def work() -> None:
        client = Client(port, token)
        while time.perf_counter() < deadline:
            with lock:
                if not todo:
                    return
                b = todo.pop(0)
            body = body_for(b)
            t0 = time.perf_counter()
            status, _ = client.post("/api/v1/reports/batch", body)
            elapsed = time.perf_counter() - t0
            with lock:
                latencies.append(elapsed)
                statuses[status] = statuses.get(status, 0) + 1
                if status == 201:
                    sent_urls["n"] += batch_size * urls_per_report

    start = time.perf_counter()
    threads = [threading.Thread(target=work) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    return {
        "batches": len(latencies),
        "urls": sent_urls["n"],
        "wall_s": wall,
        "rate": sent_urls["n"] / wall,
        "p50_ms": percentile(latencies, 50) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        "statuses": statuses,
    }


def run_ceiling(url: str, *, connections: int, seconds: float, batch_rows: int) -> dict:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS bench_insert (id bigserial PRIMARY KEY, url text NOT NULL,"
            " url_sha256 char(64) NOT NULL, created_at timestamptz NOT NULL DEFAULT now())"
        )

    def loop(index: int, out: list, barrier) -> None:
        with psycopg.connect(url, autocommit=True) as conn:
            barrier.wait()
            n = 0
            end = time.perf_counter() + seconds
            while time.perf_counter() < end:
                conn.execute(
                    "INSERT INTO bench_insert (url, url_sha256) VALUES (%s, %s)",
                    (f"https://ceiling.example.com/{index}/{n}", "0" * 64),
                )
                n += 1
            out.append(n)

    def chained(index: int, out: list, barrier) -> None:
        # What every audited state change does: the row lock on the chain head is held
        # until COMMIT, so these transactions cannot share a commit (no group commit).
        with psycopg.connect(url) as conn:
            barrier.wait()
            n = 0
            end = time.perf_counter() + seconds
            while time.perf_counter() < end:
                conn.execute(
                    "INSERT INTO bench_insert (url, url_sha256) VALUES (%s, %s)",
                    (f"https://ceiling.example.com/c{index}/{n}", "0" * 64),
                )
                conn.execute("UPDATE bench_head SET seq = seq + 1 WHERE id = 1")
                conn.commit()
                n += 1
            out.append(n)

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_head (id int PRIMARY KEY, seq bigint)")
        conn.execute("INSERT INTO bench_head VALUES (1, 0) ON CONFLICT DO NOTHING")

    results = {}
    variants = (
        ("one connection", 1, loop),
        (f"{connections} connections", connections, loop),
        (f"{connections} connections, each also updating one shared row", connections, chained),
    )
    for label, k, target in variants:
        counts: list[int] = []
        barrier = threading.Barrier(k)
        threads = [threading.Thread(target=target, args=(i, counts, barrier)) for i in range(k)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        results[label] = sum(counts) / seconds

    rows = [(f"https://ceiling.example.com/batch/{i}", "0" * 64) for i in range(batch_rows)]
    with psycopg.connect(url) as conn:
        timings = []
        for _ in range(5):
            t0 = time.perf_counter()
            with conn.cursor() as cur:
                cur.executemany("INSERT INTO bench_insert (url, url_sha256) VALUES (%s, %s)", rows)
            conn.commit()
            timings.append(time.perf_counter() - t0)
    results[f"multi-row, {batch_rows} rows per transaction"] = batch_rows / statistics.median(
        timings
    )
    return results


def cpu_seconds(pids) -> float:
    """User + system CPU time of these processes (Linux /proc), in seconds."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / tick


def server_pids(arbiter: int) -> list[int]:
    try:
        children = Path(f"/proc/{arbiter}/task/{arbiter}/children").read_text().split()
    except OSError:
        children = []
    return [arbiter, *map(int, children)]


def postgres_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
            except OSError:
                pass
    return pids


class Meter:
    """CPU time of the web server and of PostgreSQL, and committed transactions, over a phase."""

    def __init__(self, url: str, arbiter: int):
        self.url, self.arbiter = url, arbiter

    def _read(self) -> tuple[float, float, int]:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            commits = conn.execute(
                "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"
            ).fetchone()[0]
        return cpu_seconds(server_pids(self.arbiter)), cpu_seconds(postgres_pids()), commits

    def __enter__(self):
        self.before = self._read()
        return self

    def __exit__(self, *exc):
        self.after = self._read()

    def per(self, count: int) -> dict:
        web, pg, commits = (a - b for a, b in zip(self.after, self.before, strict=True))
        count = max(1, count)
        return {
            "web_cpu_ms": web / count * 1000,
            "pg_cpu_ms": pg / count * 1000,
            "transactions": commits,
        }


def check_database(env: dict) -> dict:
    code = (
        "import json\n"
        "from ostoja.hotline.models import Report, ReportUrl, Item\n"
        "from ostoja.audit.services import verify_chain\n"
        "from ostoja.audit.models import AuditEntry\n"
        "print(json.dumps({'reports': Report.objects.count(), "
        "'report_urls': ReportUrl.objects.count(), 'items': Item.objects.count(), "
        "'audit_entries': AuditEntry.objects.count(), "
        "'chain_problem': str(verify_chain() or '')}))\n"
    )
    return json.loads(django_shell(env, code))


def machine() -> dict:
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "memory": f"{memory_gib():.0f} GiB",
        "os": platform.platform(),
        "python": platform.python_version(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20, help="length of each timed phase")
    parser.add_argument("--max-requests", type=int, default=30000)
    parser.add_argument("--clients", type=int, default=32, help="concurrent API clients")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=16, help="threads per gunicorn worker")
    parser.add_argument(
        "--rounds", type=int, default=3, help="timed rounds of each phase (median reported)"
    )
    parser.add_argument("--batches", type=int, default=6, help="batches per round")
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--urls-per-report", type=int, default=5)
    parser.add_argument("--batch-clients", type=int, default=2)
    parser.add_argument(
        "--write", action="store_true", help="write bench/results/hotline_intake.md"
    )
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL=postgres://postgres@127.0.0.1:5432/hotline_bench")
    if not Path(GUNICORN).exists():
        sys.exit(f"{GUNICORN} is missing: run `make bench` once (it installs the bench extras).")
    load_before = os.getloadavg()
    recreate_database(url)
    env = server_env(url)
    token = setup_data(env)
    import psycopg

    with psycopg.connect(url) as conn:
        pg_version = conn.execute("SHOW server_version").fetchone()[0]
        sync_commit = conn.execute("SHOW synchronous_commit").fetchone()[0]

    port = free_port()
    server = subprocess.Popen(
        [
            GUNICORN,
            "ostoja.config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(args.threads),
            "--keep-alive",
            "30",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(200):
            try:
                probe = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                probe.request("GET", "/healthz")
                if probe.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            sys.exit("gunicorn did not start")
        print("warm-up…", flush=True)
        run_single(port, token, clients=args.clients, seconds=3, max_requests=500, label="w")
        singles, batches = [], []
        for r in range(args.rounds):
            print(f"round {r + 1}: single reports…", flush=True)
            with Meter(url, server.pid) as meter:
                single = run_single(
                    port,
                    token,
                    clients=args.clients,
                    seconds=args.seconds,
                    max_requests=args.max_requests,
                    label=f"s{r}-",
                )
            single.update(meter.per(single["requests"]))
            print(json.dumps(single), flush=True)
            singles.append(single)
            print(f"round {r + 1}: batches…", flush=True)
            with Meter(url, server.pid) as meter:
                batch = run_batch(
                    port,
                    token,
                    clients=args.batch_clients,
                    batches=args.batches,
                    batch_size=args.batch_size,
                    urls_per_report=args.urls_per_report,
                    seconds=max(args.seconds * 3, 60),
                    label=f"r{r}-",
                )
            batch.update(meter.per(batch["urls"]))
            print(json.dumps(batch), flush=True)
            batches.append(batch)
    finally:
        server.terminate()
        server.wait(timeout=30)

    print("database check…", flush=True)
    check = check_database(env)
    print(json.dumps(check), flush=True)
    print("INSERT ceiling…", flush=True)
    ceiling = run_ceiling(
        url,
        connections=args.clients,
        seconds=min(args.seconds, 10),
        batch_rows=args.batch_size * args.urls_per_report,
    )
    print(json.dumps(ceiling), flush=True)

    load = os.getloadavg()
    report = render(
        args, singles, batches, ceiling, check, pg_version, sync_commit, load_before, load
    )
    print(report)
    if args.write:
        out = ROOT / "bench" / "results" / "hotline_intake.md"
        out.write_text(report, encoding="utf-8")
        print(f"written to {out.relative_to(ROOT)}")


def median_round(rounds: list[dict]) -> dict:
    return sorted(rounds, key=lambda r: r["rate"])[len(rounds) // 2]


def render(args, singles, batches, ceiling, check, pg_version, sync_commit, load_before, load):
    m = machine()
    single, batch = median_round(singles), median_round(batches)
    ok_single = all(r["statuses"].get(201, 0) == r["requests"] for r in singles)
    ok_batch = all(r["statuses"].get(201, 0) == r["batches"] for r in batches)
    per_txn = single["requests"] / max(1, single["transactions"])
    lines = [
        "# Hotline intake benchmark",
        "",
        f"- Date: {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- Machine: {m['cpu']}, {m['cores']} cores, {m['memory']} RAM; {m['os']}",
        f"- Python {m['python']}, PostgreSQL {pg_version} on 127.0.0.1 "
        f"(synchronous_commit={sync_commit}), gunicorn {args.workers} workers × "
        f"{args.threads} threads (gthread), production settings, persistent DB connections",
        f"- Load generator on the same machine: {args.clients} keep-alive client threads "
        f"(single), {args.batch_clients} (batch); {args.rounds} rounds of each phase, the "
        "median round is in bold",
        f"- Load average (1/5/15 min) before: {load_before[0]:.1f}/{load_before[1]:.1f}/"
        f"{load_before[2]:.1f}, after: {load[0]:.1f}/{load[1]:.1f}/{load[2]:.1f} "
        "(the load generator, the server and PostgreSQL share the 2 cores)",
        "- Command: `DATABASE_URL=postgres://postgres@127.0.0.1:5432/hotline_bench "
        f".venv/bin/python bench/hotline_intake_bench.py --seconds {args.seconds:g} "
        f"--rounds {args.rounds} --clients {args.clients} --workers {args.workers} "
        f"--threads {args.threads} --batches {args.batches} --batch-size {args.batch_size} "
        f"--urls-per-report {args.urls_per_report} --write`",
        "",
        "| phase | round | volume | rate | p50 | p99 | CPU per unit: web / PostgreSQL | target |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for i, r in enumerate(singles, 1):
        bold = "**" if r is single else ""
        lines.append(
            f"| single `POST /api/v1/reports` (1 URL) | {i} | {r['requests']} reports in "
            f"{r['wall_s']:.1f} s | {bold}{r['rate']:.0f} reports/s{bold} | "
            f"{r['p50_ms']:.1f} ms | {r['p99_ms']:.1f} ms | {r['web_cpu_ms']:.2f} / "
            f"{r['pg_cpu_ms']:.2f} ms per report | ≥ 500 reports/s: "
            f"{'met' if r['rate'] >= 500 else 'missed'} |"
        )
    for i, r in enumerate(batches, 1):
        bold = "**" if r is batch else ""
        lines.append(
            f"| batch `POST /api/v1/reports/batch` ({args.batch_size} reports × "
            f"{args.urls_per_report} URLs) | {i} | {r['urls']} URLs in {r['batches']} batches, "
            f"{r['wall_s']:.1f} s | {bold}{r['rate']:.0f} URLs/s{bold} | "
            f"{r['p50_ms']:.0f} ms | {r['p99_ms']:.0f} ms | {r['web_cpu_ms'] * 1000:.0f} / "
            f"{r['pg_cpu_ms'] * 1000:.0f} µs per URL | ≥ 5,000 URLs/s: "
            f"{'met' if r['rate'] >= 5000 else 'missed'} |"
        )
    for label, rate in ceiling.items():
        lines.append(f"| ceiling: plain `INSERT`, {label} | | | {rate:.0f} rows/s | | | | |")
    lines += [
        "",
        f"Correctness: every answer 201 in every round: {'yes' if ok_single and ok_batch else 'NO'}"
        f"; in the database {check['reports']} reports, {check['report_urls']} report URLs, "
        f"{check['items']} items, {check['audit_entries']} audit entries; audit chain "
        f"{'intact' if not check['chain_problem'] else 'BROKEN: ' + check['chain_problem']}.",
        "",
        "## Where the time goes",
        "",
        f"* **Single reports share transactions (group commit).** In the median round "
        f"{single['requests']} reports were stored in {single['transactions']} committed "
        f"transactions ({per_txn:.1f} reports per transaction): the threads of a worker that "
        "submit at the same moment are written by one of them in one transaction — one "
        "advance of the audit chain head, one locked look-up of the items, multi-row INSERTs "
        "— and each gets its 201 only after that commit. The web server spent "
        f"{single['web_cpu_ms']:.2f} ms of CPU per report and PostgreSQL "
        f"{single['pg_cpu_ms']:.2f} ms; the rest of the two cores went to the load generator. "
        'The ceiling row "each also updating one shared row" in the table is what one '
        "transaction per report would allow at best, before any Django work.",
        "* **Batches: Python work per row.** One batch is one transaction with one audit "
        "entry; canonicalisation, the model instances of 1,000 reports and 5,000 items and "
        "the conversion of their values dominate. The INSERTs are built directly (PostgreSQL "
        "native placeholders: psycopg would parse a 17,500-placeholder statement in Python).",
        "* The web server's CPU per report includes HTTP parsing, Django's middleware, token "
        "authentication (cached for 2 s), validation and the JSON answer; see "
        "docs/benchmarks.md for the profile and what was changed.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
