"""State changes of hash banks, import and export, and matching.

Every change runs in one transaction, bumps the bank change sequence (see ``models.py``) and
writes one audit entry. Views, API endpoints, management commands and tests call these
functions; nothing else writes bank data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import BinaryIO

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from ostoja.audit.services import log_action
from ostoja.matching import SIGNAL_TYPES, SignalParseError, get_signal_type

from . import csv_formats, permissions, signing
from .csv_formats import FORMAT_OSTOJA, FORMAT_THREATEXCHANGE, ExportRow, Row
from .index_cache import BankIndexCache, default_cache
from .models import (
    RESERVED_SLUGS,
    BankChangeSequence,
    BankEntry,
    BankImport,
    Classification,
    HashBank,
)

#: Upload limits for the web import (management commands have none).
MAX_IMPORT_BYTES = 20 * 1024 * 1024
MAX_IMPORT_ROWS = 500_000
#: A ZIP bundle may expand to at most this much (zip bombs).
MAX_BUNDLE_UNCOMPRESSED = 200 * 1024 * 1024
#: ``add_hashes`` writes one audit entry per hash; larger lists go through an import.
MAX_DIRECT_ADD = 1000
#: Matches reported per hash at most (a hash in a dense cluster could match thousands).
MAX_MATCHES_PER_HASH = 100
PDQ_MAX_THRESHOLD = 31
_CHUNK = 900  # ids per IN (...) query, below SQLite's variable limit on old versions


class BankError(ValueError):
    """A request that cannot be carried out; the message is for the user (translated)."""


# -- the change sequence ------------------------------------------------------------------------


def _next_change(bank: HashBank | None = None) -> int:
    """Take the next change number (and bump the bank's version). Call inside a transaction.

    The UPDATE locks the sequence row until commit, so writers commit in number order.
    """
    BankChangeSequence.objects.get_or_create(pk=1)
    BankChangeSequence.objects.filter(pk=1).update(seq=F("seq") + 1)
    seq = BankChangeSequence.objects.values_list("seq", flat=True).get(pk=1)
    if bank is not None:
        now = timezone.now()
        HashBank.objects.filter(pk=bank.pk).update(version=F("version") + 1, updated_at=now)
        bank.refresh_from_db(fields=["version", "updated_at"])
    return seq


# -- banks --------------------------------------------------------------------------------------


def create_bank(
    *,
    actor,
    owner,
    name: str,
    slug: str = "",
    description: str = "",
    visibility: str = HashBank.Visibility.PRIVATE,
    enabled: bool = True,
    match_disclosure: str = HashBank.MatchDisclosure.OWNER,
) -> HashBank:
    name = (name or "").strip()
    slug = (slug or "").strip().lower() or slugify(name)[:80]
    if not name:
        raise BankError(_("A bank needs a name."))
    if not slug or slug in RESERVED_SLUGS:
        raise BankError(_("Choose another short name (slug) for the bank."))
    if visibility not in HashBank.Visibility.values:
        raise BankError(_("Unknown visibility."))
    if match_disclosure not in HashBank.MatchDisclosure.values:
        raise BankError(_("Unknown setting for what matches disclose."))
    with transaction.atomic():
        if HashBank.objects.filter(slug=slug).exists():
            raise BankError(_("A bank with the short name %(slug)s exists.") % {"slug": slug})
        bank = HashBank(
            name=name,
            slug=slug,
            owner=owner,
            description=description.strip(),
            visibility=visibility,
            match_disclosure=match_disclosure,
            enabled=enabled,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        bank.full_clean()
        bank.save()
        _next_change(bank)
        log_action(
            "banks.bank.created",
            actor=actor,
            organisation=owner,
            target=bank,
            data={
                "slug": slug,
                "visibility": visibility,
                "match_disclosure": match_disclosure,
                "enabled": enabled,
            },
        )
    return bank


def set_match_disclosure(*, actor, bank: HashBank, match_disclosure: str) -> HashBank:
    """Change what a match against this (private) bank tells other organisations."""
    if match_disclosure not in HashBank.MatchDisclosure.values:
        raise BankError(_("Unknown setting for what matches disclose."))
    with transaction.atomic():
        bank = HashBank.objects.select_for_update().get(pk=bank.pk)
        if bank.match_disclosure == match_disclosure:
            return bank
        old = bank.match_disclosure
        bank.match_disclosure = match_disclosure
        bank.updated_at = timezone.now()
        bank.save(update_fields=["match_disclosure", "updated_at"])
        log_action(
            "banks.bank.disclosure_changed",
            actor=actor,
            organisation=bank.owner,
            target=bank,
            data={"from": old, "to": match_disclosure},
        )
    return bank


def set_bank_enabled(*, actor, bank: HashBank, enabled: bool) -> HashBank:
    with transaction.atomic():
        bank = HashBank.objects.select_for_update().get(pk=bank.pk)
        if bank.enabled == enabled:
            return bank
        bank.enabled = enabled
        bank.save(update_fields=["enabled"])
        _next_change(bank)
        log_action(
            "banks.bank.enabled" if enabled else "banks.bank.disabled",
            actor=actor,
            organisation=bank.owner,
            target=bank,
            data={"version": bank.version},
        )
    return bank


# -- entries ------------------------------------------------------------------------------------


@dataclass
class ChangeResult:
    added: list[BankEntry] = field(default_factory=list)
    already_present: int = 0
    removed: int = 0
    absent: int = 0

    def as_dict(self) -> dict:
        return {
            "added": len(self.added),
            "already_present": self.already_present,
            "removed": self.removed,
            "absent": self.absent,
        }


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _active_by_key(bank: HashBank, keys: Iterable[tuple[str, str]]) -> dict:
    """``{(signal_type, value): entry id}`` of the bank's active entries among ``keys``."""
    by_type: dict[str, list[str]] = {}
    for t, v in keys:
        by_type.setdefault(t, []).append(v)
    found = {}
    for t, values in by_type.items():
        for i in range(0, len(values), _CHUNK):
            rows = BankEntry.objects.active().filter(
                bank=bank, signal_type=t, value__in=values[i : i + _CHUNK]
            )
            for pk, value in rows.values_list("pk", "value"):
                found[(t, value)] = pk
    return found


def _apply_rows(
    *,
    actor,
    bank: HashBank,
    rows: Sequence[Row],
    seq: int,
    default_classification: str,
    default_source: str,
    imported_from: BankImport | None = None,
    removal_reason: str = "",
) -> ChangeResult:
    result = ChangeResult()
    existing = _active_by_key(bank, (r.key() for r in rows))
    now = timezone.now()
    user = _user(actor)
    new_entries = []
    remove_ids = []
    for r in rows:
        pk = existing.get(r.key())
        if r.removed:
            if pk is None:
                result.absent += 1
            else:
                remove_ids.append(pk)
            continue
        if pk is not None:
            result.already_present += 1
            continue
        new_entries.append(
            BankEntry(
                bank=bank,
                signal_type=r.signal_type,
                value=r.value,
                classification=r.classification or default_classification,
                category=r.category,
                age_band=r.age_band,
                source=r.source or default_source,
                source_date=r.source_date,
                note=r.note,
                added_by=user,
                added_at=now,
                imported_from=imported_from,
                change_seq=seq,
            )
        )
    try:
        result.added = BankEntry.objects.bulk_create(new_entries, batch_size=1000)
    except IntegrityError:  # a concurrent writer added the same hash: nothing is half-written
        raise BankError(_("The bank changed meanwhile; please try again."))
    for i in range(0, len(remove_ids), _CHUNK):
        result.removed += BankEntry.objects.filter(pk__in=remove_ids[i : i + _CHUNK]).update(
            removed_at=now,
            removed_by=user,
            removal_reason=removal_reason[:500],
            change_seq=seq,
        )
    return result


def _check_classification(value: str) -> str:
    if value not in Classification.values:
        raise BankError(_("Unknown classification."))
    return value


def add_entry(
    *,
    actor,
    bank: HashBank,
    signal_type: str,
    value: str,
    classification: str,
    category: str = "",
    age_band: str = "",
    source: str = "",
    source_date: dt.date | None = None,
    note: str = "",
) -> BankEntry:
    """Add one hash; BankError if it is malformed or already in the bank."""
    row = _validated_row(
        signal_type=signal_type,
        value=value,
        classification=classification,
        category=category,
        age_band=age_band,
        source=source,
        source_date=source_date,
        note=note,
    )
    with transaction.atomic():
        bank = HashBank.objects.select_for_update().get(pk=bank.pk)
        if _active_by_key(bank, [row.key()]):
            raise BankError(_("This hash is already in the bank."))
        seq = _next_change(bank)
        result = _apply_rows(
            actor=actor,
            bank=bank,
            rows=[row],
            seq=seq,
            default_classification=row.classification,
            default_source=source or bank.owner.name,
        )
        entry = result.added[0]
        _log_entry_added(actor, bank, entry)
    return entry


def _log_entry_added(actor, bank: HashBank, entry: BankEntry, **extra) -> None:
    log_action(
        "banks.entry.added",
        actor=actor,
        organisation=bank.owner,
        target=entry,
        data={
            "bank": bank.slug,
            "signal_type": entry.signal_type,
            "value": entry.value,
            **entry.classification_dict(),
            "source": entry.source,
            "version": bank.version,
            **extra,
        },
    )


def _validated_row(
    *,
    signal_type: str,
    value: str,
    classification: str,
    category: str = "",
    age_band: str = "",
    source: str = "",
    source_date: dt.date | None = None,
    note: str = "",
) -> Row:
    signal_type = csv_formats.normalise_signal_type(signal_type) or ""
    if not signal_type:
        raise BankError(_("Unknown signal type."))
    canonical, problem = csv_formats.parse_value(signal_type, value)
    if canonical is None:
        raise BankError(problem)
    _check_classification(classification)
    age = csv_formats.parse_age_band(age_band)
    if age is None:
        raise BankError(_("Unknown age band."))
    for text, limit in (
        (category, csv_formats.MAX_CATEGORY),
        (source, csv_formats.MAX_SOURCE),
        (note, csv_formats.MAX_NOTE),
    ):
        problem = csv_formats.check_text(text or "", limit)
        if problem:
            raise BankError(problem)
    return Row(
        line=0,
        signal_type=signal_type,
        value=canonical,
        classification=classification,
        category=(category or "").strip(),
        age_band=age,
        source=(source or "").strip(),
        source_date=source_date,
        note=(note or "").strip(),
    )


def add_hashes(
    *,
    actor,
    bank: HashBank,
    hashes: Sequence[tuple[str, str]],
    classification: str,
    category: str = "",
    age_band: str = "",
    source: str = "",
    note: str = "",
    audit_data: dict | None = None,
) -> ChangeResult:
    """Add several hashes with the same classification (e.g. all hashes of a hotline item).

    Hashes already in the bank are counted, not duplicated. One audit entry per added hash,
    so at most ``MAX_DIRECT_ADD`` hashes per call: longer lists are imported
    (:func:`preview_import`/:func:`import_list`, one audit entry for the whole file).
    """
    if len(hashes) > MAX_DIRECT_ADD:
        raise BankError(
            _("Add at most %(n)d hashes at once; import longer lists.") % {"n": MAX_DIRECT_ADD}
        )
    rows = [
        _validated_row(
            signal_type=t,
            value=v,
            classification=classification,
            category=category,
            age_band=age_band,
            source=source,
            note=note,
        )
        for t, v in hashes
    ]
    unique = list({r.key(): r for r in rows}.values())
    with transaction.atomic():
        bank = HashBank.objects.select_for_update().get(pk=bank.pk)
        seq = _next_change(bank)
        result = _apply_rows(
            actor=actor,
            bank=bank,
            rows=unique,
            seq=seq,
            default_classification=classification,
            default_source=source or bank.owner.name,
        )
        for entry in result.added:
            _log_entry_added(actor, bank, entry, **(audit_data or {}))
    return result


def remove_entry(*, actor, entry: BankEntry, reason: str = "") -> BankEntry:
    """Tombstone an entry: it stops matching at once and is exported as removed."""
    problem = csv_formats.check_text((reason or "").strip(), csv_formats.MAX_NOTE)
    if problem:
        raise BankError(problem)
    with transaction.atomic():
        bank = HashBank.objects.select_for_update().get(pk=entry.bank_id)
        entry = BankEntry.objects.select_for_update().get(pk=entry.pk)
        if entry.removed_at is not None:
            raise BankError(_("This entry was already removed."))
        seq = _next_change(bank)
        entry.removed_at = timezone.now()
        entry.removed_by = _user(actor)
        entry.removal_reason = (reason or "").strip()
        entry.change_seq = seq
        entry.save(update_fields=["removed_at", "removed_by", "removal_reason", "change_seq"])
        log_action(
            "banks.entry.removed",
            actor=actor,
            organisation=bank.owner,
            target=entry,
            data={
                "bank": bank.slug,
                "signal_type": entry.signal_type,
                "value": entry.value,
                "reason": entry.removal_reason,
                "version": bank.version,
            },
        )
    return entry


# -- import -------------------------------------------------------------------------------------


@dataclass
class UploadedList:
    """A list as uploaded: the CSV, and optionally its signature (from a bundle or a file)."""

    csv: bytes
    csv_name: str
    signature: bytes | None = None


def unpack_upload(data: bytes, file_name: str = "", signature: bytes | None = None) -> UploadedList:
    """Accept a CSV, or a ZIP bundle as ``export_zip`` writes it (one .csv and its .sig)."""
    if not data.startswith(b"PK\x03\x04"):
        return UploadedList(data, file_name, signature)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = [i for i in archive.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, ValueError):
        raise BankError(_("The ZIP file is damaged."))
    csvs = [i for i in infos if i.filename.lower().endswith(".csv")]
    sigs = [i for i in infos if i.filename.lower().endswith(".sig")]
    if len(csvs) != 1 or len(sigs) > 1:
        raise BankError(
            _("A ZIP bundle must hold exactly one .csv file and at most one .sig file.")
        )
    if sum(i.file_size for i in csvs + sigs) > MAX_BUNDLE_UNCOMPRESSED:
        raise BankError(_("The ZIP bundle expands to more than the allowed size."))

    def read(info) -> bytes:
        with archive.open(info) as fh:
            content = fh.read(MAX_BUNDLE_UNCOMPRESSED + 1)
        if len(content) > MAX_BUNDLE_UNCOMPRESSED:
            raise BankError(_("The ZIP bundle expands to more than the allowed size."))
        return content

    try:
        csv_data = read(csvs[0])
        sig_data = read(sigs[0]) if sigs else signature
    except (zipfile.BadZipFile, OSError, RuntimeError, EOFError):
        raise BankError(_("The ZIP file is damaged."))
    return UploadedList(csv_data, csvs[0].filename.rsplit("/", 1)[-1], sig_data)


def _verify(upload: UploadedList, public_key_pem: str) -> dict:
    """The signature part of an import summary; BankError if a given key does not verify."""
    if not public_key_pem.strip():
        if upload.signature:
            return {"status": "not_checked"}
        return {"status": "unsigned"}
    if not upload.signature:
        raise BankError(
            _("A public key was given but no signature: add the .sig file or upload the ZIP.")
        )
    try:
        verified = signing.verify_export(upload.csv, upload.signature, public_key_pem)
    except signing.VerificationError as exc:
        raise BankError(_("The signature does not verify: %(reason)s") % {"reason": exc})
    st = verified.statement
    return {
        "status": "verified",
        "key_id": verified.key_id,
        "issuer": str(st.get("issuer", ""))[:200],
        "bank": str(st.get("bank", ""))[:100],
        "bank_version": st.get("bank_version"),
        "exported_at": str(st.get("exported_at", ""))[:40],
    }


def preview_import(
    *,
    actor,
    bank: HashBank,
    data: bytes,
    file_name: str = "",
    file_format: str = "auto",
    classification: str = Classification.NATIONAL,
    source: str = "",
    signature: bytes | None = None,
    public_key_pem: str = "",
    max_rows: int | None = MAX_IMPORT_ROWS,
) -> BankImport:
    """Validate an uploaded list and stage it. Nothing changes in the bank until
    :func:`apply_import`. An invalid file is recorded (status ``invalid``) without its rows."""
    _check_classification(classification)
    problem = csv_formats.check_text(source.strip(), csv_formats.MAX_SOURCE)
    if problem:
        raise BankError(problem)
    file_name = (file_name or "")[:255]
    sha = hashlib.sha256(data).hexdigest()
    errors: list[dict] = []
    summary: dict = {"classification": classification, "source": source.strip()}
    report = None
    try:
        upload = unpack_upload(data, file_name, signature)
        summary["signature"] = _verify(upload, public_key_pem)
        report = csv_formats.parse_csv(upload.csv, file_format=file_format, max_rows=max_rows)
    except BankError as exc:
        errors = [{"line": 0, "column": "", "message": str(exc)}]
    if report is not None:
        errors = [e.to_json() for e in report.errors]
        summary.update(
            {
                "format": report.file_format,
                "rows": len(report.rows),
                "duplicates": report.duplicates,
                "skipped_seeds": report.skipped_seeds,
                "seeds": report.seeds,
                "skipped_types": report.skipped_types,
                "ignored_columns": report.ignored_columns,
                "error_count": report.error_count,
            }
        )
    ok = report is not None and report.ok
    if ok:
        existing = _active_by_key(bank, (r.key() for r in report.rows))
        adds = [r for r in report.rows if not r.removed]
        removes = [r for r in report.rows if r.removed]
        summary.update(
            {
                "to_add": sum(1 for r in adds if r.key() not in existing),
                "already_present": sum(1 for r in adds if r.key() in existing),
                "to_remove": sum(1 for r in removes if r.key() in existing),
                "absent": sum(1 for r in removes if r.key() not in existing),
                "by_type": {
                    t: sum(1 for r in report.rows if r.signal_type == t) for t in SIGNAL_TYPES
                },
            }
        )
    else:
        summary.setdefault("error_count", len(errors))
    with transaction.atomic():
        imp = BankImport.objects.create(
            bank=bank,
            uploaded_by=_user(actor),
            file_name=file_name,
            file_sha256=sha,
            file_format=(report.file_format if report else "") or "unknown",
            status=BankImport.Status.PENDING if ok else BankImport.Status.INVALID,
            rows=[r.to_json() for r in report.rows] if ok else [],
            summary=summary,
            errors=errors,
        )
        log_action(
            "banks.import.uploaded",
            actor=actor,
            organisation=bank.owner,
            target=imp,
            data={
                "bank": bank.slug,
                "file_sha256": sha,
                "status": imp.status,
                **{k: summary[k] for k in ("rows", "to_add", "to_remove") if k in summary},
                "signature": summary.get("signature", {}).get("status", ""),
            },
        )
    if ok:
        from .tasks import discard_stale_imports

        transaction.on_commit(lambda: discard_stale_imports.enqueue())
    return imp


def apply_import(*, actor, bank_import: BankImport) -> ChangeResult:
    """Apply a pending import: all rows or none."""
    with transaction.atomic():
        imp = BankImport.objects.select_for_update().get(pk=bank_import.pk)
        if imp.status != BankImport.Status.PENDING:
            raise BankError(_("This import is no longer waiting for confirmation."))
        bank = HashBank.objects.select_for_update().get(pk=imp.bank_id)
        rows = [Row.from_json(r) for r in imp.rows]
        seq = _next_change(bank)
        result = _apply_rows(
            actor=actor,
            bank=bank,
            rows=rows,
            seq=seq,
            default_classification=imp.summary.get("classification") or Classification.NATIONAL,
            default_source=imp.summary.get("source", ""),
            imported_from=imp,
            removal_reason=_("Removed by import #%(id)d") % {"id": imp.pk},
        )
        imp.status = BankImport.Status.APPLIED
        imp.rows = []
        imp.decided_at = timezone.now()
        imp.decided_by = _user(actor)
        imp.summary = {**imp.summary, "result": result.as_dict()}
        imp.save(update_fields=["status", "rows", "decided_at", "decided_by", "summary"])
        log_action(
            "banks.import.applied",
            actor=actor,
            organisation=bank.owner,
            target=imp,
            data={
                "bank": bank.slug,
                "file_sha256": imp.file_sha256,
                "version": bank.version,
                **result.as_dict(),
            },
        )
    bank_import.refresh_from_db()
    return result


def discard_import(*, actor, bank_import: BankImport) -> BankImport:
    with transaction.atomic():
        imp = BankImport.objects.select_for_update().get(pk=bank_import.pk)
        if imp.status != BankImport.Status.PENDING:
            return imp
        imp.status = BankImport.Status.DISCARDED
        imp.rows = []
        imp.decided_at = timezone.now()
        imp.decided_by = _user(actor)
        imp.save(update_fields=["status", "rows", "decided_at", "decided_by"])
        log_action(
            "banks.import.discarded",
            actor=actor,
            organisation=imp.bank.owner,
            target=imp,
            data={"bank": imp.bank.slug, "file_sha256": imp.file_sha256},
        )
    return imp


class ImportRejected(BankError):
    def __init__(self, bank_import: BankImport):
        self.bank_import = bank_import
        first = bank_import.errors[0] if bank_import.errors else {}
        super().__init__(
            _("The file was not imported (%(n)d error(s)); first: line %(line)s: %(msg)s")
            % {
                "n": bank_import.summary.get("error_count", len(bank_import.errors)),
                "line": first.get("line", "?"),
                "msg": first.get("message", ""),
            }
        )


def import_list(
    *, actor, bank: HashBank, data: bytes, **options
) -> tuple[BankImport, ChangeResult]:
    """Validate and apply in one go (management command, tests). ImportRejected if invalid."""
    imp = preview_import(actor=actor, bank=bank, data=data, **options)
    if imp.status != BankImport.Status.PENDING:
        raise ImportRejected(imp)
    return imp, apply_import(actor=actor, bank_import=imp)


def discard_stale_pending_imports(*, older_than: dt.timedelta = dt.timedelta(days=1)) -> int:
    """Discard pending imports nobody confirmed (their rows are not kept indefinitely)."""
    cutoff = timezone.now() - older_than
    n = 0
    for imp in BankImport.objects.filter(status=BankImport.Status.PENDING, created_at__lt=cutoff):
        discard_import(actor=None, bank_import=imp)
        n += 1
    return n


# -- export -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignedExport:
    data: bytes
    signature: bytes
    file_name: str
    statement: dict

    @property
    def signature_name(self) -> str:
        return self.file_name + ".sig"


def export_rows(bank: HashBank, since: dt.datetime | None = None) -> list[ExportRow]:
    """The bank's state as rows: every active hash, and a tombstone for every hash that was
    removed and not added again. With ``since``: only what changed at or after that time."""
    active = BankEntry.objects.active().filter(bank=bank)
    removed = BankEntry.objects.removed().filter(bank=bank)
    if since is not None:
        active = active.filter(Q(added_at__gte=since))
        removed = removed.filter(removed_at__gte=since)
    active_keys = set(
        BankEntry.objects.active().filter(bank=bank).values_list("signal_type", "value")
    )
    fields = (
        "signal_type",
        "value",
        "classification",
        "category",
        "age_band",
        "source",
        "source_date",
        "removed_at",
    )
    rows: dict[tuple[str, str], ExportRow] = {}
    for values in active.order_by().values_list(*fields).iterator(chunk_size=5000):
        rows[(values[0], values[1])] = ExportRow(*values)
    for values in (
        removed.order_by("removed_at", "pk").values_list(*fields).iterator(chunk_size=5000)
    ):
        key = (values[0], values[1])
        if key not in active_keys:
            rows[key] = ExportRow(*values)  # the latest tombstone wins
    return [rows[k] for k in sorted(rows)]


def export_bank(
    *,
    actor,
    bank: HashBank,
    file_format: str = FORMAT_OSTOJA,
    since: dt.datetime | None = None,
    private_key=None,
) -> SignedExport:
    """The bank as a CSV file with its Ed25519 signature (see ``signing.py``)."""
    if file_format not in csv_formats.FORMATS:
        raise BankError(_("Unknown export format."))
    if private_key is None:
        try:
            private_key = signing.load_private_key()
        except signing.SigningKeyMissing:
            raise BankError(
                _(
                    "No signing key is configured, so lists cannot be exported. Ask the "
                    "administrator to run manage.py banks_keygen."
                )
            )
    bank.refresh_from_db()
    rows = export_rows(bank, since)
    left_out = 0
    if file_format == FORMAT_THREATEXCHANGE:
        data, n, left_out = csv_formats.write_threatexchange(rows)
        suffix = "-threatexchange.txt"
    elif file_format == csv_formats.FORMAT_THREATEXCHANGE_CSV:
        data, n = csv_formats.write_threatexchange_csv(rows, collab=bank.name)
        suffix = "-threatexchange.csv"
    else:
        data, n = csv_formats.write_ostoja(rows)
        suffix = ".csv"
    stamp = f"-since-{since.strftime('%Y%m%dT%H%M%S')}" if since else ""
    file_name = f"{bank.slug}-v{bank.version}{stamp}{suffix}"
    statement = {
        "issuer": getattr(settings, "SITE_URL", ""),
        "bank": bank.slug,
        "bank_name": bank.name,
        "owner": bank.owner.slug,
        "bank_version": bank.version,
        "format": file_format,
        "since": since.isoformat() if since else None,
        "rows": n,
        # Hashes the format cannot carry (the threatexchange signal file: SHA-1, removals).
        "left_out": left_out,
        "exported_at": timezone.now().isoformat(),
        "file_name": file_name,
    }
    signature = signing.sign_export(data, statement=statement, private_key=private_key)
    with transaction.atomic():
        log_action(
            "banks.bank.exported",
            actor=actor,
            organisation=bank.owner,
            target=bank,
            data={
                "format": file_format,
                "since": statement["since"],
                "rows": n,
                "version": bank.version,
                "file_sha256": hashlib.sha256(data).hexdigest(),
                "key_id": signing.key_id(private_key),
            },
        )
    return SignedExport(data, signature, file_name, statement)


def export_zip(export: SignedExport) -> bytes:
    """One download: the CSV and its signature side by side."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(export.file_name, export.data)
        archive.writestr(export.signature_name, export.signature)
    return buf.getvalue()


# -- matching -----------------------------------------------------------------------------------


#: ``match_hashes(for_organisation=ALL_BANKS)``: every match named (the hotline's own checker).
ALL_BANKS = object()


@dataclass(frozen=True)
class Match:
    entry_id: int
    bank: str | None  # slug; None when the viewer may not see the bank
    bank_name: str | None
    organisation: str | None  # owner's slug; None when the bank's owner withholds it
    signal_type: str
    distance: int
    classification: dict
    #: ``full`` (the viewer may see the bank), ``owner`` or ``known`` (a private bank of
    #: another organisation, disclosed as its owner allows: see ``HashBank.match_disclosure``).
    disclosure: str = "full"


def _merge_undisclosed(matches: list[Match]) -> list[Match]:
    """One undisclosed match per (owner as disclosed, classification): the closest.

    Several entries of withheld banks would otherwise tell the asker how many private banks
    (or entries) hold the hash. ``matches`` is sorted by distance."""
    seen: set[tuple] = set()
    out = []
    for m in matches:
        if m.disclosure != "full":
            key = (m.disclosure, m.organisation, m.classification["classification"])
            if key in seen:
                continue
            seen.add(key)
        out.append(m)
    return out


def _disclosed(match: Match, *, visible: bool, level: str) -> Match | None:
    """``match`` as an organisation that may (not) see its bank is allowed to learn it."""
    if visible:
        return match
    if level == HashBank.MatchDisclosure.HIDDEN:
        return None
    return Match(
        entry_id=match.entry_id,
        bank=None,
        bank_name=None,
        organisation=match.organisation if level == HashBank.MatchDisclosure.OWNER else None,
        signal_type=match.signal_type,
        distance=match.distance,
        # The classification code only: category and age band are the bank's own detail.
        classification={
            "classification": match.classification["classification"],
            "category": "",
            "age_band": "",
        },
        disclosure=level,
    )


@dataclass
class HashMatches:
    signal_type: str
    value: str  # canonical form of the query
    matches: list[Match]
    truncated: bool = False


def normalise_query(signal_type: str, value: str) -> tuple[str, str]:
    """Canonical ``(signal_type, value)``; ValueError (SignalParseError) naming the problem."""
    name = (signal_type or "").strip().lower() if isinstance(signal_type, str) else ""
    if name not in SIGNAL_TYPES:
        raise SignalParseError(
            f"unknown signal type {str(signal_type)[:20]!r}; use one of "
            f"{', '.join(sorted(SIGNAL_TYPES))}"
        )
    return name, get_signal_type(name).parse(value)


def _hamming(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def match_hashes(
    hashes: Sequence[tuple[str, str]],
    *,
    pdq_threshold: int = PDQ_MAX_THRESHOLD,
    force_fresh: bool = False,
    cache: BankIndexCache | None = None,
    for_organisation=ALL_BANKS,
    canonical: bool = False,
) -> list[HashMatches]:
    """For each ``(signal_type, value)``, its matches in the enabled banks.

    PDQ matches within ``pdq_threshold`` (0..31) bits; exact types match identical digests.
    Candidates from the in-memory index are confirmed against the database, so a removed
    entry or a disabled bank never matches, whatever the index's age.

    ``for_organisation``: the organisation that asks (an API token's). Matches in banks it
    may not see (``HashBank.objects.visible_to_organisation``) are disclosed only as each
    bank's owner allows (``match_disclosure``), or left out. ``ALL_BANKS`` (the default)
    names every match: for the hotline's own checker, whose answers analysts see.

    ``canonical=True``: the caller has already validated every pair (a known signal type, the
    value as :func:`normalise_query` returns it), e.g. the API's request schema; they are not
    parsed a second time.
    """
    if isinstance(pdq_threshold, bool) or not isinstance(pdq_threshold, int):
        raise TypeError("pdq_threshold must be an int")
    if not 0 <= pdq_threshold <= PDQ_MAX_THRESHOLD:
        raise ValueError(f"pdq_threshold must be between 0 and {PDQ_MAX_THRESHOLD}")
    queries = list(hashes) if canonical else [normalise_query(t, v) for t, v in hashes]
    cache = cache or default_cache
    cache.ensure_fresh(force=force_fresh)
    candidates: list[list[tuple[int, int]]] = [[] for _ in queries]
    by_type: dict[str, list[int]] = {}
    for i, (t, _v) in enumerate(queries):
        by_type.setdefault(t, []).append(i)
    for t, positions in by_type.items():
        found = cache.search(
            t, [queries[i][1] for i in positions], pdq_threshold if t == "pdq" else None
        )
        for i, cands in zip(positions, found, strict=True):
            candidates[i] = cands
    ids = sorted({eid for cands in candidates for eid, _d in cands})
    rows = {}
    for k in range(0, len(ids), _CHUNK):
        qs = (
            BankEntry.objects.active()
            .filter(pk__in=ids[k : k + _CHUNK], bank__enabled=True)
            .values_list(
                "pk",
                "signal_type",
                "value",
                "classification",
                "category",
                "age_band",
                "bank__slug",
                "bank__name",
                "bank__owner__slug",
                "bank__owner_id",
                "bank__visibility",
                "bank__match_disclosure",
            )
        )
        for row in qs:
            rows[row[0]] = row
    results = []
    for (t, v), cands in zip(queries, candidates, strict=True):
        if not cands:  # most hashes of a large batch: nothing to check or sort
            results.append(HashMatches(t, v, []))
            continue
        matches = []
        for eid, _d in cands:
            row = rows.get(eid)
            if row is None or row[1] != t:
                continue
            distance = (0 if row[2] == v else None) if t != "pdq" else _hamming(row[2], v)
            if distance is None or distance > (pdq_threshold if t == "pdq" else 0):
                continue
            match = Match(
                entry_id=eid,
                bank=row[6],
                bank_name=row[7],
                organisation=row[8],
                signal_type=t,
                distance=distance,
                classification={
                    "classification": row[3],
                    "category": row[4],
                    "age_band": row[5],
                },
            )
            if for_organisation is not ALL_BANKS:
                visible = permissions.organisation_sees_bank(
                    for_organisation, owner_id=row[9], visibility=row[10]
                )
                match = _disclosed(match, visible=visible, level=row[11])
                if match is None:
                    continue
            matches.append(match)
        matches.sort(key=lambda m: (m.distance, m.disclosure != "full", m.bank or "", m.entry_id))
        if for_organisation is not ALL_BANKS and any(m.disclosure != "full" for m in matches):
            matches = _merge_undisclosed(matches)
        results.append(
            HashMatches(
                t,
                v,
                matches[:MAX_MATCHES_PER_HASH],
                truncated=len(matches) > MAX_MATCHES_PER_HASH,
            )
        )
    return results


def check_known_for_hotline(hashes: list[tuple[str, str]]) -> list:
    """The hotline's known-material checker (``OSTOJA_KNOWN_MATERIAL_CHECKER``).

    One :class:`ostoja.hotline.known.KnownMatch` per (hash, matching entry); ``value`` is the
    hash as sent, ``bank`` the bank's name, ``classification`` the entry's classification
    plus the bank's slug and owner. Malformed hashes are skipped (the hotline validated them
    on intake). Always checks the bank sequence (hotline volume is low, freshness matters).
    """
    from ostoja.hotline.known import KnownMatch

    valid = []
    for t, v in hashes:
        try:
            valid.append(normalise_query(t, v))
        except (ValueError, TypeError):
            continue
    out = []
    for result in match_hashes(valid, force_fresh=True):
        for m in result.matches:
            out.append(
                KnownMatch(
                    bank=m.bank_name,
                    signal_type=result.signal_type,
                    value=result.value,
                    distance=m.distance,
                    classification={**m.classification, "bank": m.bank, "owner": m.organisation},
                )
            )
    return out


# -- images -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImageHashes:
    pdq: str
    quality: int
    dihedral: tuple[str, ...] | None
    md5: str
    sha1: str
    sha256: str


def hash_image(data: bytes | BinaryIO, *, dihedral: bool = False, max_bytes: int) -> ImageHashes:
    """PDQ (with quality) and the exact digests of an image, computed in memory only.

    ``data``: the encoded image as bytes or a binary file object (an in-memory upload is
    used as it is: its bytes are not copied). Raises :class:`ostoja.matching.ImageRejected`.
    The caller drops ``data`` afterwards; nothing here keeps, writes or logs it.
    """
    from ostoja.matching import pdq_from_image

    result = pdq_from_image(data, dihedral=dihedral, max_bytes=max_bytes)
    digests = [hashlib.md5(usedforsecurity=False), hashlib.sha1(usedforsecurity=False)]
    digests.append(hashlib.sha256())
    if isinstance(data, bytes | bytearray | memoryview):
        for d in digests:
            d.update(data)
    elif isinstance(data, io.BytesIO):
        with data.getbuffer() as view:  # the upload's own buffer, not a copy
            for d in digests:
                d.update(view)
    else:
        data.seek(0)
        while chunk := data.read(1 << 20):
            for d in digests:
                d.update(chunk)
    md5, sha1, sha256 = (d.hexdigest() for d in digests)
    return ImageHashes(
        pdq=result.hash,
        quality=result.quality,
        dihedral=result.dihedral,
        md5=md5,
        sha1=sha1,
        sha256=sha256,
    )
