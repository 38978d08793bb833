"""X-ARF v4 reports for a CSAM URL notice (pure Python, no Django).

Which "X-ARF v4"
================
XARF v4 is the JSON format published by the XARF project (xarf.org, schemas in
``github.com/xarf/xarf-spec``, ``schemas/v4``): snake_case fields, ``"xarf_version": "4.0.0"``,
``"category": "content"`` and ``"type": "csam"``. The PascalCase layout (``ReporterInfo``,
``Disclosure``, ``Report.ReportClass = "Content"``) belongs to the older abusix XARF schemas,
versions 1–3, where the child-abuse type is spelled ``"ChildAbuse"`` (there is no ``"Csam"``).
Ostoja emits v4, as the issue asks.

Fields Ostoja emits (and nothing else)
======================================
======================  =========  =============================================================
field                   when       value
======================  =========  =============================================================
``xarf_version``        always     ``"4.0.0"``
``report_id``           always     a UUID (the caller's notice id; stable across re-notices if
                                   the caller wants receivers to group them)
``timestamp``           always     when the content was confirmed online (ISO 8601, UTC, ``Z``)
``reporter``            always     the hotline: ``{org, contact, domain}``
``sender``              always     who transmits (defaults to the reporter)
``source_identifier``   always     the hosting IP address if traced, else the host name
``source_port``         if known   explicit URL port, else 80 / 443 from the scheme
``category``            always     ``"content"``
``type``                always     ``"csam"``
``url``                 always     the reported URL (page-level, exactly as assessed)
``domain``              host name  the URL's host in A-label (punycode) form; omitted for IPs
``classification``      always     ``baseline``, ``A1``, ``A2``, ``B1`` or ``B2`` (INHOPE/Interpol
                                   baseline and national categories)
``detection_method``    always     ``manual_review`` (an analyst assessed it) by default
``evidence_source``     optional   e.g. ``user_report``
``media_type``          optional   ``image``, ``video``, ``audio``, ``text`` or ``mixed``
``hosting_provider``    optional   the provider's name from the trace
``asn``                 optional   the hosting ASN from the trace
``country_code``        optional   the hosting country (ISO 3166-1 alpha-2)
``verified_at``         optional   when an analyst last saw it online
``description``         optional   ≤ 1000 characters of plain text
``tags``                optional   ``namespace:value`` tags, e.g. ``ostoja:notice``
======================  =========  =============================================================

Never emitted: ``evidence`` (base64 payloads), ``screenshot_url`` and ``hash_values`` of the
material. Ostoja never stores, fetches or sends images, so a notice points at the URL only;
:func:`validate_report` rejects reports that carry any of those fields (the "Ostoja profile"
on top of the schema).
"""

from __future__ import annotations

import ipaddress
import json
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

import jsonschema

XARF_VERSION = "4.0.0"
CLASSIFICATIONS = ("baseline", "A1", "A2", "B1", "B2")
DETECTION_METHODS = ("hash_match", "ai_detection", "manual_review", "user_report", "automated_scan")
MEDIA_TYPES = ("image", "video", "audio", "text", "mixed")
# Fields a report from Ostoja must never carry (they would hold or point at the material).
FORBIDDEN_FIELDS = ("evidence", "screenshot_url", "hash_values")

_TAG = r"^[a-z0-9][a-z0-9_+-]*:[a-z0-9][a-z0-9_+.-]*$"
_CONTACT = {
    "type": "object",
    "required": ["org", "contact", "domain"],
    "properties": {
        "org": {"type": "string", "minLength": 1, "maxLength": 200},
        "contact": {"type": "string", "format": "email"},
        "domain": {"type": "string", "format": "hostname"},
    },
    "additionalProperties": False,
}

#: JSON Schema (draft 2020-12) of an XARF v4 ``content``/``csam`` report: the core schema,
#: the content-category base and the csam type of xarf-spec, folded into one document.
#: Like the spec it allows further (unknown) fields; the Ostoja profile is checked separately.
SCHEMA: dict = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://ostoja.invalid/schemas/xarf-v4-content-csam.json",
    "title": "XARF v4 content/csam report",
    "type": "object",
    "required": [
        "xarf_version",
        "report_id",
        "timestamp",
        "reporter",
        "sender",
        "source_identifier",
        "category",
        "type",
        "url",
        "classification",
        "detection_method",
    ],
    "properties": {
        "xarf_version": {"type": "string", "pattern": r"^4\.[0-9]+\.[0-9]+$"},
        "report_id": {"type": "string", "format": "uuid"},
        "timestamp": {"type": "string", "format": "date-time"},
        "reporter": _CONTACT,
        "sender": _CONTACT,
        "source_identifier": {"type": "string", "minLength": 1},
        "source_port": {"type": "integer", "minimum": 1, "maximum": 65535},
        "category": {"const": "content"},
        "type": {"const": "csam"},
        "evidence_source": {"type": "string"},
        "tags": {
            "type": "array",
            "items": {"type": "string", "pattern": _TAG},
            "maxItems": 20,
        },
        "confidence": {"type": "number", "minimum": 0, "maximum": 1},
        "description": {"type": "string", "maxLength": 1000},
        "url": {"type": "string", "format": "uri"},
        "domain": {"type": "string", "format": "hostname"},
        "verified_at": {"type": "string", "format": "date-time"},
        "hosting_provider": {"type": "string"},
        "asn": {"type": "integer", "minimum": 1, "maximum": 4294967295},
        "country_code": {"type": "string", "pattern": "^[A-Z]{2}$"},
        "classification": {"enum": list(CLASSIFICATIONS)},
        "media_type": {"enum": list(MEDIA_TYPES)},
        "detection_method": {"enum": list(DETECTION_METHODS)},
        "content_removed": {"type": "boolean"},
        "account_suspended": {"type": "boolean"},
    },
    "additionalProperties": True,
}

# --- format checks (jsonschema ships no uri/date-time/hostname checkers without extras) ------

_FORMATS = jsonschema.FormatChecker(["email", "uuid", "ipv4", "ipv6"])
_HOST_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")


@_FORMATS.checks("date-time", raises=ValueError)
def _is_datetime(value) -> bool:
    if not isinstance(value, str):
        return True
    # RFC 3339: a full date, "T", a time and an offset (Z or ±hh:mm).
    if not re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$", value):
        raise ValueError("not an RFC 3339 date-time")
    datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


@_FORMATS.checks("hostname")
def _is_hostname(value) -> bool:
    if not isinstance(value, str):
        return True
    if not value or len(value) > 253:
        return False
    return all(_HOST_LABEL.match(label) for label in value.rstrip(".").split("."))


@_FORMATS.checks("uri")
def _is_uri(value) -> bool:
    if not isinstance(value, str):
        return True
    if any(ch.isspace() or ord(ch) < 32 for ch in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return bool(re.match(r"^[A-Za-z][A-Za-z0-9+.-]*$", parts.scheme or "")) and bool(
        parts.netloc or parts.path
    )


_VALIDATOR = jsonschema.Draft202012Validator(SCHEMA, format_checker=_FORMATS)


# --- building -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Party:
    """An XARF ``contact_info``: organisation name, contact e-mail and domain."""

    org: str
    contact: str
    domain: str

    def as_dict(self) -> dict:
        return {"org": self.org, "contact": self.contact, "domain": self.domain}


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("Times in a report must be timezone-aware.")
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _host_and_port(url: str) -> tuple[str, int | None]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("The reported URL must be an http(s) URL with a host.")
    port = parts.port or {"http": 80, "https": 443}[parts.scheme]
    return parts.hostname, port


def _a_label(host: str) -> str | None:
    """The host in A-label form, or None for an IP literal."""
    try:
        ipaddress.ip_address(host)
        return None
    except ValueError:
        pass
    return host.rstrip(".").encode("idna").decode("ascii").lower()


def build_csam_report(
    *,
    url: str,
    observed_at: datetime,
    reporter: Party,
    sender: Party | None = None,
    report_id: str | uuid.UUID | None = None,
    source_ip: str | None = None,
    classification: str = "baseline",
    detection_method: str = "manual_review",
    evidence_source: str | None = None,
    media_type: str | None = None,
    hosting_provider: str | None = None,
    asn: int | None = None,
    country_code: str | None = None,
    verified_at: datetime | None = None,
    description: str | None = None,
    tags: list[str] | tuple[str, ...] = (),
) -> dict:
    """Return an XARF v4 ``content``/``csam`` report (a dict ready for ``json.dumps``).

    Raises ``ValueError`` if the result would not validate (see :func:`validate_report`).
    """
    host, port = _host_and_port(url)
    domain = _a_label(host)
    if source_ip:
        source_ip = str(ipaddress.ip_address(source_ip))
    report = {
        "xarf_version": XARF_VERSION,
        "report_id": str(uuid.UUID(str(report_id)) if report_id else uuid.uuid4()),
        "timestamp": _iso(observed_at),
        "reporter": reporter.as_dict(),
        "sender": (sender or reporter).as_dict(),
        "source_identifier": source_ip or domain or host,
        "source_port": port,
        "category": "content",
        "type": "csam",
        "url": url,
        "classification": classification,
        "detection_method": detection_method,
    }
    if domain:
        report["domain"] = domain
    optional = {
        "evidence_source": evidence_source,
        "media_type": media_type,
        "hosting_provider": hosting_provider,
        "asn": asn,
        "country_code": country_code.upper() if country_code else None,
        "verified_at": _iso(verified_at) if verified_at else None,
        "description": description,
        "tags": list(tags) or None,
    }
    report.update({k: v for k, v in optional.items() if v is not None})
    errors = validate_report(report)
    if errors:
        raise ValueError("Invalid X-ARF report: " + "; ".join(errors))
    return report


# --- validating -----------------------------------------------------------------------------


def validate_report(report) -> list[str]:
    """All problems with ``report`` (empty if it is a valid XARF v4 csam report that also
    follows the Ostoja profile: no evidence, screenshot or content hashes)."""
    problems = []
    for error in sorted(_VALIDATOR.iter_errors(report), key=lambda e: list(e.absolute_path)):
        where = "/".join(str(p) for p in error.absolute_path) or "(report)"
        problems.append(f"{where}: {error.message}")
    if isinstance(report, dict):
        for name in FORBIDDEN_FIELDS:
            if name in report:
                problems.append(f"{name}: Ostoja reports never carry material or pointers to it")
    return problems


def is_valid(report) -> bool:
    return not validate_report(report)


def dumps(report: dict) -> str:
    """The JSON text of the attachment / webhook payload (UTF-8, stable key order)."""
    return json.dumps(report, ensure_ascii=False, indent=2, sort_keys=False)
