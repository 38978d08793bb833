"""State changes of the hotline. Views, the API, commands, tasks and tests call these only.

Each function validates, runs in one transaction, writes its audit entry last (the audit
chain head is a single locked row, so holding it for the shortest time keeps intake fast)
and schedules side effects with ``transaction.on_commit``.

Intake
======
:func:`submit_report` (one report) and :func:`submit_batch` (up to 1,000) share one bulk path,
:func:`_ingest`. Everything is validated first (:mod:`.intake`), so an invalid report writes
nothing. Then, in one transaction: the reports are inserted; the items of all accepted URLs
(open and closed) are read with one ``SELECT … FOR UPDATE`` in primary-key order (two
concurrent batches lock rows in the same order and cannot deadlock); reports are folded into
existing open items (one UPDATE each); missing items are created with their final counts and
priority under the partial unique index "one open item per URL" (if a concurrent transaction
created one first, the savepoint is rolled back and the lookup repeated); report URLs and
hashes go in as plain multi-row INSERTs (:mod:`ostoja.core.db`). One audit entry per report
(single) or per batch (the entry names the batch; each report row points at it), never one per
URL: URLs are the bulk of the volume and the audit chain serialises its writers. The report is
committed before the API answers 201.

Single reports that threads of one process submit at the same moment are written together by
one of them (group commit, :mod:`ostoja.core.group_commit`): one transaction, one advance of
the audit chain head for all their entries (:func:`ostoja.audit.services.log_actions`), one
items look-up. Each caller still gets its own answer, after the commit. See
``bench/results/hotline_intake.md`` and docs/benchmarks.md for throughput and what it cost.

Retries: an ``Idempotency-Key`` is unique per source organisation (report and batch tables).
A retry with the same key and the same request fingerprint returns the stored result; a
different request under the same key is an :class:`IdempotencyConflict`. Two concurrent
retries race on the unique constraint; the loser reads the winner's result.

Known or new: all hashes of a call are checked in one call of :func:`.known.check_known`; a
failing checker leaves items unchecked rather than losing the report.

Which hotline receives reports
==============================
The setting ``OSTOJA_PUBLIC_HOTLINE_SLUG`` names it. Unset, it is the verified organisation of
kind "hotline" in Poland (the earliest created if there are several; production should set the
setting). Reports from partners' API tokens go to the same hotline; the token's organisation
kind gives the source's trust (police → police, hotline → partner hotline, platform or hosting
provider → platform, anything else → public).

Priority
========
Items are re-scored (1) when a report attaches to them, (2) for all waiting items of a hotline
when its rules change (a task after commit), and (3) lazily when the queue is shown or "next
item" is pressed, for waiting items scored more than ``RESCORE_AFTER`` ago (the waiting-time
factor grows by the hour). Re-scoring is a deterministic function of the item, the rules and
the clock; it is not audit-logged (the rule change that causes it is).
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import secrets
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Max, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from ostoja.audit.services import Action, log_action, log_actions
from ostoja.core.db import insert_objects, insert_rows
from ostoja.core.group_commit import GroupCommitter
from ostoja.core.request_context import get_request_id
from ostoja.organisations.models import Organisation

from . import known, priority
from .intake import (
    FieldError,
    IntakeError,
    PreparedReport,
    ReportInput,
    check_text,
    prepare_report,
)
from .models import (
    GONE_STATES,
    ILLEGAL_OUTCOMES,
    OPEN_STATES,
    WAITING_STATES,
    AgeBand,
    Assessment,
    Channel,
    ContentType,
    Gender,
    HotlineSettings,
    Item,
    ItemState,
    LegalArticle,
    Outcome,
    PriorityRuleSet,
    Report,
    ReportBatch,
    ReportHash,
    ReportUrl,
    Severity,
    SiteType,
    SourceKind,
)

logger = logging.getLogger(__name__)

RESCORE_AFTER = timedelta(minutes=10)
STATUS_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I L O U
STATUS_CODE_LENGTH = 16  # 80 random bits


class HotlineNotConfigured(RuntimeError):
    """No hotline organisation can receive reports."""


class IdempotencyConflict(RuntimeError):
    """An Idempotency-Key was reused with a different request."""


class ClaimError(RuntimeError):
    """The item cannot be taken or assessed by this analyst now."""


# --------------------------------------------------------------------------------------
# Hotline, settings, rules
# --------------------------------------------------------------------------------------


# The receiving hotline with its rules, as read by this process: (monotonic time, slug
# setting, organisation). Every report needs both, and reading them was a fifth of a single
# report's CPU time (bench: hotline intake). A rule change made in this process is seen at
# once, one made elsewhere within HOTLINE_CACHE_SECONDS; each item records the rule version
# that scored it either way, and a rule change re-scores the queue after commit.
HOTLINE_CACHE_SECONDS = 2.0
_hotline_cache: list = []


def forget_receiving_hotline() -> None:
    _hotline_cache.clear()


def receiving_hotline() -> Organisation:
    """The hotline that receives public and API reports (see the module docstring).

    The organisation comes with its rules in force, read in the same query
    (``_active_rules``), because intake needs both and every round trip counts.
    """
    slug = getattr(settings, "OSTOJA_PUBLIC_HOTLINE_SLUG", None)
    cached = _hotline_cache[0] if _hotline_cache else None
    clock = time.monotonic()
    if cached and cached[1] == slug and clock - cached[0] < HOTLINE_CACHE_SECONDS:
        return cached[2]
    latest_rules = (
        PriorityRuleSet.objects.filter(hotline=OuterRef("pk")).order_by("-version").values("rules")
    )
    qs = Organisation.objects.filter(kind=Organisation.Kind.HOTLINE).annotate(
        _active_rules=Subquery(latest_rules[:1])
    )
    if slug:
        org = qs.filter(slug=slug).first()
    else:
        org = qs.filter(verified=True, country="PL").order_by("created_at", "pk").first()
    if org is None:
        raise HotlineNotConfigured(
            "No hotline receives reports: set OSTOJA_PUBLIC_HOTLINE_SLUG or verify a hotline "
            "organisation in Poland."
        )
    if org._active_rules is None:  # never saved: the defaults, copied once per read
        org._active_rules = copy.deepcopy(priority.DEFAULT_RULES)
    _hotline_cache[:] = [(clock, slug, org)]
    return org


def source_kind_for(organisation: Organisation | None) -> str:
    if organisation is None:
        return SourceKind.PUBLIC
    return {
        Organisation.Kind.POLICE: SourceKind.POLICE,
        Organisation.Kind.HOTLINE: SourceKind.PARTNER_HOTLINE,
        Organisation.Kind.ONLINE_PLATFORM: SourceKind.PLATFORM,
        Organisation.Kind.HOSTING_PROVIDER: SourceKind.PLATFORM,
    }.get(organisation.kind, SourceKind.PUBLIC)


def settings_for(hotline_id: int) -> HotlineSettings:
    """The hotline's settings (defaults if a supervisor never changed them; not saved)."""
    found = HotlineSettings.objects.filter(hotline_id=hotline_id).first()
    return found or HotlineSettings(hotline_id=hotline_id)


def active_rules(hotline_id: int) -> dict:
    """The rules in force: the highest saved version, or the defaults (version 1)."""
    latest = (
        PriorityRuleSet.objects.filter(hotline_id=hotline_id)
        .order_by("-version")
        .values_list("rules", flat=True)
        .first()
    )
    return latest if latest is not None else copy.deepcopy(priority.DEFAULT_RULES)


@transaction.atomic
def save_rules(*, actor, hotline: Organisation, rules: dict, comment: str = "") -> PriorityRuleSet:
    """Store a new version of the hotline's priority rules (validated) and re-score its queue."""
    if not isinstance(rules, dict):
        raise ValueError(_("The rules must be a JSON object."))
    errors: list[FieldError] = []
    comment = check_text(comment, "comment", max_length=200, multiline=False, errors=errors)
    if errors:
        raise ValueError(errors[0].message)
    latest = (
        PriorityRuleSet.objects.select_for_update()
        .filter(hotline=hotline)
        .aggregate(v=Max("version"))["v"]
    )
    version = max(latest or 0, priority.DEFAULT_RULES["version"]) + 1
    rules = {**copy.deepcopy(rules), "version": version}
    try:
        priority.validate_rules(rules)
    except ValueError as exc:
        # The pure core explains in English (field paths are JSON keys anyway).
        raise ValueError(_("The rules are not valid: %(error)s") % {"error": exc}) from exc
    rule_set = PriorityRuleSet.objects.create(
        hotline=hotline, version=version, rules=rules, comment=comment, created_by=actor
    )
    log_action(
        "hotline.priority_rules.saved",
        actor=actor,
        organisation=hotline,
        target=rule_set,
        data={"version": version, "comment": comment, "rules": rules},
    )
    forget_receiving_hotline()
    transaction.on_commit(forget_receiving_hotline)
    transaction.on_commit(lambda: _enqueue_rescore(hotline.pk))
    return rule_set


def _enqueue_rescore(hotline_id: int) -> None:
    from .tasks import rescore_hotline

    rescore_hotline.enqueue(hotline_id)


SETTINGS_FIELDS = ("four_eyes_required", "claim_minutes", "break_reminder_after", "retention_days")


@transaction.atomic
def update_settings(*, actor, hotline: Organisation, **values) -> HotlineSettings:
    unknown = set(values) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValueError(f"Unknown settings: {', '.join(sorted(unknown))}")
    current, _created = HotlineSettings.objects.select_for_update().get_or_create(hotline=hotline)
    changes = {}
    for name, value in values.items():
        old = getattr(current, name)
        if old != value:
            changes[name] = {"old": old, "new": value}
            setattr(current, name, value)
    current.full_clean()
    current.save()
    if changes:
        log_action(
            "hotline.settings.changed",
            actor=actor,
            organisation=hotline,
            target=current,
            data=changes,
        )
    return current


# --------------------------------------------------------------------------------------
# Priority
# --------------------------------------------------------------------------------------


def item_facts(item: Item, rules: dict) -> priority.ItemFacts:
    points = rules["source_kind_points"]
    kinds = [k for k in item.source_kinds if k in points] or [SourceKind.PUBLIC]
    source_kind = max(kinds, key=lambda k: (points[k], -priority.SOURCE_KINDS.index(k)))
    return priority.ItemFacts(
        first_seen=item.first_seen,
        source_kind=str(source_kind),
        report_count=max(1, item.report_count),
        escalate_reason=item.escalate_reason or None,
        live_stream="live_streaming" in item.annotations,
        new_material=(not item.known) if item.hashes_checked else None,
        infant_or_toddler="infant_toddler" in item.annotations,
        sextortion_or_grooming=bool(
            {"grooming", "sextortion"} & set(item.incident_types)
            or "sextortion" in item.annotations
        ),
        hosted_in_poland=item.hosted_in_poland,
    )


def apply_priority(item: Item, rules: dict, now, memo: dict | None = None) -> None:
    """Score ``item`` and store the result on it (not saved).

    ``memo`` (optional, one per intake call with the same rules and ``now``) reuses results
    for identical facts: a batch's new items mostly have the same facts, and the score is a
    pure function of facts, rules and time.
    """
    facts = item_facts(item, rules)
    if memo is None:
        result = priority.score(facts, rules, now)
    else:
        result = memo.get(facts)
        if result is None:
            result = memo[facts] = priority.score(facts, rules, now)
    item.priority_score = result.score
    item.priority_level = result.level
    item.priority_reasons = [r.as_dict() for r in result.reasons]
    item.priority_rules_version = result.rules_version
    item.priority_deadline = result.deadline
    item.priority_scored_at = now


PRIORITY_FIELDS = [
    "priority_score",
    "priority_level",
    "priority_reasons",
    "priority_rules_version",
    "priority_deadline",
    "priority_scored_at",
]


def rescore_items(hotline_id: int, *, only_stale: bool = False, now=None) -> int:
    """Re-score the hotline's waiting items (all, or those scored ``RESCORE_AFTER`` ago)."""
    now = now or timezone.now()
    rules = active_rules(hotline_id)
    qs = Item.objects.filter(hotline_id=hotline_id, state__in=WAITING_STATES)
    if only_stale:
        qs = qs.filter(
            Q(priority_scored_at__lt=now - RESCORE_AFTER)
            | ~Q(priority_rules_version=rules["version"])
        )
    done = 0
    with transaction.atomic():
        if connection.features.has_select_for_update_skip_locked:
            # Items being changed right now (a report attaching, an assessment) are skipped:
            # they are re-scored by that change or the next time round.
            qs = qs.select_for_update(skip_locked=True, of=("self",))
        items = list(qs.order_by("pk")[:5000])
        unchanged = []
        for item in items:
            before = (
                item.priority_score,
                item.priority_level,
                item.priority_reasons,
                item.priority_rules_version,
                item.priority_deadline,
            )
            apply_priority(item, rules, now)
            after = (
                item.priority_score,
                item.priority_level,
                item.priority_reasons,
                item.priority_rules_version,
                item.priority_deadline,
            )
            if after == before:
                unchanged.append(item.pk)
            else:
                Item.objects.filter(pk=item.pk).update(
                    **{name: getattr(item, name) for name in PRIORITY_FIELDS}
                )
        if unchanged:
            Item.objects.filter(pk__in=unchanged).update(priority_scored_at=now)
        done = len(items)
    return done


def rescore_stale(hotline_ids, now=None) -> None:
    for hotline_id in hotline_ids:
        rescore_items(hotline_id, only_stale=True, now=now)


# --------------------------------------------------------------------------------------
# Intake
# --------------------------------------------------------------------------------------


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
    from .intake import MAX_BATCH_REPORTS

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


# --------------------------------------------------------------------------------------
# Claims and "next item"
# --------------------------------------------------------------------------------------


def _claim_minutes(hotline_ids) -> dict[int, int]:
    found = dict(
        HotlineSettings.objects.filter(hotline_id__in=hotline_ids).values_list(
            "hotline_id", "claim_minutes"
        )
    )
    default = HotlineSettings._meta.get_field("claim_minutes").default
    return {hid: found.get(hid, default) for hid in hotline_ids}


def _available(now) -> Q:
    return Q(claimed_by__isnull=True) | Q(claimed_until__lte=now)


def next_item(*, actor, hotline_ids, now=None, use_skip_locked: bool | None = None) -> Item | None:
    """Give ``actor`` the most urgent waiting item nobody holds, claimed atomically.

    An analyst who already holds a live claim gets that item back (one at a time). Items
    waiting for a second opinion are never given to an analyst who assessed them.
    PostgreSQL: ``SELECT … FOR UPDATE SKIP LOCKED``. Elsewhere (SQLite): a conditional
    ``UPDATE … WHERE claim is free`` whose row count says who won.
    """
    now = now or timezone.now()
    hotline_ids = sorted(hotline_ids)
    if not hotline_ids:
        return None
    held = (
        Item.objects.filter(
            hotline_id__in=hotline_ids,
            state__in=WAITING_STATES,
            claimed_by=actor,
            claimed_until__gt=now,
        )
        .urgent_first()
        .first()
    )
    if held is not None:
        return held
    rescore_stale(hotline_ids, now)
    minutes = _claim_minutes(hotline_ids)
    candidates = (
        Item.objects.filter(hotline_id__in=hotline_ids, state__in=WAITING_STATES)
        .filter(_available(now))
        .exclude(pk__in=Assessment.objects.filter(analyst=actor).values("item_id"))
        .urgent_first()
    )
    if use_skip_locked is None:
        use_skip_locked = connection.features.has_select_for_update_skip_locked
    if use_skip_locked:
        with transaction.atomic():
            item = candidates.select_for_update(skip_locked=True, of=("self",)).first()
            if item is None:
                return None
            item.claimed_by = actor
            item.claimed_until = now + timedelta(minutes=minutes[item.hotline_id])
            item.save(update_fields=["claimed_by", "claimed_until", "updated_at"])
            _log_claim(actor, item, via="next")
            return item
    for pk, hotline_id in candidates.values_list("pk", "hotline_id")[:25]:
        with transaction.atomic():
            until = now + timedelta(minutes=minutes[hotline_id])
            if try_claim(pk, actor=actor, until=until, now=now):
                item = Item.objects.get(pk=pk)
                _log_claim(actor, item, via="next")
                return item
    return None


def try_claim(pk: int, *, actor, until, now) -> bool:
    """Claim one item if nobody holds it: ``UPDATE … WHERE claim is free``; True if we won.

    The database checks the condition and writes in one statement (SQLite holds its write
    lock; PostgreSQL re-checks the row after waiting for a concurrent writer), so of two
    analysts racing for the same row exactly one gets row count 1.
    """
    updated = (
        Item.objects.filter(pk=pk, state__in=WAITING_STATES)
        .filter(_available(now))
        .update(claimed_by=actor, claimed_until=until, updated_at=now)
    )
    return updated == 1


def _log_claim(actor, item, *, via) -> None:
    log_action(
        "hotline.item.claimed",
        actor=actor,
        organisation=item.hotline,
        target=item,
        data={"via": via, "until": item.claimed_until.isoformat(), "level": item.priority_level},
    )


def claim_item(item: Item, *, actor, now=None) -> Item:
    """Take one particular waiting item (from its page), if nobody else holds it."""
    now = now or timezone.now()
    if item.state not in WAITING_STATES:
        raise ClaimError(_("This item is not waiting for assessment."))
    if item.state == ItemState.SECOND_OPINION and item.assessments.filter(analyst=actor).exists():
        raise ClaimError(
            _("You gave the first assessment; a second analyst must give the next one.")
        )
    if item.claimed_by_id == actor.pk and item.claim_active(now):
        return item
    minutes = _claim_minutes([item.hotline_id])[item.hotline_id]
    with transaction.atomic():
        if not try_claim(item.pk, actor=actor, until=now + timedelta(minutes=minutes), now=now):
            raise ClaimError(_("Another analyst is assessing this item."))
        item.refresh_from_db()
        _log_claim(actor, item, via="page")
    return item


def release_claim(item: Item, *, actor) -> Item:
    with transaction.atomic():
        released = Item.objects.filter(pk=item.pk, claimed_by=actor).update(
            claimed_by=None, claimed_until=None, updated_at=timezone.now()
        )
        if released:
            log_action("hotline.item.released", actor=actor, organisation=item.hotline, target=item)
    item.refresh_from_db()
    return item


# --------------------------------------------------------------------------------------
# Assessment
# --------------------------------------------------------------------------------------

_OUTCOME_STATE = {
    Outcome.NOT_ILLEGAL: ItemState.CLOSED_NOT_ILLEGAL,
    Outcome.NOT_FOUND: ItemState.CLOSED_NOT_FOUND,
    Outcome.DUPLICATE: ItemState.CLOSED_DUPLICATE,
}


def assess_item(
    item: Item,
    *,
    actor,
    outcome: str,
    legal_articles=(),
    content_type: str = "",
    site_type: str = "",
    age_band: str = "",
    gender: str = "",
    severity: str = "",
    commercial: bool = False,
    self_generated: bool = False,
    ai_generated: bool = False,
    notes: str = "",
    duplicate_of: Item | None = None,
    now=None,
) -> Assessment:
    """Record an analyst's decision on an item they hold, and move the item on.

    Four eyes (hotline setting): the first "illegal" decision moves the item to
    ``second_opinion`` and back into the queue; it becomes actionable only when a different
    analyst also finds it illegal. If the second analyst disagrees, their outcome closes the
    item and it is flagged ``disputed`` for supervisors. Raises ``ValueError`` (with a dict of
    field → message in ``args[0]``) or :class:`ClaimError`.
    """
    now = now or timezone.now()
    errors = _validate_assessment(
        item,
        outcome=outcome,
        legal_articles=list(legal_articles or []),
        content_type=content_type,
        site_type=site_type,
        age_band=age_band,
        gender=gender,
        severity=severity,
        duplicate_of=duplicate_of,
    )
    problems: list[FieldError] = []
    notes = check_text(notes, "notes", max_length=5000, errors=problems)
    for p in problems:
        errors[p.field] = p.message
    if errors:
        raise ValueError(errors)
    with transaction.atomic():
        locked = Item.objects.select_for_update().get(pk=item.pk)
        if locked.state not in WAITING_STATES:
            raise ClaimError(_("This item has already been assessed."))
        if locked.claimed_by_id != actor.pk:
            raise ClaimError(_("Take the item first: another analyst may be assessing it."))
        second = locked.state == ItemState.SECOND_OPINION
        if second and locked.assessments.filter(analyst=actor).exists():
            raise ClaimError(_("The second assessment must come from a different analyst."))
        four_eyes = settings_for(locked.hotline_id).four_eyes_required
        assessment = Assessment.objects.create(
            item=locked,
            analyst=actor,
            outcome=outcome,
            legal_articles=list(legal_articles or []),
            content_type=content_type,
            site_type=site_type,
            age_band=age_band,
            gender=gender,
            severity=severity,
            commercial=bool(commercial),
            self_generated=bool(self_generated),
            ai_generated=bool(ai_generated),
            notes=notes,
            duplicate_of=duplicate_of,
            is_second_opinion=second,
            created_at=now,
        )
        illegal = outcome in ILLEGAL_OUTCOMES
        if illegal and four_eyes and not second:
            locked.state = ItemState.SECOND_OPINION
        elif illegal:
            locked.state = ItemState.ACTIONABLE
        else:
            locked.state = _OUTCOME_STATE[outcome]
            locked.closed_at = now
            locked.disputed = second  # the first analyst found it illegal, the second did not
        locked.outcome = outcome
        locked.duplicate_of = duplicate_of if outcome == Outcome.DUPLICATE else None
        locked.claimed_by = None
        locked.claimed_until = None
        locked.save()
        log_action(
            "hotline.item.assessed",
            actor=actor,
            organisation=locked.hotline,
            target=locked,
            data={
                "assessment": assessment.pk,
                "outcome": outcome,
                "legal_articles": list(legal_articles or []),
                "legal_rules_version": assessment.legal_rules_version,
                "second_opinion": second,
                "four_eyes": four_eyes,
                "state": locked.state,
                "disputed": locked.disputed,
                "duplicate_of": duplicate_of.pk if duplicate_of else None,
            },
        )
        if locked.state == ItemState.ACTIONABLE:
            # Notice-and-takedown starts once the assessment is committed (trace, police,
            # provider or partner hotline); it never raises and does no network work here.
            from ostoja.takedown.services import handle_illegal_assessment

            transaction.on_commit(partial(handle_illegal_assessment, actor=actor, item=locked))
    item.refresh_from_db()
    return assessment


def _validate_assessment(
    item,
    *,
    outcome,
    legal_articles,
    content_type,
    site_type,
    age_band,
    gender,
    severity,
    duplicate_of,
) -> dict:
    errors = {}
    if outcome not in Outcome.values:
        errors["outcome"] = _("Choose an outcome.")
        return errors
    if any(a not in LegalArticle.values for a in legal_articles):
        errors["legal_articles"] = _("Choose articles from the list.")
    if outcome == Outcome.ILLEGAL_NATIONAL and not legal_articles:
        errors["legal_articles"] = _("Choose the article of the Criminal Code.")
    if outcome != Outcome.ILLEGAL_NATIONAL and legal_articles:
        errors["legal_articles"] = _(
            "Articles of the Criminal Code go only with “illegal under Polish law”."
        )
    checks = [
        ("content_type", content_type, ContentType),
        ("site_type", site_type, SiteType),
        ("age_band", age_band, AgeBand),
        ("gender", gender, Gender),
        ("severity", severity, Severity),
    ]
    for name, value, choices in checks:
        if value and value not in choices.values:
            errors[name] = _("Choose a value from the list.")
        elif not value and outcome in ILLEGAL_OUTCOMES:
            errors[name] = _("Required when the content is illegal.")
    if outcome == Outcome.DUPLICATE:
        if duplicate_of is None:
            errors["duplicate_of"] = _("Enter the number of the item this one duplicates.")
        elif duplicate_of.pk == item.pk or duplicate_of.hotline_id != item.hotline_id:
            errors["duplicate_of"] = _("Enter the number of another item of this hotline.")
    elif duplicate_of is not None:
        errors["duplicate_of"] = _("An item number goes only with the outcome “duplicate”.")
    return errors


def assessed_today(user, now=None) -> int:
    now = timezone.localtime(now or timezone.now())
    start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return Assessment.objects.filter(analyst=user, created_at__gte=start).count()


# --------------------------------------------------------------------------------------
# Analyst safety: revealing an original URL
# --------------------------------------------------------------------------------------


def reveal_url(item: Item, *, actor) -> str:
    """The item's URL as a plain string (for copying), recorded in the audit log."""
    with transaction.atomic():
        log_action(
            "hotline.item.url_revealed",
            actor=actor,
            organisation=item.hotline,
            target=item,
            data={"host": item.host},
        )
    return item.canonical_url


# --------------------------------------------------------------------------------------
# For the hash banks
# --------------------------------------------------------------------------------------


def hashes_of_item(item: Item) -> list[tuple[str, str]]:
    """``[(signal_type, value), …]`` of every hash sent with the reports of this item."""
    rows = (
        ReportHash.objects.filter(report__urls__item=item)
        .values_list("signal_type", "value")
        .distinct()
        .order_by("signal_type", "value")
    )
    return [(t, v) for t, v in rows]


# --------------------------------------------------------------------------------------
# Retention
# --------------------------------------------------------------------------------------


def apply_retention(*, actor=None, now=None) -> int:
    """Delete reporters' e-mail addresses ``retention_days`` after all their items closed.

    A report keeps ``feedback_requested`` (the statistic); each hotline where addresses were
    deleted gets one audit entry with the count.
    """
    now = now or timezone.now()
    total = 0
    hotline_ids = (
        Report.objects.filter(reporter_email__isnull=False)
        .values_list("hotline_id", flat=True)
        .distinct()
    )
    for hotline_id in list(hotline_ids):
        days = settings_for(hotline_id).retention_days
        cutoff = now - timedelta(days=days)
        with transaction.atomic():
            due = (
                Report.objects.filter(hotline_id=hotline_id, reporter_email__isnull=False)
                .annotate(
                    open_items=Count("urls", filter=Q(urls__item__state__in=OPEN_STATES)),
                    recent=Count("urls", filter=Q(urls__item__closed_at__gt=cutoff)),
                    items=Count("urls", filter=Q(urls__item__isnull=False)),
                )
                .filter(open_items=0, recent=0, items__gt=0)
                .values_list("pk", flat=True)
            )
            ids = list(due)
            if not ids:
                continue
            count = Report.objects.filter(pk__in=ids).update(
                reporter_email=None, email_deleted_at=now
            )
            total += count
            log_action(
                "hotline.retention.emails_deleted",
                actor=actor,
                organisation=Organisation.objects.get(pk=hotline_id),
                data={"reports": count, "retention_days": days},
            )
    return total
