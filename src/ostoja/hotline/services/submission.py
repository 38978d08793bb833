"""Intake."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from ostoja.audit.services import Action, log_action, log_actions
from ostoja.core.db import insert_objects, insert_rows
from ostoja.core.group_commit import GroupCommitter
from ostoja.core.request_context import get_request_id
from ostoja.organisations.models import Organisation

from .. import known
from ..intake import (
    FieldError,
    IntakeError,
    PreparedReport,
    ReportInput,
    prepare_report,
)
from ..models import (
    GONE_STATES,
    OPEN_STATES,
    Channel,
    Item,
    ItemState,
    Report,
    ReportBatch,
    ReportHash,
    ReportUrl,
)
from .common import STATUS_CODE_ALPHABET, STATUS_CODE_LENGTH, IdempotencyConflict
from .receiving import active_rules, receiving_hotline, source_kind_for
from .scoring import PRIORITY_FIELDS, apply_priority


@dataclass(frozen=True)
class UrlOutcome:
    position: int
    accepted: bool
    canonical_url: str = ""
    item_id: int | None = None
    reason: str = ""
    raw: str = ""

    @classmethod
    def of(cls, url: ReportUrl) -> UrlOutcome:
        """The outcome a stored report URL had (for replays and the status endpoint)."""
        return cls(
            position=url.position,
            accepted=url.accepted,
            canonical_url=url.canonical_url,
            item_id=url.item_id,
            reason=url.rejection_code,
            raw=url.raw,
        )


@dataclass
class Submitted:
    report: Report
    urls: list[UrlOutcome]
    status_code: str | None = None
    replayed: bool = False


def new_status_code() -> str:
    return "".join(secrets.choice(STATUS_CODE_ALPHABET) for _i in range(STATUS_CODE_LENGTH))


def normalise_status_code(code: str) -> str:
    """Upper-case, without spaces and dashes; O→0, I/L→1 (as Crockford base32 reads them)."""
    text = "".join(ch for ch in str(code)[:64].upper() if ch not in " -\t")
    return text.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))


def status_code_hash(code: str) -> str:
    return hashlib.sha256(f"ostoja-status:{normalise_status_code(code)}".encode()).hexdigest()


def format_status_code(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def find_report_by_status_code(code: str) -> Report | None:
    normalised = normalise_status_code(code)
    if len(normalised) != STATUS_CODE_LENGTH or any(
        ch not in STATUS_CODE_ALPHABET for ch in normalised
    ):
        return None
    return Report.objects.filter(status_code_hash=status_code_hash(normalised)).first()


@dataclass
class _Intake:
    """One report on its way to the database (a job for the group committer)."""

    prepared: PreparedReport
    hotline: Organisation | None  # None: the receiving hotline
    channel: str
    source_organisation: Organisation | None
    source_kind: str
    actor: object = None
    idempotency_key: str = ""
    request_hash: str = ""
    now: object = None
    request_id: str = field(default_factory=get_request_id)

    @property
    def url_count(self) -> int:
        return len(self.prepared.urls)


def _same_group(first: _Intake, other: _Intake) -> bool:
    return (
        (first.hotline.pk if first.hotline else None)
        == (other.hotline.pk if other.hotline else None)
    ) and first.now == other.now


def _write_intake_group(jobs: list[_Intake]) -> list[Submitted]:
    """Store a group of single reports in one transaction (see :mod:`ostoja.core.group_commit`)."""
    hotline = jobs[0].hotline or receiving_hotline()
    return _ingest(hotline=hotline, jobs=jobs, batch=None, now=jobs[0].now or timezone.now())


# Concurrent single reports in this process share a transaction: one chain-head advance, one
# items look-up and multi-row INSERTs per group instead of per report (bench: hotline intake).
# 100 reports or 2,000 URLs per group keep one group's transaction short.
_INTAKE_GROUPS = GroupCommitter(
    _write_intake_group,
    max_group=100,
    can_join=_same_group,
    weight=lambda job: job.url_count,
    max_weight=2000,
)


def submit_report(
    *,
    actor,
    data: ReportInput,
    channel: str,
    hotline: Organisation | None = None,
    source_organisation: Organisation | None = None,
    source_kind: str | None = None,
    idempotency_key: str = "",
    request_hash: str = "",
    now=None,
) -> Submitted:
    """Accept one report. Raises :class:`IntakeError` (nothing written) or
    :class:`IdempotencyConflict`. A retried request with the same key returns the first report
    (``replayed=True``).

    The report is committed when this returns. Called outside a transaction (a web request),
    it is written together with the reports other threads of this process are submitting at
    the same moment (group commit); inside a caller's transaction it is written in that
    transaction, alone, so it commits or rolls back with the caller's work.
    """
    if idempotency_key and source_organisation is not None:
        replay = _replay_report(source_organisation, idempotency_key, request_hash)
        if replay is not None:
            return replay
    prepared = prepare_report(data)
    _check_related(source_organisation, [prepared])
    job = _Intake(
        prepared=prepared,
        hotline=hotline,
        channel=channel,
        source_organisation=source_organisation,
        source_kind=source_kind or source_kind_for(source_organisation),
        actor=actor,
        idempotency_key=idempotency_key,
        request_hash=request_hash,
        now=now,
    )
    try:
        if connection.in_atomic_block:
            [result] = _write_intake_group([job])
        else:
            result = _INTAKE_GROUPS.submit(job)
    except IntegrityError:
        # A concurrent retry with the same key committed first.
        if idempotency_key and source_organisation is not None:
            replay = _replay_report(source_organisation, idempotency_key, request_hash)
            if replay is not None:
                return replay
        raise
    return result


def _replay_report(organisation, key, request_hash) -> Submitted | None:
    report = Report.objects.filter(source_organisation=organisation, idempotency_key=key).first()
    if report is None:
        return None
    if request_hash and report.request_hash and report.request_hash != request_hash:
        raise IdempotencyConflict(key)
    return Submitted(report, url_outcomes(report), replayed=True)


def url_outcomes(report: Report) -> list[UrlOutcome]:
    return [UrlOutcome.of(u) for u in report.urls.order_by("position")]


@dataclass
class SubmittedBatch:
    batch: ReportBatch
    results: list[Submitted]
    replayed: bool = False


def submit_batch(
    *,
    actor,
    reports: list[ReportInput],
    source_organisation: Organisation,
    hotline: Organisation | None = None,
    idempotency_key: str = "",
    request_hash: str = "",
    now=None,
) -> SubmittedBatch:
    """Accept up to 1,000 reports at once: all or none (errors are named ``reports.N.…``)."""
    from ..intake import MAX_BATCH_REPORTS

    if idempotency_key:
        replay = _replay_batch(source_organisation, idempotency_key, request_hash)
        if replay is not None:
            return replay
    if not reports:
        raise IntakeError([FieldError("reports", _("Send at least one report."), "required")])
    if len(reports) > MAX_BATCH_REPORTS:
        raise IntakeError(
            [
                FieldError(
                    "reports",
                    _("At most %(max)d reports in a batch.") % {"max": MAX_BATCH_REPORTS},
                    "too_many",
                )
            ]
        )
    prepared, errors = [], []
    for i, data in enumerate(reports):
        try:
            prepared.append(prepare_report(data))
        except IntakeError as exc:
            errors.extend(e.prefixed(f"reports.{i}") for e in exc.errors)
    if errors:
        raise IntakeError(errors)
    _check_related(source_organisation, prepared)
    hotline = hotline or receiving_hotline()
    now = now or timezone.now()
    try:
        with transaction.atomic():
            batch = ReportBatch.objects.create(
                hotline=hotline,
                source_organisation=source_organisation,
                idempotency_key=idempotency_key,
                request_hash=request_hash,
                report_count=len(prepared),
                created_at=now,
            )
            source_kind = source_kind_for(source_organisation)
            results = _ingest(
                hotline=hotline,
                jobs=[
                    _Intake(
                        prepared=p,
                        hotline=hotline,
                        channel=Channel.API,
                        source_organisation=source_organisation,
                        source_kind=source_kind,
                        actor=actor,
                    )
                    for p in prepared
                ],
                batch=batch,
                now=now,
            )
    except IntegrityError:
        if idempotency_key:
            replay = _replay_batch(source_organisation, idempotency_key, request_hash)
            if replay is not None:
                return replay
        raise
    return SubmittedBatch(batch, results)


def _replay_batch(organisation, key, request_hash) -> SubmittedBatch | None:
    batch = ReportBatch.objects.filter(
        source_organisation=organisation, idempotency_key=key
    ).first()
    if batch is None:
        return None
    if request_hash and batch.request_hash and batch.request_hash != request_hash:
        raise IdempotencyConflict(key)
    reports = list(batch.reports.order_by("batch_position"))
    by_report = defaultdict(list)
    for u in ReportUrl.objects.filter(report__batch=batch).order_by("report_id", "position"):
        by_report[u.report_id].append(UrlOutcome.of(u))
    return SubmittedBatch(
        batch, [Submitted(r, by_report[r.pk], replayed=True) for r in reports], replayed=True
    )


def _check_related(source_organisation, prepared: list[PreparedReport]) -> None:
    """Related report ids must name reports this organisation sent earlier."""
    wanted = {rid for p in prepared for rid in p.related_report_ids}
    if not wanted:
        return
    qs = Report.objects.filter(uuid__in=wanted)
    qs = (
        qs.filter(source_organisation=source_organisation)
        if source_organisation is not None
        else qs.none()
    )
    found = {str(u) for u in qs.values_list("uuid", flat=True)}
    errors = []
    for i, p in enumerate(prepared):
        prefix = f"reports.{i}." if len(prepared) > 1 else ""
        for j, rid in enumerate(p.related_report_ids):
            if rid not in found:
                errors.append(
                    FieldError(
                        f"{prefix}related_report_ids.{j}",
                        _("No earlier report of your organisation has this id."),
                        "unknown_report",
                    )
                )
    if errors:
        raise IntakeError(errors)


def _known_matches(prepared: list[PreparedReport]) -> tuple[dict, bool]:
    """{(signal_type, value): [KnownMatch, …]} for every hash in the reports; and whether the
    hashes could be checked."""
    hashes = sorted({h for p in prepared for h in p.hashes})
    if not hashes:
        return {}, False
    try:
        matches = known.check_known(hashes)
    except known.CheckerUnavailable:
        return {}, False
    found = defaultdict(list)
    for match in matches:
        found[(match.signal_type, str(match.value).lower())].append(match)
    return found, True


def _ingest(*, hotline, jobs: list[_Intake], batch, now) -> list[Submitted]:
    """Store reports in one transaction: several single reports (a group) or one batch."""
    prepared = [job.prepared for job in jobs]
    matches, checked = _known_matches(prepared)
    # receiving_hotline() reads the rules with the organisation; a hotline given by the caller
    # has them looked up.
    rules = getattr(hotline, "_active_rules", None) or active_rules(hotline.pk)
    with transaction.atomic():
        reports, codes = [], []
        for index, job in enumerate(jobs):
            p, d = job.prepared, job.prepared.data
            public = job.source_organisation is None
            code = new_status_code() if public else None  # public reports get a status code
            codes.append(code)
            reports.append(
                Report(
                    hotline=hotline,
                    source_organisation=job.source_organisation,
                    source_kind=job.source_kind,
                    channel=job.channel,
                    batch=batch,
                    batch_position=index if batch is not None else None,
                    incident_type=d.incident_type,
                    where_seen=d.where_seen or "",
                    description=d.description,
                    escalate_reason=d.escalate_reason,
                    annotations=p.annotations,
                    reporter_reference=d.reporter_reference,
                    related_report_ids=p.related_report_ids,
                    reporter_email=d.reporter_email or None,
                    feedback_requested=bool(d.reporter_email),
                    status_code_hash=status_code_hash(code) if code else None,
                    idempotency_key=job.idempotency_key,
                    request_hash=job.request_hash,
                    url_count=len(p.urls),
                    accepted_count=len(p.accepted_urls),
                    created_at=now,
                )
            )
        insert_objects(reports)

        # What each URL contributes to its item.
        contributions = defaultdict(list)  # sha -> [(prepared, report)]
        first_url = {}
        for p, report in zip(prepared, reports, strict=True):
            seen_in_report = set()
            for u in p.accepted_urls:
                if u.url_sha256 in seen_in_report:
                    continue  # the same address twice in one report counts once
                seen_in_report.add(u.url_sha256)
                contributions[u.url_sha256].append((p, report))
                first_url.setdefault(u.url_sha256, u)

        items = _items_for(hotline, first_url, contributions, matches, checked, rules, now)

        url_rows, hash_rows = [], []
        for p, report in zip(prepared, reports, strict=True):
            for u in p.urls:
                item_id = items[u.url_sha256].pk if u.accepted else None
                url_rows.append(
                    (report.pk, u.position, u.raw, u.canonical_url, u.rejection_code, item_id)
                )
            hash_rows.extend((report.pk, t, v) for t, v in p.hashes)
        insert_rows(
            ReportUrl,
            ["report_id", "position", "raw", "canonical_url", "rejection_code", "item_id"],
            url_rows,
        )
        insert_rows(ReportHash, ["report_id", "signal_type", "value"], hash_rows)

        if batch is None:
            log_actions(
                [
                    _received_action(hotline, job, report, items)
                    for job, report in zip(jobs, reports, strict=True)
                ]
            )
        else:
            accepted = sum(r.accepted_count for r in reports)
            total = sum(r.url_count for r in reports)
            log_action(
                "hotline.report_batch.received",
                actor=jobs[0].actor,
                organisation=hotline,
                target=batch,
                data={
                    "batch": str(batch.uuid),
                    "source_organisation": batch.source_organisation.slug,
                    "reports": len(reports),
                    "urls_accepted": accepted,
                    "urls_rejected": total - accepted,
                    "items": len(items),
                    "escalated": sum(1 for r in reports if r.escalate_reason),
                },
            )

    results = []
    for p, report, code in zip(prepared, reports, codes, strict=True):
        results.append(
            Submitted(
                report,
                [
                    UrlOutcome(
                        position=u.position,
                        accepted=u.accepted,
                        canonical_url=u.canonical_url,
                        item_id=items[u.url_sha256].pk if u.accepted else None,
                        reason=u.rejection_code,
                        raw=u.raw,
                    )
                    for u in p.urls
                ],
                status_code=code,
            )
        )
    return results


def _received_action(hotline, job: _Intake, report: Report, items: dict) -> Action:
    """The audit entry of one single report (its own request id, even in a group)."""
    item_ids = sorted({items[u.url_sha256].pk for u in job.prepared.accepted_urls})
    return Action(
        "hotline.report.received",
        actor=job.actor,
        organisation=hotline,
        target=report,
        data={
            "report": str(report.uuid),
            "channel": job.channel,
            "source_kind": job.source_kind,
            "source_organisation": job.source_organisation.slug
            if job.source_organisation
            else None,
            "urls_accepted": report.accepted_count,
            "urls_rejected": report.url_count - report.accepted_count,
            "items": item_ids,
            "escalated": bool(report.escalate_reason),
        },
        request_id=job.request_id,
    )


def _items_for(hotline, first_url, contributions, matches, checked, rules, now) -> dict:
    """Lock or create the open item of every URL, with the new reports folded in.

    New items are inserted with their final counts and priority (one multi-row INSERT);
    existing ones (locked, in primary-key order) get one UPDATE each. Django's
    ``bulk_update`` is avoided on purpose: its CASE expressions cost seconds per thousand rows.
    """
    shas = sorted(first_url)
    memo: dict = {}
    for attempt in range(3):
        # One query for the open items (locked: reports attach to them) and the closed ones
        # (a new item links to the latest; their rows are locked too, which costs nothing).
        existing, previous, open_ids = {}, {}, []
        for pk, sha, state, closed_at in _lock_items(hotline.pk, shas):
            if state in OPEN_STATES:
                open_ids.append(pk)
            else:
                closed = _PastItem(pk, state, _aware(closed_at) or now)
                latest = previous.get(sha)
                if latest is None or (closed.closed_at, pk) > (latest.closed_at, latest.pk):
                    previous[sha] = closed
        if open_ids:  # whole rows only for the items reports attach to (already locked)
            existing = {item.url_sha256: item for item in _items_by_id(open_ids)}
        missing = [sha for sha in shas if sha not in existing]
        if not missing:
            created = {}
            break
        try:
            with transaction.atomic():  # savepoint: a concurrent creator rolls back only this
                created = _create_items(
                    hotline,
                    missing,
                    previous,
                    first_url,
                    contributions,
                    matches,
                    checked,
                    rules,
                    now,
                    memo,
                )
            break
        except IntegrityError:
            # Another transaction created one of these items first; lock it and fold into it.
            if attempt == 2:
                raise
    for sha, item in existing.items():
        for p, report in contributions[sha]:
            _fold_report(item, p, report, matches, checked, now)
        apply_priority(item, rules, now)
        Item.objects.filter(pk=item.pk).update(
            **{name: getattr(item, name) for name in _ITEM_UPDATE_FIELDS}
        )
    return {**existing, **created}


@dataclass(frozen=True)
class _PastItem:
    pk: int
    state: str
    closed_at: datetime


def _aware(value):
    """A datetime read with a plain cursor, as the ORM would give it (SQLite stores UTC)."""
    if value is None or isinstance(value, datetime) and timezone.is_aware(value):
        return value
    if isinstance(value, str):
        value = parse_datetime(value)
    return timezone.make_aware(value, UTC)


def _in_list(column: str, values: list, sql_type: str) -> tuple[str, str]:
    """``column`` in a list given as one parameter (no limit on the number of values)."""
    if connection.vendor == "postgresql":
        # One text parameter: the values (hex digests, ids) need no quoting, and psycopg's
        # list adaptation cost more than the query.
        return f"{column} = ANY(%s::{sql_type}[])", "{" + ",".join(map(str, values)) + "}"
    return f"{column} IN (SELECT value FROM json_each(%s))", json.dumps(values)  # noqa: S608


def _lock_items(hotline_id: int, shas: list[str]) -> list[tuple]:
    """(id, url_sha256, state, closed_at) of every item of these URL hashes, open or closed,
    locked in primary-key order (two concurrent writers lock in the same order).

    Raw SQL with the whole list as one parameter and no model instances: most reports name
    new addresses, and the ORM spent longer building this query than the database spent
    running it, on every report (bench: hotline intake).
    """
    table = connection.ops.quote_name(Item._meta.db_table)
    match, param = _in_list("url_sha256", shas, "text")
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, url_sha256, state, closed_at FROM {table} "  # noqa: S608 - table from the model, values are parameters
            f"WHERE hotline_id = %s AND {match} ORDER BY id{lock}",
            [hotline_id, param],
        )
        return cursor.fetchall()


def _items_by_id(ids: list[int]):
    table = connection.ops.quote_name(Item._meta.db_table)
    match, param = _in_list("id", ids, "bigint")
    return Item.objects.raw(f"SELECT * FROM {table} WHERE {match}", [param])  # noqa: S608


_ITEM_UPDATE_FIELDS = [
    "report_count",
    "last_seen",
    "source_kinds",
    "incident_types",
    "annotations",
    "escalate_reason",
    "hashes_checked",
    "known",
    "known_bank",
    "known_classification",
    "updated_at",
    *PRIORITY_FIELDS,
]


def _create_items(
    hotline, missing, previous, first_url, contributions, matches, checked, rules, now, memo
):
    new_items = []
    for sha in missing:
        u = first_url[sha]
        before = previous.get(sha)
        item = Item(
            hotline=hotline,
            canonical_url=u.canonical_url,
            url_sha256=sha,
            host=u.host[:253],
            state=ItemState.OPEN,
            report_count=0,
            first_seen=now,
            last_seen=now,
            previous_item_id=before.pk if before else None,
            # Given, not defaulted: a foreign key's default costs a look-up per instance.
            duplicate_of_id=None,
            claimed_by_id=None,
            reappeared=bool(before and before.state in GONE_STATES),
            created_at=now,
        )
        for p, report in contributions[sha]:
            _fold_report(item, p, report, matches, checked, now)
        apply_priority(item, rules, now, memo)
        new_items.append(item)
    insert_objects(new_items)
    return {item.url_sha256: item for item in new_items}


def _fold_report(item, p: PreparedReport, report, matches, checked, now) -> None:
    item.report_count += 1
    item.last_seen = now
    item.updated_at = now
    if report.source_kind not in item.source_kinds:
        item.source_kinds = [*item.source_kinds, report.source_kind]
    if report.incident_type not in item.incident_types:
        item.incident_types = [*item.incident_types, report.incident_type]
    for code in p.annotations:
        if code not in item.annotations:
            item.annotations = [*item.annotations, code]
    if report.escalate_reason and not item.escalate_reason:
        item.escalate_reason = report.escalate_reason
    if p.hashes and checked:
        item.hashes_checked = True
        for h in p.hashes:
            for match in matches.get(h, []):
                if not item.known:
                    item.known = True
                    item.known_bank = str(match.bank)[:100]
                    item.known_classification = dict(match.classification or {})
