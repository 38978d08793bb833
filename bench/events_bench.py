"""Benchmark: the national conference's registration rush, a workshop rush, check-in with
eight scanners, and 2,000 certificates of attendance. A benchmark, not a test: it measures
and checks correctness (exactly N confirmed, none twice, the waiting list in arrival order,
no e-mail lost, no double admission).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_events_bench \\
        /work/main/.venv/bin/python bench/events_bench.py [--write]

The database named in DATABASE_URL is dropped and re-created (its name must end in "bench").

Server: gunicorn with ``--procs`` gthread workers of ``--threads`` threads (what production
runs; ``make bench`` installs it), or with ``--server wsgiref`` Python's WSGI server (as
``runserver`` uses) with a fixed pool of threads per process, in ``--procs`` processes sharing
one port with SO_REUSEPORT; ``DEBUG = False`` either way. Clients are asyncio HTTP/1.0
connections (one per request), at most ``--clients`` at a time.

Phases
  rush      --tries people register for a conference of --seats seats through the real HTTP
            form (CSRF cookie and token fetched once per client), spread over --seconds;
  workshop  --workshop-tries people, all at once, register choosing one workshop of
            --workshop-seats seats;
  checkin   the rush's confirmed tickets redeemed through the check-in API by --scanners
            concurrent scanners; --dup tickets presented at two entrances at the same moment;
  certs     certificates of attendance issued for everyone checked in, and one PDF each.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "bench"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "events_bench_settings")


def pct(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


# --- the server ------------------------------------------------------------------------------


def serve(port: int, threads: int) -> None:
    import django

    django.setup()
    from concurrent.futures import ThreadPoolExecutor
    from wsgiref.simple_server import WSGIServer

    from django.core.handlers.wsgi import WSGIHandler
    from django.core.servers.basehttp import WSGIRequestHandler

    pool = ThreadPoolExecutor(max_workers=threads)

    class PoolServer(WSGIServer):
        request_queue_size = 2048
        allow_reuse_address = True

        def server_bind(self):
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            super().server_bind()

        def process_request(self, request, client_address):
            pool.submit(self._work, request, client_address)

        def _work(self, request, client_address):
            try:
                self.finish_request(request, client_address)
            except Exception:  # noqa: BLE001
                self.handle_error(request, client_address)
            finally:
                self.shutdown_request(request)

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    server = PoolServer(("127.0.0.1", port), QuietHandler)
    server.set_app(WSGIHandler())
    server.serve_forever()


GUNICORN = str(Path(sys.executable).with_name("gunicorn"))


def start_servers(port, procs, threads, server="gunicorn"):
    env = dict(os.environ)
    if server == "gunicorn":
        # What production runs: gunicorn's threaded workers (gthread), the WSGI application
        # of the project with the benchmark's settings (DEBUG off, persistent connections).
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(ROOT / "bench")])
        children = [
            subprocess.Popen(  # noqa: S603 - our own server
                [
                    GUNICORN,
                    "ostoja.config.wsgi:application",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    str(procs),
                    "--threads",
                    str(threads),
                    "--worker-class",
                    "gthread",
                    "--backlog",
                    "2048",
                    "--log-level",
                    "warning",
                ],
                env=env,
            )
        ]
    else:
        children = [
            subprocess.Popen(
                [sys.executable, __file__, "--serve", str(port), "--threads", str(threads)],
                env=env,
            )
            for _ in range(procs)
        ]
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
                if s.recv(20).startswith(b"HTTP/1"):
                    break
        except OSError:
            time.sleep(0.3)
    time.sleep(2)  # let every process bind
    return children


# --- the HTTP client -------------------------------------------------------------------------


async def http(port, method, path, *, headers=None, body=b""):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = [f"{method} {path} HTTP/1.0", "Host: 127.0.0.1"]
    for k, v in (headers or {}).items():
        head.append(f"{k}: {v}")
    if body:
        head.append(f"Content-Length: {len(body)}")
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
    await writer.drain()
    data = await reader.read()
    writer.close()
    header, _, content = data.partition(b"\r\n\r\n")
    lines = header.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    out = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        out.setdefault(k.strip().lower(), []).append(v.strip())
    return status, out, content


async def csrf(port, path):
    status, headers, content = await http(port, "GET", path)
    cookie = next(
        c.split(";")[0] for c in headers.get("set-cookie", []) if c.startswith("csrftoken=")
    )
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', content).group(1).decode()
    return cookie, token


async def rush(port, slug, category_id, *, tries, seconds, clients, prefix, workshop=None):
    """Open-loop: try i starts at i * seconds / tries (all at once if seconds == 0)."""
    sem = asyncio.Semaphore(clients)
    tokens = [await csrf(port, f"/events/{slug}/") for _ in range(min(clients, 20))]
    results = []
    t0 = time.perf_counter()

    async def one(i):
        if seconds:
            await asyncio.sleep(max(0.0, t0 + i * seconds / tries - time.perf_counter()))
        async with sem:
            cookie, token = tokens[i % len(tokens)]
            fields = {
                "csrfmiddlewaretoken": token,
                "name": f"Uczestnik {prefix}{i}",
                "email": f"{prefix}{i}@bench.invalid",
                "organisation_name": "Organizacja",
                "category": category_id,
            }
            if workshop:
                fields["workshops"] = workshop
            body = urlencode(fields).encode()
            sent = time.perf_counter()
            try:
                status, headers, _ = await http(
                    port,
                    "POST",
                    f"/events/{slug}/",
                    headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
                    body=body,
                )
            except OSError as exc:
                status, headers = f"error {exc}", {}
            done = time.perf_counter()
            location = (headers.get("location") or [""])[0]
            secret = location.rstrip("/").rsplit("/", 1)[-1] if "/ticket/" in location else ""
            results.append(
                {
                    "i": i,
                    "email": f"{prefix}{i}@bench.invalid",
                    "status": status,
                    "sent": sent - t0,
                    "done": done - t0,
                    "ms": (done - sent) * 1000,
                    "secret": secret,
                }
            )

    await asyncio.gather(*(one(i) for i in range(tries)))
    return results, time.perf_counter() - t0


def order_inversions(results, ordered_emails):
    """Pairs where A was answered before B was even sent, yet B stands before A."""
    by_email = {r["email"]: r for r in results}
    seq = [by_email[e] for e in ordered_emails if e in by_email]
    inversions = 0
    # For each position, the earliest "done" among those after it must not be before its "sent".
    min_done_after = float("inf")
    for r in reversed(seq):
        if min_done_after < r["sent"]:
            inversions += 1
        min_done_after = min(min_done_after, r["done"])
    return inversions


def late_confirmed(results, confirmed, waiting):
    """Confirmed people whose request was sent after someone had already been told "waiting"
    (a seat going to a later arrival): must be 0."""
    confirmed, waiting = set(confirmed), set(waiting)
    first_waiting_answer = min((r["done"] for r in results if r["email"] in waiting), default=1e18)
    return sum(1 for r in results if r["email"] in confirmed and r["sent"] > first_waiting_answer)


# --- phases ----------------------------------------------------------------------------------


def setup_events(args):
    from django.utils import timezone

    from ostoja.events.services import programme
    from ostoja.organisations.models import Organisation
    from ostoja.organisations.services import issue_api_token

    org = Organisation.objects.create(name="Koalicja (bench)", slug="bench-koalicja", kind="ngo")
    start = timezone.now() + dt.timedelta(days=30)
    conf = programme.create_event(
        actor=None,
        organiser=org,
        title="Konferencja (bench)",
        kind="conference",
        starts_at=start,
        ends_at=start + dt.timedelta(days=1, hours=8),
        venue="Warszawa",
        published=True,
    )
    d1 = conf.days.first()
    programme.add_session(
        d1,
        title="Otwarcie",
        kind="plenary",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=3),
        hours=3,
    )
    cat = programme.add_category(conf, "Uczestnicy", args.seats)
    ws_event = programme.create_event(
        actor=None,
        organiser=org,
        title="Warsztaty (bench)",
        kind="local",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=8),
        published=True,
    )
    wd = ws_event.days.first()
    ws = programme.add_session(
        wd,
        title="Warsztat (bench)",
        kind="workshop",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        capacity=args.workshop_seats,
        hours=2,
    )
    ws_cat = programme.add_category(ws_event, "Uczestnicy", args.workshop_tries)
    _, token = issue_api_token(actor=None, organisation=org, name="bench", scopes=["checkin"])
    return conf, cat, ws_event, ws_cat, ws, token


def drain_outbox(smtp_handler):
    from ostoja.outbox.models import OutboxMessage
    from ostoja.outbox.services import deliver_due

    t0 = time.perf_counter()
    while True:
        report = deliver_due(limit=500)
        if not report.states:
            break
    return {
        "stored": OutboxMessage.objects.count(),
        "sent": OutboxMessage.objects.filter(state="sent").count(),
        "received_by_smtp": len(smtp_handler),
        "seconds": round(time.perf_counter() - t0, 1),
    }


def checkin_phase(port, list_id, token, secrets, scanners, dup):
    """Scanners take tickets from a shared queue; ``dup`` tickets are presented at two
    entrances (two scanners) at the same moment."""
    import http.client

    lat, answers = [], []
    lock = threading.Lock()
    queue = list(secrets[dup:])
    pairs = list(secrets[:dup])
    barrier = threading.Barrier(2)

    def redeem(conn, secret, nonce):
        body = json.dumps(
            {"secret": secret, "nonce": nonce, "gate": threading.current_thread().name}
        )
        t = time.perf_counter()
        conn.request(
            "POST",
            f"/api/v1/checkin/lists/{list_id}/redeem",
            body,
            {"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        r = conn.getresponse()
        data = json.loads(r.read())
        ms = (time.perf_counter() - t) * 1000
        conn.close()
        return ms, data

    def scanner(n):
        import uuid

        while True:
            with lock:
                if not queue:
                    return
                secret = queue.pop()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            ms, data = redeem(conn, secret, uuid.uuid4().hex)
            with lock:
                lat.append(ms)
                answers.append((secret, data.get("status"), data.get("reason")))

    def pair_worker(n):
        """Scanners 1 and 2 first present the same tickets at the same moment (a barrier)."""
        import uuid

        for secret in pairs:
            barrier.wait()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            ms, data = redeem(conn, secret, uuid.uuid4().hex)
            with lock:
                lat.append(ms)
                answers.append((secret, data.get("status"), data.get("reason")))
        scanner(n)

    t0 = time.perf_counter()
    threads = [
        threading.Thread(
            target=pair_worker if n < 2 else scanner, args=(n,), name=f"Wejście {n + 1}"
        )
        for n in range(scanners)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return lat, answers, time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--serve", type=int)
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--procs", type=int, default=2)
    ap.add_argument(
        "--server",
        choices=["gunicorn", "wsgiref"],
        default="gunicorn" if Path(GUNICORN).exists() else "wsgiref",
        help="gunicorn (gthread workers, `make bench` installs it) or Python's WSGI server "
        "with a thread pool per process",
    )
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--tries", type=int, default=6000)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--seats", type=int, default=2000)
    ap.add_argument("--workshop-seats", type=int, default=40)
    ap.add_argument("--workshop-tries", type=int, default=400)
    ap.add_argument("--scanners", type=int, default=8)
    ap.add_argument("--dup", type=int, default=100)
    ap.add_argument("--certs", type=int, default=2000)
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()
    if args.serve:
        return serve(args.serve, args.threads)

    from bench_common import cpu_model, memory_gib, recreate_database

    url = os.environ.get("DATABASE_URL", "")
    recreate_database(url)
    from aiosmtpd.controller import Controller

    received = []

    class Sink:
        async def handle_DATA(self, server, session, envelope):
            received.append(envelope.rcpt_tos)
            return "250 OK"

    smtp_port = 2525 + os.getpid() % 1000
    os.environ["BENCH_SMTP_PORT"] = str(smtp_port)
    smtp = Controller(Sink(), hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    conf, cat, ws_event, ws_cat, ws, token = setup_events(args)
    children = start_servers(args.port, args.procs, args.threads, args.server)
    out = {
        "machine": f"{cpu_model()}, {os.cpu_count()} cores, {memory_gib():.1f} GiB, "
        f"Python {platform.python_version()}",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="minutes"),
        "server": (
            f"gunicorn gthread: {args.procs} workers × {args.threads} threads"
            if args.server == "gunicorn"
            else f"wsgiref + thread pool: {args.procs} processes × {args.threads} threads"
        ),
    }
    try:
        from ostoja.events.models import Registration, WorkshopBooking

        # --- rush
        results, wall = asyncio.run(
            rush(
                args.port,
                conf.slug,
                cat.pk,
                tries=args.tries,
                seconds=args.seconds,
                clients=args.clients,
                prefix="r",
            )
        )
        ok = [r for r in results if r["status"] == 302]
        regs = Registration.objects.filter(event=conf)
        confirmed = list(regs.filter(status="confirmed").values_list("email", flat=True))
        waiting = list(
            regs.filter(status="waiting")
            .order_by("queue_position", "pk")
            .values_list("email", flat=True)
        )
        cat.refresh_from_db()
        out["rush"] = {
            "tries": args.tries,
            "wall_s": round(wall, 1),
            "answered_302": len(ok),
            "other_statuses": sorted({str(r["status"]) for r in results} - {"302"}),
            "confirmed": len(confirmed),
            "distinct_confirmed": len(set(confirmed)),
            "category_taken": cat.taken,
            "waiting": len(waiting),
            "waiting_order_inversions": order_inversions(results, waiting),
            "confirmed_sent_after_a_waiting_answer": late_confirmed(results, confirmed, waiting),
            "p50_ms": round(pct([r["ms"] for r in ok], 50), 1),
            "p95_ms": round(pct([r["ms"] for r in ok], 95), 1),
            "p99_ms": round(pct([r["ms"] for r in ok], 99), 1),
            "max_ms": round(max(r["ms"] for r in ok), 1),
        }
        print(json.dumps(out["rush"]), flush=True)
        # --- workshop
        wres, wwall = asyncio.run(
            rush(
                args.port,
                ws_event.slug,
                ws_cat.pk,
                tries=args.workshop_tries,
                seconds=0,
                clients=args.workshop_tries,
                prefix="w",
                workshop=ws.pk,
            )
        )
        wok = [r for r in wres if r["status"] == 302]
        bookings = WorkshopBooking.objects.filter(session=ws)
        wconf = list(
            bookings.filter(status="confirmed").values_list("registration__email", flat=True)
        )
        wwait = list(
            bookings.filter(status="waiting")
            .order_by("queue_position", "pk")
            .values_list("registration__email", flat=True)
        )
        ws.refresh_from_db()
        out["workshop"] = {
            "tries": args.workshop_tries,
            "wall_s": round(wwall, 1),
            "answered_302": len(wok),
            "confirmed": len(wconf),
            "distinct_confirmed": len(set(wconf)),
            "session_taken": ws.taken,
            "waiting": len(wwait),
            "waiting_order_inversions": order_inversions(wres, wwait),
            "p50_ms": round(pct([r["ms"] for r in wok], 50), 1),
            "p95_ms": round(pct([r["ms"] for r in wok], 95), 1),
        }
        print(json.dumps(out["workshop"]), flush=True)
        # --- e-mail
        out["email"] = drain_outbox(received)
        out["email"]["registrations"] = Registration.objects.count()
        print(json.dumps(out["email"]), flush=True)
        # --- check-in
        from ostoja.events.models import Checkin

        confirmed_set = set(confirmed)
        secrets = [r["secret"] for r in results if r["email"] in confirmed_set and r["secret"]]
        day1 = conf.checkin_lists.get(day=conf.days.first(), session__isnull=True)
        lat, answers, cwall = checkin_phase(
            args.port, day1.pk, token, secrets, args.scanners, args.dup
        )
        per_ticket = {}
        for secret, status, _reason in answers:
            per_ticket.setdefault(secret, []).append(status)
        out["checkin"] = {
            "tickets": len(secrets),
            "scans": len(answers),
            "scanners": args.scanners,
            "wall_s": round(cwall, 1),
            "same_ticket_two_entrances": args.dup,
            "tickets_with_exactly_one_ok": sum(
                1 for v in per_ticket.values() if v.count("ok") == 1
            ),
            "double_admissions": sum(1 for v in per_ticket.values() if v.count("ok") > 1),
            "checkins_in_db": Checkin.objects.filter(checkin_list=day1).count(),
            "p50_ms": round(pct(lat, 50), 1),
            "p95_ms": round(pct(lat, 95), 1),
            "p99_ms": round(pct(lat, 99), 1),
        }
        print(json.dumps(out["checkin"]), flush=True)
    finally:
        for c in children:
            c.terminate()
        for c in children:
            c.wait()
        smtp.stop()
    # --- certificates (in process, the servers stopped)
    from ostoja.certificates.services import pdf_bytes, pdf_many
    from ostoja.events.services.certificates import issue_all

    t0 = time.perf_counter()
    issued = issue_all(conf)
    t_issue = time.perf_counter() - t0
    from ostoja.certificates.models import Certificate

    certs = list(
        Certificate.objects.filter(source_key__startswith="events.registration:")[: args.certs]
    )
    t1 = time.perf_counter()
    document = pdf_many(certs)  # one PDF, one certificate a page (what the organiser downloads)
    t_many = time.perf_counter() - t1
    import io

    from pypdf import PdfReader

    pages = len(PdfReader(io.BytesIO(document)).pages)
    sample = certs[:20]
    t2 = time.perf_counter()
    single_ok = all(len(pdf_bytes(c)) > 1000 for c in sample)
    t_single = (time.perf_counter() - t2) / max(1, len(sample))
    out["certificates"] = {
        "issued": issued,
        "issue_s": round(t_issue, 1),
        "pdf_many_pages": pages,
        "pdf_many_s": round(t_many, 1),
        "issue_plus_pdf_s": round(t_issue + t_many, 1),
        "pdf_bytes_each_s": round(t_single, 3),
        "pdf_bytes_sample_ok": single_ok,
    }
    print(json.dumps(out["certificates"]), flush=True)
    if args.write:
        path = ROOT / "bench" / "results" / "events.json"
        path.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(out, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
