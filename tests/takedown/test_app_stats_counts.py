"""The statistics' counting queries against the queries they replaced, on a varied data set.

``stats`` counts items with ``COUNT(1)`` (not ``COUNT(id)``) and, on PostgreSQL, reads the
case table once for the case counts, the breakdowns and the counts behind the times
(``_counts_sql``) instead of twice. The reference functions below are the earlier queries,
kept verbatim: the figures must not change by a single count.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from django.db import connection
from django.db.models import Count, Q
from django.utils import timezone

from ostoja.hotline.models import ILLEGAL_OUTCOMES, Item, Outcome, Report
from ostoja.takedown import stats
from ostoja.takedown.models import Case, CaseState
from tests.factories import OrganisationFactory
from tests.hotline.factories import HotlineFactory

pytestmark = pytest.mark.django_db
H, D = 3600, 86400
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the one-pass query is the PostgreSQL path"
)


# --- the earlier queries (reference) ----------------------------------------------------------


def old_item_totals(hotline_ids, period):
    reports = stats._range(
        stats._scope(Report.objects.all(), hotline_ids), "created_at", period
    ).count()
    items = stats._range(stats._scope(Item.objects.all(), hotline_ids), "first_seen", period)
    items = items.aggregate(
        items=Count("pk"),
        illegal=Count("pk", filter=Q(outcome__in=ILLEGAL_OUTCOMES)),
        baseline=Count("pk", filter=Q(outcome=Outcome.ILLEGAL_BASELINE)),
        reappeared=Count("pk", filter=Q(reappeared=True)),
    )
    return {
        "reports": reports,
        "items": items["items"],
        "confirmed_illegal": items["illegal"],
        "baseline": items["baseline"],
        "reappeared": items["reappeared"],
    }


def old_case_counts(hotline_ids, period):
    qs = stats._range(stats._scope(Case.objects.all(), hotline_ids), "reported_at", period)
    rows = (
        qs.order_by()
        .values_list(*stats.BREAKDOWNS)
        .annotate(
            n=Count("pk"),
            removed=Count("pk", filter=Q(state=CaseState.REMOVED)),
            withdrawn=Count("pk", filter=Q(state=CaseState.CLOSED)),
            escalated=Count("pk", filter=Q(escalated_at__isnull=False)),
        )
    )
    totals = {"cases": 0, "removed": 0, "withdrawn": 0, "escalated": 0}
    counts = {name: {} for name in stats.BREAKDOWNS}
    for *keys, n, removed, withdrawn, escalated in rows:
        totals["cases"] += n
        totals["removed"] += removed
        totals["withdrawn"] += withdrawn
        totals["escalated"] += escalated
        for name, key in zip(stats.BREAKDOWNS, keys, strict=True):
            counts[name][key or ""] = counts[name].get(key or "", 0) + n
    totals["still_online"] = totals["cases"] - totals["removed"] - totals["withdrawn"]
    return totals, {name: stats._ordered(list(c.items())) for name, c in counts.items()}


def old_time_counts_sql(hotline_ids, period, now):
    where, params = stats._where_sql(hotline_ids, period)
    columns, column_params = [], []
    for seconds, start in (
        ("seconds_report_to_removal", "reported_at"),
        ("seconds_notice_to_removal", "first_notice_at"),
    ):
        columns.append(f"COUNT({seconds})")
        columns.append(f"COUNT(*) FILTER (WHERE removed_at IS NULL AND {start} IS NOT NULL)")
        for limit in stats.WINDOWS.values():
            columns.append(f"COUNT(*) FILTER (WHERE {seconds} <= %s)")
            column_params.append(limit)
            columns.append(f"COUNT(*) FILTER (WHERE removed_at IS NULL AND {start} < %s)")
            column_params.append(now - timedelta(seconds=limit))
    sql = f"""
        SELECT provider_id, hosting_country, {", ".join(columns)}
        FROM {Case._meta.db_table}
        WHERE {where}
        GROUP BY provider_id, hosting_country
    """  # noqa: S608 - only our own column names and placeholders are interpolated
    with connection.cursor() as cursor:
        cursor.execute(sql, column_params + params)
        return cursor.fetchall()


# --- a varied data set ------------------------------------------------------------------------


@pytest.fixture
def varied(db):
    """Two hotlines, every case state (withdrawn ones too, and a (provider, country) group of
    withdrawn cases only), open cases younger and older than each window, cases without a
    notice or a provider, items that are not cases, reports without items."""
    rng = random.Random(20261123)
    now = timezone.now()
    hotlines = [HotlineFactory(), HotlineFactory()]
    providers = [OrganisationFactory(kind="hosting_provider") for _ in range(3)]
    states = [s.value for s in CaseState]
    n = 0
    for hotline in hotlines:
        for _ in range(70):
            n += 1
            reported = now - timedelta(seconds=rng.choice([2 * H, 2 * D, 5 * D, 40 * D, 400 * D]))
            reported -= timedelta(seconds=rng.randint(0, 3 * H))
            state = rng.choice(states)
            outcome = rng.choice([*ILLEGAL_OUTCOMES, "not_illegal", ""])
            item = Item.objects.create(
                hotline=hotline,
                canonical_url=f"https://counts.example.com/{n}",
                url_sha256=f"{n:064x}",
                host="counts.example.com",
                state="actioned",
                first_seen=reported,
                last_seen=reported,
                priority_deadline=reported,
                priority_scored_at=reported,
                outcome=outcome,
                reappeared=rng.random() < 0.2,
            )
            Report.objects.create(
                hotline=hotline,
                source_kind="public",
                channel="api",
                incident_type="csam",
                created_at=reported - timedelta(minutes=rng.randint(0, 90)),
            )
            if outcome not in ILLEGAL_OUTCOMES:
                continue
            notice = reported + timedelta(seconds=rng.randint(0, 6 * H))
            if rng.random() < 0.2:
                notice = None
            removed = None
            if state == CaseState.REMOVED:
                removed = (notice or reported) + timedelta(
                    seconds=rng.choice([0, H, D, 3 * D, 7 * D, rng.randint(0, 10 * D)])
                )
            Case.objects.create(
                item=item,
                hotline=hotline,
                reported_at=reported,
                confirmed_at=reported,
                first_notice_at=notice,
                removed_at=removed,
                state=state,
                seconds_report_to_removal=int((removed - reported).total_seconds())
                if removed
                else None,
                seconds_notice_to_removal=int((removed - notice).total_seconds())
                if removed and notice
                else None,
                escalated_at=reported + timedelta(days=8) if rng.random() < 0.3 else None,
                provider=rng.choice([*providers, None]),
                hosting_country=rng.choice(["PL", "DE", "NL", ""]),
                site_type=rng.choice(["website", "image_host", "forum", ""]),
                age_band=rng.choice(["0-2", "3-13", "14-17", ""]),
                source_kind=rng.choice(["public", "police", "platform", ""]),
            )
    # A (provider, country) group whose only cases are withdrawn: absent from the times.
    lonely = OrganisationFactory(kind="hosting_provider")
    for case in Case.objects.filter(hotline=hotlines[0])[:2]:
        Case.objects.filter(pk=case.pk).update(
            provider=lonely, hosting_country="SE", state=CaseState.CLOSED, removed_at=None
        )
    assert Case.objects.filter(state=CaseState.CLOSED).count() >= 3
    today = timezone.localdate()
    periods = [
        stats.Period(),
        stats.Period(date(2000, 1, 1), None),
        stats.Period(today - timedelta(days=30), today),
        stats.Period(None, today - timedelta(days=3)),
    ]
    scopes = [None, [hotlines[0].pk], [h.pk for h in hotlines], []]
    return {"now": now, "periods": periods, "scopes": scopes}


def test_item_and_case_counts_equal_the_earlier_queries(varied):
    for period in varied["periods"]:
        for scope in varied["scopes"]:
            totals = stats._item_totals(scope, period)
            assert {k: v for k, v in totals.items() if k != "baseline_share"} == (
                old_item_totals(scope, period)
            )
            assert stats._case_counts(scope, period) == old_case_counts(scope, period)


@postgres_only
def test_one_pass_equals_the_two_earlier_queries(varied):
    now = varied["now"]
    for period in varied["periods"]:
        for scope in varied["scopes"]:
            totals, breakdowns, count_rows = stats._counts_sql(scope, period, now)
            assert (totals, breakdowns) == old_case_counts(scope, period)
            old_rows = old_time_counts_sql(scope, period, now)
            assert {(r[0], r[1]): list(r[2:]) for r in count_rows} == {
                (r[0], r[1]): list(r[2:]) for r in old_rows
            }
            assert len(count_rows) == len(old_rows)


@postgres_only
def test_database_path_equals_python_path_on_the_varied_data(varied):
    now = varied["now"]
    for period in varied["periods"]:
        for scope in varied["scopes"]:
            via_sql = stats.compute(scope, period, now=now, sql=True)
            via_python = stats.compute(scope, period, now=now, sql=False)
            assert via_sql == via_python
