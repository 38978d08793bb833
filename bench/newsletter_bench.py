"""Benchmark: one newsletter issue to 20,000 confirmed subscribers (issue 12, Performance).

A benchmark, not a test. Steps:

1. a fresh database (PostgreSQL ``h_newsletter_bench`` by default, dropped and re-created;
   or an SQLite file with ``--sqlite``), migrated; ``--subscribers`` confirmed subscribers of
   a public list (one in five English), a few sent issues in the archive;
2. a loopback SMTP server (aiosmtpd) in a process of its own, counting every message it
   accepts: the recipient, and the token in its ``List-Unsubscribe`` header;
3. the web server (``manage.py runserver``, threaded, DEBUG off) in a process of its own;
4. **the send**: ``manage.py newsletter_send`` (the scheduler's job) in a child process — it
   renders the issue once per language, writes one outbox message per subscriber and delivers
   them in batches over one SMTP connection each. Wall time and the child's CPU time (user +
   sys) are measured; the SMTP server's CPU is reported apart;
5. **during the send**, ``--clients`` concurrent HTTP clients request public pages (sign-up,
   archive, an issue, home page) with a short pause between requests; p50/p95 latency is
   compared with the same load before the send;
6. **correctness**: every subscriber received exactly one message, to its own address, with
   its own unsubscribe token (checked against the database), and nothing else arrived.

``--baseline N`` also sends an issue to N subscribers of another list through the outbox's
ordinary per-message path (``deliver_due``: a claim and a new SMTP connection per message, no
shared rendering) for comparison.

    python bench/newsletter_bench.py --write
    python bench/newsletter_bench.py --subscribers 2000 --sqlite

Targets: 20,000 messages in under 2 minutes; pages p95 < 200 ms during the send. Results go to
``bench/results/newsletter.md`` with ``--write``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench_common import cpu_model, memory_gib, recreate_database

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "newsletter.md"
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/h_newsletter_bench"
TARGET_SECONDS = 120.0
TARGET_P95_MS = 200.0
TOKEN = re.compile(rb"/newsletter/u/([A-Za-z0-9_-]+)/")


def percentile(values, p):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the SMTP server (a child process) ------------------------------------------------------


def smtp_server(port: int, out: str) -> None:
    """Accept everything; on SIGTERM write what arrived (recipient → tokens) to ``out``."""
    from aiosmtpd.controller import Controller

    received: list[tuple[str, str, str]] = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            content = envelope.original_content
            header_end = content.find(b"\r\n\r\n")
            headers = content[:header_end]
            match = TOKEN.search(headers)
            token = match.group(1).decode() if match else ""
            received.append((",".join(envelope.rcpt_tos), token, envelope.mail_from))
            return "250 OK"

    controller = Controller(
        Handler(), hostname="127.0.0.1", port=port, server_hostname="smtp.bench.test"
    )
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    while not stop.wait(0.2):
        pass
    controller.stop()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    Path(out).write_text(
        json.dumps({"received": received, "cpu_s": usage.ru_utime + usage.ru_stime})
    )


# --- data -----------------------------------------------------------------------------------


def django_env(args, tmp: Path, smtp_port: int, web_port: int) -> dict:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),
        "DJANGO_SETTINGS_MODULE": "ostoja.config.settings.base",
        "SECRET_KEY": "newsletter-bench-secret-key-0123456789abcdef-not-for-production",
        "DATABASE_URL": args.database_url,
        "OSTOJA_VAR_DIR": str(tmp),
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "SITE_URL": f"http://127.0.0.1:{web_port}",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
    }


def seed(args) -> None:
    """Runs in a child with Django set up (``--child seed``)."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # the manifest for {% static %}
    from ostoja.accounts.services import create_user
    from ostoja.newsletter import services
    from ostoja.newsletter.models import Issue, NewsletterList, Subscriber
    from ostoja.organisations.models import Organisation
    from ostoja.organisations.services import add_membership

    org = Organisation.objects.create(name="Koalicja (bench)", slug="bench", kind="ngo")
    coordinator = create_user(actor=None, email="koordynator@bench.invalid", password=None)
    add_membership(actor=None, user=coordinator, organisation=org, role="coordinator")
    now = timezone.now()

    def fill(newsletter, n, prefix):
        rows = [
            Subscriber(
                newsletter=newsletter,
                email=f"{prefix}{i:06d}@example.org",
                language="en" if i % 5 == 0 else "pl",
                state=Subscriber.State.CONFIRMED,
                confirmed_at=now,
                unsubscribe_token=services.new_token(),
            )
            for i in range(n)
        ]
        Subscriber.objects.bulk_create(rows, batch_size=2000)

    public = NewsletterList.objects.create(name="Newsletter Partnerstwa", slug="bench-public")
    fill(public, args.subscribers, "czytelnik")
    body = "\n\n".join(
        f"## Część {i}\n\nTekst **numeru** z [linkiem](https://example.org/{i}) i listą:\n\n"
        "* pierwsza rzecz\n* druga rzecz\n"
        for i in range(6)
    )
    for n in range(5):
        Issue.objects.create(
            newsletter=public,
            subject_pl=f"Numer archiwalny {n}",
            body_pl=body,
            state=Issue.State.SENT,
            sent_at=now,
        )
    issue = services.save_issue(
        actor=coordinator,
        newsletter=public,
        subject_pl="Newsletter — numer testowy",
        body_pl=body,
        subject_en="Newsletter — test issue",
        body_en=body.replace("Część", "Part"),
    )
    if args.baseline:
        other = NewsletterList.objects.create(name="Porównanie", slug="bench-baseline")
        fill(other, args.baseline, "porownanie")
        services.save_issue(
            actor=coordinator, newsletter=other, subject_pl="Porównanie", body_pl=body
        )
    # A sent issue of the archive: with ``-sent_at`` ordering PostgreSQL puts the unsent issue
    # (sent_at NULL) first, and its archive page is a 404 until it is sent. That was the
    # "page errors during the send" of earlier runs (all HTTP 404 on that one path).
    archived = Issue.objects.filter(state=Issue.State.SENT).order_by("-sent_at").first()
    print(json.dumps({"issue": issue.pk, "archive_issue": archived.pk}))


def send(args) -> None:
    """``--child send``: schedule the issue now and run the scheduler's job."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from ostoja.newsletter import services
    from ostoja.newsletter.models import Issue

    coordinator = get_user_model().objects.get(email="koordynator@bench.invalid")
    issue = Issue.objects.get(newsletter__slug=args.list, state="draft")
    services.schedule_issue(actor=coordinator, issue=issue)
    start = time.perf_counter()
    if args.list == "bench-baseline":
        from ostoja.newsletter import sending
        from ostoja.outbox.services import deliver_due

        sending.enqueue_issue(issue.pk)
        while deliver_due(limit=1000).total:
            pass
    else:
        call_command("newsletter_send")
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(
        json.dumps(
            {
                "wall_s": time.perf_counter() - start,
                "cpu_s": usage.ru_utime + usage.ru_stime,
            }
        )
    )


def expected_tokens(args) -> None:
    import django

    django.setup()
    from ostoja.newsletter.models import Subscriber

    rows = Subscriber.objects.filter(newsletter__slug=args.list).values_list(
        "email", "unsubscribe_token"
    )
    print(json.dumps(dict(rows)))


# --- load -----------------------------------------------------------------------------------


class Load:
    def __init__(self, base: str, paths: list[str], clients: int, pause: float):
        self.base, self.paths, self.clients, self.pause = base, paths, clients, pause
        self.samples: list[float] = []
        self.errors = 0
        self.error_kinds: dict[str, int] = {}  # "HTTP 503", "ConnectionResetError", …
        self.stop = threading.Event()

    def _client(self, n: int):
        i = n
        while not self.stop.is_set():
            path = self.paths[i % len(self.paths)]
            i += 1
            t0 = time.perf_counter()
            kind = ""
            try:
                with urllib.request.urlopen(self.base + path, timeout=30) as r:  # noqa: S310
                    r.read()
                    ok = r.status == 200
                    kind = "" if ok else f"HTTP {r.status}"
            except urllib.error.HTTPError as exc:
                ok, kind = False, f"HTTP {exc.code} {path}"
            except OSError as exc:
                ok, kind = False, type(exc).__name__
            if kind:
                self.error_kinds[kind] = self.error_kinds.get(kind, 0) + 1
            elapsed = (time.perf_counter() - t0) * 1000
            if ok:
                self.samples.append(elapsed)
            else:
                self.errors += 1
            self.stop.wait(self.pause)

    def run_for(self, seconds: float | None = None, until=None):
        threads = [
            threading.Thread(target=self._client, args=(n,), daemon=True)
            for n in range(self.clients)
        ]
        for t in threads:
            t.start()
        if until is not None:
            until()
        else:
            time.sleep(seconds)
        self.stop.set()
        for t in threads:
            t.join()
        return {
            "n": len(self.samples),
            "errors": self.errors,
            "error_kinds": self.error_kinds,
            "p50": percentile(self.samples, 50),
            "p95": percentile(self.samples, 95),
            "max": max(self.samples) if self.samples else float("nan"),
        }


def child(args, *extra, env):
    out = subprocess.run(
        [sys.executable, __file__, *extra, "--database-url", args.database_url],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        sys.exit(f"{extra} failed:\n{out.stdout}\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310
                return
        except OSError:
            time.sleep(0.3)
    sys.exit(f"{url} did not answer")


def run_send(args, env, tmp, smtp_port, list_slug, load_paths, base):
    smtp_out = tmp / f"smtp-{list_slug}.json"
    smtp = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            __file__,
            "--child",
            "smtp",
            "--port",
            str(smtp_port),
            "--out",
            str(smtp_out),
        ],
        env=env,
    )
    time.sleep(1.5)
    result = {}

    def do_send():
        result.update(child(args, "--child", "send", "--list", list_slug, env=env))

    load = Load(base, load_paths, args.clients, args.pause)
    during = load.run_for(until=do_send)
    time.sleep(1.0)
    smtp.send_signal(signal.SIGTERM)
    smtp.wait(timeout=60)
    data = json.loads(smtp_out.read_text())
    expected = child(args, "--child", "tokens", "--list", list_slug, env=env)
    received = data["received"]
    per_recipient: dict[str, list[str]] = {}
    for rcpt, token, _mail_from in received:
        per_recipient.setdefault(rcpt, []).append(token)
    duplicates = sum(len(v) - 1 for v in per_recipient.values() if len(v) > 1)
    missing = len(set(expected) - set(per_recipient))
    wrong_token = sum(
        1 for rcpt, tokens in per_recipient.items() if tokens[0] != expected.get(rcpt)
    )
    return {
        "messages": len(received),
        "expected": len(expected),
        "duplicates": duplicates,
        "missing": missing,
        "wrong_token": wrong_token,
        "distinct_tokens": len({t for _r, t, _m in received}),
        "wall_s": result["wall_s"],
        "sender_cpu_s": result["cpu_s"],
        "smtp_cpu_s": data["cpu_s"],
        "during": during,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child")
    parser.add_argument("--port", type=int)
    parser.add_argument("--out")
    parser.add_argument("--list", default="bench-public")
    parser.add_argument("--subscribers", type=int, default=20000)
    parser.add_argument("--baseline", type=int, default=0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--pause", type=float, default=0.1)
    parser.add_argument("--database-url", default=DEFAULT_PG)
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()

    if args.child == "smtp":
        return smtp_server(args.port, args.out)
    if args.child == "seed":
        return seed(args)
    if args.child == "send":
        return send(args)
    if args.child == "tokens":
        return expected_tokens(args)

    tmp = Path(tempfile.mkdtemp(prefix="newsletter-bench-"))
    if args.sqlite:
        args.database_url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    else:
        recreate_database(args.database_url)
    smtp_port, web_port = free_port(), free_port()
    env = django_env(args, tmp, smtp_port, web_port)
    t0 = time.perf_counter()
    seeded = child(
        args,
        "--child",
        "seed",
        "--subscribers",
        str(args.subscribers),
        "--baseline",
        str(args.baseline),
        env=env,
    )
    seed_s = time.perf_counter() - t0
    web = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            str(ROOT / "manage.py"),
            "runserver",
            "--noreload",
            f"127.0.0.1:{web_port}",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{web_port}"
    try:
        wait_for(base + "/newsletter/")
        paths = [
            "/newsletter/",
            "/newsletter/archive/",
            f"/newsletter/archive/{seeded['archive_issue']}/",
            "/",
            "/en/newsletter/archive/",
        ]
        Load(base, paths, args.clients, args.pause).run_for(5)  # warm-up
        idle = Load(base, paths, args.clients, args.pause).run_for(20)
        results = {"main": run_send(args, env, tmp, smtp_port, "bench-public", paths, base)}
        if args.baseline:
            results["baseline"] = run_send(args, env, tmp, smtp_port, "bench-baseline", paths, base)
    finally:
        web.terminate()
        web.wait(timeout=30)
    with open("/proc/loadavg") as fh:
        load_avg = fh.read().split()[:3]
    summary = {
        "database": "SQLite" if args.sqlite else "PostgreSQL",
        "subscribers": args.subscribers,
        "seed_s": seed_s,
        "idle": idle,
        "load_avg": load_avg,
        **results,
    }
    print(json.dumps(summary, indent=2))
    text = report(summary, args)
    print(text)
    if args.write:
        RESULTS.parent.mkdir(exist_ok=True)
        previous = RESULTS.read_text() if RESULTS.exists() else "# Newsletter benchmark\n\n"
        RESULTS.write_text(previous + "\n" + text)


def report(s: dict, args) -> str:
    m = s["main"]
    rate = m["messages"] / m["wall_s"]

    def per(cpu_s):
        return cpu_s / max(1, m["messages"]) * 1000

    lines = [
        f"## {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M')} UTC: one issue to "
        f"{s['subscribers']:,} subscribers, {s['database']}",
        "",
        f"Machine: {cpu_model()}, {os.cpu_count()} cores, {memory_gib():.0f} GiB RAM, Python "
        f"{platform.python_version()}. Load average "
        f"after the run: {' '.join(s['load_avg'])}. Web server: `manage.py runserver` "
        f"(threaded); {args.clients} HTTP clients, {args.pause * 1000:.0f} ms pause between "
        "requests, on 5 public pages.",
        "",
        "| what | target | result |",
        "|---|---|---|",
        f"| wall time of the send (render + enqueue + deliver) | < 120 s | {m['wall_s']:.1f} s |",
        f"| messages per second | — | {rate:.0f} |",
        f"| sender CPU per message (user + sys) | — | {per(m['sender_cpu_s']):.2f} ms |",
        f"| SMTP server (aiosmtpd) CPU per message | — | {per(m['smtp_cpu_s']):.2f} ms |",
        f"| delivered exactly once, own address and token | {m['expected']:,} × 1 | "
        f"{m['messages']:,} messages, {m['duplicates']} duplicates, {m['missing']} missing, "
        f"{m['wrong_token']} wrong tokens, {m['distinct_tokens']:,} distinct tokens |",
        f"| pages before the send (p50 / p95 / max, n) | — | {s['idle']['p50']:.0f} / "
        f"{s['idle']['p95']:.0f} / {s['idle']['max']:.0f} ms, {s['idle']['n']} |",
        f"| pages during the send (p50 / p95 / max, n, errors) | p95 < 200 ms | "
        f"{m['during']['p50']:.0f} / {m['during']['p95']:.0f} / {m['during']['max']:.0f} ms, "
        f"{m['during']['n']}, {m['during']['errors']} |",
        f"| seeding (migrate + bulk insert) | — | {s['seed_s']:.0f} s |",
    ]
    if "baseline" in s:
        b = s["baseline"]
        lines.append(
            f"| comparison: outbox's per-message path (`deliver_due`, one connection per "
            f"message), {b['expected']:,} messages | — | {b['messages'] / b['wall_s']:.0f} "
            f"messages/s, {b['sender_cpu_s'] / max(1, b['messages']) * 1000:.2f} ms CPU each, "
            f"{b['duplicates']} duplicates, {b['missing']} missing; pages p95 "
            f"{b['during']['p95']:.0f} ms |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
