"""Consultation booking under contention (issue 13 §6: "no slot ever given twice").

Run: ``DATABASE_URL=postgres://postgres@127.0.0.1:5432/learning_bench \
python bench/learning_booking_bench.py``
(the database's name must end in "bench"; it is dropped and re-created, then migrated).

5 experts with daily windows (45-minute consultations, 15-minute breaks), N professionals
each with a phone request on a topic all experts cover, T threads. Every professional asks
for one of the 3 earliest free slots of a random expert — most tries collide on purpose —
and, when told the slot was just taken, looks again (up to 10 tries). Measured: the latency
of each ``book_consultation`` call (successful or refused), the latency of computing an
expert's free slots, and the correctness: no (expert, start) with two active bookings, no
request with two, every professional booked.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import threading
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from bench_common import cpu_model, recreate_database  # noqa: E402


def percentile(values, p):
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))]


def setup_django(url: str) -> None:
    import dj_database_url

    sys.path.insert(0, str(ROOT / "src"))
    module = types.ModuleType("learning_bench_settings")
    exec("from ostoja.config.settings.test import *  # noqa", module.__dict__)  # noqa: S102
    module.DATABASES = {"default": dj_database_url.parse(url)}
    module.LOGGING = {"version": 1, "disable_existing_loggers": False}
    module.OUTBOX_DELIVER_ON_COMMIT = False  # the invitations are queued, not sent
    sys.modules["learning_bench_settings"] = module
    os.environ["DJANGO_SETTINGS_MODULE"] = "learning_bench_settings"
    import django

    django.setup()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--professionals", type=int, default=300)
    parser.add_argument("--threads", type=int, default=20)
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        sys.exit("PostgreSQL only: set DATABASE_URL=postgres://…/learning_bench")
    recreate_database(args.database_url)
    setup_django(args.database_url)

    import datetime as dt

    from django.core.management import call_command
    from django.db import connection

    from ostoja.accounts.services import create_user
    from ostoja.learning import services
    from ostoja.learning.models import ConsultationBooking
    from ostoja.network.membership import set_state
    from ostoja.organisations.models import Organisation
    from ostoja.organisations.services import add_membership

    call_command("migrate", verbosity=0)
    org = Organisation.objects.create(
        name="Fundacja (bench)", slug="bench-org", kind="ngo", voivodeship="14", verified=True
    )
    set_state(org, "member", reason="bench")
    experts = []
    for n in range(5):
        user = create_user(
            actor=None, email=f"expert{n}@bench.invalid", password=None, check_password=False
        )
        services.set_practitioner(
            user,
            actor=None,
            is_trainer=False,
            is_supervisor=False,
            is_expert=True,
            areas=["diagnosis"],
        )
        services.set_availability(
            user,
            actor=None,
            rules=[
                {"weekday": d, "start_time": dt.time(9), "end_time": dt.time(17)} for d in range(7)
            ],
        )
        experts.append(user)
    requests = []
    for n in range(args.professionals):
        user = create_user(
            actor=None, email=f"pro{n}@bench.invalid", password=None, check_password=False
        )
        add_membership(actor=None, user=user, organisation=org, role="network_member")
        requests.append(
            services.ask_consultation(
                actor=user,
                organisation=org,
                topic="diagnosis",
                urgency="normal",
                channel="phone",
                subject="Pytanie (bench)",
            )
        )
    connection.close()

    latencies, slot_times, outcomes, errors = [], [], [], []
    lock = threading.Lock()
    queue = list(requests)
    random.seed(7)

    def worker():
        rnd = random.Random()
        try:
            while True:
                with lock:
                    if not queue:
                        return
                    request = queue.pop()
                for _attempt in range(10):
                    expert = rnd.choice(experts)
                    t0 = time.perf_counter()
                    free = services.expert_slots(expert)
                    slot_times.append(time.perf_counter() - t0)
                    slot = rnd.choice(free[:3])
                    t0 = time.perf_counter()
                    try:
                        services.book_consultation(
                            request,
                            actor=request.requester,
                            expert=expert,
                            starts_at=slot.starts_at,
                        )
                        outcome = "ok"
                    except services.Conflict:
                        outcome = "slot_taken"
                    latencies.append(time.perf_counter() - t0)
                    outcomes.append(outcome)
                    if outcome == "ok":
                        break
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(repr(exc))
        finally:
            connection.close()

    load_before = os.getloadavg()
    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(args.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    from django.db.models import Count

    doubles = (
        ConsultationBooking.objects.filter(active=True)
        .values("expert_id", "starts_at")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    per_request = (
        ConsultationBooking.objects.filter(active=True)
        .values("request_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    booked = ConsultationBooking.objects.filter(active=True).count()
    ms = lambda s: f"{s * 1000:.1f}"  # noqa: E731
    print(f"machine: {cpu_model()}, {os.cpu_count()} cores; load before {load_before}")
    print(f"{args.professionals} professionals, 5 experts, {args.threads} threads, {wall:.1f} s")
    print(
        f"book_consultation calls: {len(latencies)} ({outcomes.count('ok')} booked, "
        f"{outcomes.count('slot_taken')} refused as just taken); "
        f"p50 {ms(percentile(latencies, 50))} ms, p95 {ms(percentile(latencies, 95))} ms, "
        f"max {ms(max(latencies))} ms"
    )
    print(
        f"free slots of an expert (28 days): p50 {ms(percentile(slot_times, 50))} ms, "
        f"p95 {ms(percentile(slot_times, 95))} ms"
    )
    print(
        f"correctness: slots given twice {doubles}, requests with two bookings {per_request}, "
        f"booked {booked}/{args.professionals}, errors {errors[:3]}"
    )
    if doubles or per_request or errors or booked != args.professionals:
        sys.exit(1)


if __name__ == "__main__":
    main()
