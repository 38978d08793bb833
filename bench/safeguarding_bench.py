"""Benchmark: the vetting register with 50,000 people in 1,000 organisations (issue 16).

A benchmark, not a test. For each database, in a child process of its own:

1. a fresh database (an SQLite file in a temporary directory; a PostgreSQL database whose
   name must end in "bench", dropped and re-created), migrated;
2. ``--orgs`` organisations with one safeguarding officer each and ``--people`` people spread
   over them (seeded random: 85 % with the register check, KRK information and residence
   declaration, 10 % who lived in Germany — 70 % of those with the German record — check
   dates over the last three years, one engagement each, 10 % ended), written in bulk with
   the derived columns computed by ``vetting.status`` exactly as the services compute them;
3. **latency** of the register pages through Django's test client (session, permission,
   queries, template): the list, "missing checks", "re-check due", a name search and an
   activity filter, for ``--sample`` random organisations each, after a warm-up; p50/p95 per
   page and overall;
4. **nightly computation**: ``manage.py safeguarding_daily`` (records due within each
   organisation's reminder window found, one reminder per officer queued in the outbox; the
   reviews of the child-protection standards coming due and the staff who have not yet
   confirmed the standards in force, each reminded) on the first night and the next; then
   the repair path ``--recompute`` (every due date cleared and recomputed from the checks),
   checked against the due dates computed at generation time and the number of
   organisations with records due. Every organisation has adopted standards: half of them
   come due for review within the reminder window, and in half of them (the other half,
   by parity) the officer has not confirmed them yet.

    python bench/safeguarding_bench.py --write
    python bench/safeguarding_bench.py --only sqlite --people 5000 --orgs 100

Targets: register pages p95 < 150 ms; nightly computation < 5 s. Results go to
``bench/results/safeguarding.md`` with ``--write``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

from bench_common import cpu_model, memory_gib, recreate_database

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "safeguarding.md"
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/h_safeguarding_bench"
TARGET_P95_MS = 150.0
TARGET_NIGHTLY_S = 5.0


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def setup_django(url: str) -> None:
    import dj_database_url

    sys.path.insert(0, str(ROOT / "src"))
    module = types.ModuleType("safeguarding_bench_settings")
    exec("from ostoja.config.settings.test import *  # noqa", module.__dict__)  # noqa: S102
    database = dj_database_url.parse(url)
    if database["ENGINE"] == "django.db.backends.sqlite3":
        database["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    module.DATABASES = {"default": database}
    module.LOGGING = {"version": 1, "disable_existing_loggers": False}
    module.ALLOWED_HOSTS = ["testserver"]
    # Reminders are queued in the outbox (what the nightly run does); sending them is the
    # outbox worker's job and is not part of the measurement.
    module.OUTBOX_DELIVER_ON_COMMIT = False
    sys.modules["safeguarding_bench_settings"] = module
    os.environ["DJANGO_SETTINGS_MODULE"] = "safeguarding_bench_settings"
    import django

    django.setup()


FIRST = ["Anna", "Piotr", "Ewa", "Jan", "Zofia", "Marek", "Łucja", "Tomasz", "Agnieszka", "Paweł"]
LAST = [
    "Nowak",
    "Kowalska",
    "Wiśniewski",
    "Wójcik",
    "Kamińska",
    "Lewandowski",
    "Zielińska",
    "Szymański",
    "Woźniak",
    "Dąbrowska",
    "Kozłowski",
    "Jankowska",
]
ACTIVITIES = ["education", "recreation", "sport", "care", "interests"]


def generate(n_orgs: int, n_people: int, today: dt.date, seed: int = 16) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from ostoja.organisations.models import Membership, Organisation
    from ostoja.safeguarding import crypto, pesel, vetting
    from ostoja.safeguarding.models import (
        Check,
        Engagement,
        Person,
        ResidenceDeclaration,
        ResidencePeriod,
    )

    rng = random.Random(seed)
    User = get_user_model()
    started = time.perf_counter()
    with transaction.atomic():
        orgs = Organisation.objects.bulk_create(
            [
                Organisation(name=f"Organizacja {i}", slug=f"org-{i}", kind="ngo")
                for i in range(n_orgs)
            ]
        )
        users = User.objects.bulk_create(
            [User(email=f"officer{i}@bench.example", password="!") for i in range(n_orgs)]
        )
        Membership.objects.bulk_create(
            [
                Membership(user=u, organisation=o, role="safeguarding_officer")
                for u, o in zip(users, orgs, strict=True)
            ]
        )
        from allauth.mfa.totp.internal.auth import TOTP

        for u in users:  # safeguarding officers must have a second factor
            TOTP.activate(u, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
    expected_due: dict[int, dt.date | None] = {}
    due_orgs: set[int] = set()
    ended_count = 0
    batch = 2000
    for offset in range(0, n_people, batch):
        people, facts = [], []
        for i in range(offset, min(n_people, offset + batch)):
            org = orgs[i % n_orgs]
            born = dt.date(1960, 1, 1) + dt.timedelta(days=rng.randrange(16000))
            number = pesel.make(born, i // n_orgs)  # unique within the organisation
            checked = today - dt.timedelta(days=rng.randrange(30, 1100))
            has_basic = rng.random() < 0.85
            germany = rng.random() < 0.10
            german_record = germany and rng.random() < 0.7
            start = checked + dt.timedelta(days=rng.randrange(0, 20))
            ended = rng.random() < 0.10
            checks = []
            if has_basic:
                checks += [
                    vetting.RecordedCheck("register", checked),
                    vetting.RecordedCheck("krk", checked),
                ]
            if german_record:
                checks.append(vetting.RecordedCheck("foreign_record", checked, "DE"))
            periods = (
                [vetting.Period("DE", dt.date(2015, 1, 1), dt.date(2015, 12, 31))]
                if germany
                else []
            )
            st = vetting.status(
                citizenships=["PL"],
                declared_on=checked if has_basic else None,
                periods=periods,
                checks=checks,
            )
            admitted = st.complete
            due = vetting.recheck_due(st, 24) if admitted else None
            people.append(
                Person(
                    organisation=org,
                    full_name=f"{rng.choice(FIRST)} {rng.choice(LAST)} {i}",
                    date_of_birth=born,
                    pesel=number,
                    pesel_index=crypto.blind_index(number, purpose="pesel"),
                    citizenships=["PL"],
                    complete=st.complete,
                    adverse=False,
                    missing=[[r.kind, r.country] for r in st.missing],
                    admitted_on=start if admitted else None,
                    checks_completed_on=checked if admitted else None,
                    recheck_due=due,
                    has_open_engagement=not ended,
                    engaged_until=today - dt.timedelta(days=10) if ended else None,
                )
            )
            facts.append((checks, has_basic, checked, periods, start, ended, due, org.pk))
        with transaction.atomic():
            Person.objects.bulk_create(people, batch_size=500)
            rows_c, rows_r, rows_p, rows_e = [], [], [], []
            for p, (checks, has_basic, checked, periods, start, ended, due, org_id) in zip(
                people, facts, strict=True
            ):
                expected_due[p.pk] = due
                ended_count += ended
                if due and not ended and due <= today + dt.timedelta(days=30):
                    due_orgs.add(org_id)
                for c in checks:
                    rows_c.append(
                        Check(
                            person=p,
                            kind=c.kind,
                            country=c.country,
                            checked_on=c.on,
                            issued_on=c.on if c.kind != "register" else None,
                            result="no_entry",
                            both_registers=c.kind == "register",
                            scope_confirmed=c.kind == "krk",
                            recorded_by_label="officer@bench.example",
                        )
                    )
                if has_basic:
                    rows_r.append(
                        ResidenceDeclaration(person=p, declared_on=checked, text_version="bench")
                    )
                for period in periods:
                    rows_p.append(
                        ResidencePeriod(
                            person=p,
                            country=period.country,
                            start_date=period.start,
                            end_date=period.end,
                        )
                    )
                rows_e.append(
                    Engagement(
                        person=p,
                        role="Wolontariusz",
                        activity=rng.choice(ACTIVITIES),
                        basis="volunteer",
                        start_date=start,
                        end_date=today - dt.timedelta(days=10) if ended else None,
                    )
                )
            Check.objects.bulk_create(rows_c, batch_size=1000)
            ResidenceDeclaration.objects.bulk_create(rows_r, batch_size=1000)
            ResidencePeriod.objects.bulk_create(rows_p, batch_size=1000)
            Engagement.objects.bulk_create(rows_e, batch_size=1000)
    standards = generate_standards(orgs, users, today)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "orgs": [o.slug for o in orgs],
        "users": [u.pk for u in users],
        "expected_due": expected_due,
        "due_orgs": due_orgs,
        "ended": ended_count,
        **standards,
        "seconds": time.perf_counter() - started,
    }


def generate_standards(orgs, users, today: dt.date) -> dict:
    """Adopted standards in every organisation: even ones come due for review within the
    reminder window (30 days), odd ones have an officer who has not confirmed them."""
    from django.db import transaction

    from ostoja.safeguarding import vetting
    from ostoja.safeguarding.models import Acknowledgement, StandardsDocument

    docs = []
    for i, org in enumerate(orgs):
        due = today + dt.timedelta(days=10) if i % 2 == 0 else vetting.add_months(today, 18)
        docs.append(
            StandardsDocument(
                organisation=org,
                status=StandardsDocument.Status.ADOPTED,
                sections={},
                adopted_on=due - dt.timedelta(days=730),
                adopted_by_body="Zarząd",
                review_due=due,
            )
        )
    with transaction.atomic():
        StandardsDocument.objects.bulk_create(docs, batch_size=500)
        Acknowledgement.objects.bulk_create(
            [
                Acknowledgement(document=doc, user=user, acknowledged_on=today)
                for i, (doc, user) in enumerate(zip(docs, users, strict=True))
                if i % 2 == 0
            ],
            batch_size=500,
        )
    return {
        "expected_review_emails": len(range(0, len(orgs), 2)),
        "expected_ack_emails": len(range(1, len(orgs), 2)),
    }


def measure_pages(data: dict, sample: int, seed: int = 7) -> dict:
    from django.contrib.auth import get_user_model
    from django.test import Client

    User = get_user_model()
    rng = random.Random(seed)
    picks = rng.sample(range(len(data["orgs"])), min(sample, len(data["orgs"])))
    pages = {
        "list": "",
        "missing checks": "?status=missing",
        "re-check due": "?status=due",
        "name search": "?q=nowak",
        "activity filter": "?activity=sport",
    }
    timings: dict[str, list[float]] = {name: [] for name in pages}
    for n, index in enumerate(picks):
        client = Client()
        client.force_login(User.objects.get(pk=data["users"][index]))
        base = f"/safeguarding/{data['orgs'][index]}/"
        for name, query in pages.items():
            if n == 0:
                client.get(base + query)  # warm-up
            t0 = time.perf_counter()
            response = client.get(base + query)
            timings[name].append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, (base + query, response.status_code)
    result = {
        name: {"p50": statistics.median(v), "p95": percentile(v, 95), "n": len(v)}
        for name, v in timings.items()
    }
    everything = [x for v in timings.values() for x in v]
    result["all pages"] = {
        "p50": statistics.median(everything),
        "p95": percentile(everything, 95),
        "n": len(everything),
    }
    return result


def measure_nightly(data: dict, today: dt.date) -> dict:
    from io import StringIO

    from django.core.management import call_command

    from ostoja.outbox.models import OutboxMessage
    from ostoja.safeguarding.models import Person

    def count(kind: str) -> int:
        return OutboxMessage.objects.filter(dedup_key__startswith=f"safeguarding:{kind}:").count()

    def timed(**kwargs) -> float:
        t0 = time.perf_counter()
        call_command("safeguarding_daily", today=today.isoformat(), stdout=StringIO(), **kwargs)
        return time.perf_counter() - t0

    # The nightly run: who is due, reminders queued (every organisation has records due).
    nightly = timed()
    emails = count("attention")
    reviews, acks = count("review"), count("ack")
    total = OutboxMessage.objects.count()
    steady = timed()  # the next night: nothing new
    repeated = OutboxMessage.objects.count() - total
    # The repair path: every due date recomputed from the checks, from scratch.
    Person.objects.update(recheck_due=None)
    recompute = timed(recompute=True)
    got = dict(Person.objects.values_list("id", "recheck_due"))
    wrong = sum(1 for pk, due in data["expected_due"].items() if got.get(pk) != due)
    # Retention (the other nightly job): 37 months on, every ended engagement is past the
    # default 36 months; the records of the people who left are deleted, nobody else's.
    from ostoja.safeguarding import vetting

    t0 = time.perf_counter()
    call_command(
        "safeguarding_retention",
        today=vetting.add_months(today, 37).isoformat(),
        stdout=StringIO(),
    )
    retention = time.perf_counter() - t0
    deleted = len(data["expected_due"]) - Person.objects.count()
    return {
        "nightly_s": nightly,
        "steady_s": steady,
        "recompute_s": recompute,
        "retention_s": retention,
        "deleted": deleted,
        "expected_deleted": data["ended"],
        "wrong_due_dates": wrong,
        "emails": emails,
        "expected_emails": len(data["due_orgs"]),
        "review_emails": reviews,
        "expected_review_emails": data["expected_review_emails"],
        "ack_emails": acks,
        "expected_ack_emails": data["expected_ack_emails"],
        "second_run_new_emails": repeated,
    }


def child(url: str, orgs: int, people: int, sample: int) -> None:
    setup_django(url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from ostoja.safeguarding import services

    today = services.today()
    data = generate(orgs, people, today)
    pages = measure_pages(data, sample)
    nightly = measure_nightly(data, today)
    print(json.dumps({"generate_s": data["seconds"], "pages": pages, "nightly": nightly}))


def run(label: str, url: str, args) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            url,
            "--orgs",
            str(args.orgs),
            "--people",
            str(args.people),
            "--sample",
            str(args.sample),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        sys.exit(f"{label} failed:\n{out.stdout}\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def report(results: dict, args) -> str:
    lines = [
        f"## {dt.date.today().isoformat()}: vetting register, {args.people:,} people in "
        f"{args.orgs:,} organisations",
        "",
        f"Machine: {cpu_model()}, {os.cpu_count()} cores, {memory_gib():.0f} GiB RAM, "
        f"Python {platform.python_version()}. Load average when written: "
        f"{' / '.join(f'{x:.2f}' for x in os.getloadavg())} (say in the notes what else ran).",
        "",
        "| what | target | " + " | ".join(results) + " |",
        "|---|---|" + "---|" * len(results),
    ]
    names = list(next(iter(results.values()))["pages"])
    for name in names:
        cells = [
            f"{r['pages'][name]['p50']:.1f} / {r['pages'][name]['p95']:.1f} ms"
            for r in results.values()
        ]
        lines.append(
            f"| register page: {name} (p50 / p95, n={args.sample}) | p95 < 150 ms | "
            + " | ".join(cells)
            + " |"
        )
    for key, what in [
        ("nightly_s", "nightly: re-checks due and standards reviews/confirmations, reminded"),
        ("steady_s", "nightly: the next night (nothing new)"),
        ("recompute_s", "repair: every due date recomputed from the checks"),
        ("retention_s", "retention: records of everyone who left deleted (37 months on)"),
    ]:
        cells = [f"{r['nightly'][key]:.2f} s" for r in results.values()]
        target = "—" if key in ("recompute_s", "retention_s") else "< 5 s"
        lines.append(f"| {what} | {target} | " + " | ".join(cells) + " |")
    cells = [
        f"{r['nightly']['wrong_due_dates']} wrong due dates; {r['nightly']['emails']} "
        f"e-mails for {r['nightly']['expected_emails']} organisations due; "
        f"{r['nightly']['review_emails']}/{r['nightly']['expected_review_emails']} review and "
        f"{r['nightly']['ack_emails']}/{r['nightly']['expected_ack_emails']} confirmation "
        f"reminders; {r['nightly']['second_run_new_emails']} repeated; "
        f"{r['nightly']['deleted']}/{r['nightly']['expected_deleted']} records deleted"
        for r in results.values()
    ]
    lines.append(
        "| correctness | 0 wrong, 1 e-mail per organisation due, every review and "
        "confirmation reminded, none repeated, every leaver deleted | " + " | ".join(cells) + " |"
    )
    cells = [f"{r['generate_s']:.0f} s" for r in results.values()]
    lines.append("| data generation (bulk) | — | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child")
    parser.add_argument("--orgs", type=int, default=1000)
    parser.add_argument("--people", type=int, default=50000)
    parser.add_argument("--sample", type=int, default=100)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--database-url", default=DEFAULT_PG)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.orgs, args.people, args.sample)
        return
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        if args.only in (None, "sqlite"):
            results["SQLite"] = run("SQLite", f"sqlite:///{tmp}/bench.sqlite3", args)
        if args.only in (None, "postgresql"):
            recreate_database(args.database_url)
            results["PostgreSQL"] = run("PostgreSQL", args.database_url, args)
    text = report(results, args)
    print(text)
    if args.write:
        RESULTS.parent.mkdir(exist_ok=True)
        with RESULTS.open("a") as fh:
            fh.write(text + "\n")


if __name__ == "__main__":
    main()
