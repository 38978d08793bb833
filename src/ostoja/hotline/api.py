"""Partner API of the hotline: send reports (one or a batch) and read their status.

Endpoints (token scope ``reports``):

* ``POST /api/v1/reports`` — one report; 201 with the report id and, for every URL in the
  order sent, ``accepted`` (canonical URL and item id) or ``rejected`` (reason code and
  message). The report is committed before the 201 is sent.
* ``POST /api/v1/reports/batch`` — up to 1,000 reports, all or nothing.
* ``GET /api/v1/reports/{id}`` — status of a report, only for the organisation that sent it
  (any other id is a 404, whether it exists or not).

``Idempotency-Key`` (optional header, 1–255 printable ASCII characters, unique per
organisation): a retried request with the same key and the same body returns the first
answer (201, header ``Idempotent-Replayed: true``) and creates nothing; the same key with a
different body is a 409.

Errors follow ``core/api.py``: ``{"detail": "…", "errors": [{"field": "urls.3", "message":
"…", "type": "…"}]}``. A report needs at least one acceptable URL; if none is, the answer is
422 naming every URL. Bodies over the server limit (``DATA_UPLOAD_MAX_MEMORY_SIZE``, 2 MB)
get 413.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Header, Router, Schema, Status
from pydantic import BaseModel, ConfigDict, StrictStr, model_validator

from ostoja.core.api_auth import TokenAuth
from ostoja.core.api_errors import ApiError
from ostoja.core.api_fields import alias_schema, fold_alias

from . import services
from .explain import public_status, rejection_message
from .intake import (
    MAX_BATCH_REPORTS,
    MAX_DESCRIPTION,
    MAX_ESCALATE_REASON,
    MAX_HASHES_PER_REPORT,
    MAX_REFERENCE,
    MAX_RELATED_REPORTS,
    MAX_URLS_PER_REPORT,
    IntakeError,
    ReportInput,
    request_fingerprint,
)
from .models import Report

router = Router(tags=["hotline reports"])

IncidentTypeCode = Literal["csam", "grooming", "sextortion", "sexualised", "other"]
WhereSeenCode = Literal["website", "social_network", "messenger", "p2p", "online_game", "other"]
AnnotationCode = Literal[
    "live_streaming",
    "sextortion",
    "infant_toddler",
    "self_generated",
    "generative_ai",
    "physical_harm",
]
SignalTypeCode = Literal["md5", "sha1", "sha256", "pdq"]
PublicStatusCode = Literal[
    "received", "being_assessed", "action_taken", "not_illegal", "no_longer_available"
]

EXAMPLE_REPORT = {
    "incident_type": "csam",
    "urls": ["https://img.example.net/gallery/123", "javascript:alert(1)"],
    "hashes": [{"type": "md5", "value": "0123456789abcdef0123456789abcdef"}],
    "annotations": ["self_generated"],
    "reporter_reference": "TICKET-2025-0042",
    "where_seen": "website",
    "description": "Found while reviewing a user report.",
}


class ReportHashIn(BaseModel):
    """A hash in a report: ``{"type", "value"}``; ``signal_type`` is accepted for ``type``
    (the matching API's spelling, which an earlier version of the document showed here)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra=alias_schema(
            field="type",
            alias="signal_type",
            example={"type": "md5", "value": "0123456789abcdef0123456789abcdef"},
        ),
    )

    type: SignalTypeCode = Field(description="Hash algorithm.")
    value: StrictStr = Field(
        max_length=64,
        description="Lower- or upper-case hex: md5 32, sha1 40, sha256 64, pdq 64 characters.",
    )

    @model_validator(mode="before")
    @classmethod
    def _signal_type_is_type(cls, data):
        return fold_alias(data, field="type", alias="signal_type")


class ReportIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE_REPORT]})

    incident_type: IncidentTypeCode = Field(
        description=(
            "What the report concerns: `csam` (child sexual abuse material), `grooming` "
            "(grooming or online enticement), `sextortion`, `sexualised` (sexualised images of "
            "children that may be legal), `other` (other illegal content)."
        )
    )
    urls: list[StrictStr] = Field(
        min_length=1,
        max_length=MAX_URLS_PER_REPORT,
        description=(
            "Web addresses (http/https), at most 100. Each is canonicalised; unacceptable ones "
            "(other schemes, private hosts, over 2,048 characters…) are rejected individually."
        ),
    )
    hashes: list[ReportHashIn] = Field(
        default_factory=list,
        max_length=MAX_HASHES_PER_REPORT,
        description="File hashes, checked against the known-material hash lists.",
    )
    annotations: list[AnnotationCode] = Field(
        default_factory=list, max_length=6, description="Facts about the content."
    )
    escalate_reason: StrictStr | None = Field(
        default=None,
        max_length=MAX_ESCALATE_REASON,
        description="Present means immediate risk to a child: why. Makes the item priority P1.",
    )
    reporter_reference: StrictStr | None = Field(
        default=None, max_length=MAX_REFERENCE, description="Your own reference for this report."
    )
    related_report_ids: list[UUID] = Field(
        default_factory=list,
        max_length=MAX_RELATED_REPORTS,
        description="Ids of earlier reports your organisation sent that relate to this one.",
    )
    where_seen: WhereSeenCode | None = Field(default=None, description="Where it was seen.")
    description: StrictStr | None = Field(
        default=None, max_length=MAX_DESCRIPTION, description="Free text for the analysts."
    )


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reports: list[ReportIn] = Field(min_length=1, max_length=MAX_BATCH_REPORTS)


class UrlResultOut(Schema):
    position: int = Field(description="Index of the URL in the request, from 0.")
    status: Literal["accepted", "rejected"]
    canonical_url: str | None = Field(None, description="For accepted URLs.")
    item_id: int | None = Field(None, description="The hotline item this URL belongs to.")
    reason: str | None = Field(None, description="For rejected URLs: a stable code.")
    message: str | None = Field(None, description="For rejected URLs: why, in words.")


class ReportCreatedOut(Schema):
    id: UUID
    received_at: datetime
    accepted: int
    rejected: int
    urls: list[UrlResultOut]

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "6f1c1f5e-8d1e-4e8a-9f2a-0c7b0c3b2a11",
                    "received_at": "2025-05-01T10:00:00+02:00",
                    "accepted": 1,
                    "rejected": 1,
                    "urls": [
                        {
                            "position": 0,
                            "status": "accepted",
                            "canonical_url": "https://img.example.net/gallery/123",
                            "item_id": 4711,
                        },
                        {
                            "position": 1,
                            "status": "rejected",
                            "reason": "scheme_not_allowed",
                            "message": "Only web addresses (http:// or https://) can be reported.",
                        },
                    ],
                }
            ]
        }
    )


class BatchCreatedOut(Schema):
    batch_id: UUID
    reports: list[ReportCreatedOut] = Field(description="In the order sent.")


class UrlStatusOut(UrlResultOut):
    outcome: PublicStatusCode | None = Field(
        None,
        description=(
            "For accepted URLs: `received`, `being_assessed`, `action_taken`, `not_illegal`, "
            "`no_longer_available`."
        ),
    )


class ReportStatusOut(Schema):
    id: UUID
    received_at: datetime
    reporter_reference: str | None
    urls: list[UrlStatusOut]


ERROR_RESPONSES = {409: ApiError, 503: ApiError}
IDEMPOTENCY_HEADER = Header(
    None,
    alias="Idempotency-Key",
    max_length=255,
    pattern=r"^[\x21-\x7e]+$",
    description=(
        "Any unique string (e.g. a UUID) per logical request. A retry with the same key and "
        "body returns the first answer and creates nothing."
    ),
)


def _to_input(report: ReportIn) -> ReportInput:
    return ReportInput(
        incident_type=report.incident_type,
        urls=list(report.urls),
        hashes=[(h.type, h.value) for h in report.hashes],
        annotations=list(report.annotations),
        escalate_reason=report.escalate_reason or "",
        reporter_reference=report.reporter_reference or "",
        related_report_ids=[str(u) for u in report.related_report_ids],
        where_seen=report.where_seen or "",
        description=report.description or "",
    )


def _url_out(outcome) -> dict:
    if outcome.accepted:
        return {
            "position": outcome.position,
            "status": "accepted",
            "canonical_url": outcome.canonical_url,
            "item_id": outcome.item_id,
        }
    return {
        "position": outcome.position,
        "status": "rejected",
        "reason": outcome.reason,
        "message": str(rejection_message(outcome.reason)),
    }


def _created_out(submitted) -> dict:
    accepted = sum(1 for u in submitted.urls if u.accepted)
    return {
        "id": submitted.report.uuid,
        "received_at": submitted.report.created_at,
        "accepted": accepted,
        "rejected": len(submitted.urls) - accepted,
        "urls": [_url_out(u) for u in submitted.urls],
    }


def _intake_error(exc: IntakeError):
    errors = [e.as_dict() for e in exc.errors]
    summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
    return Status(
        422, {"detail": _("Invalid input: %(summary)s") % {"summary": summary}, "errors": errors}
    )


def _conflict():
    return Status(
        409,
        {
            "detail": _("This Idempotency-Key was already used for a different request."),
            "errors": [
                {
                    "field": "header.Idempotency-Key",
                    "message": _("Use a new key."),
                    "type": "idempotency_conflict",
                }
            ],
        },
    )


def _not_configured():
    return Status(503, {"detail": _("The hotline cannot receive reports right now."), "errors": []})


def _submit(submit, **kwargs):
    """Run an intake service for the API; return (result, None) or (None, error response)."""
    try:
        result = submit(actor=None, **kwargs)
    except IntakeError as exc:
        return None, _intake_error(exc)
    except services.IdempotencyConflict:
        return None, _conflict()
    except services.HotlineNotConfigured:
        return None, _not_configured()
    return result, None


def _created(request, result, body: dict) -> HttpResponse:
    """The 201 answer, rendered directly.

    The body is built here field by field from the stored report, exactly as the response
    schema documents it; having django-ninja validate it again cost a sixth of a batch's time
    (bench: hotline intake). The JSON renderer is ninja's, so it reads the same.
    """
    from ostoja.core.api import api  # the API this router is mounted on (imports it)

    response = api.create_response(request, body, status=201)
    if result.replayed:
        response["Idempotent-Replayed"] = "true"
    return response


@router.post(
    "/v1/reports",
    auth=TokenAuth("reports"),
    response={201: ReportCreatedOut, **ERROR_RESPONSES},
    summary="Send one report",
    description=(
        "One report: URLs, optional hashes and facts. Answers 201 once the report is stored, "
        "with the result for every URL in the order sent."
    ),
    openapi_extra={
        "requestBody": {"content": {"application/json": {"example": EXAMPLE_REPORT}}},
        "responses": {
            201: {"headers": {"Idempotent-Replayed": {"schema": {"type": "string"}}}},
        },
    },
)
def create_report(
    request,
    payload: ReportIn,
    idempotency_key: str | None = IDEMPOTENCY_HEADER,
):
    submitted, error = _submit(
        services.submit_report,
        data=_to_input(payload),
        channel="api",
        source_organisation=request.organisation,
        idempotency_key=idempotency_key or "",
        request_hash=request_fingerprint(payload.model_dump(mode="json")),
    )
    if error is not None:
        return error
    return _created(request, submitted, _created_out(submitted))


@router.post(
    "/v1/reports/batch",
    auth=TokenAuth("reports"),
    response={201: BatchCreatedOut, **ERROR_RESPONSES},
    summary="Send up to 1,000 reports",
    description=(
        "All reports are stored, or none: any invalid report makes the whole batch a 422 whose "
        "errors name the report (`reports.12.urls.0`)."
    ),
    openapi_extra={
        "requestBody": {"content": {"application/json": {"example": {"reports": [EXAMPLE_REPORT]}}}}
    },
)
def create_batch(
    request,
    payload: BatchIn,
    idempotency_key: str | None = IDEMPOTENCY_HEADER,
):
    result, error = _submit(
        services.submit_batch,
        reports=[_to_input(r) for r in payload.reports],
        source_organisation=request.organisation,
        idempotency_key=idempotency_key or "",
        request_hash=request_fingerprint(payload.model_dump(mode="json")),
    )
    if error is not None:
        return error
    return _created(
        request,
        result,
        {"batch_id": result.batch.uuid, "reports": [_created_out(s) for s in result.results]},
    )


@router.get(
    "/v1/reports/{report_id}",
    auth=TokenAuth("reports"),
    response={200: ReportStatusOut, 404: ApiError},
    summary="Status of a report your organisation sent",
)
def report_status(request, report_id: UUID):
    report = (
        Report.objects.filter(uuid=report_id, source_organisation=request.organisation)
        .prefetch_related("urls__item__duplicate_of")
        .first()
    )
    if report is None:
        return Status(
            404, {"detail": _("No report of your organisation has this id."), "errors": []}
        )
    urls = []
    for u in report.urls.all():
        row = _url_out(services.UrlOutcome.of(u))
        row["outcome"] = public_status(u.item).value if u.item else None
        urls.append(row)
    return Status(
        200,
        {
            "id": report.uuid,
            "received_at": report.created_at,
            "reporter_reference": report.reporter_reference or None,
            "urls": urls,
        },
    )
