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
``url``                 always     the reported URL (page-level, as assessed; a non-ASCII
                                   URL is mapped to its RFC 3986 URI: A-label host, UTF-8
                                   percent-encoding)
``domain``              host name  the URL's host, if it matches the official ``domain``
                                   pattern (omitted for IPs, punycode ``xn--`` and
                                   single-label hosts: see docs/ntd-referral-format.md)
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
``tags``                optional   ``namespace:value`` tags, e.g. ``ostoja:notice`` (a dot
                                   becomes ``-``: the official pattern has no dots)
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
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import jsonschema
from referencing import Registry, Resource

XARF_VERSION = "4.0.0"
CLASSIFICATIONS = ("baseline", "A1", "A2", "B1", "B2")
DETECTION_METHODS = ("hash_match", "ai_detection", "manual_review", "user_report", "automated_scan")
MEDIA_TYPES = ("image", "video", "audio", "text", "mixed")
# Fields a report from Ostoja must never carry (they would hold or point at the material).
FORBIDDEN_FIELDS = ("evidence", "screenshot_url", "hash_values")

#: The official schemas (``xarf_v4/``, unmodified copies from xarf-spec), resolved by ``$id``.
_SCHEMA_DIR = Path(__file__).with_name("xarf_v4")
_SCHEMA_FILES = ("xarf-core.json", "types/content-base.json", "types/content-csam.json")


def _load_schemas() -> tuple[dict, Registry]:
    resources = []
    for name in _SCHEMA_FILES:
        contents = json.loads((_SCHEMA_DIR / name).read_text(encoding="utf-8"))
        resources.append((contents["$id"], Resource.from_contents(contents)))
    registry = Registry().with_resources(resources)
    return registry[CSAM_SCHEMA_ID].contents, registry


CSAM_SCHEMA_ID = "https://xarf.org/schemas/v4/types/content-csam.json"
#: The official X-ARF v4 ``content``/``csam`` schema (it builds on content-base and core).
SCHEMA, _REGISTRY = _load_schemas()


def _official_pattern(schema_id: str, *path: str) -> re.Pattern:
    node = _REGISTRY[schema_id].contents
    for key in path:
        node = node[int(key)] if isinstance(node, list) else node[key]
    return re.compile(node)


#: The official patterns a value must match (used to decide what a notice carries).
_DOMAIN = _official_pattern(
    "https://xarf.org/schemas/v4/types/content-base.json",
    "allOf", "1", "properties", "domain", "pattern",
)  # fmt: skip
_TAG = _official_pattern(
    "https://xarf.org/schemas/v4/xarf-core.json", "properties", "tags", "items", "pattern"
)

# --- format checks ---------------------------------------------------------------------------
# jsonschema checks a format only if the library it needs is installed: "uri" needs
# rfc3986-validator (a runtime dependency; jsonschema's ``format-nongpl`` extra names it),
# "date-time" rfc3339-validator, "hostname" fqdn. Without it a format is silently accepted, so
# the checker is built from every available check, "uri" must be among them, and date-time
# and hostname have checks of our own where their library is missing.

_FORMATS = jsonschema.FormatChecker()
if "uri" not in _FORMATS.checkers:  # pragma: no cover - a broken installation
    raise ImportError("X-ARF validation needs rfc3986-validator for the 'uri' format check.")
_HOST_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")


def _is_datetime(value) -> bool:
    if not isinstance(value, str):
        return True
    # RFC 3339: a full date, "T", a time and an offset (Z or ±hh:mm).
    if not re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$", value):
        raise ValueError("not an RFC 3339 date-time")
    datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


def _is_hostname(value) -> bool:
    if not isinstance(value, str):
        return True
    if not value or len(value) > 253:
        return False
    return all(_HOST_LABEL.match(label) for label in value.rstrip(".").split("."))


if "date-time" not in _FORMATS.checkers:
    _FORMATS.checks("date-time", raises=ValueError)(_is_datetime)
if "hostname" not in _FORMATS.checkers:
    _FORMATS.checks("hostname")(_is_hostname)

_VALIDATOR = jsonschema.Draft202012Validator(SCHEMA, registry=_REGISTRY, format_checker=_FORMATS)


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


def as_uri(url: str) -> str:
    """The URL as an RFC 3986 URI (ASCII): the host in A-label form, other non-ASCII
    characters percent-encoded as UTF-8 — RFC 3987's mapping of an IRI to the URI of the same
    resource. ASCII URLs (the hotline's canonical form) are returned unchanged."""
    if url.isascii():
        return url
    parts = urlsplit(url)
    host = parts.hostname or ""
    a_label = _a_label(host) or host
    if ":" in a_label:  # an IPv6 literal
        a_label = f"[{a_label}]"
    userinfo = ""
    if parts.username is not None:
        userinfo = quote(parts.username, safe="")
        if parts.password is not None:
            userinfo += ":" + quote(parts.password, safe="")
        userinfo += "@"
    port = f":{parts.port}" if parts.port is not None else ""
    netloc = f"{userinfo}{a_label}{port}"
    safe = "/:@!$&'()*+,;=%-._~?#[]"
    return urlunsplit(
        (
            parts.scheme,
            netloc,
            quote(parts.path, safe=safe),
            quote(parts.query, safe=safe),
            quote(parts.fragment, safe=safe),
        )
    )


def _tag(tag: str) -> str:
    """A tag as the official pattern allows it: dots in a tag become hyphens (``ostoja:v1.2``
    → ``ostoja:v1-2``); anything else the pattern refuses is a ValueError."""
    fixed = tag.replace(".", "-")
    if not _TAG.match(fixed):
        raise ValueError(f"An X-ARF tag must be 'namespace:value' in [a-z0-9_+-]: {tag!r}")
    return fixed


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
    url = as_uri(url)
    host, port = _host_and_port(url)
    a_label = _a_label(host)
    # ``domain`` is only RECOMMENDED, and the official pattern refuses punycode labels
    # (``xn--…``) and single-label hosts: such a host is named by ``url`` and
    # ``source_identifier`` only (see docs/ntd-referral-format.md).
    domain = a_label if a_label and _DOMAIN.match(a_label) else None
    tags = [_tag(t) for t in tags]
    if source_ip:
        source_ip = str(ipaddress.ip_address(source_ip))
    report = {
        "xarf_version": XARF_VERSION,
        "report_id": str(uuid.UUID(str(report_id)) if report_id else uuid.uuid4()),
        "timestamp": _iso(observed_at),
        "reporter": reporter.as_dict(),
        "sender": (sender or reporter).as_dict(),
        "source_identifier": source_ip or a_label or host,
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
    """All problems with ``report`` (empty if it is a valid XARF v4 csam report — checked
    against the official schemas with format checks on — that also follows the Ostoja
    profile: no evidence, screenshot or content hashes)."""
    problems = []
    for error in sorted(_VALIDATOR.iter_errors(report), key=lambda e: list(e.absolute_path)):
        where = "/".join(str(p) for p in error.absolute_path) or "(report)"
        problems.append(f"{where}: {error.message}")
    if isinstance(report, dict):
        for name in FORBIDDEN_FIELDS:
            if name in report:
                problems.append(f"{name}: Ostoja reports never carry material or pointers to it")
        for party in ("reporter", "sender"):
            contact = report.get(party)
            if isinstance(contact, dict) and not str(contact.get("org", "")).strip():
                problems.append(f"{party}/org: an Ostoja report names the organisation")
    return problems


def is_valid(report) -> bool:
    return not validate_report(report)


def dumps(report: dict) -> str:
    """The JSON text of the attachment / webhook payload (UTF-8, stable key order)."""
    return json.dumps(report, ensure_ascii=False, indent=2, sort_keys=False)
