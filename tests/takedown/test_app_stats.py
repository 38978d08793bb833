"""Statistics: numbers by hand, the database path against stats_core, page, CSV and JSON."""

from __future__ import annotations

import csv
import io
import random
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from ostoja.hotline.models import Item
from ostoja.takedown import stats, stats_core
from ostoja.takedown.models import Case
from tests.factories import OrganisationFactory
from tests.hotline.factories import HotlineFactory

pytestmark = pytest.mark.django_db
H, D = 3600, 86400


def _item(hotline, n, first_seen, **fields):
    return Item.objects.create(
        hotline=hotline,
        canonical_url=f"https://stats.example.com/{n}",
        url_sha256=f"{n:064x}",
        host="stats.example.com",
        state=fields.pop("state", "actioned"),
        first_seen=first_seen,
        last_seen=first_seen,
        priority_deadline=first_seen,
        priority_scored_at=first_seen,
        outcome=fields.pop("outcome", "illegal_baseline"),
        **fields,
    )


def _case(hotline, n, now, *, reported_ago, notice_after=None, removed_after=None, **facts):
    reported = now - timedelta(seconds=reported_ago)
    item = _item(hotline, n, reported, outcome=facts.pop("outcome", "illegal_baseline"))
    first_notice = reported + timedelta(seconds=notice_after) if notice_after is not None else None
    removed = reported + timedelta(seconds=removed_after) if removed_after is not None else None
    return Case.objects.create(
        item=item,
        hotline=hotline,
        reported_at=reported,
        confirmed_at=reported,
        first_notice_at=first_notice,
        removed_at=removed,
        state=facts.pop("state", "removed" if removed else "notified"),
        seconds_report_to_removal=removed_after,
        seconds_notice_to_removal=(removed_after - notice_after)
        if removed and first_notice
        else None,
        **facts,
    )


@pytest.fixture
def dataset(db):
    now = timezone.now()
    hotline = HotlineFactory(slug="stats-hotline")
    p1 = OrganisationFactory(kind="hosting_provider", name="Provider One")
    p2 = OrganisationFactory(kind="hosting_provider", name="Provider Two")
    common = {"baseline": True, "site_type": "image_host", "age_band": "3-13"}
    _case(
        hotline,
        1,
        now,
        reported_ago=20 * D,
        notice_after=5 * H,
        removed_after=10 * H,
        provider=p1,
        hosting_country="PL",
        source_kind="public",
        **common,
    )
    _case(
        hotline,
        2,
        now,
        reported_ago=20 * D,
        notice_after=1 * D,
        removed_after=2 * D,
        provider=p1,
        hosting_country="PL",
        source_kind="police",
        **common,
    )
    _case(
        hotline,
        3,
        now,
        reported_ago=5 * D,
        notice_after=1 * D,
        provider=p1,
        hosting_country="PL",
        source_kind="public",
        **common,
    )
    _case(
        hotline,
        4,
        now,
        reported_ago=20 * D,
        notice_after=1 * D,
        removed_after=9 * D,
        provider=p2,
        hosting_country="DE",
        source_kind="public",
        site_type="forum",
        age_band="14-17",
    )
    _case(
        hotline,
        5,
        now,
        reported_ago=1 * D,
        hosting_country="",
        source_kind="public",
        state="hosting_unknown",
        outcome="illegal_national",
        site_type="forum",
        age_band="0-2",
    )
    _case(
        hotline,
        6,
        now,
        reported_ago=20 * D,
        notice_after=H,
        provider=p1,
        hosting_country="PL",
        state="closed",
        site_type="blog",
        age_band="3-13",
    )
    _item(hotline, 100, now - timedelta(days=3), outcome="not_illegal", state="closed_not_illegal")
    _item(hotline, 101, now - timedelta(days=3), outcome="", state="open", reappeared=True)
    other = HotlineFactory(slug="stats-other")
    _case(
        other,
        200,
        now,
        reported_ago=2 * D,
        notice_after=H,
        removed_after=2 * H,
        hosting_country="NL",
        source_kind="public",
    )
    return {"now": now, "hotline": hotline, "p1": p1, "p2": p2, "other": other}


@pytest.mark.parametrize("sql", [False, True])
def test_figures_by_hand(dataset, sql):
    if sql and connection.vendor != "postgresql":
        pytest.skip("the SQL path needs PostgreSQL (percentile functions, GROUPING SETS)")
    data = stats.compute([dataset["hotline"].pk], stats.Period(), now=dataset["now"], sql=sql)
    totals = data["totals"]
    assert totals["items"] == 8 and totals["confirmed_illegal"] == 6 and totals["baseline"] == 5
    assert totals["baseline_share"] == pytest.approx(5 / 6)
    assert totals["reappeared"] == 1 and totals["removed"] == 3 and totals["withdrawn"] == 1
    assert totals["still_online"] == 2
    notice = data["times"]["notice_to_removal"]["overall"]
    # Removed 5 h, 1 d and 8 d after the notice; case 3 online 4 days after its notice.
    assert (notice["count"], notice["open_count"]) == (3, 1)
    assert notice["median_seconds"] == 1 * D and notice["p90_seconds"] == 8 * D
    assert notice["share_within_24h"] == pytest.approx(2 / 4)
    assert notice["share_within_3d"] == pytest.approx(2 / 4)
    assert notice["share_within_7d"] == pytest.approx(2 / 3)  # case 3 is younger than 7 days
    report = data["times"]["report_to_removal"]["overall"]
    assert (report["count"], report["open_count"]) == (3, 2)  # case 5 has no notice yet
    assert report["median_seconds"] == 2 * D
    by_provider = {e["label"]: e for e in data["times"]["notice_to_removal"]["by_provider"]}
    assert set(by_provider) == {"Provider One", "Provider Two"}
    assert (
        by_provider["Provider One"]["count"] == 2 and by_provider["Provider One"]["open_count"] == 1
    )
    assert by_provider["Provider One"]["median_seconds"] == (5 * H + 1 * D) / 2
    by_country = {e["key"]: e for e in data["times"]["report_to_removal"]["by_country"]}
    assert set(by_country) == {"PL", "DE", ""}
    assert by_country["DE"]["p90_seconds"] == 9 * D
    breakdowns = {k: {e["key"]: e["count"] for e in v} for k, v in data["breakdowns"].items()}
    assert breakdowns["hosting_country"] == {"PL": 4, "DE": 1, "": 1}
    assert breakdowns["site_type"] == {"image_host": 3, "forum": 2, "blog": 1}
    assert breakdowns["age_band"] == {"3-13": 4, "14-17": 1, "0-2": 1}
    assert breakdowns["source_kind"] == {"public": 4, "police": 1, "": 1}


def test_period_and_scope(dataset):
    today = timezone.localdate()
    week = stats.Period(today - timedelta(days=7), today)
    data = stats.compute([dataset["hotline"].pk], week, now=dataset["now"])
    assert data["totals"]["cases"] == 2 and data["totals"]["items"] == 4
    everyone = stats.compute(None, stats.Period(), now=dataset["now"])
    assert everyone["totals"]["cases"] == 7
    nobody = stats.compute([], stats.Period(), now=dataset["now"])
    assert nobody["totals"]["cases"] == 0
    assert nobody["times"]["notice_to_removal"]["overall"]["median_seconds"] is None
    assert nobody["times"]["notice_to_removal"]["overall"]["share_within_3d"] is None


@pytest.mark.skipif(connection.vendor != "postgresql", reason="compares the PostgreSQL path")
@pytest.mark.parametrize("n", [1, 2, 9, 10, 11, 19, 20, 21, 99, 137])
def test_database_percentiles_equal_stats_core(db, n):
    rng = random.Random(n)
    now = timezone.now()
    hotline = HotlineFactory()
    providers = [OrganisationFactory(kind="hosting_provider") for _ in range(3)]
    for i in range(n):
        removed = rng.random() < 0.7
        notice_after = rng.randint(0, 3 * D)
        _case(
            hotline,
            i,
            now,
            reported_ago=rng.randint(4 * D, 30 * D),
            notice_after=notice_after,
            removed_after=notice_after + rng.choice([0, H, D, rng.randint(0, 10 * D)])
            if removed
            else None,
            provider=rng.choice(providers),
            hosting_country=rng.choice(["PL", "DE", ""]),
        )
    via_sql = stats.compute([hotline.pk], stats.Period(), now=now, sql=True)
    via_python = stats.compute([hotline.pk], stats.Period(), now=now, sql=False)
    assert via_sql["times"] == via_python["times"]
    assert via_sql["breakdowns"] == via_python["breakdowns"]
    removed = [c.seconds_notice_to_removal for c in Case.objects.filter(removed_at__isnull=False)]
    assert via_sql["times"]["notice_to_removal"]["overall"]["p90_seconds"] == stats_core.p90(
        removed
    )


def test_statistics_page_csv_and_json(dataset, user_factory, coordinator):
    analyst = user_factory("hotline_analyst", dataset["hotline"])
    c = Client()
    c.force_login(analyst)
    page = c.get("/en/takedown/stats/", {"start": "2000-01-01"})
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" role="img"') == 3
    assert "Provider One" in html and "1 d" in html and "8 d" in html
    assert "stats.example.com" not in html  # figures only
    polish = c.get("/takedown/stats/", {"start": "2000-01-01"}).content.decode()
    assert "Czas do usunięcia" in polish
    export = c.get("/en/takedown/stats.csv", {"start": "2000-01-01"})
    assert export["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert rows[0] == stats.CSV_HEADER
    assert ["totals", "", "", "", "confirmed_illegal", "6"] in rows
    assert ["notice_to_removal", "overall", "", "", "median_seconds", "86400"] in rows
    data = c.get("/en/takedown/stats.json", {"start": "2000-01-01"}).json()
    assert data["totals"]["removed"] == 3 and "definitions" in data
    # Coordinators see every hotline.
    c.force_login(coordinator)
    assert c.get("/en/takedown/stats.json", {"start": "2000-01-01"}).json()["totals"]["cases"] == 7


@pytest.mark.parametrize(
    "query",
    [
        {"start": "yesterday"},
        {"start": "2025-02-30"},
        {"start": "2025-06-01", "end": "2025-05-01"},
        {"start": "1900-01-01"},
        {"end": "9999-12-31"},
        {"start": "2025-01-01\x00"},
    ],
)
def test_bad_periods_are_400(dataset, coordinator, query):
    c = Client()
    c.force_login(coordinator)
    assert c.get("/en/takedown/stats/", query).status_code == 400
    assert c.get("/en/takedown/stats.csv", query).status_code == 400
    assert c.get("/en/takedown/stats.json", query).status_code == 400


def test_csv_cells_cannot_start_formulas(dataset):
    dataset["p1"].name = '=HYPERLINK("http://evil.example")'
    dataset["p1"].save()
    data = stats.compute([dataset["hotline"].pk], stats.Period(), now=dataset["now"])
    text = stats.to_csv(data)
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text


def test_default_period_is_the_last_twelve_months(dataset, coordinator):
    c = Client()
    c.force_login(coordinator)
    html = c.get("/en/takedown/stats/").content.decode()
    today = timezone.localdate()
    assert f'value="{(today - timedelta(days=364)).isoformat()}"' in html
    assert f'value="{today.isoformat()}"' in html
    assert date(2000, 1, 1) < today


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrency on PostgreSQL only")
def test_concurrent_queries_give_the_same_figures(dataset):
    from django.db import transaction

    assert not connection.in_atomic_block  # the concurrent path runs
    concurrent = stats.compute(None, stats.Period(), now=dataset["now"])
    with transaction.atomic():  # one connection, one query after the other
        sequential = stats.compute(None, stats.Period(), now=dataset["now"])
    assert concurrent == sequential
    assert concurrent["totals"]["cases"] == 7
