"""Benchmark: the Pact with every Polish local authority signed (issue 15).

A benchmark, not a test. For each database, in a child process of its own:

1. a fresh database (an SQLite file in a temporary directory; a PostgreSQL database whose
   name must end in "bench", dropped and re-created), migrated;
2. all 2,873 authorities of the TERC register (16 voivodeships, 380 powiats, 2,477 gminas)
   signed and verified; the catalogue brought to ``--measures`` (60) active measures (the
   shipped ones plus generated ones); per authority one plan item per measure (the last
   sixth as sub-items of the first items, so progress rolls up) and two years of
   self-assessments with one answer per measure — written in bulk, the stored progress per
   P computed by the same function the services use;
3. **latency** through Django's test client (the whole view: queries and template): the
   national overview (unfiltered, by voivodeship, by P), the peer comparison (the overview
   filtered by kind of authority, all seven kinds in turn) and authorities' public pages
   (random sample, with their peer ranking), after a warm-up; p50 / p95;
4. **exports**: the full open-data CSV and the JSON list of signatories, timed; the
   Lanzarote-layout export of sampled authorities;
5. **correctness**: the CSV and the JSON have one row per authority, and the stored progress
   of sampled authorities equals the progress recomputed from their plan items.

    python bench/pact_bench.py --write
    python bench/pact_bench.py --only sqlite --sample 20

Targets: overview and peer comparison p95 < 200 ms, a public page < 100 ms, the full CSV
< 2 s. Results go to ``bench/results/pact.md`` with ``--write``.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
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
RESULTS = ROOT / "bench" / "results" / "pact.md"
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/h_pact_bench"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def setup_django(url: str) -> None:
    import dj_database_url

    sys.path.insert(0, str(ROOT / "src"))
    module = types.ModuleType("pact_bench_settings")
    exec("from ostoja.config.settings.test import *  # noqa", module.__dict__)  # noqa: S102
    database = dj_database_url.parse(url)
    if database["ENGINE"] == "django.db.backends.sqlite3":
        database["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    module.DATABASES = {"default": database}
    module.LOGGING = {"version": 1, "disable_existing_loggers": False}
    module.ALLOWED_HOSTS = ["testserver"]
    sys.modules["pact_bench_settings"] = module
    os.environ["DJANGO_SETTINGS_MODULE"] = "pact_bench_settings"
    import django

    django.setup()


def generate(n_measures: int, today: dt.date, seed: int = 15) -> dict:
    from django.db import transaction

    from ostoja.organisations import teryt
    from ostoja.pact import curation, public, services
    from ostoja.pact.catalogue import PILLARS
    from ostoja.pact.models import (
        Answer,
        AnswerStatus,
        Assessment,
        Measure,
        MeasureRevision,
        PlanItem,
        Signatory,
    )
    from ostoja.pact.progress import overall
    from ostoja.pact.services import _TERYT_KINDS

    rng = random.Random(seed)
    started = time.perf_counter()
    services.sync_catalogue()
    shipped = Measure.objects.filter(retired_in__isnull=True).count()
    Measure.objects.bulk_create(
        [
            Measure(
                code=f"BEN-{i}",
                pillar=PILLARS[i % len(PILLARS)],
                order=1000 + i,
                title={"pl": f"Działanie testowe {i}", "en": f"Benchmark measure {i}"},
                description={"pl": "Opis działania.", "en": "What the measure is."},
                good_practice={"pl": "Przykład.", "en": "An example."},
                lanzarote=["5", "8"],
                legal_duties=[],
                source="benchmark data (generated)",
            )
            for i in range(max(0, n_measures - shipped))
        ]
    )
    measures = list(Measure.objects.filter(retired_in__isnull=True).order_by("order", "code"))
    # Every wording kept as a revision, as the catalogue editor keeps it (answers point at it).
    MeasureRevision.objects.bulk_create(
        [
            MeasureRevision(
                measure=m,
                catalogue_version=m.catalogue_version,
                **{f: getattr(m, f) for f in curation.WORDING},
            )
            for m in measures
            if not m.revisions.exists()
        ]
    )
    revision_of = curation.current_revisions()
    units = teryt.register().authorities()
    signed = today - dt.timedelta(days=800)
    with transaction.atomic():
        Signatory.objects.bulk_create(
            [
                Signatory(
                    slug=f"{u.code}-bench",
                    kind=_TERYT_KINDS[u.kind],
                    teryt_code=u.code,
                    country="PL",
                    name=u.name,
                    voivodeship=u.voivodeship_code,
                    signed_by_name="Jan Testowy",
                    signed_by_function="wójt",
                    signed_on=signed,
                    resolution_url="https://example.org/uchwala.pdf",
                    contact_name="Anna Kontakt",
                    contact_email="pakt@example.org",
                    state=Signatory.State.VERIFIED,
                )
                for u in units
            ],
            batch_size=1000,
        )
    ids = list(Signatory.objects.order_by("pk").values_list("pk", flat=True))
    n_children = len(measures) // 6
    n_top = len(measures) - n_children
    statuses = AnswerStatus.values
    for offset in range(0, len(ids), 200):
        chunk = ids[offset : offset + 200]
        with transaction.atomic():
            top = []
            for sid in chunk:
                for m in measures[:n_top]:
                    top.append(
                        PlanItem(
                            signatory_id=sid,
                            measure=m,
                            title=f"Plan: {m.code}",
                            responsible_unit="Wydział Edukacji",
                            progress=rng.randrange(0, 101),
                            children_participation="Rada dzieci opiniowała plan.",
                            starts_on=signed,
                            ends_on=signed + dt.timedelta(days=1460),
                        )
                    )
            PlanItem.objects.bulk_create(top, batch_size=2000)
            parents = {}
            for item in PlanItem.objects.filter(signatory_id__in=chunk).order_by("pk"):
                parents.setdefault(item.signatory_id, []).append(item.pk)
            PlanItem.objects.bulk_create(
                [
                    PlanItem(
                        signatory_id=sid,
                        measure=m,
                        parent_id=parents[sid][i],
                        title=f"Sub-item: {m.code}",
                        responsible_unit="Ośrodek Pomocy Społecznej",
                        progress=rng.randrange(0, 101),
                        starts_on=signed,
                        ends_on=signed + dt.timedelta(days=1460),
                    )
                    for sid in chunk
                    for i, m in enumerate(measures[n_top:])
                ],
                batch_size=2000,
            )
            assessments = Assessment.objects.bulk_create(
                [
                    Assessment(signatory_id=sid, year=year, state=Assessment.State.ACCEPTED)
                    for sid in chunk
                    for year in (today.year - 2, today.year - 1)
                ]
            )
            if assessments[0].pk is None:  # SQLite < 3.35 returns no ids
                assessments = list(Assessment.objects.filter(signatory_id__in=chunk))
            Answer.objects.bulk_create(
                [
                    Answer(
                        assessment_id=a.pk,
                        measure=m,
                        revision_id=revision_of[m.pk],
                        status=rng.choice(statuses),
                        explanation="Opis stanu wdrożenia.",
                        evidence_url="https://example.org/dowod.pdf",
                        evidence_valid_until=today + dt.timedelta(days=rng.randrange(1, 700)),
                    )
                    for a in assessments
                    for m in measures
                ],
                batch_size=5000,
            )
            progress = public.plan_progress(chunk)
            Signatory.objects.bulk_update(
                [
                    Signatory(
                        pk=sid,
                        progress=progress.get(sid, {}),
                        overall_progress=overall(progress.get(sid)),
                    )
                    for sid in chunk
                ],
                ["progress", "overall_progress"],
            )
    return {
        "seconds": time.perf_counter() - started,
        "signatories": len(ids),
        "measures": len(measures),
        "plan_items": PlanItem.objects.count(),
        "answers": Answer.objects.count(),
    }


def timed_get(client, url: str) -> tuple[float, object]:
    t0 = time.perf_counter()
    response = client.get(url)
    if hasattr(response, "streaming_content"):
        b"".join(response.streaming_content)
    elapsed = (time.perf_counter() - t0) * 1000
    assert response.status_code == 200, (url, response.status_code)
    return elapsed, response


def measure(sample: int, seed: int = 15) -> dict:
    from django.test import Client

    from ostoja.pact import public
    from ostoja.pact.catalogue import PILLARS
    from ostoja.pact.models import Signatory, SignatoryKind
    from ostoja.pact.progress import overall

    rng = random.Random(seed)
    client = Client()
    voivodeships = sorted(set(Signatory.objects.values_list("voivodeship", flat=True)))
    kinds = [k for k in SignatoryKind.values if not k.startswith("foreign")]
    slugs = list(Signatory.objects.values_list("slug", flat=True))
    pages = {
        "national overview": lambda n: (
            "/pact/"
            + ["", f"?voivodeship={voivodeships[n % 16]}", f"?pillar={PILLARS[n % 5]}"][n % 3]
        ),
        "peer comparison (overview by kind)": lambda n: f"/pact/?kind={kinds[n % len(kinds)]}",
        "authority's public page": lambda n: f"/pact/s/{rng.choice(slugs)}/",
    }
    timings: dict[str, list[float]] = {}
    for name, url in pages.items():
        timed_get(client, url(0))  # warm-up
        timings[name] = [timed_get(client, url(n))[0] for n in range(sample)]
    result = {
        name: {"p50": statistics.median(v), "p95": percentile(v, 95), "n": len(v)}
        for name, v in timings.items()
    }
    exports = {}
    csv_times = []
    for _ in range(5):
        ms, response = timed_get(client, "/pact/open-data.csv")
        csv_times.append(ms)
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    exports["full CSV"] = max(csv_times)
    json_times = []
    for _ in range(5):
        ms, response = timed_get(client, "/api/v1/pact/signatories")
        json_times.append(ms)
    items = response.json()
    exports["JSON list"] = max(json_times)
    lanzarote = [
        timed_get(client, f"/pact/s/{rng.choice(slugs)}/lanzarote.csv")[0] for _ in range(20)
    ]
    exports["Lanzarote export (p95 of 20)"] = percentile(lanzarote, 95)
    # Correctness: one row per authority; stored progress equals the recomputed progress.
    sampled = rng.sample(list(Signatory.objects.values_list("pk", flat=True)), 50)
    recomputed = public.plan_progress(sampled)
    stored = {
        pk: (progress, mean)
        for pk, progress, mean in Signatory.objects.filter(pk__in=sampled).values_list(
            "pk", "progress", "overall_progress"
        )
    }
    wrong = sum(
        1 for pk in sampled if stored[pk] != (recomputed.get(pk, {}), overall(recomputed.get(pk)))
    )
    by_teryt = {r["teryt"]: r for r in rows}
    disagree = sum(
        1
        for item in items
        if str(by_teryt[item["teryt"]]["progress_prevention"])
        != ("" if item["progress"]["prevention"] is None else str(item["progress"]["prevention"]))
    )
    return {
        "pages": result,
        "exports_ms": exports,
        "csv_rows": len(rows),
        "json_items": len(items),
        "wrong_progress": wrong,
        "csv_json_disagree": disagree,
    }


def child(url: str, measures: int, sample: int) -> None:
    setup_django(url)
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    data = generate(measures, timezone.localdate())
    print(json.dumps({"data": data, **measure(sample)}))


def run(label: str, url: str, args) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            url,
            "--measures",
            str(args.measures),
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
    first = next(iter(results.values()))["data"]
    lines = [
        f"## {dt.date.today().isoformat()}: Pact, {first['signatories']:,} authorities signed, "
        f"{first['measures']} measures, {first['plan_items']:,} plan items, "
        f"{first['answers']:,} answers (two years)",
        "",
        f"Machine: {cpu_model()}, {os.cpu_count()} cores, {memory_gib():.0f} GiB RAM, "
        f"Python {platform.python_version()}. Load average when written: "
        f"{' / '.join(f'{x:.2f}' for x in os.getloadavg())} (say in the notes what else ran).",
        "",
        "| what | target | " + " | ".join(results) + " |",
        "|---|---|" + "---|" * len(results),
    ]
    targets = {
        "national overview": "p95 < 200 ms",
        "peer comparison (overview by kind)": "p95 < 200 ms",
        "authority's public page": "< 100 ms",
    }
    for name, target in targets.items():
        cells = [
            f"{r['pages'][name]['p50']:.1f} / {r['pages'][name]['p95']:.1f} ms"
            for r in results.values()
        ]
        n = first and next(iter(results.values()))["pages"][name]["n"]
        lines.append(f"| {name} (p50 / p95, n={n}) | {target} | " + " | ".join(cells) + " |")
    for name in next(iter(results.values()))["exports_ms"]:
        target = "< 2 s" if name == "full CSV" else "—"
        cells = [f"{r['exports_ms'][name]:.0f} ms" for r in results.values()]
        worst = " (slowest of 5)" if name in ("full CSV", "JSON list") else ""
        lines.append(f"| {name}{worst} | {target} | " + " | ".join(cells) + " |")
    cells = [
        f"{r['csv_rows']} CSV rows, {r['json_items']} JSON items, {r['csv_json_disagree']} "
        f"disagreeing, {r['wrong_progress']} of 50 stored progress wrong"
        for r in results.values()
    ]
    lines.append("| correctness | all rows, 0 wrong | " + " | ".join(cells) + " |")
    cells = [f"{r['data']['seconds']:.0f} s" for r in results.values()]
    lines.append("| data generation (bulk) | — | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child")
    parser.add_argument("--measures", type=int, default=60)
    parser.add_argument("--sample", type=int, default=60)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--database-url", default=DEFAULT_PG)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.measures, args.sample)
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
