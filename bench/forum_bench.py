"""Benchmark: the forum's thread page and search, on SQLite and PostgreSQL.

A benchmark, not a test. For each database, in a child process of its own:

1. a fresh database (an SQLite file in a temporary directory; a PostgreSQL database whose
   name must end in "bench", dropped and re-created), migrated;
2. ``--posts`` posts (seeded random Polish and English text, 15-60 words, Zipf-distributed
   vocabulary) by 60 members of 12 partner organisations in 300 threads of 10 categories,
   one of them restricted to a group the reader is not in (10 % of the posts); plus one
   thread of ``--thread-posts`` posts with Markdown rendered through ``render_markdown``,
   attachments on every 25th post and a quote on every 10th. Written in bulk and indexed
   with the forum's own ``document_for`` (FTS5 / ``to_tsvector``), then ``ANALYZE``;
3. **correctness**: for every query, each returned post is checked against a brute-force
   oracle computed in Python (folded words, stem-prefix match, visible to the reader); for
   queries with fewer matches than a page, the exact set must come back; no post of the
   restricted category ever comes back; a full page when the oracle has more;
4. **latency** of ``GET /forum/t/<id>/?page=N`` (50 posts a page: first, middle, last) and
   of the same thread with all 1,000 posts on one page; of ``GET /forum/search/?q=...`` for
   typical queries (the view: permission checks, search, template). ``--repeat`` times each
   after a warm-up; p50/p95.

    .venv/bin/python bench/forum_bench.py --write
    .venv/bin/python bench/forum_bench.py --only sqlite --posts 20000 --repeat 10

Targets (issue 12): a thread of 1,000 posts renders with p95 < 150 ms; search over 200,000
posts p95 < 100 ms. Results: ``bench/results/forum.md`` with ``--write``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
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
from pathlib import Path

from bench_common import cpu_model, memory_gib, recreate_database

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "forum.md"
DEFAULT_PG = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/h_forum_bench")
TARGET_THREAD_MS = 150.0
TARGET_SEARCH_MS = 100.0

PL = (  # noqa: SIM905 - a word list reads better as text
    "dziecko dzieci dzieciom terapia terapii terapeuta wsparcie pomoc przemoc przemocy "
    "szkolenie szkolenia spotkanie spotkania partnerstwo partnerstwa organizacja organizacje "
    "fundacja stowarzyszenie procedura procedury standardy ochrony ochrona rodzina rodziny "
    "rodzice szkoła szkoły nauczyciel psycholog psychologa sąd sądu prokuratura policja "
    "interwencja interwencji superwizja konsultacja konsultacje warsztaty konferencja "
    "województwo gmina powiat ustawa nowelizacja rozporządzenie opinia stanowisko wniosek "
    "projekt grant finansowanie raport sprawozdanie badanie dane statystyki Łódź Kraków "
    "Gdańsk Wrocław Poznań Warszawa Lublin Białystok Rzeszów Olsztyn Opole Kielce Toruń "
    "internet cyberprzemoc bezpieczeństwo zgłoszenie dyżur telefon zaufania świadek "
    "przesłuchanie przyjazny pokój wolontariusze kadra kwalifikacje rekrutacja "
    "i w z na do że się nie jak to po od dla o przez jest są był była będzie"
).split()
EN = (  # noqa: SIM905 - a word list reads better as text
    "child children therapy support help abuse training meeting partnership organisation "
    "procedure standards protection family parents school teacher court police "
    "intervention supervision consultation workshop conference law opinion position grant "
    "report research data online safety hotline witness volunteers staff recruitment "
    "the and of to in for on with is are was"
).split()
RARE = ["kwarantannowy", "zygzakowaty", "hipopotamowy", "xylophonic"]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def setup_django(url: str, files_dir: str) -> None:
    import dj_database_url

    sys.path.insert(0, str(ROOT / "src"))
    module = types.ModuleType("forum_bench_settings")
    exec("from ostoja.config.settings.test import *  # noqa", module.__dict__)  # noqa: S102
    database = dj_database_url.parse(url)
    if database["ENGINE"] == "django.db.backends.sqlite3":
        database["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    module.DATABASES = {"default": database}
    module.LOGGING = {"version": 1, "disable_existing_loggers": False}
    module.OSTOJA_FORUM_FILES_DIR = files_dir
    sys.modules["forum_bench_settings"] = module
    os.environ["DJANGO_SETTINGS_MODULE"] = "forum_bench_settings"
    import django

    django.setup()


def words(rng: random.Random, n: int, english: bool) -> list[str]:
    vocab = EN if english else PL
    # Zipf-like: a few words are very common, most are rare.
    return [vocab[min(len(vocab) - 1, int(rng.paretovariate(1.1)) - 1)] for _ in range(n)]


def make_text(rng: random.Random) -> str:
    english = rng.random() < 0.25
    text = words(rng, rng.randint(15, 60), english)
    if rng.random() < 0.0005:
        text.insert(rng.randrange(len(text)), rng.choice(RARE))
    return " ".join(text).capitalize() + "."


def child(url: str, n_posts: int, thread_posts: int, repeat: int) -> dict:
    if url.startswith("postgres"):
        recreate_database(url)
    files_dir = tempfile.mkdtemp(prefix="forum-bench-files-")
    setup_django(url, files_dir)
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client
    from django.utils import timezone

    call_command("migrate", verbosity=0)

    from ostoja.accounts.models import User
    from ostoja.core.text import render_markdown
    from ostoja.forum import files as forum_files
    from ostoja.forum import search, services, views
    from ostoja.forum.models import Attachment, ForumProfile, Post, PostState, Thread
    from ostoja.network.membership import set_state
    from ostoja.organisations.models import Membership, Organisation

    rng = random.Random(12)
    started = time.perf_counter()
    orgs = []
    for i in range(12):
        org = Organisation.objects.create(
            name=f"Fundacja {i} (bench)", slug=f"bench-{i}", kind="ngo", country="PL"
        )
        set_state(org, "member", reason="bench")
        orgs.append(org)
    users = []
    for i in range(60):
        u = User.objects.create(email=f"m{i}@bench.invalid", full_name=f"Członek {i}")
        Membership.objects.create(user=u, organisation=orgs[i % 12], role="network_member")
        ForumProfile.objects.create(user=u, handle=f"czlonek{i}")
        users.append(u)
    reader, insider = users[0], users[1]
    group = services.create_group(actor=None, name="Superwizorzy")
    services.add_group_member(actor=None, group=group, user=insider)
    categories = [services.create_category(actor=None, name=f"Kategoria {i}") for i in range(9)]
    secret = services.create_category(actor=None, name="Superwizja", restricted_to=[group])
    categories.append(secret)
    now = timezone.now()
    threads = []
    for i in range(300):
        cat = secret if i % 10 == 9 else categories[i % 9]
        threads.append(
            Thread(
                category=cat,
                title=" ".join(words(rng, 5, False)).capitalize(),
                author=users[i % 60],
                created_at=now,
                last_post_at=now,
                post_count=0,
            )
        )
    Thread.objects.bulk_create(threads)
    big = Thread.objects.create(
        category=categories[0],
        title="Długi wątek: standardy ochrony dzieci",
        author=users[2],
        created_at=now,
        last_post_at=now,
        post_count=thread_posts,
    )

    # The 1,000-post thread: Markdown rendered as the service renders it.
    big_posts = []
    for i in range(thread_posts):
        body = f"**Punkt {i}.** {make_text(rng)}\n\n- {make_text(rng)}\n- [źródło](https://example.org/{i})"
        if i % 10 == 5:
            body = f"> @czlonek{i % 60}:\n>\n> {make_text(rng)}\n\n{body}"
        big_posts.append(
            Post(
                thread=big,
                category=big.category,
                author=users[i % 60],
                body=body,
                body_html=render_markdown(body),
                state=PostState.PUBLISHED,
                created_at=now + dt.timedelta(seconds=i),
            )
        )
    Post.objects.bulk_create(big_posts, batch_size=1000)
    stored = forum_files.store(
        forum_files.CheckedFile("a.pdf", b"%PDF-1.4 bench", "application/pdf")
    )
    Attachment.objects.bulk_create(
        [
            Attachment(
                post=p,
                name=f"zalacznik-{i}.pdf",
                stored_name=f"{stored}-{i}",
                content_type="application/pdf",
                size=1234,
            )
            for i, p in enumerate(big_posts)
            if i % 25 == 0
        ]  # fmt: skip
    )

    # The rest: plain text (its rendering is one paragraph, escaped).
    remaining = max(0, n_posts - thread_posts)
    oracle: dict[int, tuple[str, bool]] = {}  # post id -> (folded document, visible to reader)
    batch: list = []

    def flush():
        Post.objects.bulk_create(batch, batch_size=2000)
        index(batch)
        batch.clear()

    def index(posts):
        docs = [(p.pk, search.fold(p.body)) for p in posts]
        for (pk, doc), p in zip(docs, posts, strict=True):
            oracle[pk] = (doc, p.category_id != secret.pk)
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.executemany("INSERT INTO forum_post_fts (rowid, body) VALUES (%s, %s)", docs)
            else:
                cursor.executemany(
                    "UPDATE forum_post SET search_vector = to_tsvector('simple', %s) WHERE id = %s",
                    [(d, pk) for pk, d in docs],
                )

    with transaction.atomic():
        index(big_posts)
        for i in range(remaining):
            t = threads[i % 300]
            body = make_text(rng)
            batch.append(
                Post(
                    thread=t,
                    category_id=t.category_id,
                    author=users[rng.randrange(60)],
                    body=body,
                    body_html=f"<p>{html.escape(body)}</p>",
                    state=PostState.PUBLISHED,
                    created_at=now - dt.timedelta(seconds=i),
                )
            )
            if len(batch) == 5000:
                flush()
        if batch:
            flush()
        for t in threads:
            Thread.objects.filter(pk=t.pk).update(post_count=Post.objects.filter(thread=t).count())
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    load_seconds = time.perf_counter() - started
    total_posts = Post.objects.count()

    client = Client()
    client.force_login(reader)

    def timed(path: str) -> tuple[float, int, bytes]:
        t0 = time.perf_counter()
        response = client.get(path)
        elapsed = (time.perf_counter() - t0) * 1000
        return elapsed, response.status_code, response.content

    # --- thread pages -------------------------------------------------------------------
    thread_results = {}
    pages = (thread_posts + views.POSTS_PER_PAGE - 1) // views.POSTS_PER_PAGE
    cases = {
        "first page (50 posts)": f"/forum/t/{big.pk}/",
        "middle page (50 posts)": f"/forum/t/{big.pk}/?page={pages // 2}",
        "last page (50 posts)": f"/forum/t/{big.pk}/?page={pages}",
    }
    problems = []
    for label, path in cases.items():
        timed(path)
        samples = []
        for _ in range(repeat):
            ms, status, body = timed(path)
            if status != 200 or body.count(b'class="card forum-post"') != views.POSTS_PER_PAGE:
                problems.append(f"{label}: status {status}")
            samples.append(ms)
        thread_results[label] = {"p50": statistics.median(samples), "p95": percentile(samples, 95)}
    views.POSTS_PER_PAGE = thread_posts  # the whole thread on one page, for comparison
    timed(f"/forum/t/{big.pk}/")
    samples = []
    for _ in range(max(5, repeat // 2)):
        ms, status, body = timed(f"/forum/t/{big.pk}/")
        if body.count(b'class="card forum-post"') != thread_posts:
            problems.append("all posts on one page: wrong count")
        samples.append(ms)
    thread_results[f"all {thread_posts} posts on one page"] = {
        "p50": statistics.median(samples),
        "p95": percentile(samples, 95),
    }
    views.POSTS_PER_PAGE = 50

    # --- search -------------------------------------------------------------------------
    queries = [
        "terapia",
        "dzieci przemocy",
        "szkolenie Łódź",
        "lodz",
        "superwizja konsultacje",
        "children therapy",
        "standardy ochrony dzieci",
        RARE[0],
        RARE[3],
        "nieistniejacewyrazenie",
    ]
    search_results = {}
    for q in queries:
        groups = search.query_groups(q)

        def matches(doc: str, groups=groups) -> bool:
            tokens = re.findall(r"[^\W_]+", doc)
            return all(any(t.startswith(g[0][0]) for t in tokens) for g in groups)

        expected = {pk for pk, (doc, visible) in oracle.items() if visible and matches(doc)}
        hits = search.search(reader, q, page_size=20).posts
        got = {p.pk for p in hits}
        if any(p.category_id == secret.pk for p in hits):
            problems.append(f"{q!r}: a restricted post came back")
        if not got <= expected:
            problems.append(f"{q!r}: {len(got - expected)} results the oracle does not match")
        if len(expected) < 20 and got != expected:
            problems.append(f"{q!r}: expected {len(expected)}, got {len(got)}")
        if len(expected) >= 20 and len(got) != 20:
            problems.append(f"{q!r}: short page")
        path = f"/forum/search/?q={q}"
        timed(path)
        samples = []
        for _ in range(repeat):
            ms, status, _body = timed(path)
            if status != 200:
                problems.append(f"search {q!r}: status {status}")
            samples.append(ms)
        search_results[q] = {
            "p50": statistics.median(samples),
            "p95": percentile(samples, 95),
            "matches": len(expected),
        }
    all_search = [v["p95"] for v in search_results.values()]
    return {
        "vendor": connection.vendor,
        "posts": total_posts,
        "thread_posts": thread_posts,
        "load_seconds": load_seconds,
        "thread": thread_results,
        "search": search_results,
        "search_worst_p95": max(all_search),
        "problems": problems,
    }


def render(runs: list[dict], command: str) -> str:
    lines = [
        "# Forum benchmark",
        "",
        f"- date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        f"- machine: {cpu_model()}, {os.cpu_count()} cores, {memory_gib():.1f} GiB RAM, "
        f"{platform.python_implementation()} {platform.python_version()}",
        f"- load average when written: {' / '.join(f'{x:.2f}' for x in os.getloadavg())}",
        f"- command: `{command}`",
        f"- targets: thread page p95 < {TARGET_THREAD_MS:.0f} ms; search p95 < "
        f"{TARGET_SEARCH_MS:.0f} ms",
        "",
    ]
    for run in runs:
        lines += [
            f"## {run['vendor']} — {run['posts']:,} posts (thread of {run['thread_posts']:,})",
            "",
            f"Loading and indexing: {run['load_seconds']:.0f} s. Correctness problems: "
            f"{'; '.join(run['problems']) or 'none'}.",
            "",
            "| thread page (GET, view + template) | p50 ms | p95 ms |",
            "| --- | ---: | ---: |",
        ]
        for label, r in run["thread"].items():
            lines.append(f"| {label} | {r['p50']:.1f} | {r['p95']:.1f} |")
        lines += [
            "",
            "| search (GET /forum/search/) | matches | p50 ms | p95 ms |",
            "| --- | ---: | ---: | ---: |",
        ]
        for q, r in run["search"].items():
            lines.append(f"| `{q}` | {r['matches']:,} | {r['p50']:.1f} | {r['p95']:.1f} |")
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--posts", type=int, default=200_000)
    parser.add_argument("--thread-posts", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--pg", default=DEFAULT_PG)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--write", action="store_true", help=f"write {RESULTS.relative_to(ROOT)}")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.posts, args.thread_posts, args.repeat)))
        return
    runs = []
    with tempfile.TemporaryDirectory(prefix="forum-bench-") as tmp:
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
                [sys.executable, __file__, "--child", url, "--posts", str(args.posts),
                 "--thread-posts", str(args.thread_posts), "--repeat", str(args.repeat)],
                check=True,
                capture_output=True,
                text=True,
                env=env,
                cwd=ROOT,
            ).stdout  # fmt: skip
            run = json.loads(output.strip().splitlines()[-1])
            runs.append(run)
            print(f"{run['vendor']}: {run['posts']} posts, loaded in {run['load_seconds']:.0f} s; "
                  f"problems: {run['problems'] or 'none'}")  # fmt: skip
            for label, r in run["thread"].items():
                print(f"  thread {label:32} p50 {r['p50']:7.1f}  p95 {r['p95']:7.1f}")
            for q, r in run["search"].items():
                print(f"  search {q:32} p50 {r['p50']:7.1f}  p95 {r['p95']:7.1f}  ({r['matches']})")
    command = "python bench/forum_bench.py " + " ".join(sys.argv[1:])
    report = render(runs, command.strip())
    if args.write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(report + "\n", encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
