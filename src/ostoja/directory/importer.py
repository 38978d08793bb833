"""Import of HSDS 3.0 JSON from another directory: validated first, then all or nothing.

1. The bytes must be JSON (UTF-8, at most :data:`MAX_BYTES`).
2. :func:`ostoja.directory.hsds.validate_import` checks the document against the HSDS schemas
   and its references (ids already in our directory count as known).
3. Values our database cannot hold (an age of 1e9, a year of -5) are reported too.
4. Only when nothing is wrong, everything is written in one transaction -- any failure rolls
   all of it back -- and the imported services are indexed for search.

The report lists problems by object and field (``services[3].phones[0].number``), so whoever
exported the file can fix it. Both shapes other directories produce are accepted: tabular (one
array per table) and packages of nested services (which are flattened here). Records are
matched by HSDS id: importing the same file twice changes nothing the second time, and
importing an English export of our own data adds the English texts (``language="en"``).

Imported services are published at once (an import is a coordinator's decision) and have no
provider account: coordinators maintain them. Tables we do not store (program, funding,
required_document, organization_identifier) are listed as ignored.
"""

from __future__ import annotations

import json
import re
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from ostoja.audit.services import log_action

from . import geo
from .exporter import HOURS, WHAT_IS_PASSED_ON, derived_id
from .hsds import TABLES, validate_import
from .hsds.validate import default_validator, format_path
from .models import (
    Accessibility,
    Address,
    Attribute,
    Contact,
    CostOption,
    Language,
    Location,
    Metadata,
    Phone,
    Provider,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    Source,
    Taxonomy,
    TaxonomyTerm,
)
from .search import index_services
from .taxonomy import ensure_taxonomy, taxonomy_id

MAX_BYTES = 20 * 1024 * 1024
NOT_STORED = ("program", "funding", "required_document", "organization_identifier")
_STORED_ORDER = (
    "taxonomy",
    "taxonomy_term",
    "organization",
    "service",
    "location",
    "address",
    "service_at_location",
    "contact",
    "phone",
    "schedule",
    "language",
    "cost_option",
    "service_area",
    "accessibility",
    "attribute",
    "metadata",
)
_WAIT = re.compile(r"^(?P<text>.*?)\s*\[(?P<date>\d{4}-\d{2}-\d{2})\]$", re.S)
_COUNTRY_NAMES = {"polska", "poland", "pl", "cala polska", "the whole of poland"}


@dataclass(frozen=True)
class Problem:
    path: str
    object: str
    field: str | None
    message: str
    severity: str = "error"


@dataclass
class ImportResult:
    ok: bool
    shape: str = ""
    problems: list[Problem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # objects found, per table
    written: dict[str, int] = field(default_factory=dict)  # rows created or changed
    ignored: dict[str, int] = field(default_factory=dict)
    truncated: bool = False

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    def by_object(self) -> dict[str, list[Problem]]:
        grouped: dict[str, list[Problem]] = {}
        for problem in self.problems:
            grouped.setdefault(problem.object or "(document)", []).append(problem)
        return grouped

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "shape": self.shape,
            "counts": self.counts,
            "written": self.written,
            "ignored": self.ignored,
            "truncated": self.truncated,
            "problems": [p.__dict__ for p in self.problems],
        }


def _document_problem(message: str) -> ImportResult:
    return ImportResult(ok=False, shape="invalid", problems=[Problem("", "", None, message)])


def import_bytes(raw: bytes, *, actor, language: str = "pl", dry_run: bool = False) -> ImportResult:
    """Parse and import an uploaded file; a report (never an exception) for bad input."""
    if len(raw) > MAX_BYTES:
        return _document_problem(
            f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB; split it into parts."
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return _document_problem(f"The file is not UTF-8 text (byte {exc.start}).")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        return _document_problem(
            f"The file is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})."
        )
    except RecursionError:
        return _document_problem("The file is nested too deeply to be HSDS.")
    return import_document(document, actor=actor, language=language, dry_run=dry_run)


def _existing_ids() -> dict[str, list[str]]:
    models = {
        "organization": Provider,
        "service": Service,
        "location": Location,
        "service_at_location": ServiceAtLocation,
        "contact": Contact,
        "phone": Phone,
        "taxonomy": Taxonomy,
        "taxonomy_term": TaxonomyTerm,
    }
    return {
        table: [str(i) for i in model.objects.order_by().values_list("pk", flat=True)]
        for table, model in models.items()
    }


def import_document(document: Any, *, actor, language: str = "pl", dry_run: bool = False):
    """Validate and import a parsed HSDS document (tabular or a package of services)."""
    ensure_taxonomy()
    report = validate_import(document, existing=_existing_ids())
    result = ImportResult(
        ok=False, shape=report.shape, counts=dict(report.counts), truncated=report.truncated
    )
    for problem in report.problems:
        result.problems.append(
            Problem(
                problem.path, problem.object_path, problem.field, problem.message, problem.severity
            )
        )
    if not report.ok:
        return result
    tables = to_tables(document, report.shape)
    for name in NOT_STORED:
        if tables.get(name):
            result.ignored[name] = len(tables[name])
    writer = _Writer(language, tables)
    plan = writer.plan()
    result.problems.extend(writer.problems)
    if writer.problems and any(p.severity == "error" for p in writer.problems):
        return result
    if dry_run:
        result.ok = True
        return result
    try:
        with transaction.atomic():
            written, service_ids = writer.write(plan)
            index_services(service_ids)
            log_action(
                "directory.import.completed",
                actor=actor,
                data={"shape": report.shape, "counts": result.counts, "written": written},
            )
    except (DatabaseError, ObjectDoesNotExist, ValueError, TypeError) as exc:
        result.problems.append(
            Problem("", "", None, f"Nothing was imported: the database refused the data ({exc}).")
        )
        return result
    result.written = written
    result.ok = True
    return result


# --------------------------------------------------------------------------------------------
# Packages -> tables
# --------------------------------------------------------------------------------------------


def _aliases() -> dict[str, str]:
    validator = default_validator()
    aliases = {}
    for table in TABLES:
        aliases[table] = table
        path = validator.table_schema(table).get("path")
        if isinstance(path, str) and path.endswith(".csv"):
            aliases[path[: -len(".csv")]] = table
    aliases["service_at_locations"] = "service_at_location"
    return aliases


def to_tables(document: Any, shape: str) -> dict[str, list[tuple[str, dict]]]:
    """Rows per table as ``(path, row)``, nested objects flattened with their references set."""
    tables: dict[str, list[tuple[str, dict]]] = defaultdict(list)
    seen: set[tuple[str, str]] = set()
    if shape == "tabular":
        aliases = _aliases()
        for key, rows in document.items():
            table = aliases.get(str(key))
            if table is None or not isinstance(rows, list):
                continue
            for index, row in enumerate(rows):
                if isinstance(row, dict) and (table, row.get("id")) not in seen:
                    seen.add((table, row.get("id")))
                    tables[table].append((format_path((key, index)), dict(row)))
        return tables
    top = shape.removesuffix("_package") if shape.endswith("_package") else "service"
    items = document.get("contents") if isinstance(document, dict) else document
    prefix: tuple = ("contents",) if isinstance(document, dict) else ()
    children = default_validator().children

    def walk(table: str, obj: dict, parts: tuple, parent: tuple[str, dict] | None) -> None:
        row = {}
        for key, value in obj.items():
            child_table = children.get(table, {}).get(key)
            if child_table is None:
                row[key] = value
        if parent is not None:
            parent_table, parent_row = parent
            if table == "attribute":
                row.setdefault("link_id", parent_row.get("id"))
                row.setdefault("link_entity", parent_table)
            elif table == "metadata":
                row.setdefault("resource_id", parent_row.get("id"))
                row.setdefault("resource_type", parent_table)
            else:
                row.setdefault(f"{parent_table}_id", parent_row.get("id"))
        for key, value in obj.items():
            child_table = children.get(table, {}).get(key)
            if child_table is None:
                continue
            if isinstance(value, dict):
                # A single nested object: this row refers to it.
                row.setdefault(f"{child_table}_id", value.get("id"))
                walk(child_table, value, parts + (key,), None)
            elif isinstance(value, list):
                for index, item in enumerate(value):
                    if isinstance(item, dict):
                        walk(child_table, item, parts + (key, index), (table, row))
        if (table, row.get("id")) not in seen:
            seen.add((table, row.get("id")))
            tables[table].append((format_path(parts), row))

    for index, item in enumerate(items or []):
        if isinstance(item, dict):
            walk(top, item, prefix + (index,), None)
    return tables


# --------------------------------------------------------------------------------------------
# Rows -> models
# --------------------------------------------------------------------------------------------


class _Writer:
    """Converts rows to model values (collecting problems), then writes them in order."""

    def __init__(self, language: str, tables: dict[str, list[tuple[str, dict]]]):
        self.language = language
        self.tables = tables
        self.problems: list[Problem] = []
        self._path = ""

    # -- value conversion ---------------------------------------------------------------------

    def _problem(self, field_name: str, message: str) -> None:
        self.problems.append(
            Problem(f"{self._path}.{field_name}", self._path, field_name, message, "error")
        )

    def text(self, row: dict, key: str, limit: int = 300) -> str:
        value = row.get(key)
        if not isinstance(value, str):
            return ""
        value = value.replace("\x00", "").strip()
        if len(value) > limit:
            self._problem(key, f"is longer than {limit} characters")
            return value[:limit]
        return value

    def i18n(self, current: dict | None, row: dict, key: str, limit: int = 5000) -> dict:
        merged = dict(current or {})
        text = self.text(row, key, limit)
        if text:
            merged[self.language] = text
        elif key in row:
            merged.pop(self.language, None)
        return merged

    def tr(self, row: dict, key: str, limit: int = 5000) -> tuple[str, str, int]:
        """A translated field, written when the record is (merged into its other languages)."""
        self.text(row, key, limit)  # reports an over-long text now, before anything is written
        return ("i18n", key, limit)

    def uid(self, row: dict, key: str) -> uuid.UUID | None:
        value = row.get(key)
        if not value:
            return None
        try:
            return uuid.UUID(str(value))
        except ValueError:
            self._problem(key, "is not a UUID")
            return None

    def integer(self, row: dict, key: str, low: int, high: int) -> int | None:
        value = row.get(key)
        if value is None or isinstance(value, bool):
            return None
        if not isinstance(value, int | float) or value != int(value) or not low <= value <= high:
            self._problem(key, f"must be a whole number from {low} to {high}")
            return None
        return int(value)

    def number(self, row: dict, key: str, low: float, high: float) -> float | None:
        value = row.get(key)
        if value is None or isinstance(value, bool):
            return None
        if not isinstance(value, int | float) or not low <= value <= high:
            self._problem(key, f"must be a number from {low} to {high}")
            return None
        return float(value)

    def decimal(self, row: dict, key: str) -> Decimal | None:
        value = row.get(key)
        if value is None or isinstance(value, bool):
            return None
        try:
            amount = Decimal(str(value)).quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError):
            self._problem(key, "is not an amount")
            return None
        if abs(amount) >= Decimal("1e10"):
            self._problem(key, "is too large")
            return None
        return amount

    def day(self, row: dict, key: str) -> date | None:
        value = row.get(key)
        if not isinstance(value, str) or not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self._problem(key, "is not a date (YYYY-MM-DD)")
            return None

    def clock(self, row: dict, key: str) -> time | None:
        value = row.get(key)
        if not isinstance(value, str) or not value:
            return None
        try:
            parsed = time.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            self._problem(key, "is not a time")
            return None
        return parsed.replace(tzinfo=None)

    def moment(self, row: dict, key: str) -> datetime | None:
        value = row.get(key)
        if not isinstance(value, str) or not value:
            return None
        parsed = parse_datetime(value)
        if parsed is None:
            try:
                parsed = datetime.combine(date.fromisoformat(value), time())
            except ValueError:
                self._problem(key, "is not a date-time")
                return None
        if timezone.is_naive(parsed):
            parsed = timezone.make_aware(parsed, timezone.get_default_timezone())
        return parsed

    # -- planning: convert everything before writing anything -----------------------------------

    def plan(self) -> list[tuple[str, uuid.UUID, dict, dict]]:
        """``(table, id, row, converted values)`` in write order; problems go to ``problems``."""
        ours = {t.id for t in TaxonomyTerm.objects.filter(taxonomy_id=taxonomy_id()).only("id")} | {
            taxonomy_id()
        }
        planned = []
        for table in _STORED_ORDER:
            rows = self.tables.get(table, [])
            if table == "taxonomy_term":
                rows = _parents_first(rows)
            for path, row in rows:
                self._path = path
                row_id = self.uid(row, "id")
                if row_id is None:
                    continue
                if table in ("taxonomy", "taxonomy_term") and row_id in ours:
                    continue  # our own taxonomy comes from the shipped file, not from imports
                values = getattr(self, f"_{table}")(row)
                planned.append((table, row_id, row, values))
        return planned

    def _taxonomy(self, row):
        return {
            "name": {self.language: self.text(row, "name")},
            "description": {self.language: self.text(row, "description", 5000)},
            "uri": self.text(row, "uri", 500),
            "version": self.text(row, "version", 50),
        }

    def _taxonomy_term(self, row):
        return {
            "code": self.text(row, "code", 200),
            "name": {self.language: self.text(row, "name")},
            "description": {self.language: self.text(row, "description", 5000)},
            "parent_id": self.uid(row, "parent_id"),
            "taxonomy_id": self.uid(row, "taxonomy_id"),
            "taxonomy_label": self.text(row, "taxonomy", 200),
            "term_uri": self.text(row, "term_uri", 500),
        }

    def _organization(self, row):
        return {
            "name": self.text(row, "name"),
            "alternate_name": self.text(row, "alternate_name"),
            "description": self.tr(row, "description"),
            "email": self.text(row, "email", 254),
            "website": self.text(row, "website", 500),
            "legal_status": self.text(row, "legal_status", 200),
            "tax_status": self.text(row, "tax_status", 200),
            "tax_id": self.text(row, "tax_id", 100),
            "year_incorporated": self.integer(row, "year_incorporated", 1000, 9999),
            "logo": self.text(row, "logo", 500),
            "uri": self.text(row, "uri", 500),
            "parent_id": self.uid(row, "parent_organization_id"),
        }

    def _service(self, row):
        values = {
            "provider_id": self.uid(row, "organization_id"),
            "url": self.text(row, "url", 500),
            "email": self.text(row, "email", 254),
            "status": row.get("status") or "active",
            "minimum_age": self.integer(row, "minimum_age", 0, 150),
            "maximum_age": self.integer(row, "maximum_age", 0, 150),
            "assured_date": self.day(row, "assured_date"),
            "assurer_email": self.text(row, "assurer_email", 254),
            "accreditations": self.text(row, "accreditations", 5000),
            "licenses": self.text(row, "licenses", 5000),
            "last_modified": self.moment(row, "last_modified"),
        }
        for key in (
            "name",
            "alternate_name",
            "description",
            "application_process",
            "eligibility_description",
            "fees_description",
            "alert",
            "interpretation_services",
        ):
            values[key] = self.tr(row, key, 300 if key in ("name", "alternate_name") else 5000)
        wait = self.text(row, "wait_time", 1000)
        match = _WAIT.match(wait)
        if match:
            values["wait_time_text"] = match.group("text")
            values["wait_time_stated_on"] = date.fromisoformat(match.group("date"))
        else:
            values["wait_time_text"] = wait
            values["wait_time_stated_on"] = None
        if values["provider_id"] is None:
            self._problem("organization_id", "a service needs its organization")
        if (
            values["minimum_age"] is not None
            and values["maximum_age"] is not None
            and values["minimum_age"] > values["maximum_age"]
        ):
            self._problem("maximum_age", "is below minimum_age")
        return values

    def _location(self, row):
        return {
            "provider_id": self.uid(row, "organization_id"),
            "location_type": row.get("location_type") or "physical",
            "url": self.text(row, "url", 500),
            "name": self.text(row, "name"),
            "alternate_name": self.text(row, "alternate_name"),
            "description": self.tr(row, "description"),
            "transportation": self.tr(row, "transportation"),
            "latitude": self.number(row, "latitude", -90, 90),
            "longitude": self.number(row, "longitude", -180, 180),
            "external_identifier": self.text(row, "external_identifier", 200),
            "external_identifier_type": self.text(row, "external_identifier_type", 200),
        }

    def _required_reference(self, row, key: str, parent: str) -> None:
        if not row.get(key):
            self._problem(key, f"'{key}' is required: we keep every {parent} with its parent")

    def _address(self, row):
        self._required_reference(row, "location_id", "address")
        country = self.text(row, "country", 10).upper()
        if country and not re.fullmatch(r"[A-Z]{2}", country):
            self._problem("country", "must be a two-letter country code")
        return {
            "location_id": self.uid(row, "location_id"),
            "attention": self.text(row, "attention"),
            "address_1": self.text(row, "address_1"),
            "address_2": self.text(row, "address_2"),
            "city": self.text(row, "city", 200),
            "region": self.text(row, "region", 200),
            "state_province": self.text(row, "state_province", 200),
            "postal_code": self.text(row, "postal_code", 20),
            "country": country[:2] or "PL",
            "address_type": row.get("address_type") or "physical",
        }

    def _service_at_location(self, row):
        return {
            "service_id": self.uid(row, "service_id"),
            "location_id": self.uid(row, "location_id"),
            "description": self.tr(row, "description"),
        }

    def _contact(self, row):
        return {
            "provider_id": self.uid(row, "organization_id"),
            "service_id": self.uid(row, "service_id"),
            "service_at_location_id": self.uid(row, "service_at_location_id"),
            "location_id": self.uid(row, "location_id"),
            "name": self.text(row, "name"),
            "title": self.text(row, "title"),
            "department": self.text(row, "department"),
            "email": self.text(row, "email", 254),
        }

    def _phone(self, row):
        return {
            "service_id": self.uid(row, "service_id"),
            "location_id": self.uid(row, "location_id"),
            "provider_id": self.uid(row, "organization_id"),
            "contact_id": self.uid(row, "contact_id"),
            "service_at_location_id": self.uid(row, "service_at_location_id"),
            "number": self.text(row, "number", 50),
            "extension": self.integer(row, "extension", 0, 2_000_000_000),
            "type": self.text(row, "type", 20),
            "description": self.tr(row, "description"),
        }

    def _schedule(self, row):
        values = {
            "service_id": self.uid(row, "service_id"),
            "location_id": self.uid(row, "location_id"),
            "service_at_location_id": self.uid(row, "service_at_location_id"),
            "valid_from": self.day(row, "valid_from"),
            "valid_to": self.day(row, "valid_to"),
            "dtstart": self.day(row, "dtstart"),
            "timezone": self.number(row, "timezone", -14, 14),
            "until": self.day(row, "until"),
            "count": self.integer(row, "count", 0, 100_000),
            "wkst": row.get("wkst") or "",
            "freq": row.get("freq") or "",
            "interval": self.integer(row, "interval", 0, 100_000),
            "opens_at": self.clock(row, "opens_at"),
            "closes_at": self.clock(row, "closes_at"),
            "schedule_link": self.text(row, "schedule_link", 500),
            "attending_type": self.text(row, "attending_type", 100),
            "notes": self.tr(row, "notes"),
            "description": self.tr(row, "description"),
        }
        for key in ("byday", "byweekno", "bymonthday", "byyearday"):
            values[key] = self.text(row, key, 100)
        return values

    def _language(self, row):
        return {
            "service_id": self.uid(row, "service_id"),
            "location_id": self.uid(row, "location_id"),
            "phone_id": self.uid(row, "phone_id"),
            "name": self.text(row, "name", 100),
            "code": self.text(row, "code", 20).lower(),
            "note": self.text(row, "note", 500),
        }

    def _cost_option(self, row):
        return {
            "service_id": self.uid(row, "service_id"),
            "valid_from": self.day(row, "valid_from"),
            "valid_to": self.day(row, "valid_to"),
            "option": self.tr(row, "option"),
            "currency": self.text(row, "currency", 3).upper(),
            "amount": self.decimal(row, "amount"),
            "amount_description": self.tr(row, "amount_description"),
        }

    def _service_area(self, row):
        self._required_reference(row, "service_id", "service area")
        name = self.text(row, "name")
        place = geo.locate(name) if name else None
        voivodeship = place.voivodeship if place is not None and place.kind == "voivodeship" else ""
        return {
            "service_id": self.uid(row, "service_id"),
            "name": name,
            "description": self.tr(row, "description"),
            "extent": self.text(row, "extent", 100_000),
            "extent_type": self.text(row, "extent_type", 50),
            "uri": self.text(row, "uri", 500),
            "voivodeship": voivodeship,
        }

    def _accessibility(self, row):
        self._required_reference(row, "location_id", "accessibility note")
        return {
            "location_id": self.uid(row, "location_id"),
            "description": self.tr(row, "description"),
            "details": self.tr(row, "details"),
            "url": self.text(row, "url", 500),
        }

    def _attribute(self, row):
        return {
            "link_id": self.uid(row, "link_id"),
            "link_entity": self.text(row, "link_entity", 50) or "service",
            "link_type": self.text(row, "link_type", 100),
            "taxonomy_term_id": self.uid(row, "taxonomy_term_id"),
            "value": self.text(row, "value", 5000),
        }

    def _metadata(self, row):
        return {
            "resource_id": self.uid(row, "resource_id"),
            "resource_type": self.text(row, "resource_type", 50),
            "last_action_date": self.moment(row, "last_action_date") or timezone.now(),
            "last_action_type": self.text(row, "last_action_type", 50),
            "field_name": self.text(row, "field_name", 100),
            "previous_value": self.text(row, "previous_value", 100_000),
            "replacement_value": self.text(row, "replacement_value", 100_000),
            "updated_by": self.text(row, "updated_by", 300) or "import",
        }

    # -- writing ------------------------------------------------------------------------------

    _MODELS = {
        "taxonomy": Taxonomy,
        "taxonomy_term": TaxonomyTerm,
        "organization": Provider,
        "service": Service,
        "location": Location,
        "address": Address,
        "service_at_location": ServiceAtLocation,
        "contact": Contact,
        "phone": Phone,
        "schedule": Schedule,
        "language": Language,
        "cost_option": CostOption,
        "service_area": ServiceArea,
        "accessibility": Accessibility,
        "attribute": Attribute,
        "metadata": Metadata,
    }

    def write(self, plan) -> tuple[dict[str, int], list[uuid.UUID]]:
        written: dict[str, int] = defaultdict(int)
        services: set[uuid.UUID] = set()
        now = timezone.now()
        for table, row_id, row, values in plan:
            handler = getattr(self, f"_write_{table}", None)
            if handler is not None:
                changed = handler(row_id, row, values, services, now)
            else:
                changed = self._upsert(table, row_id, row, values)
            if changed:
                written[table] += 1
        # Services whose related rows changed need their search entry (and their
        # last_modified) refreshed too.
        if services:
            Service.objects.filter(pk__in=services, last_modified__lt=now).update(last_modified=now)
        return dict(written), sorted(services)

    def _upsert(self, table, row_id, row, values, **extra) -> bool:
        model = self._MODELS[table]
        instance = model.objects.filter(pk=row_id).first()
        if instance is None:
            instance = model(pk=row_id)
        for key, value in {**values, **extra}.items():
            if isinstance(value, tuple) and value and value[0] == "i18n":
                value = self.i18n(getattr(instance, key), row, value[1], value[2])
            setattr(instance, key, value)
        instance.save()
        return True

    def _write_taxonomy_term(self, row_id, row, values, services, now):
        if values["taxonomy_id"] and not Taxonomy.objects.filter(pk=values["taxonomy_id"]).exists():
            values["taxonomy_id"] = None
        if values["parent_id"] and not TaxonomyTerm.objects.filter(pk=values["parent_id"]).exists():
            values["parent_id"] = None
        return self._upsert("taxonomy_term", row_id, row, values)

    def _write_organization(self, row_id, row, values, services, now):
        parent = values.pop("parent_id")
        if parent and not Provider.objects.filter(pk=parent).exists():
            parent = None  # an external parent organisation (allowed by HSDS)
        existing = Provider.objects.filter(pk=row_id).first()
        extra = {"parent_id": parent, "last_modified": now}
        if existing is None:
            extra["source"] = Source.IMPORT
        return self._upsert("organization", row_id, row, values, **extra)

    def _write_service(self, row_id, row, values, services, now):
        existing = Service.objects.filter(pk=row_id).first()
        wait_text = values.pop("wait_time_text")
        wait_time = dict(existing.wait_time) if existing else {}
        if wait_text:
            wait_time[self.language] = wait_text
        else:
            wait_time.pop(self.language, None)
        extra = {
            "wait_time": wait_time,
            "published": True,
            "last_modified": values.pop("last_modified") or now,
        }
        if existing is None:
            extra["source"] = Source.IMPORT
            extra["coverage"] = Service.Coverage.LOCAL
        services.add(row_id)
        return self._upsert("service", row_id, row, values, **extra)

    def _write_location(self, row_id, row, values, services, now):
        if values["provider_id"] and not Provider.objects.filter(pk=values["provider_id"]).exists():
            values["provider_id"] = None
        return self._upsert("location", row_id, row, values)

    def _write_address(self, row_id, row, values, services, now):
        self._upsert("address", row_id, row, values)
        # The location's voivodeship (and, lacking coordinates, its point) from the address.
        location = Location.objects.get(pk=values["location_id"])
        place = None
        for text in (values["state_province"], values["city"], values["postal_code"]):
            candidate = geo.locate(text) if text else None
            if candidate is not None and values["country"] == "PL":
                place = place or candidate
                if not location.voivodeship:
                    location.voivodeship = candidate.voivodeship
                    location.voivodeship_derived = True
        if location.latitude is None and place is not None and values["city"]:
            town = geo.locate(values["city"])
            if town is not None:
                location.latitude, location.longitude = town.lat, town.lon
                location.point_derived = True
        location.save()
        return True

    def _write_service_at_location(self, row_id, row, values, services, now):
        services.add(values["service_id"])
        return self._upsert("service_at_location", row_id, row, values)

    def _write_schedule(self, row_id, row, values, services, now):
        service_id = values["service_id"]
        if service_id and row_id == derived_id(service_id, HOURS):
            # Our own export's opening hours: back into the service's field.
            service = Service.objects.get(pk=service_id)
            service.hours = self.i18n(service.hours, row, "description")
            service.save(update_fields=["hours"])
            services.add(service_id)
            return True
        if service_id:
            services.add(service_id)
        return self._upsert("schedule", row_id, row, values)

    def _write_attribute(self, row_id, row, values, services, now):
        link_id = values["link_id"]
        if values["link_entity"] == "service" and link_id:
            services.add(link_id)
            if values["link_type"] == WHAT_IS_PASSED_ON or row_id == derived_id(
                link_id, WHAT_IS_PASSED_ON
            ):
                service = Service.objects.get(pk=link_id)
                service.confidentiality = self.i18n(service.confidentiality, row, "value")
                service.save(update_fields=["confidentiality"])
                return True
        return self._upsert("attribute", row_id, row, values)

    def _write_service_area(self, row_id, row, values, services, now):
        self._upsert("service_area", row_id, row, values)
        service = Service.objects.get(pk=values["service_id"])
        name = unaccented(values["name"])
        if name in _COUNTRY_NAMES:
            coverage = Service.Coverage.NATIONAL
        elif values["voivodeship"] and service.coverage != Service.Coverage.NATIONAL:
            coverage = Service.Coverage.REGIONAL
        else:
            coverage = service.coverage
        if coverage != service.coverage:
            service.coverage = coverage
            service.save(update_fields=["coverage"])
        services.add(service.pk)
        return True

    def _write_language(self, row_id, row, values, services, now):
        if values["service_id"]:
            services.add(values["service_id"])
        return self._upsert("language", row_id, row, values)

    def _write_phone(self, row_id, row, values, services, now):
        if values["service_id"]:
            services.add(values["service_id"])
        return self._upsert("phone", row_id, row, values)


def unaccented(text: str) -> str:
    from .search_text import unaccent_pl

    return " ".join(unaccent_pl(text).casefold().split())


def _parents_first(rows: list[tuple[str, dict]]) -> list[tuple[str, dict]]:
    """Taxonomy terms ordered so that a parent is written before its children."""
    by_id = {row.get("id"): (path, row) for path, row in rows}
    ordered: list[tuple[str, dict]] = []
    placed: set = set()

    def place(term_id, depth=0):
        if term_id in placed or term_id not in by_id or depth > 100:
            return
        parent = by_id[term_id][1].get("parent_id")
        if parent and parent != term_id:
            place(parent, depth + 1)
        placed.add(term_id)
        ordered.append(by_id[term_id])

    for term_id in by_id:
        place(term_id)
    return ordered


__all__ = ["MAX_BYTES", "ImportResult", "Problem", "import_bytes", "import_document", "to_tables"]
