"""Benchmark: the directory's public search with 10,000 services, on SQLite and PostgreSQL.

A benchmark, not a test. For each database, in a child process of its own:

1. a fresh database (an SQLite file in a temporary directory; a PostgreSQL database whose
   name must end in "bench", dropped and re-created), migrated;
2. ``--services`` generated services (seeded random: 10 % national, 15 % regional, 75 % in
   person at 1-3 places in ~240 Polish towns; taxonomy terms, languages, ages), written in
   bulk, then indexed with ``rebuild_index()`` (timed) and ``ANALYZE``;
3. **correctness** against brute-force oracles computed in Python over the same data: the set
   of services every text query, filter and radius returns (every page), and the distance
   order of in-person results (great-circle, within the equirectangular approximation's 2 %);
4. **latency** of ``search()`` -- what the ``/help/`` page calls: count + one page of 20 +
   terms and distances of the page -- for typical queries with and without filters and
   distance sort, ``--repeat`` times each after a warm-up; p50/p95 per query and overall;
   plus the whole ``GET /help/`` (view and template) for two queries.

    .venv/bin/python bench/directory_search_bench.py --write
    .venv/bin/python bench/directory_search_bench.py --only sqlite --services 2000

Target (issue 6): p95 < 50 ms. Results go to ``bench/results/directory_search.md`` with
``--write``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import types
import uuid
from pathlib import Path

from bench_common import cpu_model, memory_gib, recreate_database

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "directory_search.md"
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/directory_bench"
TARGET_P95_MS = 50.0


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


# --------------------------------------------------------------------------------------------
# Child: one database
# --------------------------------------------------------------------------------------------


def setup_django(url: str) -> None:
    import dj_database_url

    sys.path.insert(0, str(ROOT / "src"))
    module = types.ModuleType("directory_bench_settings")
    exec("from ostoja.config.settings.test import *  # noqa", module.__dict__)  # noqa: S102
    database = dj_database_url.parse(url)
    if database["ENGINE"] == "django.db.backends.sqlite3":
        database["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    module.DATABASES = {"default": database}
    module.LOGGING = {"version": 1, "disable_existing_loggers": False}
    sys.modules["directory_bench_settings"] = module
    os.environ["DJANGO_SETTINGS_MODULE"] = "directory_bench_settings"
    import django

    django.setup()


WORDS = [
    "terapia",
    "wsparcie",
    "konsultacje",
    "pomoc",
    "psycholog",
    "seksuolog",
    "psychoterapia",
    "rozmowa",
    "grupa",
    "prewencja",
    "rodzice",
    "opiekunowie",
    "dzieci",
    "młodzież",
    "dorośli",
    "ocaleni",
    "przemoc",
    "krzywda",
    "zaufanie",
    "telefon",
    "czat",
    "internet",
    "wideo",
    "spotkanie",
    "poradnia",
    "centrum",
    "fundacja",
    "stowarzyszenie",
    "program",
    "profesjonaliści",
    "nauczyciele",
    "kuratorzy",
    "lekarze",
    "interwencja",
    "kryzys",
    "bezpieczeństwo",
    "dziecka",
    "myśli",
    "zachowania",
    "kontrola",
    "nawyk",
    "uzależnienie",
    "materiały",
    "oglądanie",
    "zapobieganie",
    "poufność",
]
KINDS = ["Poradnia", "Centrum", "Telefon", "Program", "Grupa", "Punkt", "Ośrodek", "Czat"]


def generate(n_services: int, seed: int = 2026) -> list[dict]:
    """Plain dicts describing the services (also the input of the oracles)."""
    from ostoja.directory import data
    from ostoja.organisations.models import Voivodeship

    rng = random.Random(seed)
    towns = data.load_places()["towns"]
    terms = {f["code"]: [t["code"] for t in f["terms"]] for f in data.facets()}
    voivodeships = list(Voivodeship.values)
    specs = []
    for i in range(n_services):
        roll = rng.random()
        coverage = "national" if roll < 0.10 else "regional" if roll < 0.25 else "local"
        places = []
        if coverage != "national":
            for _ in range(rng.choice([1, 1, 1, 2, 3])):
                town = rng.choice(towns)
                places.append(
                    {
                        "city": town["name"],
                        "voivodeship": town["voivodeship"],
                        "lat": town["lat"] + rng.uniform(-0.04, 0.04),
                        "lon": town["lon"] + rng.uniform(-0.06, 0.06),
                    }
                )
        regions = []
        if coverage == "regional":
            regions = sorted(
                {places[0]["voivodeship"], *rng.sample(voivodeships, rng.choice([0, 1]))}
            )
        codes = set(rng.sample(terms["audience"], rng.choice([1, 1, 2])))
        codes |= set(rng.sample(terms["stage"], rng.choice([0, 0, 1, 2])))
        codes |= set(rng.sample(terms["modality"], rng.choice([1, 2, 3])))
        if coverage == "local":
            codes.add("modality.in-person")
        codes |= set(rng.sample(terms["anonymity"], rng.choice([0, 1, 2])))
        codes.add(rng.choice(terms["cost"]))
        codes.add(rng.choice(terms["evidence"]))
        languages = (
            ["pl"] + (["en"] if rng.random() < 0.2 else []) + (["uk"] if rng.random() < 0.1 else [])
        )
        low = rng.choice([None, None, 0, 6, 12, 18])
        high = rng.choice([None, None, 17, 18, 25]) if low is None or low < 17 else None
        words = rng.sample(WORDS, 12)
        kind = rng.choice(KINDS)
        specs.append(
            {
                "id": uuid.UUID(int=rng.getrandbits(128), version=4),
                "name": f"{kind} {words[0]} {i}",
                "description": " ".join(words[1:]) + ".",
                "coverage": coverage,
                "places": places,
                "regions": regions,
                "terms": sorted(codes),
                "languages": languages,
                "min_age": low,
                "max_age": high,
                "provider": i % 1000,
            }
        )
    return specs


def load(specs: list[dict]) -> float:
    """Write the services in bulk, then build the search index; returns the indexing time."""
    from django.db import connection, transaction

    from ostoja.directory.models import (
        Address,
        Attribute,
        Language,
        Location,
        Provider,
        Service,
        ServiceArea,
        ServiceAtLocation,
        Source,
    )
    from ostoja.directory.search import rebuild_index
    from ostoja.directory.taxonomy import ensure_taxonomy, term_id
    from ostoja.organisations.models import Voivodeship

    ensure_taxonomy()
    today = dt.date.today()
    with transaction.atomic():
        providers = Provider.objects.bulk_create(
            [Provider(name=f"Organizacja {n}", source=Source.DEMO) for n in range(1000)]
        )
        services, locations, addresses, sals, attributes, languages, areas = (
            [],
            [],
            [],
            [],
            [],
            [],
            [],
        )
        for spec in specs:
            services.append(
                Service(
                    id=spec["id"],
                    provider=providers[spec["provider"]],
                    name={"pl": spec["name"]},
                    description={"pl": spec["description"]},
                    application_process={"pl": "Zadzwoń."},
                    confidentiality={"pl": "Poufnie."},
                    coverage=spec["coverage"],
                    minimum_age=spec["min_age"],
                    maximum_age=spec["max_age"],
                    published=True,
                    assured_date=today,
                    source=Source.DEMO,
                )
            )
            for position, place in enumerate(spec["places"]):
                location = Location(
                    provider=providers[spec["provider"]],
                    latitude=place["lat"],
                    longitude=place["lon"],
                    voivodeship=place["voivodeship"],
                )
                locations.append(location)
                addresses.append(
                    Address(location=location, address_1="ul. Testowa 1", city=place["city"])
                )
                sals.append(
                    ServiceAtLocation(service_id=spec["id"], location=location, position=position)
                )
            for code in spec["terms"]:
                attributes.append(
                    Attribute(
                        link_entity="service", link_id=spec["id"], taxonomy_term_id=term_id(code)
                    )
                )
            for code in spec["languages"]:
                languages.append(Language(service_id=spec["id"], code=code, name=code))
            for code in spec["regions"]:
                areas.append(
                    ServiceArea(
                        service_id=spec["id"], voivodeship=code, name=Voivodeship(code).label
                    )
                )
            if spec["coverage"] == "national":
                areas.append(ServiceArea(service_id=spec["id"], name="Polska"))
        for model, rows in (
            (Service, services),
            (Location, locations),
            (Address, addresses),
            (ServiceAtLocation, sals),
            (Attribute, attributes),
            (Language, languages),
            (ServiceArea, areas),
        ):
            model.objects.bulk_create(rows, batch_size=2000)
    started = time.perf_counter()
    with transaction.atomic():
        rebuild_index()
    indexing = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return indexing


def queries() -> list[tuple[str, dict]]:
    from ostoja.directory import geo

    return [
        ("text: terapia", {"text": "terapia"}),
        ("text: 3 words", {"text": "telefon zaufania rodzice"}),
        ("text: synonyms and a typo", {"text": "pedofilia terapja"}),
        (
            "filters: audience + modality",
            {
                "terms": {
                    "audience": ("audience.worried-about-thoughts",),
                    "modality": ("modality.phone", "modality.chat"),
                }
            },
        ),
        (
            "text + filters + language",
            {"text": "wsparcie", "terms": {"cost": ("cost.free",)}, "languages": ("uk",)},
        ),
        (
            "age + audience",
            {"age": 15, "terms": {"audience": ("audience.children-and-young-people",)}},
        ),
        ("place: Kraków (distance sort)", {"place": geo.locate("Kraków")}),
        (
            "postcode 80-950 + 50 km + audience",
            {
                "place": geo.locate("80-950"),
                "radius_km": 50.0,
                "terms": {"audience": ("audience.parents-and-carers",)},
            },
        ),
        ("text + place: pomoc, Łódź", {"text": "pomoc", "place": geo.locate("Łódź")}),
        ("browse (no query)", {}),
        ("long hostile text", {"text": 'terapia OR NEAR("x" * ) ' * 30}),
    ]


def oracle(specs, filters) -> set:
    """The services a query must return, computed in Python."""
    from ostoja.directory.geo import haversine_km
    from ostoja.directory.query_words import plan
    from ostoja.directory.search import fold

    # Every group of the query plan (synonyms, stems) must match: any of its alternatives,
    # all prefixes of an alternative.
    words = plan(filters.text, find_place=False).groups
    out = set()
    for spec in specs:
        if words:
            text = [
                spec["name"],
                spec["description"],
                "Zadzwoń.",
                f"Organizacja {spec['provider']}",
            ]
            text += [p["city"] for p in spec["places"]]
            text += [_label(code) for code in spec["terms"]]
            text += _region_names(spec) + spec["languages"]
            if spec["coverage"] == "national":
                text.append("Polska")
            doc = set(re.findall(r"\w+", fold(" ".join(text))))
            if not all(
                any(all(any(t.startswith(p) for t in doc) for p in alt) for alt in group)
                for group in words
            ):
                continue
        if any(vals and not set(vals) & set(spec["terms"]) for vals in filters.terms.values()):
            continue
        if filters.languages and not set(filters.languages) & set(spec["languages"]):
            continue
        if filters.age is not None:
            if spec["min_age"] is not None and spec["min_age"] > filters.age:
                continue
            if spec["max_age"] is not None and spec["max_age"] < filters.age:
                continue
        place = filters.place
        if place is not None:
            if spec["coverage"] == "regional" and place.voivodeship not in spec["regions"]:
                continue
            if spec["coverage"] == "local" and filters.radius_km:
                nearest = min(haversine_km(place, (p["lat"], p["lon"])) for p in spec["places"])
                # The SQL cut is equirectangular: allow its error at the edge.
                if nearest > filters.radius_km * 1.02:
                    continue
                if nearest > filters.radius_km * 0.98:
                    out.add(("edge", spec["id"]))
                    continue
        out.add(spec["id"])
    return out


_LABELS: dict = {}


def _label(code: str) -> str:
    from ostoja.directory import data

    if not _LABELS:
        for term in data.terms():
            _LABELS[term["code"]] = term["name"]["pl"] + " " + term["name"]["en"]
    return _LABELS[code]


def _region_names(spec) -> list[str]:
    from ostoja.organisations.models import Voivodeship

    return [Voivodeship(code).label for code in spec["regions"]] + [
        Voivodeship(p["voivodeship"]).label for p in spec["places"]
    ]


def check_correctness(specs) -> list[str]:
    from ostoja.directory.geo import haversine_km
    from ostoja.directory.search import SearchFilters, search_entries

    problems = []
    for label, params in queries():
        filters = SearchFilters(**params)
        got = set(search_entries(filters).values_list("service_id", flat=True))
        expected = oracle(specs, filters)
        edge = {i for tag, i in (e for e in expected if isinstance(e, tuple))}
        expected = {e for e in expected if not isinstance(e, tuple)}
        missing, extra = expected - got, got - expected - edge
        if missing or extra:
            problems.append(f"{label}: {len(missing)} missing, {len(extra)} unexpected")
        if filters.place is not None:
            by_id = {s["id"]: s for s in specs}
            ordered = list(search_entries(filters).values_list("service_id", "coverage")[:400])
            local = [pk for pk, coverage in ordered if coverage == "local"]
            distances = [
                min(haversine_km(filters.place, (p["lat"], p["lon"])) for p in by_id[pk]["places"])
                for pk in local
            ]
            for a, b in zip(distances, distances[1:], strict=False):
                if b < a * 0.98 - 0.5:
                    problems.append(
                        f"{label}: distance order broken ({a:.1f} km before {b:.1f} km)"
                    )
                    break
    return problems


def time_queries(repeat: int) -> dict:
    from django.test import Client

    from ostoja.directory.search import SearchFilters, search

    results = {}
    for label, params in queries():
        filters = SearchFilters(**params)
        for _ in range(5):
            search(filters, page=1, per_page=20, language="pl")
        samples, cpu = [], []
        total = 0
        for _ in range(repeat):
            started, cpu_started = time.perf_counter(), time.thread_time()
            page = search(filters, page=1, per_page=20, language="pl")
            samples.append((time.perf_counter() - started) * 1000)
            cpu.append((time.thread_time() - cpu_started) * 1000)
            total = page.total
        results[label] = {
            "matches": total,
            "p50": statistics.median(samples),
            "p95": percentile(samples, 95),
            "cpu_p50": statistics.median(cpu),
            "cpu_p95": percentile(cpu, 95),
            "samples": samples,
        }
    client = Client()
    for label, query in (
        ("GET /help/?q=terapia", {"q": "terapia"}),
        (
            "GET /help/ place=Kraków + audience",
            {"place": "Kraków", "audience": "audience.parents-and-carers"},
        ),
    ):
        for _ in range(3):
            client.get("/help/", query)
        samples = []
        for _ in range(repeat):
            started = time.perf_counter()
            response = client.get("/help/", query)
            samples.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        results[label] = {
            "matches": None,
            "p50": statistics.median(samples),
            "p95": percentile(samples, 95),
            "cpu_p50": None,
            "cpu_p95": None,
            "samples": samples,
        }
    return results


def child(url: str, n_services: int, repeat: int) -> dict:
    if url.startswith("postgres"):
        recreate_database(url)
    setup_django(url)
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    specs = generate(n_services)
    started = time.perf_counter()
    indexing = load(specs)
    loading = time.perf_counter() - started
    problems = check_correctness(specs)
    load_before = os.getloadavg()[0]
    timings = time_queries(repeat)
    load_after = os.getloadavg()[0]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
        else:
            cursor.execute("SELECT sqlite_version()")
        version = cursor.fetchone()[0]
    search_samples = [
        s for label, r in timings.items() if not label.startswith("GET") for s in r["samples"]
    ]
    return {
        "vendor": connection.vendor,
        "version": version,
        "services": n_services,
        "load_seconds": loading,
        "index_seconds": indexing,
        "correctness_problems": problems,
        "load": [load_before, load_after],
        "queries": {
            k: {kk: vv for kk, vv in v.items() if kk != "samples"} for k, v in timings.items()
        },
        "overall": {
            "p50": statistics.median(search_samples),
            "p95": percentile(search_samples, 95),
        },
    }


# --------------------------------------------------------------------------------------------
# Parent: run both, report
# --------------------------------------------------------------------------------------------


def machine() -> str:
    system = f"{platform.system()} {platform.release()}, Python {platform.python_version()}"
    return f"{cpu_model()}, {os.cpu_count()} cores, {memory_gib():.0f} GB RAM, {system}"


def render(runs: list[dict], command: str) -> str:
    lines = [
        "# Directory search benchmark",
        "",
        f"- Date: {dt.datetime.now().astimezone().isoformat(timespec='minutes')}",
        f"- Machine: {machine()}",
        f"- Command: `{command}`",
        "- What: `ostoja.directory.search.search()` as the `/help/` page calls it (count + one "
        "page of 20 + terms and distances), and the whole `GET /help/` in-process "
        "(view + template), each query repeated after a warm-up. Target: p95 < 50 ms.",
        "- Columns: wall-clock latency, and the CPU time of the benchmark's own thread (for "
        "SQLite that is the whole search, in-process; for PostgreSQL it leaves out the "
        "server's work). On a machine shared with other jobs, wall time includes waiting for "
        "a core; CPU time does not.",
        "- Data: 10 % national services, 15 % regional, 75 % in person at 1-3 places in ~240 "
        "towns; 1-2 audiences, 0-2 stages, 1-3 modalities, cost, evidence; 20 % also in "
        "English, 10 % in Ukrainian (seeded random, see `generate()`).",
        "",
    ]
    for run in runs:
        verdict = "meets" if run["overall"]["p95"] < TARGET_P95_MS else "MISSES"
        lines += [
            f"## {run['vendor']} {run['version']} — {run['services']:,} services",
            "",
            f"Loaded in {run['load_seconds']:.1f} s (indexing {run['index_seconds']:.1f} s). "
            f"Load average while timing: {run['load'][0]:.1f} → {run['load'][1]:.1f} "
            f"(on {os.cpu_count()} cores shared with other work). "
            f"Correctness against the Python oracles: "
            + (
                "all queries match."
                if not run["correctness_problems"]
                else "; ".join(run["correctness_problems"])
            ),
            "",
            "| query | matches | p50 ms | p95 ms | CPU p50 ms | CPU p95 ms |",
            "| --- | ---: | ---: | ---: | ---: | ---: |",
        ]
        for label, result in run["queries"].items():
            matches = "" if result["matches"] is None else f"{result['matches']:,}"
            cpu = (
                f"{result['cpu_p50']:.1f} | {result['cpu_p95']:.1f}"
                if result["cpu_p50"] is not None
                else " | "
            )
            lines.append(
                f"| {label} | {matches} | {result['p50']:.1f} | {result['p95']:.1f} | {cpu} |"
            )
        lines += [
            "| **all search() calls** | | "
            f"**{run['overall']['p50']:.1f}** | **{run['overall']['p95']:.1f}** |",
            "",
            f"Overall p95 {run['overall']['p95']:.1f} ms: {verdict} the 50 ms target.",
            "",
        ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--services", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--pg", default=os.environ.get("DIRECTORY_BENCH_PG", DEFAULT_PG))
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--write", action="store_true", help=f"write {RESULTS.relative_to(ROOT)}")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.services, args.repeat)))
        return
    runs = []
    with tempfile.TemporaryDirectory(prefix="directory-bench-") as tmp:
        targets = []
        if args.only in (None, "sqlite"):
            targets.append(f"sqlite:///{tmp}/bench.sqlite3")
        if args.only in (None, "postgresql"):
            targets.append(args.pg)
        for url in targets:
            env = {
                k: v
                for k, v in os.environ.items()
                if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
            }
            output = subprocess.run(  # noqa: S603
                [
                    sys.executable,
                    __file__,
                    "--child",
                    url,
                    "--services",
                    str(args.services),
                    "--repeat",
                    str(args.repeat),
                ],
                check=True,
                capture_output=True,
                text=True,
                env=env,
                cwd=ROOT,
            ).stdout
            run = json.loads(output.strip().splitlines()[-1])
            runs.append(run)
            print(
                f"{run['vendor']}: overall p50 {run['overall']['p50']:.1f} ms, "
                f"p95 {run['overall']['p95']:.1f} ms; "
                f"problems: {run['correctness_problems'] or 'none'}"
            )
            for label, result in run["queries"].items():
                print(
                    f"  {label:45} {result['p50']:7.1f} {result['p95']:7.1f}  ({result['matches']})"
                )
    command = "python bench/directory_search_bench.py " + " ".join(a for a in sys.argv[1:])
    report = render(runs, command.strip())
    if args.write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(report + "\n", encoding="utf-8")
        print(f"wrote {RESULTS.relative_to(ROOT)}")
    if any(run["correctness_problems"] for run in runs):
        sys.exit(1)


if __name__ == "__main__":
    main()
