"""Offline validation of Open Referral HSDS 3.0 objects, API responses and import documents.

Schemas
-------
The canonical HSDS 3.0 JSON schemas ship with this package (``schemas/``, CC BY-SA 4.0, see
``schemas/LICENSE``). They carry no ``$id``; they point at each other with relative ``$ref``\\ s
(``"phone.json"``) and the HSDS ``openapi.json`` points at them with absolute URLs under
:data:`SCHEMA_BASE_URI` (``https://raw.githubusercontent.com/openreferral/specification/3.0/schema/``).
We register every packaged file in a :class:`referencing.Registry` under exactly that URL, so all
references resolve locally. The registry has no ``retrieve`` hook: an unknown reference raises
instead of going to the network.

Of the upstream ``compiled/`` schemas we ship only the three small ``*_list.json`` files (the item
shapes of the paginated list endpoints, which cannot be derived from the canonical files). The
multi-megabyte fully nested ``compiled/service.json``, ``organization.json``,
``service_at_location.json`` and ``*_package.json`` are generated upstream from the canonical
files, and the HSDS documentation says compliance is assessed against the canonical schemas. We
checked once (by dereferencing) that ``compiled/service.json`` is exactly the canonical
``service.json``, that ``compiled/organization.json`` is ``organization.json`` plus a ``services``
array of services, that ``compiled/service_at_location.json`` is ``service_at_location.json`` plus
a ``service`` object, and that each ``*_package.json`` is an array of the compiled object. Those
three views are registered below as small wrapper schemas under the upstream ``compiled/`` URLs,
so references from ``openapi.json`` resolve to them too.

Formats: ``uuid`` and ``email`` are checked by jsonschema itself; ``uri`` and ``date-time`` by
our own small functions (jsonschema would need optional packages for them, and the result must
not depend on what happens to be installed). HSDS marks its date and time fields
(``assured_date``, ``valid_from``, ``opens_at``, ...) not with a JSON-schema ``format`` but with
``datapackage_type`` (``date``, ``time``, ``datetime``), the type of its Tabular Data Package
serialisation; we check those too, as ``format`` problems, since such a value could not be
stored as a date anyway.

Import documents
----------------
:func:`validate_import` accepts the two shapes other directories actually export:

* **tabular** -- HSDS's ``compiled/tabular.json`` shape, one array of flat rows per table:
  ``{"organization": [...], "service": [...], "taxonomy": [...], "taxonomy_term": [...], ...}``.
  The plural names of the tables' CSV files (``"organizations"``, ``"services"``,
  ``"taxonomy_terms"``, ...) are accepted as aliases. Rows are validated against the canonical
  table schema plus the table's ``tabular_required`` fields, and foreign keys must resolve.
* **package** -- an array of fully nested objects, the shape of HSDS
  ``compiled/service_package.json`` (also what ``/services/{id}`` returns, one by one), or a page
  of them (``{"contents": [...], ...}``). ``organization_package`` and
  ``service_at_location_package`` are accepted when named explicitly.

Privacy: nothing here logs or sends data anywhere; problems carry at most a shortened excerpt
of the offending value.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import re
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from importlib import resources
from importlib.resources.abc import Traversable
from itertools import islice
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker, validators
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

__all__ = [
    "HSDS_VERSION",
    "KINDS",
    "SCHEMA_BASE_URI",
    "TABLES",
    "HSDSValidator",
    "ImportReport",
    "ValidationProblem",
    "api_root",
    "format_path",
    "paginated",
    "validate_import",
    "validate_object",
]

HSDS_VERSION = "3.0"
SCHEMA_BASE_URI = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"

#: The HSDS 3.0 tables (one canonical schema file each), in the order of the HSDS datapackage.
TABLES: tuple[str, ...] = (
    "organization",
    "program",
    "service",
    "attribute",
    "service_at_location",
    "location",
    "phone",
    "contact",
    "address",
    "schedule",
    "funding",
    "service_area",
    "required_document",
    "language",
    "accessibility",
    "taxonomy_term",
    "metadata",
    "meta_table_description",
    "cost_option",
    "organization_identifier",
    "taxonomy",
)

# Paginated list endpoints of the HSDS API reference (openapi.json), by kind.
_LIST_ENDPOINTS = {
    "service_list": "/services",
    "organization_list": "/organizations",
    "service_at_location_list": "/service_at_locations",
    "taxonomy_list": "/taxonomies",
    "taxonomy_term_list": "/taxonomy_terms",
}

#: The header fields of a paginated HSDS response. openapi.json's ``Page`` schema lists them
#: without marking them required, but the API reference says the response "must include" them.
PAGE_FIELDS = (
    "total_items",
    "total_pages",
    "page_number",
    "size",
    "first_page",
    "last_page",
    "empty",
)


def _openapi_response_pointer(path: str) -> str:
    escaped = path.replace("~", "~0").replace("/", "~1")
    return f"openapi.json#/paths/{escaped}/get/responses/200/content/application~1json/schema"


def _kinds() -> dict[str, str]:
    kinds = {table: f"{SCHEMA_BASE_URI}{table}.json" for table in TABLES}
    # The fully nested ("compiled") views of the three objects the API returns whole.
    for name in ("service", "organization", "service_at_location"):
        kinds[name] = f"{SCHEMA_BASE_URI}compiled/{name}.json"
        kinds[f"{name}_package"] = f"{SCHEMA_BASE_URI}compiled/{name}_package.json"
    for kind, path in _LIST_ENDPOINTS.items():
        kinds[kind] = SCHEMA_BASE_URI + _openapi_response_pointer(path)
    kinds["api_root"] = SCHEMA_BASE_URI + _openapi_response_pointer("/")
    return kinds


#: Every ``kind`` understood by :func:`validate_object`, mapped to the schema URI it uses.
KINDS: dict[str, str] = _kinds()

# Schemas we add under the upstream compiled/ URLs (see the module docstring for why).
_WRAPPERS: dict[str, dict[str, Any]] = {
    "compiled/service.json": {"$ref": f"{SCHEMA_BASE_URI}service.json"},
    "compiled/organization.json": {
        "$ref": f"{SCHEMA_BASE_URI}organization.json",
        "properties": {
            "services": {"type": "array", "items": {"$ref": f"{SCHEMA_BASE_URI}service.json"}}
        },
    },
    "compiled/service_at_location.json": {
        "$ref": f"{SCHEMA_BASE_URI}service_at_location.json",
        "properties": {"service": {"$ref": f"{SCHEMA_BASE_URI}service.json"}},
    },
    **{
        f"compiled/{name}_package.json": {
            "type": "array",
            "items": {"$ref": f"{SCHEMA_BASE_URI}compiled/{name}.json"},
        }
        for name in ("service", "organization", "service_at_location")
    },
}

_PACKAGE_SHAPES = {
    "service_package": "service",
    "organization_package": "organization",
    "service_at_location_package": "service_at_location",
}


# --------------------------------------------------------------------------------------------
# Problems and reports
# --------------------------------------------------------------------------------------------

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def format_path(parts: Iterable[str | int]) -> str:
    """Render a JSON location as ``services[3].phones[0].number`` (``""`` is the document).

    Keys that are not plain identifiers are quoted as JSON strings (``["odd key"]``), so a
    hostile key cannot forge a misleading path.
    """
    out: list[str] = []
    for part in parts:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif _IDENTIFIER.match(part):
            out.append(f".{part}" if out else part)
        else:
            out.append(f"[{json.dumps(part)}]")
    return "".join(out)


@dataclass(frozen=True, slots=True)
class ValidationProblem:
    """One thing wrong with an HSDS document.

    ``path`` locates the offending value (``services[3].phones[0].number``); ``field`` is the
    property concerned (``number``), or ``None`` when the problem is about a whole object or
    array item; ``code`` is the JSON-schema keyword that failed (``required``, ``type``,
    ``format``, ``enum``, ...) or one of our own: ``duplicate_id``, ``unknown_reference``,
    ``inconsistent_reference``, ``missing_organization``, ``unknown_table``, ``pagination``,
    ``document``, ``too_many_problems``.
    """

    path: str
    field: str | None
    message: str
    code: str
    severity: str = "error"  # "error" or "warning"
    parts: tuple[str | int, ...] = ()

    @property
    def object_path(self) -> str:
        """Path of the object that holds the field (``services[3].phones[0]``)."""
        parts = self.parts
        if parts and isinstance(parts[-1], str):
            parts = parts[:-1]
        return format_path(parts)

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "object": self.object_path,
            "field": self.field,
            "message": self.message,
            "code": self.code,
            "severity": self.severity,
        }

    def __str__(self) -> str:
        where = self.path or "(document)"
        return f"{where}: {self.message}"


def _problem(
    parts: Sequence[str | int],
    message: str,
    code: str,
    *,
    severity: str = "error",
    field_name: str | None = None,
) -> ValidationProblem:
    parts = tuple(parts)
    if field_name is None:
        field_name = next((p for p in reversed(parts) if isinstance(p, str)), None)
    return ValidationProblem(
        path=format_path(parts),
        field=field_name,
        message=message,
        code=code,
        severity=severity,
        parts=parts,
    )


@dataclass(slots=True)
class ImportReport:
    """The outcome of :func:`validate_import`.

    ``shape`` is ``"tabular"``, ``"service_package"``, ``"organization_package"``,
    ``"service_at_location_package"`` or ``"invalid"``; ``counts`` gives the number of objects
    seen per HSDS table (distinct ids for packages, rows for tabular documents; partial when
    ``truncated``).
    """

    shape: str
    counts: dict[str, int] = field(default_factory=dict)
    problems: list[ValidationProblem] = field(default_factory=list)
    truncated: bool = False

    @property
    def errors(self) -> list[ValidationProblem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[ValidationProblem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        """True when nothing blocks the import (warnings allowed)."""
        return not self.truncated and not self.errors

    def by_object(self) -> dict[str, list[ValidationProblem]]:
        """Problems grouped by the object they concern, in path order."""
        grouped: dict[str, list[ValidationProblem]] = {}
        for problem in self.problems:
            grouped.setdefault(problem.object_path, []).append(problem)
        return grouped

    def as_dict(self) -> dict[str, Any]:
        return {
            "shape": self.shape,
            "ok": self.ok,
            "counts": dict(self.counts),
            "truncated": self.truncated,
            "problems": [p.as_dict() for p in self.problems],
        }


# --------------------------------------------------------------------------------------------
# Formats
# --------------------------------------------------------------------------------------------

_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s\x00-\x1f\x7f]*\Z")


def _is_uri(value: object) -> bool:
    # RFC 3986 absolute URI, loosely: a scheme, then no whitespace or control characters.
    return not isinstance(value, str) or bool(_URI.match(value))


def _is_date_time(value: object) -> bool:
    # RFC 3339 date-time: a full date, "T" (or space/"t"), a time; fromisoformat (3.11) accepts
    # "Z", offsets and fractions. A bare date is not a date-time.
    if not isinstance(value, str):
        return True
    if len(value) < 16 or value[10:11] not in ("T", "t", " "):
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10  # YYYY-MM-DD only, not the compact ISO forms


def _is_time(value: str) -> bool:
    # Frictionless "time" is HH:MM:SS; HSDS's own examples also write "10:00".
    if not re.fullmatch(
        r"[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?(Z|[+-][0-9]{2}:[0-9]{2})?", value
    ):
        return False
    try:
        time.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


_DATAPACKAGE_TYPES = {"date": _is_date, "time": _is_time, "datetime": _is_date_time}


def _datapackage_type(
    validator: Any, value: Any, instance: Any, schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    """HSDS marks dates and times with ``datapackage_type`` (its Tabular Data Package type)
    rather than a JSON-schema ``format``; check those values too."""
    if "format" in schema:  # already checked as a JSON-schema format
        return
    check = _DATAPACKAGE_TYPES.get(value)
    if check is not None and isinstance(instance, str) and not check(instance):
        yield ValidationError(f"{instance!r} is not a valid {value}")


_Validator = validators.extend(Draft202012Validator, {"datapackage_type": _datapackage_type})


def _format_checker() -> FormatChecker:
    checker = FormatChecker()
    checker.checks("uri")(_is_uri)
    checker.checks("date-time")(_is_date_time)
    return checker


# --------------------------------------------------------------------------------------------
# The validator
# --------------------------------------------------------------------------------------------


def _packaged_schema_dir() -> Traversable:
    return resources.files(__package__).joinpath("schemas")


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _excerpt(value: object, limit: int = 60) -> str:
    try:
        text = json.dumps(value, ensure_ascii=True, default=repr)
    except (TypeError, ValueError, RecursionError):
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _canonical_uuid(value: object) -> str | None:
    """The lower-case canonical form of a hyphenated UUID string, else None."""
    if not isinstance(value, str) or len(value) != 36:
        return None
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        return None
    canonical = str(parsed)
    return canonical if canonical == value.lower() else None


def _without_nulls(data: Any) -> Any:
    """A copy of ``data`` with ``null`` object members removed (array items are kept).

    Iterative, so hostile nesting depth cannot exhaust the interpreter's stack.
    """
    if not isinstance(data, dict | list):
        return data
    root: Any = {} if isinstance(data, dict) else []
    stack: list[tuple[Any, Any]] = [(data, root)]
    while stack:
        source, target = stack.pop()
        items = source.items() if isinstance(source, dict) else enumerate(source)
        for key, value in items:
            if isinstance(source, dict) and value is None:
                continue
            if isinstance(value, dict | list):
                copy: Any = {} if isinstance(value, dict) else []
                stack.append((value, copy))
                value = copy
            if isinstance(target, dict):
                target[key] = value
            else:
                target.append(value)
    return root


class HSDSValidator:
    """Validates HSDS 3.0 data against one directory of schema files.

    The module-level :func:`validate_object` and :func:`validate_import` use one shared
    instance over the packaged schemas; tests build their own over a copy.
    """

    def __init__(self, schema_dir: Traversable | Path | str | None = None) -> None:
        if schema_dir is None:
            directory: Traversable = _packaged_schema_dir()
        elif isinstance(schema_dir, str):
            directory = Path(schema_dir)
        else:
            directory = schema_dir
        self.registry: Registry = self._build_registry(directory)
        self._format_checker = _format_checker()
        self._schemas = {
            table: self.registry.contents(f"{SCHEMA_BASE_URI}{table}.json") for table in TABLES
        }
        self.children = self._child_types()
        self._validators: dict[str, Any] = {}

    # -- setup --------------------------------------------------------------------------------

    @staticmethod
    def _build_registry(directory: Traversable) -> Registry:
        pairs: list[tuple[str, Resource]] = []

        def add(name: str, contents: Any) -> None:
            resource = Resource.from_contents(contents, default_specification=DRAFT202012)
            pairs.append((SCHEMA_BASE_URI + name, resource))

        for table in TABLES:
            add(f"{table}.json", json.loads(directory.joinpath(f"{table}.json").read_text("utf-8")))
        add("openapi.json", json.loads(directory.joinpath("openapi.json").read_text("utf-8")))
        compiled = directory.joinpath("compiled")
        for name in ("service_list", "organization_list", "service_at_location_list"):
            text = compiled.joinpath(f"{name}.json").read_text("utf-8")
            add(f"compiled/{name}.json", json.loads(text))
        for name, contents in _WRAPPERS.items():
            add(name, contents)
        return Registry().with_resources(pairs)

    def _child_types(self) -> dict[str, dict[str, str]]:
        """For each table: property name -> table of the nested object(s) it holds."""
        children: dict[str, dict[str, str]] = {}
        for table, schema in self._schemas.items():
            mapping: dict[str, str] = {}
            for prop, spec in schema.get("properties", {}).items():
                ref = spec.get("$ref") or (spec.get("items") or {}).get("$ref")
                if isinstance(ref, str) and ref.endswith(".json"):
                    mapping[prop] = ref.rsplit("/", 1)[-1][: -len(".json")]
            children[table] = mapping
        children["organization"]["services"] = "service"
        children["service_at_location"]["service"] = "service"
        return children

    def _validator(self, kind: str) -> Any:
        validator = self._validators.get(kind)
        if validator is None:
            try:
                uri = KINDS[kind]
            except KeyError:
                raise ValueError(
                    f"unknown HSDS kind {kind!r}; expected one of {', '.join(sorted(KINDS))}"
                ) from None
            validator = _Validator(
                {"$ref": uri}, registry=self.registry, format_checker=self._format_checker
            )
            self._validators[kind] = validator
        return validator

    def table_schema(self, table: str) -> dict[str, Any]:
        """The canonical schema of one HSDS table (a dict; do not modify)."""
        return self._schemas[table]

    # -- objects ------------------------------------------------------------------------------

    def iter_problems(
        self,
        kind: str,
        data: Any,
        *,
        prefix: Sequence[str | int] = (),
        treat_null_as_absent: bool = False,
    ) -> Iterator[ValidationProblem]:
        """Yield the problems of ``data`` as an HSDS ``kind``, paths under ``prefix``."""
        validator = self._validator(kind)
        if treat_null_as_absent:
            data = _without_nulls(data)
        for error in validator.iter_errors(data):
            yield from self._problems_from_error(error, tuple(prefix))
        if kind in _LIST_ENDPOINTS:
            yield from _page_problems(data, tuple(prefix))

    def validate_object(
        self,
        kind: str,
        data: Any,
        *,
        treat_null_as_absent: bool = False,
        max_problems: int | None = None,
    ) -> list[ValidationProblem]:
        """Validate one HSDS object or API response; see the module-level function."""
        problems = self.iter_problems(kind, data, treat_null_as_absent=treat_null_as_absent)
        return _sorted(islice(problems, max_problems))

    def _problems_from_error(
        self, error: ValidationError, prefix: tuple[str | int, ...]
    ) -> Iterator[ValidationProblem]:
        parts = prefix + tuple(error.absolute_path)
        keyword = str(error.validator)
        instance = error.instance
        if keyword == "required":
            required = error.validator_value if isinstance(error.validator_value, list) else []
            missing = [
                name
                for name in required
                if isinstance(instance, dict)
                and name not in instance
                and error.message == f"{name!r} is a required property"
            ]
            name = missing[0] if missing else None
            if name is None:  # pragma: no cover - jsonschema always names the property
                yield _problem(parts, error.message, keyword)
                return
            yield _problem(parts + (name,), f"'{name}' is required", keyword)
        elif keyword == "type":
            expected = error.validator_value
            if isinstance(expected, list):
                expected = " or ".join(map(str, expected))
            got = _json_type(instance)
            yield _problem(parts, f"must be of type {expected}, not {got}", keyword)
        elif keyword in ("format", "datapackage_type"):
            yield _problem(
                parts,
                f"must be a valid {error.validator_value}, got {_excerpt(instance)}",
                "format",
            )
        elif keyword == "enum":
            allowed = ", ".join(str(v) for v in error.validator_value)
            yield _problem(parts, f"must be one of: {allowed}; got {_excerpt(instance)}", keyword)
        else:
            yield _problem(parts, _shorten(error.message), keyword)

    # -- imports ------------------------------------------------------------------------------

    def validate_import(
        self,
        document: Any,
        *,
        shape: str | None = None,
        existing: Mapping[str, Iterable[str]] | None = None,
        treat_null_as_absent: bool = False,
        max_problems: int = 1000,
    ) -> ImportReport:
        """Validate an import document; see the module-level function."""
        if shape is None:
            shape = _detect_shape(document)
        elif shape not in ("tabular", *_PACKAGE_SHAPES):
            raise ValueError(f"unknown import shape {shape!r}")
        known = {
            table: {c for c in map(_canonical_uuid, ids) if c}
            for table, ids in (existing or {}).items()
        }
        report = ImportReport(shape=shape)
        expected_type = dict if shape == "tabular" else list | dict
        if shape != "invalid" and not isinstance(document, expected_type):
            shape = report.shape = "invalid"
        if shape == "invalid":
            problems: Iterable[ValidationProblem] = [
                _problem(
                    (),
                    "an import must be an object of HSDS tables (tabular), an array of HSDS "
                    "services (package) or a page with 'contents'; got " + _json_type(document),
                    "document",
                )
            ]
        elif shape == "tabular":
            if treat_null_as_absent:
                document = _without_nulls(document)
            problems = self._tabular_problems(document, known, report.counts)
        else:
            if treat_null_as_absent:
                document = _without_nulls(document)
            problems = self._package_problems(
                document, _PACKAGE_SHAPES[shape], known, report.counts
            )
        collected = list(islice(problems, max_problems + 1))
        if len(collected) > max_problems:
            report.truncated = True
            collected = collected[:max_problems]
        report.problems = _sorted(collected)
        if report.truncated:
            report.problems.append(
                _problem(
                    (),
                    f"stopped after {max_problems} problems; fix these and validate again",
                    "too_many_problems",
                )
            )
        return report

    def _tabular_problems(
        self, document: dict[str, Any], known: dict[str, set[str]], counts: dict[str, int]
    ) -> Iterator[ValidationProblem]:
        aliases = self._table_aliases()
        ids: dict[str, dict[str, tuple[str | int, ...]]] = {t: {} for t in TABLES}
        rows: list[tuple[str, tuple[str | int, ...], dict[str, Any]]] = []

        for key, value in document.items():
            key = str(key)
            table = aliases.get(key)
            if table is None:
                yield _problem(
                    (key,),
                    f"'{key}' is not an HSDS table; ignored",
                    "unknown_table",
                    severity="warning",
                )
                continue
            if not isinstance(value, list):
                yield _problem((key,), f"must be an array of {table} rows", "type")
                continue
            counts[table] = counts.get(table, 0) + len(value)
            required_here = self._schemas[table].get("tabular_required", [])
            for index, row in enumerate(value):
                parts: tuple[str | int, ...] = (key, index)
                yield from self.iter_problems(table, row, prefix=parts)
                if not isinstance(row, dict):
                    continue
                for name in required_here:
                    if name not in row:
                        yield _problem(
                            parts + (name,), f"'{name}' is required in tabular data", "required"
                        )
                row_id = _canonical_uuid(row.get("id"))
                if row_id is None:
                    continue  # the schema check already reported it
                first = ids[table].get(row_id)
                if first is not None:
                    yield _problem(
                        parts + ("id",),
                        f"duplicate {table} id {row_id} (first used at {format_path(first)})",
                        "duplicate_id",
                    )
                else:
                    ids[table][row_id] = parts
                rows.append((table, parts, row))

        def exists(table: str, ref: str) -> bool:
            return ref in ids.get(table, {}) or ref in known.get(table, ())

        for table, parts, row in rows:
            for fk, target in _FOREIGN_KEYS.get(table, {}).items():
                ref = _canonical_uuid(row.get(fk))
                if ref is None or exists(target, ref):
                    continue
                warn = (table, fk) in _EXTERNAL_REFERENCES
                yield _problem(
                    parts + (fk,),
                    f"no {target} with id {ref} in this document"
                    + (" or in the directory" if known else ""),
                    "unknown_reference",
                    severity="warning" if warn else "error",
                )
            poly = _POLYMORPHIC_REFERENCES.get(table)
            if poly:
                fk, entity_field = poly
                ref = _canonical_uuid(row.get(fk))
                target = row.get(entity_field)
                if ref is not None and target in TABLES and not exists(target, ref):
                    yield _problem(
                        parts + (fk,),
                        f"no {target} with id {ref} in this document",
                        "unknown_reference",
                        severity="warning",
                    )

    def _table_aliases(self) -> dict[str, str]:
        aliases: dict[str, str] = {}
        for table, schema in self._schemas.items():
            aliases[table] = table
            path = schema.get("path")
            if isinstance(path, str) and path.endswith(".csv"):
                aliases[path[: -len(".csv")]] = table
        aliases["service_at_locations"] = "service_at_location"
        return aliases

    def _package_problems(
        self,
        document: Any,
        table: str,
        known: dict[str, set[str]],
        counts: dict[str, int],
    ) -> Iterator[ValidationProblem]:
        if isinstance(document, dict):  # a page: {"contents": [...], ...}
            items, prefix = document.get("contents"), ("contents",)
            if not isinstance(items, list):
                yield _problem(prefix, f"must be an array of {table} objects", "type")
                return
        else:
            items, prefix = document, ()
        seen: dict[tuple[str, str], tuple[tuple[str | int, ...], str]] = {}
        top_level: dict[str, tuple[str | int, ...]] = {}
        organization_links: list[tuple[tuple[str | int, ...], str]] = []
        missing_org: list[tuple[str | int, ...]] = []

        for index, item in enumerate(items):
            parts = prefix + (index,)
            yield from self.iter_problems(table, item, prefix=parts)
            if not isinstance(item, dict):
                continue
            item_id = _canonical_uuid(item.get("id"))
            if item_id is not None:
                first = top_level.get(item_id)
                if first is not None:
                    yield _problem(
                        parts + ("id",),
                        f"duplicate {table} id {item_id} (first used at {format_path(first)})",
                        "duplicate_id",
                    )
                else:
                    top_level[item_id] = parts
            yield from self._walk(table, item, parts, seen)
            if table == "service":
                nested = item.get("organization")
                org_id = _canonical_uuid(nested.get("id")) if isinstance(nested, dict) else None
                if org_id is None:
                    org_id = _canonical_uuid(item.get("organization_id"))
                    if org_id is not None:
                        organization_links.append((parts + ("organization_id",), org_id))
                    elif "organization_id" not in item and not isinstance(nested, dict):
                        missing_org.append(parts)

        for parts in missing_org:
            yield _problem(
                parts + ("organization",),
                "a service must name its organization ('organization' or 'organization_id')",
                "missing_organization",
            )
        for parts, org_id in organization_links:
            if ("organization", org_id) not in seen and org_id not in known.get("organization", ()):
                yield _problem(
                    parts,
                    f"no organization with id {org_id} in this document"
                    + (" or in the directory" if known else ""),
                    "unknown_reference",
                )
        for kind, _ in seen:
            counts[kind] = counts.get(kind, 0) + 1

    def _walk(
        self,
        table: str,
        root: dict[str, Any],
        root_parts: tuple[str | int, ...],
        seen: dict[tuple[str, str], tuple[tuple[str | int, ...], str]],
    ) -> Iterator[ValidationProblem]:
        """Check ids across nested objects: same id + same type must mean the same object.

        HSDS exports repeat an object wherever it is nested (one phone under the service, its
        contact and its location), so a repeated id is fine when the object's own fields agree
        and a conflict when they do not. Also checks that a nested object's ``<parent>_id``
        agrees with its parent, and a parent's ``<child>_id`` with a single nested child.
        """
        stack: list[tuple[str, dict[str, Any], tuple[str | int, ...]]] = [(table, root, root_parts)]
        while stack:
            kind, obj, parts = stack.pop()
            obj_id = _canonical_uuid(obj.get("id"))
            if obj_id is not None:
                digest = _scalar_digest(obj)
                first = seen.get((kind, obj_id))
                if first is None:
                    seen[(kind, obj_id)] = (parts, digest)
                elif first[1] != digest:
                    yield _problem(
                        parts + ("id",),
                        f"{kind} id {obj_id} is also used at {format_path(first[0])} "
                        "for different content",
                        "duplicate_id",
                    )
            for prop, child_kind in self.children.get(kind, {}).items():
                value = obj.get(prop)
                if isinstance(value, dict):
                    child_items: list[tuple[tuple[str | int, ...], Any]] = [
                        (parts + (prop,), value)
                    ]
                    # service.organization_id must name service.organization, and so on.
                    link = _canonical_uuid(obj.get(f"{child_kind}_id"))
                    child_id = _canonical_uuid(value.get("id"))
                    if link and child_id and link != child_id:
                        yield _problem(
                            parts + (f"{child_kind}_id",),
                            f"{child_kind}_id {link} does not match the nested {prop}.id "
                            f"{child_id}",
                            "inconsistent_reference",
                        )
                elif isinstance(value, list):
                    child_items = [(parts + (prop, i), v) for i, v in enumerate(value)]
                else:
                    continue
                for child_parts, child in child_items:
                    if not isinstance(child, dict):
                        continue
                    back = _canonical_uuid(child.get(f"{kind}_id"))
                    if obj_id and back and back != obj_id and isinstance(value, list):
                        yield _problem(
                            child_parts + (f"{kind}_id",),
                            f"{kind}_id {back} does not match the enclosing {kind} {obj_id}",
                            "inconsistent_reference",
                        )
                    stack.append((child_kind, child, child_parts))


def _scalar_digest(obj: Mapping[str, Any]) -> str:
    # The object's own fields; references to parents ("service_id", ...) are left out because
    # exporters fill them in some nestings and not in others.
    scalars = {
        k: v
        for k, v in obj.items()
        if not isinstance(v, dict | list) and not (k.endswith("_id") and k != "id")
    }
    encoded = json.dumps(scalars, sort_keys=True, ensure_ascii=True, default=repr)
    return hashlib.blake2b(encoded.encode(), digest_size=16).hexdigest()


def _shorten(message: str, limit: int = 200) -> str:
    return message if len(message) <= limit else message[: limit - 1] + "…"


def _sort_key(problem: ValidationProblem) -> tuple[tuple[int, int, str], ...]:
    return tuple((0, p, "") if isinstance(p, int) else (1, 0, p) for p in problem.parts)


def _sorted(problems: Iterable[ValidationProblem]) -> list[ValidationProblem]:
    """Problems in path order; where a value has the wrong type, only that is reported (an
    integer status is not also "not one of the allowed values")."""
    problems = list(problems)
    mistyped = {p.parts for p in problems if p.code == "type"}
    kept = [p for p in problems if p.code == "type" or p.parts not in mistyped]
    return sorted(kept, key=_sort_key)


def _detect_shape(document: Any) -> str:
    if isinstance(document, list):
        return "service_package"
    if isinstance(document, dict):
        if "contents" in document:
            return "service_package"
        return "tabular"
    return "invalid"


def _page_problems(data: Any, prefix: tuple[str | int, ...]) -> Iterator[ValidationProblem]:
    """The API reference's rules for list responses that the JSON schema leaves out."""
    if not isinstance(data, dict):
        return
    for name in (*PAGE_FIELDS, "contents"):
        if name not in data:
            yield _problem(
                prefix + (name,), f"'{name}' is required in a paginated response", "required"
            )
    contents = data.get("contents")
    if not isinstance(contents, list):
        return
    empty, size = data.get("empty"), data.get("size")
    if isinstance(empty, bool) and empty != (len(contents) == 0):
        yield _problem(
            prefix + ("empty",),
            f"'empty' is {str(empty).lower()} but the page holds {len(contents)} item(s)",
            "pagination",
        )
    if isinstance(size, int) and not isinstance(size, bool) and len(contents) > size:
        yield _problem(
            prefix + ("size",),
            f"the page holds {len(contents)} items, more than its size {size}",
            "pagination",
        )


# Foreign keys of the tabular form: table -> {column: referenced table}. The test suite checks
# that every "*_id" column of the canonical schemas is listed here (or below).
_FOREIGN_KEYS: dict[str, dict[str, str]] = {
    "organization": {"parent_organization_id": "organization"},
    "program": {"organization_id": "organization"},
    "service": {"organization_id": "organization", "program_id": "program"},
    "service_at_location": {"service_id": "service", "location_id": "location"},
    "location": {"organization_id": "organization"},
    "phone": {
        "location_id": "location",
        "service_id": "service",
        "organization_id": "organization",
        "contact_id": "contact",
        "service_at_location_id": "service_at_location",
    },
    "contact": {
        "organization_id": "organization",
        "service_id": "service",
        "service_at_location_id": "service_at_location",
        "location_id": "location",
    },
    "address": {"location_id": "location"},
    "schedule": {
        "service_id": "service",
        "location_id": "location",
        "service_at_location_id": "service_at_location",
    },
    "funding": {"organization_id": "organization", "service_id": "service"},
    "service_area": {"service_id": "service"},
    "required_document": {"service_id": "service"},
    "language": {"service_id": "service", "location_id": "location", "phone_id": "phone"},
    "accessibility": {"location_id": "location"},
    "taxonomy_term": {"parent_id": "taxonomy_term", "taxonomy_id": "taxonomy"},
    "attribute": {"taxonomy_term_id": "taxonomy_term"},
    "cost_option": {"service_id": "service"},
    "organization_identifier": {"organization_id": "organization"},
}
# References whose target may legitimately live outside the exporting directory (a parent
# organisation): reported as warnings.
_EXTERNAL_REFERENCES = {("organization", "parent_organization_id")}
# table -> (id column, column naming the referenced table); checked when the table is known.
_POLYMORPHIC_REFERENCES = {
    "attribute": ("link_id", "link_entity"),
    "metadata": ("resource_id", "resource_type"),
}
# "*_id" columns that are not references.
_NOT_REFERENCES = {("organization", "tax_id")}


# --------------------------------------------------------------------------------------------
# Pagination and the API root
# --------------------------------------------------------------------------------------------


def _require_int(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return value


def paginated(contents: Iterable[Any], page: int, per_page: int, total: int) -> dict[str, Any]:
    """Build an HSDS paginated response (the API reference's ``Page`` plus ``contents``).

    ``page`` is 1-based (the HSDS example response has ``"page_number": 1`` with
    ``"first_page": true``). ``size`` is the page size asked for (``per_page``), the Spring-Data
    meaning these field names come from, so ``total_pages == ceil(total_items / size)``; the
    number of items on this page is ``len(contents)``. ``total_pages`` is 0 when there are no
    results; a page past the end is returned empty with ``last_page`` true.
    """
    page = _require_int("page", page, 1)
    per_page = _require_int("per_page", per_page, 1)
    total = _require_int("total", total, 0)
    items = list(contents)
    if len(items) > per_page:
        raise ValueError(f"{len(items)} items do not fit a page of {per_page}")
    total_pages = math.ceil(total / per_page)
    return {
        "total_items": total,
        "total_pages": total_pages,
        "page_number": page,
        "size": per_page,
        "first_page": page == 1,
        "last_page": page >= total_pages,
        "empty": not items,
        "contents": items,
    }


def api_root(openapi_url: str, profile: str | None = None) -> dict[str, str]:
    """The body of the HSDS API's ``/`` endpoint: HSDS version, profile URL and openapi URL."""
    body = {"version": HSDS_VERSION, "openapi_url": openapi_url}
    if profile is not None:
        body["profile"] = profile
    return body


# --------------------------------------------------------------------------------------------
# Module-level API
# --------------------------------------------------------------------------------------------


@functools.cache
def default_validator() -> HSDSValidator:
    """The shared validator over the packaged schemas (built on first use)."""
    return HSDSValidator()


def validate_object(
    kind: str,
    data: Any,
    *,
    treat_null_as_absent: bool = False,
    max_problems: int | None = None,
) -> list[ValidationProblem]:
    """Validate one HSDS object or API response against the packaged HSDS 3.0 schemas.

    ``kind`` is a table (``"taxonomy"``, ``"taxonomy_term"``, ``"location"``, ...), a fully
    nested object as the API returns it (``"service"``, ``"organization"``,
    ``"service_at_location"``), a paginated list response (``"service_list"``,
    ``"organization_list"``, ``"service_at_location_list"``, ``"taxonomy_list"``,
    ``"taxonomy_term_list"``), an array of nested objects (``"service_package"``, ...) or the
    API root (``"api_root"``); see :data:`KINDS`. Returns the problems sorted by path; an
    empty list means valid. Raises ``ValueError`` for an unknown kind.

    HSDS has no ``null``: a member set to ``null`` is a type error unless
    ``treat_null_as_absent`` is true (many exporters write ``null`` for "not given").
    """
    return default_validator().validate_object(
        kind, data, treat_null_as_absent=treat_null_as_absent, max_problems=max_problems
    )


def validate_import(
    document: Any,
    *,
    shape: str | None = None,
    existing: Mapping[str, Iterable[str]] | None = None,
    treat_null_as_absent: bool = False,
    max_problems: int = 1000,
) -> ImportReport:
    """Validate a document another directory exported, before anything is imported.

    ``shape`` is detected when not given: an object of tables is ``"tabular"``, an array (or a
    page with ``contents``) is a ``"service_package"``; pass ``"organization_package"`` or
    ``"service_at_location_package"`` for arrays of those. Besides the schema, checks that ids
    are unique (per table; in packages, a repeated id must carry the same fields), that
    references resolve within the document or among ``existing`` (table -> ids already in the
    directory), that every service has an organization, and that nested ``*_id`` fields agree
    with their parents. Stops after ``max_problems`` (then ``report.truncated`` is true).
    """
    return default_validator().validate_import(
        document,
        shape=shape,
        existing=existing,
        treat_null_as_absent=treat_null_as_absent,
        max_problems=max_problems,
    )
