"""Single reports submitted at the same moment share one transaction (group commit).

PostgreSQL: real threads on their own connections. The first group's write is held open so
that the other reports queue behind it and are written together; everything is then checked
in the database (reports, items, report counts, one audit entry per report with its own
request id, the chain intact).
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import close_old_connections, connection

from ostoja.audit.models import AuditEntry
from ostoja.audit.services import verify_chain
from ostoja.core.request_context import current_request_id
from ostoja.hotline import services
from ostoja.hotline.intake import ReportInput
from ostoja.hotline.models import Item, Report
from tests.hotline.factories import HotlineFactory, PartnerFactory, report

on_postgresql = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="threads share the database only on PostgreSQL"
)


def _held_first_group(monkeypatch):
    """Hold the first group's write until the test lets it go; record every group's size."""
    committer = services._INTAKE_GROUPS
    real = committer._write_group
    entered, release = threading.Event(), threading.Event()
    sizes: list[int] = []

    def write(jobs):
        sizes.append(len(jobs))
        if not entered.is_set():
            entered.set()
            release.wait(30)
        return real(jobs)

    monkeypatch.setattr(committer, "_write_group", write)
    return committer, entered, release, sizes


def _submit_in_threads(calls):
    results, errors = {}, {}

    def work(name, kwargs):
        token = current_request_id.set(f"req-{name}")
        try:
            results[name] = services.submit_report(actor=None, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - asserted below
            errors[name] = exc
        finally:
            current_request_id.reset(token)
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=work, args=item) for item in calls.items()]
    for t in threads:
        t.start()
    return threads, results, errors


def _wait_queued(committer, count):
    for _ in range(3000):
        with committer._lock:
            if len(committer._waiting) >= count:
                return
        threading.Event().wait(0.01)
    raise AssertionError("the reports never queued behind the first group")


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_concurrent_reports_are_written_in_one_group_and_all_counted(monkeypatch):
    hotline = HotlineFactory()
    partner = PartnerFactory()
    committer, entered, release, sizes = _held_first_group(monkeypatch)

    def call(url, **extra):
        return {
            "data": ReportInput(incident_type="csam", urls=[url], **extra),
            "channel": "api",
            "hotline": hotline,
            "source_organisation": partner,
        }

    first, results, errors = _submit_in_threads({"first": call("https://a.example/0")})
    assert entered.wait(10)
    # 12 reports queue up: 8 new addresses, 4 more reports of one shared address.
    calls = {f"r{i}": call(f"https://a.example/{i}") for i in range(1, 9)}
    calls.update({f"s{i}": call("https://shared.example/x") for i in range(4)})
    others, results2, errors2 = _submit_in_threads(calls)
    _wait_queued(committer, len(calls))
    release.set()
    for t in first + others:
        t.join(60)
    assert not errors and not errors2, {**errors, **errors2}
    results.update(results2)

    assert sizes[0] == 1 and sizes[1] == len(calls)  # the queued reports: one transaction
    assert Report.objects.filter(hotline=hotline).count() == 13
    shared = Item.objects.get(hotline=hotline, canonical_url="https://shared.example/x")
    assert shared.report_count == 4
    assert {results[f"s{i}"].urls[0].item_id for i in range(4)} == {shared.pk}
    # One audit entry per report, each with the request it came from, and the chain intact.
    entries = AuditEntry.objects.filter(action="hotline.report.received")
    by_report = Counter(e.data["report"] for e in entries)
    assert set(by_report) == {str(r.report.uuid) for r in results.values()}
    assert set(by_report.values()) == {1}
    assert {e.data["report"]: e.request_id for e in entries} == {
        str(r.report.uuid): f"req-{name}" for name, r in results.items()
    }
    assert verify_chain() is None


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_retry_racing_in_the_same_group_is_a_replay_and_the_others_are_stored(monkeypatch):
    hotline = HotlineFactory()
    partner = PartnerFactory()
    committer, entered, release, sizes = _held_first_group(monkeypatch)

    def call(url, key=""):
        return {
            "data": ReportInput(incident_type="csam", urls=[url]),
            "channel": "api",
            "hotline": hotline,
            "source_organisation": partner,
            "idempotency_key": key,
            "request_hash": "same-body" if key else "",
        }

    first, _r, _e = _submit_in_threads({"first": call("https://b.example/0")})
    assert entered.wait(10)
    calls = {
        "retry1": call("https://b.example/retried", key="K-1"),
        "retry2": call("https://b.example/retried", key="K-1"),
        "other": call("https://b.example/other"),
    }
    others, results, errors = _submit_in_threads(calls)
    _wait_queued(committer, len(calls))
    release.set()
    for t in first + others:
        t.join(60)
    assert not errors, errors
    # The group failed on the unique key, was written again one by one: one report for the
    # key (the other call replays it) and the unrelated report stored.
    assert results["retry1"].report.pk == results["retry2"].report.pk
    assert {results["retry1"].replayed, results["retry2"].replayed} == {True, False}
    assert Report.objects.filter(hotline=hotline, idempotency_key="K-1").count() == 1
    assert Report.objects.filter(pk=results["other"].report.pk).exists()
    assert Report.objects.filter(hotline=hotline).count() == 3
    assert verify_chain() is None


@pytest.mark.django_db
def test_inside_a_callers_transaction_the_report_is_written_there_not_in_a_group(monkeypatch):
    hotline = HotlineFactory()
    used = []
    monkeypatch.setattr(services._INTAKE_GROUPS, "submit", lambda job: used.append(job))
    submitted = report(hotline, ["https://c.example/1"])  # the test runs inside a transaction
    assert used == []
    assert Report.objects.filter(pk=submitted.report.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_errors_of_the_group_write_reach_the_caller():
    """The group path (no caller transaction): no receiving hotline is a clear error, nothing
    is written, and the committer is free for the next report."""
    assert not connection.in_atomic_block
    data = ReportInput(incident_type="csam", urls=["https://d.example/1"])
    with pytest.raises(services.HotlineNotConfigured):
        services.submit_report(actor=None, data=data, channel="api")
    assert Report.objects.count() == 0
    hotline = HotlineFactory()
    submitted = services.submit_report(actor=None, data=data, channel="api", hotline=hotline)
    assert Report.objects.get().pk == submitted.report.pk
