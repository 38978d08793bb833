"""Statistics comparable with what INHOPE and Dyżurnet publish, aggregated in the database.

What is counted (all within a period of *first report* dates, per hotline)
==========================================================================
* **reports** received (``hotline.Report.created_at``), **items** first reported, items
  **confirmed illegal** and the share of those **under the international baseline**,
  **reappearances** (items reported again after their content had gone);
* confirmed illegal items (takedown cases) **by hosting country, site type, age band and
  source** (the item's most trusted reporter);
* **notice-and-takedown times**, from the first report and from the first notice (or
  referral) to the confirmed removal: median, p90 and the share removed within 24 hours,
  3 days and 7 days — overall, per provider and per hosting country. Definitions are those of
  ``stats_core`` (nearest-rank p90; shares over known outcomes: content still online longer
  than the window counts as a miss, younger content is left out). Withdrawn notices (closed
  cases) are left out of the times.

How it stays fast at a million items
====================================
No row is loaded into Python on PostgreSQL; the takedown case table carries the grouped
facts and the removal times in seconds. Four independent queries run concurrently (one
connection each, see :func:`_run_jobs`), each with a serial plan: the four already keep the
cores busy, parallel workers would only add start-up costs and compete with them:

* the **percentiles**: ``GROUP BY GROUPING SETS ((), (provider), (country))`` with one
  ``percentile_disc(ARRAY[…])`` per metric, so each metric is sorted once per group (see
  :data:`PERCENTILE_FRACTIONS` for how that yields the conventional median and exactly the
  nearest-rank p90);
* the **counts** (:func:`_counts_sql`): *one* hash-aggregated pass over the cases, grouped
  by (provider, country, site type, age band, source, state), with
  ``FILTER`` counts for the time windows. Every figure is a count, so the case totals, the
  four breakdowns and the per-provider, per-country and overall time counts are sums done in
  Python over a few hundred groups (540 in the benchmark's million items);
* the **item totals** and the **report count** on the hotline's tables, with ``COUNT(1)``
  (see :func:`_rows`).

Each runs with ``work_mem = 64MB`` (the sorts stay in memory) and without JIT. On SQLite (no
percentile functions) the same numbers are computed in Python by ``stats_core``; the tests
run both paths on PostgreSQL and check they agree to the last digit, and check the counting
queries against the earlier ones (``tests/takedown/test_app_stats_counts.py``). Measured
profile and before/after figures: ``bench/results/takedown.md``.
"""

from __future__ import annotations

import csv
import io
import threading
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import connection, connections, transaction
from django.db.models import Count, Q, Value
from django.utils import timezone

from ostoja.hotline.models import ILLEGAL_OUTCOMES, Item, Outcome, Report
from ostoja.organisations.models import Organisation

from . import stats_core
from .models import Case, CaseState

WINDOWS = stats_core.DEFAULT_WINDOWS  # {"24h": 86400, "3d": …, "7d": …}
METRICS = ("report_to_removal", "notice_to_removal")
BREAKDOWNS = ("hosting_country", "site_type", "age_band", "source_kind")


@dataclass(frozen=True)
class Period:
    start: date | None = None
    end: date | None = None  # inclusive

    def bounds(self) -> tuple[datetime | None, datetime | None]:
        tz = timezone.get_current_timezone()
        lo = timezone.make_aware(datetime.combine(self.start, time.min), tz) if self.start else None
        hi = (
            timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min), tz)
            if self.end
            else None
        )
        return lo, hi

    def as_dict(self) -> dict:
        return {
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
        }


def _range(qs, field: str, period: Period):
    lo, hi = period.bounds()
    if lo:
        qs = qs.filter(**{f"{field}__gte": lo})
    if hi:
        qs = qs.filter(**{f"{field}__lt": hi})
    return qs


def _scope(qs, hotline_ids):
    return qs if hotline_ids is None else qs.filter(hotline_id__in=list(hotline_ids))


def _rows(filter=None):
    """``COUNT(1)``: on PostgreSQL ``COUNT("id")`` evaluates and null-checks the column for every
    row and every aggregate; over a million items that was ~40 % of the item query's time."""
    return Count(Value(1), filter=filter)


def _report_count(hotline_ids, period: Period) -> int:
    return _range(_scope(Report.objects.all(), hotline_ids), "created_at", period).count()


def _item_counts(hotline_ids, period: Period) -> dict:
    return _range(_scope(Item.objects.all(), hotline_ids), "first_seen", period).aggregate(
        items=_rows(),
        illegal=_rows(filter=Q(outcome__in=ILLEGAL_OUTCOMES)),
        baseline=_rows(filter=Q(outcome=Outcome.ILLEGAL_BASELINE)),
        reappeared=_rows(filter=Q(reappeared=True)),
    )


def _item_totals(hotline_ids, period: Period, *, reports=None, items=None) -> dict:
    """Item and report totals; ``reports`` and ``items`` when already counted (concurrently)."""
    if reports is None:
        reports = _report_count(hotline_ids, period)
    if items is None:
        items = _item_counts(hotline_ids, period)
    return {
        "reports": reports,
        "items": items["items"],
        "confirmed_illegal": items["illegal"],
        "baseline": items["baseline"],
        "baseline_share": stats_core.share(items["baseline"], items["illegal"]),
        "reappeared": items["reappeared"],
    }


def _case_counts(hotline_ids, period: Period) -> tuple[dict, dict[str, list[tuple[str, int]]]]:
    """Case totals and the four breakdowns from one hash aggregate (a few hundred groups),
    summed up in Python: one pass over the case table instead of one per dimension."""
    qs = _range(_scope(Case.objects.all(), hotline_ids), "reported_at", period)
    rows = (
        qs.order_by()
        .values_list(*BREAKDOWNS)
        .annotate(
            n=_rows(),
            removed=_rows(filter=Q(state=CaseState.REMOVED)),
            withdrawn=_rows(filter=Q(state=CaseState.CLOSED)),
            escalated=_rows(filter=Q(escalated_at__isnull=False)),
        )
    )
    totals = {"cases": 0, "removed": 0, "withdrawn": 0, "escalated": 0}
    counts: dict[str, dict[str, int]] = {name: {} for name in BREAKDOWNS}
    for *keys, n, removed, withdrawn, escalated in rows:
        totals["cases"] += n
        totals["removed"] += removed
        totals["withdrawn"] += withdrawn
        totals["escalated"] += escalated
        for name, key in zip(BREAKDOWNS, keys, strict=True):
            counts[name][key or ""] = counts[name].get(key or "", 0) + n
    totals["still_online"] = totals["cases"] - totals["removed"] - totals["withdrawn"]
    return totals, {name: _ordered(list(c.items())) for name, c in counts.items()}


def _ordered(pairs):
    return sorted(pairs, key=lambda kv: (-kv[1], kv[0]))


# --- notice-and-takedown times ---------------------------------------------------------------


def _where_sql(hotline_ids, period: Period, *, include_closed: bool = False):
    clauses, params = [], []
    if not include_closed:
        clauses.append("state <> %s")
        params.append(CaseState.CLOSED.value)
    lo, hi = period.bounds()
    if lo:
        clauses.append("reported_at >= %s")
        params.append(lo)
    if hi:
        clauses.append("reported_at < %s")
        params.append(hi)
    if hotline_ids is not None:
        ids = [int(i) for i in hotline_ids] or [0]
        clauses.append(f"hotline_id IN ({', '.join(['%s'] * len(ids))})")
        params.extend(ids)
    return " AND ".join(clauses) or "TRUE", params


def _summary(n, open_count, med, p90, within, overdue) -> dict:
    result = {
        "count": int(n),
        "open_count": int(open_count),
        "median_seconds": float(med) if med is not None else None,
        "p90_seconds": float(p90) if p90 is not None else None,
    }
    for label in WINDOWS:
        result[f"share_within_{label}"] = stats_core.share(
            int(within[label]), int(n) + int(overdue[label])
        )
    return result


#: Fractions for one ``percentile_disc(ARRAY[…])`` call, so each metric is sorted once per
#: group. PostgreSQL picks the row ``ceil(f · n)``. With f = 0.5 and 0.5 + 1e-10 that is
#: ranks n/2 and n/2 + 1 for even n, and (n+1)/2 twice for odd n: their mean is the
#: conventional median for every n < 10^10. 0.9 − 1e-12 is the nearest-rank p90: 0.9 · n
#: in floating point can land just *above* an integer (0.9 · 70 = 63.000000000000014) and
#: would pick one rank too far; 0.9n is a multiple of 0.1, so the offset never crosses a
#: true boundary for n < 10^11.
PERCENTILE_FRACTIONS = "ARRAY[0.5, 0.5000000001, 0.899999999999]::float8[]"


def _counts_sql(hotline_ids, period: Period, now: datetime):
    """The case counts, the four breakdowns and the counts behind the times, from *one*
    hash-aggregated pass over the case table.

    Grouped by (provider, country, site type, age band, source, state): the
    case counts are sums over all groups, the breakdowns sums per dimension, and the counts
    behind the times (removed, still online, within and overdue per window) sums per
    (provider, country) over the groups that are not withdrawn. Every figure is a count, so
    the sums are exactly what :func:`_case_counts` and a query ``WHERE state <> 'closed'``
    give; reading the table once instead of twice saves a scan of every case.
    """
    where, params = _where_sql(hotline_ids, period, include_closed=True)
    columns, column_params = [], []
    for seconds, start in (
        ("seconds_report_to_removal", "reported_at"),
        ("seconds_notice_to_removal", "first_notice_at"),
    ):
        columns.append(f"COUNT({seconds})")
        columns.append(f"COUNT(*) FILTER (WHERE removed_at IS NULL AND {start} IS NOT NULL)")
        for limit in WINDOWS.values():
            columns.append(f"COUNT(*) FILTER (WHERE {seconds} <= %s)")
            column_params.append(limit)
            columns.append(f"COUNT(*) FILTER (WHERE removed_at IS NULL AND {start} < %s)")
            column_params.append(now - timedelta(seconds=limit))
    group_by = ", ".join(["provider_id", *BREAKDOWNS, "state"])  # BREAKDOWNS has the country
    sql = f"""
        SELECT {group_by}, COUNT(*), COUNT(escalated_at), {", ".join(columns)}
        FROM {Case._meta.db_table}
        WHERE {where}
        GROUP BY {group_by}
    """  # noqa: S608 - only our own column names and placeholders are interpolated
    with connection.cursor() as cursor:
        cursor.execute(sql, column_params + params)
        rows = cursor.fetchall()
    totals = {"cases": 0, "removed": 0, "withdrawn": 0, "escalated": 0}
    counts: dict[str, dict[str, int]] = {name: {} for name in BREAKDOWNS}
    times: dict[tuple, list[int]] = {}
    country_index = BREAKDOWNS.index("hosting_country")
    for provider_id, *rest in rows:
        keys, rest = rest[: len(BREAKDOWNS)], rest[len(BREAKDOWNS) :]
        state, n, escalated, *values = rest
        totals["cases"] += n
        totals["removed"] += n if state == CaseState.REMOVED else 0
        totals["withdrawn"] += n if state == CaseState.CLOSED else 0
        totals["escalated"] += escalated
        for name, key in zip(BREAKDOWNS, keys, strict=True):
            counts[name][key or ""] = counts[name].get(key or "", 0) + n
        if state != CaseState.CLOSED:  # withdrawn notices are left out of the times
            total = times.setdefault((provider_id, keys[country_index]), [0] * len(values))
            for i, value in enumerate(values):
                total[i] += value
    totals["still_online"] = totals["cases"] - totals["removed"] - totals["withdrawn"]
    breakdowns = {name: _ordered(list(c.items())) for name, c in counts.items()}
    count_rows = [
        (provider_id, country, *values) for (provider_id, country), values in times.items()
    ]
    return totals, breakdowns, count_rows


def _percentiles_sql(hotline_ids, period: Period):
    """Order statistics of the removal times; only removed cases have one, so only they are
    read (a group without removals is absent and gets no median, as in ``stats_core``)."""
    where, params = _where_sql(hotline_ids, period)
    sql = f"""
        SELECT GROUPING(provider_id), GROUPING(hosting_country), provider_id, hosting_country,
               percentile_disc({PERCENTILE_FRACTIONS}) WITHIN GROUP (ORDER BY r),
               percentile_disc({PERCENTILE_FRACTIONS}) WITHIN GROUP (ORDER BY n)
        FROM (
            SELECT provider_id, hosting_country, seconds_report_to_removal AS r,
                   seconds_notice_to_removal AS n
            FROM {Case._meta.db_table}
            WHERE {where} AND removed_at IS NOT NULL
        ) AS c
        GROUP BY GROUPING SETS ((), (provider_id), (hosting_country))
    """  # noqa: S608 - only our own column names and placeholders are interpolated
    with connection.cursor() as cursor:
        # The planner likes walking the provider index to get sorted input; with the table in
        # memory a sequential scan and one sort is about twice as fast.
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(sql, params)
        rows = cursor.fetchall()
        cursor.execute("SET LOCAL enable_indexscan = on")
    return rows


def _assemble_times(count_rows, percentile_rows) -> dict:
    """The times of the database path from the rows of the two queries above."""
    width = 2 + 2 * len(WINDOWS)  # per metric: count, open, (within, overdue) per window
    sums = {("overall", None): [0] * (2 * width)}
    for provider_id, country, *values in count_rows:
        for key in (("overall", None), ("by_provider", provider_id), ("by_country", country or "")):
            total = sums.setdefault(key, [0] * (2 * width))
            for i, value in enumerate(values):
                total[i] += value
    ranks = {}
    for g_provider, g_country, provider_id, country, r_ranks, n_ranks in percentile_rows:
        if g_provider and g_country:
            key = ("overall", None)
        elif not g_provider:
            key = ("by_provider", provider_id)
        else:
            key = ("by_country", country or "")
        ranks[key] = (r_ranks, n_ranks)
    result = _empty_times()
    for key, values in sums.items():
        for index, metric in enumerate(METRICS):
            part = values[index * width : (index + 1) * width]
            n, open_count = part[0], part[1]
            within = {label: part[2 + 2 * w] for w, label in enumerate(WINDOWS)}
            overdue = {label: part[3 + 2 * w] for w, label in enumerate(WINDOWS)}
            metric_ranks = ranks.get(key, (None, None))[index]
            med = p90 = None
            if metric_ranks and metric_ranks[0] is not None:
                med = (metric_ranks[0] + metric_ranks[1]) / 2
                p90 = metric_ranks[2]
            summary = _summary(n, open_count, med, p90, within, overdue)
            if key[0] == "overall":
                result[metric]["overall"] = summary
            else:
                result[metric][key[0]].append({"key": key[1], **summary})
    return result


def _times_python(hotline_ids, period: Period, now: datetime) -> dict:
    qs = _range(
        _scope(Case.objects.exclude(state=CaseState.CLOSED), hotline_ids), "reported_at", period
    )
    rows = list(
        qs.values_list(
            "provider_id",
            "hosting_country",
            "seconds_report_to_removal",
            "seconds_notice_to_removal",
            "removed_at",
            "reported_at",
            "first_notice_at",
        )
    )
    result = _empty_times()

    def summarise(group):
        out = {}
        for metric, index, start in (
            ("report_to_removal", 2, 5),
            ("notice_to_removal", 3, 6),
        ):
            removed = [r[index] for r in group if r[index] is not None]
            ages = [
                (now - r[start]).total_seconds()
                for r in group
                if r[4] is None and r[start] is not None
            ]
            summary = stats_core.summarize(removed, open_ages=[max(0.0, a) for a in ages])
            out[metric] = summary.as_dict()
        return out

    overall = summarise(rows)
    for metric in METRICS:
        result[metric]["overall"] = overall[metric]
    for key_index, name in ((0, "by_provider"), (1, "by_country")):
        for key, group in stats_core.group_by(rows, lambda r, i=key_index: r[i]).items():
            summary = summarise(group)
            for metric in METRICS:
                entry = {"key": key if name == "by_provider" else (key or ""), **summary[metric]}
                result[metric][name].append(entry)
    return result


def _empty_times() -> dict:
    empty = _summary(0, 0, None, None, dict.fromkeys(WINDOWS, 0), dict.fromkeys(WINDOWS, 0))
    return {m: {"overall": dict(empty), "by_provider": [], "by_country": []} for m in METRICS}


def _finish_times(times: dict) -> dict:
    provider_ids = {
        e["key"] for m in METRICS for e in times[m]["by_provider"] if e["key"] is not None
    }
    names = dict(Organisation.objects.filter(pk__in=provider_ids).values_list("pk", "name"))
    for metric in METRICS:
        for entry in times[metric]["by_provider"]:
            entry["label"] = names.get(entry["key"], "") if entry["key"] is not None else ""
        for entry in times[metric]["by_country"]:
            entry["label"] = entry["key"]
        for name in ("by_provider", "by_country"):
            # Groups with nothing to say (no removal, nothing open) are left out.
            times[metric][name] = sorted(
                (e for e in times[metric][name] if e["count"] or e["open_count"]),
                key=lambda e: (-(e["count"] + e["open_count"]), str(e["label"])),
            )
    return times


def uses_sql() -> bool:
    return connection.vendor == "postgresql"


def _tuned(job, *, serial_plan: bool = False):
    """Run ``job`` in its own transaction with settings for sorting in memory.

    ``serial_plan``: no parallel workers for this query, because the statistics' queries
    already run side by side (see :func:`_run_jobs`): there, workers only add start-up
    costs and compete with the other queries for the same cores.
    """

    def run():
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # A few hundred thousand durations sort in memory with 64 MB (the default
                # 4 MB spills to disk); JIT compilation costs more than it saves here.
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL work_mem = '64MB'")
                    cursor.execute("SET LOCAL jit = off")
                    if serial_plan:
                        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
            return job()

    return run


def _concurrent() -> bool:
    """Whether :func:`_run_jobs` runs its jobs side by side (see there)."""
    return connection.vendor == "postgresql" and not connection.in_atomic_block


def _run_jobs(jobs):
    """Run independent aggregate queries, concurrently on PostgreSQL.

    Each extra job gets its own thread and so its own database connection (closed when it
    ends): the scans then use every core instead of one after the other. Inside an
    open transaction (tests, or a caller's ``atomic``) other connections could not see its
    rows, so the jobs run one after the other there, with identical results.
    """
    if not _concurrent() or len(jobs) < 2:
        return [job() for job in jobs]
    results: list = [None] * len(jobs)
    errors: list[BaseException] = []

    def work(index, job):
        try:
            results[index] = job()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the calling thread
            errors.append(exc)
        finally:
            connections.close_all()  # this thread's connections only

    threads = [
        threading.Thread(target=work, args=(i, job), name=f"stats-{i}")
        for i, job in enumerate(jobs)
        if i
    ]
    for thread in threads:
        thread.start()
    try:
        results[0] = jobs[0]()
    finally:
        for thread in threads:
            thread.join()
    if errors:
        raise errors[0]
    return results


def compute(hotline_ids, period: Period, *, now: datetime | None = None, sql: bool | None = None):
    """All figures for ``hotline_ids`` (None: every hotline) and ``period``, as plain data."""
    now = now or timezone.now()
    sql = uses_sql() if sql is None else sql
    if sql:
        concurrent = _concurrent()

        def tuned(job):
            return _tuned(job, serial_plan=concurrent)

        (
            percentile_rows,
            (case_totals, breakdowns, count_rows),
            items,
            reports,
        ) = _run_jobs(
            [
                tuned(lambda: _percentiles_sql(hotline_ids, period)),
                tuned(lambda: _counts_sql(hotline_ids, period, now)),
                tuned(lambda: _item_counts(hotline_ids, period)),
                tuned(lambda: _report_count(hotline_ids, period)),
            ]
        )
        item_totals = _item_totals(hotline_ids, period, reports=reports, items=items)
        times = _assemble_times(count_rows, percentile_rows)
    else:
        item_totals = _item_totals(hotline_ids, period)
        case_totals, breakdowns = _case_counts(hotline_ids, period)
        times = _times_python(hotline_ids, period, now)
    totals = {**item_totals, **case_totals}
    return {
        "period": period.as_dict(),
        "generated_at": now.isoformat(),
        "totals": totals,
        "breakdowns": {
            name: [{"key": key, "count": count} for key, count in pairs]
            for name, pairs in breakdowns.items()
        },
        "times": _finish_times(times),
        "definitions": {
            "median": "conventional median (mean of the two middle values for an even count)",
            "p90": "nearest rank: the smallest observed time within which 90% were removed",
            "share_within": (
                "removed within the window / (removed + still online longer than the window); "
                "content online for less than the window is left out"
            ),
            "period": "by the date the item was first reported",
        },
    }


# --- CSV --------------------------------------------------------------------------------------

CSV_HEADER = ["section", "group", "key", "label", "metric", "value"]


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    text = str(value)
    # Spreadsheet formula injection: a cell starting with = + - @ is prefixed with '.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_rows(data: dict):
    yield CSV_HEADER
    period = data["period"]
    yield ["period", "", "", "", "start", _cell(period["start"])]
    yield ["period", "", "", "", "end", _cell(period["end"])]
    for metric, value in data["totals"].items():
        yield ["totals", "", "", "", metric, _cell(value)]
    for name, entries in data["breakdowns"].items():
        for entry in entries:
            yield [
                "breakdown",
                name,
                _cell(entry["key"]),
                _cell(entry["key"]),
                "count",
                entry["count"],
            ]
    for metric in METRICS:
        times = data["times"][metric]
        groups = [("overall", [{"key": "", "label": "", **times["overall"]}])]
        groups += [("by_provider", times["by_provider"]), ("by_country", times["by_country"])]
        for group, entries in groups:
            for entry in entries:
                for key, value in entry.items():
                    if key in ("key", "label"):
                        continue
                    yield [
                        metric,
                        group,
                        _cell(entry["key"]),
                        _cell(entry["label"]),
                        key,
                        _cell(value),
                    ]


def to_csv(data: dict) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(csv_rows(data))
    return buffer.getvalue()
