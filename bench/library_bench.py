"""Benchmark: library search over 20,000 documents with extracted text, SQLite and PostgreSQL.

A benchmark, not a test. For each database (a fresh SQLite file, or a PostgreSQL database
whose name ends in "bench", dropped and re-created), migrated:

1. ``--docs`` materials with metadata (seeded random titles, authors, years, kinds), in bulk;
2. each gets the index entry the real indexer writes (``search.index_raw``: the folded
   metadata, and the distinct words of its extracted text). The text is synthetic: a
   document of ~200 pages on average (lognormal, 20-900 pages, 300 words a page) drawn from a
   Zipf-distributed vocabulary of ``--vocab`` pseudo-Polish words; its *distinct* words are
   sampled directly (a word of rank r appears in an n-word text with probability
   1-(1-p_r)^n), which is what the indexer would keep from the full text, without generating
   gigabytes of prose first. The full text itself is not stored by the benchmark;
3. **correctness**: for every query, the set of ids returned equals a brute-force oracle
   computed in Python over the same index words (prefix match, all words);
4. **latency** of what the library page runs: ``search.search(...)`` count + the first page
   of 20, for common, rare, two-word, title and no-match queries, with and without a filter,
   and the plain list (no words, with and without filters), ``--repeat`` times after a
   warm-up; p50/p95 overall and per query;
5. the same queries through the JSON API (``GET /api/v1/library/materials`` as a member),
   timed the same way, their counts checked against the oracle.

Building 20,000 documents takes a while (about 18 minutes on a loaded 2-core machine);
``--keep FILE`` keeps the SQLite data set so that the queries can be profiled and timed
again without rebuilding it.

    .venv/bin/python bench/library_bench.py --only sqlite --docs 2000
    .venv/bin/python bench/library_bench.py --only sqlite --keep /tmp/library20k.sqlite3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_library_bench \
        .venv/bin/python bench/library_bench.py --only postgres

Target (issue 14): p95 < 100 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

from bench_common import cpu_model, memory_gib, recreate_database

ROOT = Path(__file__).resolve().parents[1]
TARGET_P95_MS = 100.0
SYLLABLES = [
    "ba",
    "be",
    "bi",
    "bo",
    "bu",
    "ca",
    "ce",
    "ci",
    "co",
    "da",
    "de",
    "di",
    "do",
    "dy",
    "fa",
    "fe",
    "go",
    "ja",
    "je",
    "ka",
    "ke",
    "ki",
    "ko",
    "ku",
    "la",
    "le",
    "li",
    "lo",
    "lu",
    "ma",
    "me",
    "mi",
    "mo",
    "mu",
    "na",
    "ne",
    "ni",
    "no",
    "nu",
    "pa",
    "pe",
    "pi",
    "po",
    "pu",
    "ra",
    "re",
    "ri",
    "ro",
    "ru",
    "sa",
    "se",
    "si",
    "so",
    "su",
    "ta",
    "te",
    "ti",
    "to",
    "tu",
    "wa",
    "we",
    "wi",
    "wo",
    "za",
    "ze",
    "zi",
    "zo",
    "cza",
    "cze",
    "szo",
    "rzy",
    "dzi",
    "nie",
    "sta",
    "prze",
    "pro",
    "kra",
]


def percentile(values, p):
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))]


def setup_django(url: str) -> None:
    import dj_database_url

    sys.path.insert(0, str(ROOT / "src"))
    module = types.ModuleType("library_bench_settings")
    exec("from ostoja.config.settings.test import *  # noqa", module.__dict__)  # noqa: S102
    database = dj_database_url.parse(url)
    if database["ENGINE"] == "django.db.backends.sqlite3":
        database["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    module.DATABASES = {"default": database}
    module.LOGGING = {"version": 1, "disable_existing_loggers": False}
    sys.modules["library_bench_settings"] = module
    os.environ["DJANGO_SETTINGS_MODULE"] = "library_bench_settings"
    import django

    django.setup()


def vocabulary(size: int, rng) -> list[str]:
    words: dict[str, None] = {}
    while len(words) < size:
        n = int(rng.integers(2, 5))
        words["".join(SYLLABLES[i] for i in rng.integers(0, len(SYLLABLES), n))] = None
    return list(words)


def run(url: str, docs: int, vocab_size: int, repeat: int, reuse: bool = False) -> dict:
    import numpy as np

    setup_django(url)
    from django.core.management import call_command
    from django.db import connection, transaction

    from ostoja.library import search
    from ostoja.library.models import Material

    call_command("migrate", verbosity=0)
    rng = np.random.default_rng(14)
    vocab = vocabulary(vocab_size, rng)
    ranks = np.arange(1, vocab_size + 1, dtype=np.float64)
    p = 1.0 / ranks**1.07
    p /= p.sum()
    kinds = ["publication", "guide", "tool", "test", "dataset", "recording"]
    started = time.perf_counter()
    materials = [
        Material(
            title=" ".join(vocab[i] for i in rng.integers(0, 3000, 4)).capitalize(),
            authors=" ".join(vocab[i] for i in rng.integers(0, vocab_size, 2)),
            year=int(rng.integers(1995, 2027)),
            language="pl" if rng.random() < 0.8 else "en",
            kind=kinds[int(rng.integers(0, len(kinds)))],
            audience="professionals",
            access="members" if rng.random() < 0.3 else "public",
        )
        for _ in range(docs)
    ]
    if not reuse:
        Material.objects.bulk_create(materials, batch_size=2000)
    elif Material.objects.count() != docs:
        sys.exit(f"--keep: the kept database does not hold {docs} materials; delete it.")
    ids = list(Material.objects.order_by("pk").values_list("pk", "title", "authors"))
    common, middle, rare = vocab[5], vocab[400], vocab[9000 % vocab_size]
    title_word = materials[len(materials) // 2].title.split()[1].lower()
    queries = [
        ("common word", common, {}),
        ("mid-frequency word", middle, {}),
        ("rare word", rare, {}),
        ("two words", f"{middle} {vocab[900]}", {}),
        ("title word", title_word, {}),
        ("prefix of a word", vocab[300][:5], {}),
        ("common + filter", common, {"kind": "guide"}),
        ("no match", "zzzqqqxx", {}),
        ("list, no words", "", {}),
        ("list + filter", "", {"kind": "guide", "language": "en"}),
    ]
    # The oracle: for each query group, the vocabulary words it matches (prefix); a document
    # matches a group when it has one of them among its words or in its metadata.
    query_groups = {name: search.query_groups(text) for name, text, _extra in queries}
    group_masks = {
        name: [np.array([w.startswith(g[0][0]) for w in vocab]) for g in groups]
        for name, groups in query_groups.items()
    }
    absent_log = np.log1p(-p)
    expected: dict[str, set[int]] = {name: set() for name, _t, _e in queries}
    total_pages = 0
    total_distinct = 0
    batch = []
    with transaction.atomic():
        for pk, title, authors in ids:
            pages = int(np.clip(rng.lognormal(np.log(170), 0.55), 20, 900))
            total_pages += pages
            tokens = pages * 300
            present = rng.random(vocab_size) < -np.expm1(tokens * absent_log)
            words = [vocab[i] for i in np.flatnonzero(present)]
            total_distinct += len(words)
            meta = search.fold(f"{title} {title} {title} {authors}")
            meta_words = meta.split()
            for name, groups in query_groups.items():
                ok = all(
                    present[mask].any() or any(w.startswith(g[0][0]) for w in meta_words)
                    for mask, g in zip(group_masks[name], groups, strict=True)
                )
                if ok:
                    expected[name].add(pk)
            if reuse:
                continue
            batch.append((pk, meta, " ".join(words)))
            if len(batch) == 500:
                search.index_raw(batch)
                batch = []
                if pk % 2000 < 500:
                    elapsed = time.perf_counter() - started
                    print(f"  indexed up to id {pk} after {elapsed:.0f} s", file=sys.stderr)
        search.index_raw(batch)
    if not reuse:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    load_s = time.perf_counter() - started

    kind_of = dict(Material.objects.values_list("pk", "kind"))
    language_of = dict(Material.objects.values_list("pk", "language"))

    def oracle(name, extra):
        kind = extra.get("kind")
        language = extra.get("language")
        return {
            pk
            for pk in expected[name]
            if (not kind or kind_of[pk] == kind) and (not language or language_of[pk] == language)
        }

    correctness = {}
    for name, text, extra in queries:
        found = set(
            search.search(search.Filters(text=text, **extra), members=True).values_list(
                "pk", flat=True
            )
        )
        correctness[name] = {"ok": found == oracle(name, extra), "matches": len(found)}

    timings: dict[str, list[float]] = {}
    for name, text, extra in queries:
        filters = search.Filters(text=text, **extra)
        for attempt in range(repeat + 2):
            t0 = time.perf_counter()
            qs = search.search(filters, members=True)
            qs.count()
            list(qs.select_related("publisher")[:20])
            elapsed = (time.perf_counter() - t0) * 1000
            if attempt >= 2:
                timings.setdefault(name, []).append(elapsed)
    everything = [t for values in timings.values() for t in values]

    # The same queries through the JSON API (GET /api/v1/library/materials, a member's
    # session: members-only materials included), as a client sees them: count, the first
    # page of 20 and its serialisation.
    from django.contrib.auth import get_user_model
    from django.test import Client

    from ostoja.network.membership import set_state
    from ostoja.network.models import PartnerState
    from ostoja.organisations.models import Membership, Organisation

    organisation = Organisation.objects.get_or_create(
        slug="bench-partner", defaults={"name": "Bench partner", "kind": "ngo"}
    )[0]
    set_state(organisation, PartnerState.MEMBER, reason="bench")
    user = get_user_model().objects.get_or_create(email="bench@example.org")[0]
    Membership.objects.get_or_create(user=user, organisation=organisation, role="network_member")
    client = Client()
    client.force_login(user)
    url = "/api/v1/library/materials"
    api_timings: dict[str, list[float]] = {}
    for name, text, extra in queries:
        params = {"q": text, **extra} if text else dict(extra)
        for attempt in range(repeat + 2):
            t0 = time.perf_counter()
            response = client.get(url, params)
            elapsed = (time.perf_counter() - t0) * 1000
            assert response.status_code == 200, response.content[:200]
            if attempt == 0:
                ok = response.json()["count"] == len(oracle(name, extra))
                correctness[name]["ok"] = correctness[name]["ok"] and ok
            if attempt >= 2:
                api_timings.setdefault(name, []).append(elapsed)
    api_everything = [t for values in api_timings.values() for t in values]
    return {
        "vendor": connection.vendor,
        "docs": docs,
        "reused": reuse,
        "avg_pages": total_pages / docs,
        "avg_distinct_words": total_distinct / docs,
        "load_s": load_s,
        "p50_ms": percentile(everything, 50),
        "p95_ms": percentile(everything, 95),
        "api_p50_ms": percentile(api_everything, 50),
        "api_p95_ms": percentile(api_everything, 95),
        "per_query": {
            name: {
                "p50_ms": percentile(v, 50),
                "p95_ms": percentile(v, 95),
                "api_p50_ms": percentile(api_timings[name], 50),
                "api_p95_ms": percentile(api_timings[name], 95),
                "matches": correctness[name]["matches"],
                "correct": correctness[name]["ok"],
            }
            for name, v in timings.items()
        },
        "all_correct": all(c["ok"] for c in correctness.values()),
    }


def postgres_holds(url: str, docs: int) -> bool:
    """Whether the benchmark database exists and holds exactly ``docs`` indexed materials."""
    import psycopg

    try:
        with psycopg.connect(url) as conn:
            row = conn.execute(
                "SELECT count(*) FROM library_material WHERE search_vector IS NOT NULL"
            ).fetchone()
    except psycopg.Error:
        return False
    return row[0] == docs


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=20_000)
    parser.add_argument("--vocab", type=int, default=40_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument(
        "--keep",
        metavar="FILE",
        help="SQLite: build the data set in FILE and keep it; when FILE exists, reuse it "
        "(only the oracle is recomputed, from the same seed) -- for profiling queries "
        "without rebuilding 20,000 documents",
    )
    parser.add_argument(
        "--keep-postgres",
        action="store_true",
        help="PostgreSQL: when the benchmark database already holds --docs materials (a "
        "previous build), reuse it instead of dropping it",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--reuse", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run(args.child, args.docs, args.vocab, args.repeat, args.reuse)))
        return
    targets = []
    reuse = False
    reuse_postgres = False
    if args.only in (None, "sqlite"):
        if args.keep:
            path = Path(args.keep).resolve()
            reuse = path.exists()
            targets.append(("sqlite", f"sqlite:///{path}"))
        else:
            targets.append(("sqlite", f"sqlite:///{tempfile.mkdtemp()}/library_bench.sqlite3"))
    if args.only in (None, "postgres"):
        url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/h_library_bench")
        reuse_postgres = args.keep_postgres and postgres_holds(url, args.docs)
        if not reuse_postgres:
            recreate_database(url)
        targets.append(("postgres", url))
    print(f"# library search bench · {platform.node()} · {cpu_model()} · {memory_gib():.0f} GiB")
    for label, url in targets:
        out = subprocess.run(  # noqa: S603 - our own script
            [
                sys.executable,
                __file__,
                "--child",
                url,
                "--docs",
                str(args.docs),
                "--vocab",
                str(args.vocab),
                "--repeat",
                str(args.repeat),
                *(["--reuse"] if (reuse if label == "sqlite" else reuse_postgres) else []),
            ],
            stdout=subprocess.PIPE,  # the child's errors reach the terminal (a 48-minute
            text=True,  # PostgreSQL run once failed with its traceback swallowed)
            check=True,
        )
        result = json.loads(out.stdout.strip().splitlines()[-1])
        verdict = "OK" if result["p95_ms"] < TARGET_P95_MS else "OVER TARGET"
        print(
            f"\n## {label}: {result['docs']} documents, {result['avg_pages']:.0f} pages and "
            f"{result['avg_distinct_words']:.0f} distinct words each on average; "
            + (
                "data set reused (--keep)"
                if result["reused"]
                else f"load+index {result['load_s']:.0f} s"
            )
        )
        api_verdict = "OK" if result["api_p95_ms"] < TARGET_P95_MS else "OVER TARGET"
        print(
            f"search (count + first page): p50 {result['p50_ms']:.1f} ms · "
            f"p95 {result['p95_ms']:.1f} ms ({verdict}) · through the JSON API: "
            f"p50 {result['api_p50_ms']:.1f} ms · p95 {result['api_p95_ms']:.1f} ms "
            f"({api_verdict}) · all results correct: {result['all_correct']}"
        )
        print("| query | matches | p50 ms | p95 ms | API p50 ms | API p95 ms | correct |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | --- |")
        for name, q in result["per_query"].items():
            print(
                f"| {name} | {q['matches']} | {q['p50_ms']:.1f} | {q['p95_ms']:.1f} | "
                f"{q['api_p50_ms']:.1f} | {q['api_p95_ms']:.1f} | {q['correct']} |"
            )


if __name__ == "__main__":
    main()
