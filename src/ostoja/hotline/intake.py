"""Validating what a reporter sent, before anything is written (shared by the form and the API).

Every problem is a :class:`FieldError` naming the field the way the API names it
(``urls.3``, ``hashes.0.value``, ``reports.12.incident_type``), with a translated message.
:func:`prepare_report` returns a :class:`PreparedReport` or raises :class:`IntakeError` with
*all* problems at once, so nothing is half-written: the service writes only prepared reports.

Text fields
===========
Free text (description, escalation reason, notes) is stored exactly as typed: HTML and
SQL-looking text is only text (templates escape it, queries are parameterised; tests prove
both). What cannot be stored or displayed safely is refused with a 422 naming the field:
NUL and other control characters (except tab and line breaks), lone surrogates (not text;
PostgreSQL would refuse them) and text over the length limit. Single-line identifiers (the
reporter's reference) must also be free of invisible and text-direction characters
(Unicode category Cf: zero-width spaces, bidi overrides), which could make one reference look
like another.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
import uuid
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.translation import gettext as _

from . import url_canonical
from .explain import rejection_message
from .models import SIGNAL_HEX_LENGTH, Annotation, IncidentType, WhereSeen

MAX_URLS_PER_REPORT = 100
MAX_HASHES_PER_REPORT = 100
MAX_RELATED_REPORTS = 50
MAX_BATCH_REPORTS = 1000
MAX_DESCRIPTION = 5000
MAX_ESCALATE_REASON = 2000
MAX_REFERENCE = 100
MAX_RAW_STORED = 2100

_CONTROL_MULTILINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_CONTROL_SINGLE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_REFERENCE_RE = re.compile(r"^[^\s].*$", re.DOTALL)


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str
    code: str = "invalid"

    def prefixed(self, prefix: str) -> FieldError:
        return FieldError(
            f"{prefix}.{self.field}" if prefix else self.field, self.message, self.code
        )

    def as_dict(self) -> dict:
        return {"field": self.field, "message": self.message, "type": self.code}


class IntakeError(ValueError):
    """The input cannot be accepted; ``errors`` names every problem."""

    def __init__(self, errors: list[FieldError]):
        self.errors = errors
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors[:5]))


@dataclass
class ReportInput:
    """What one report says, as received (strings not yet checked)."""

    incident_type: str
    urls: list[str]
    hashes: list[tuple[str, str]] = field(default_factory=list)
    annotations: list[str] = field(default_factory=list)
    escalate_reason: str = ""
    reporter_reference: str = ""
    related_report_ids: list[str] = field(default_factory=list)
    where_seen: str = ""
    description: str = ""
    reporter_email: str | None = None


@dataclass(frozen=True)
class UrlCheck:
    position: int
    raw: str  # safe to store: truncated, no NUL or surrogates
    canonical_url: str = ""
    url_sha256: str = ""
    host: str = ""
    rejection_code: str = ""

    @property
    def accepted(self) -> bool:
        return not self.rejection_code


@dataclass
class PreparedReport:
    data: ReportInput
    urls: list[UrlCheck]
    hashes: list[tuple[str, str]]
    annotations: list[str]
    related_report_ids: list[str]

    @property
    def accepted_urls(self) -> list[UrlCheck]:
        return [u for u in self.urls if u.accepted]


def storable_raw(raw: str) -> str:
    """The raw URL as we keep it: bounded, and without characters a database refuses."""
    text = raw[:MAX_RAW_STORED]
    text = _SURROGATE.sub("\ufffd", text)
    return text.replace("\x00", "\ufffd")


def check_url(position: int, raw) -> UrlCheck:
    if not isinstance(raw, str):
        return UrlCheck(position, "", rejection_code="unparseable")
    try:
        canonical = url_canonical.canonicalise(raw)
    except url_canonical.UrlRejected as exc:
        return UrlCheck(position, storable_raw(raw), rejection_code=exc.code)
    return UrlCheck(
        position,
        storable_raw(raw),
        canonical_url=canonical,
        url_sha256=hashlib.sha256(canonical.encode("utf-8")).hexdigest(),
        host=host_of_canonical(canonical),
    )


def host_of_canonical(canonical: str) -> str:
    """The host of a URL that :func:`url_canonical.canonicalise` produced (no re-parsing).

    A canonical URL is ``scheme://host[:port]/path[?query]``: the authority ends at the first
    "/", an IPv6 host is in brackets. Same result as ``url_canonical.host_of`` (tested).
    """
    authority = canonical.split("://", 1)[1].split("/", 1)[0]
    if authority.startswith("["):
        return authority[1 : authority.index("]")]
    return authority.rsplit(":", 1)[0] if ":" in authority else authority


def check_text(
    value, name: str, *, max_length: int, multiline: bool = True, errors: list[FieldError]
) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        errors.append(FieldError(name, _("Enter text."), "type"))
        return ""
    if len(value) > max_length:
        errors.append(
            FieldError(
                name,
                _("Enter at most %(max)d characters (it has %(length)d).")
                % {"max": max_length, "length": len(value)},
                "too_long",
            )
        )
        return ""
    if _SURROGATE.search(value):
        errors.append(FieldError(name, _("The text contains invalid characters."), "characters"))
        return ""
    control = _CONTROL_MULTILINE if multiline else _CONTROL_SINGLE_LINE
    if control.search(value):
        errors.append(
            FieldError(
                name,
                _("The text contains control characters. Remove them and try again."),
                "characters",
            )
        )
        return ""
    if not multiline and any(unicodedata.category(ch) == "Cf" for ch in value):
        errors.append(
            FieldError(
                name,
                _("The text contains invisible or text-direction characters."),
                "characters",
            )
        )
        return ""
    return value.strip() if not multiline else value.strip("\r\n ")


def check_choice(value, name: str, choices, errors: list[FieldError], *, required=True) -> str:
    if value in (None, "") and not required:
        return ""
    if not isinstance(value, str) or value not in choices.values:
        errors.append(
            FieldError(
                name,
                _("Choose one of: %(choices)s.") % {"choices": ", ".join(choices.values)},
                "choice",
            )
        )
        return ""
    return value


def check_email(value, name: str, errors: list[FieldError]) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str) or len(value) > 254:
        errors.append(FieldError(name, _("Enter a valid e-mail address."), "email"))
        return None
    text = value.strip()
    try:
        EmailValidator()(text)
    except ValidationError:
        errors.append(FieldError(name, _("Enter a valid e-mail address."), "email"))
        return None
    if _CONTROL_SINGLE_LINE.search(text) or any(unicodedata.category(c) == "Cf" for c in text):
        errors.append(FieldError(name, _("Enter a valid e-mail address."), "email"))
        return None
    return text


def prepare_report(data: ReportInput) -> PreparedReport:
    """Check everything in one report; raise :class:`IntakeError` with every problem."""
    errors: list[FieldError] = []
    check_choice(data.incident_type, "incident_type", IncidentType, errors)
    check_choice(data.where_seen, "where_seen", WhereSeen, errors, required=False)
    data.description = check_text(
        data.description, "description", max_length=MAX_DESCRIPTION, errors=errors
    )
    data.escalate_reason = check_text(
        data.escalate_reason, "escalate_reason", max_length=MAX_ESCALATE_REASON, errors=errors
    )
    data.reporter_reference = check_text(
        data.reporter_reference,
        "reporter_reference",
        max_length=MAX_REFERENCE,
        multiline=False,
        errors=errors,
    )
    data.reporter_email = check_email(data.reporter_email, "reporter_email", errors)

    urls: list[UrlCheck] = []
    if not isinstance(data.urls, list) or not data.urls:
        errors.append(FieldError("urls", _("Enter at least one web address."), "required"))
    elif len(data.urls) > MAX_URLS_PER_REPORT:
        errors.append(
            FieldError(
                "urls",
                _("A report can have at most %(max)d addresses (it has %(count)d).")
                % {"max": MAX_URLS_PER_REPORT, "count": len(data.urls)},
                "too_many",
            )
        )
    else:
        urls = [check_url(i, raw) for i, raw in enumerate(data.urls)]
        if not any(u.accepted for u in urls):
            errors.extend(
                FieldError(
                    f"urls.{u.position}", str(rejection_message(u.rejection_code)), u.rejection_code
                )
                for u in urls
            )

    hashes: list[tuple[str, str]] = []
    if len(data.hashes) > MAX_HASHES_PER_REPORT:
        errors.append(
            FieldError(
                "hashes",
                _("A report can have at most %(max)d hashes.") % {"max": MAX_HASHES_PER_REPORT},
                "too_many",
            )
        )
    else:
        seen = set()
        for i, (signal_type, value) in enumerate(data.hashes):
            if signal_type not in SIGNAL_HEX_LENGTH:
                errors.append(
                    FieldError(
                        f"hashes.{i}.type",
                        _("Choose one of: %(choices)s.")
                        % {"choices": ", ".join(SIGNAL_HEX_LENGTH)},
                        "choice",
                    )
                )
                continue
            length = SIGNAL_HEX_LENGTH[signal_type]
            if not isinstance(value, str) or not re.fullmatch(rf"[0-9a-fA-F]{{{length}}}", value):
                errors.append(
                    FieldError(
                        f"hashes.{i}.value",
                        _("A %(type)s hash is %(length)d hexadecimal characters.")
                        % {"type": signal_type, "length": length},
                        "hash",
                    )
                )
                continue
            key = (signal_type, value.lower())
            if key not in seen:
                seen.add(key)
                hashes.append(key)

    annotations: list[str] = []
    for i, code in enumerate(data.annotations):
        if check_choice(code, f"annotations.{i}", Annotation, errors) and code not in annotations:
            annotations.append(code)

    related: list[str] = []
    if len(data.related_report_ids) > MAX_RELATED_REPORTS:
        errors.append(
            FieldError(
                "related_report_ids",
                _("At most %(max)d related reports.") % {"max": MAX_RELATED_REPORTS},
                "too_many",
            )
        )
    else:
        for i, value in enumerate(data.related_report_ids):
            try:
                related.append(str(uuid.UUID(str(value))))
            except ValueError:
                errors.append(
                    FieldError(f"related_report_ids.{i}", _("Enter a report id."), "uuid")
                )

    if errors:
        raise IntakeError(errors)
    return PreparedReport(data, urls, hashes, annotations, related)


def request_fingerprint(payload) -> str:
    """SHA-256 of a request's content, to tell a retry from a different request."""
    text = json.dumps(payload, sort_keys=True, ensure_ascii=True, default=str)
    return hashlib.sha256(text.encode("ascii")).hexdigest()
