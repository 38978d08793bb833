"""Partner API of notice and takedown: the URL block list, and providers' answers to notices.

Endpoints
=========
* ``GET /api/v1/urllist`` (scope ``urllist``) — the full block list; with
  ``?since=<ISO 8601 time with offset>`` the changes since then (see ``urllist.py`` for the
  polling rules). A bad ``since`` is a 422 naming the field ``since``.
* ``GET /api/v1/notices/{id}`` (scope ``ntd``) — a notice addressed to the token's
  organisation: its X-ARF report, how often it was sent, the recorded answer.
* ``POST /api/v1/notices/{id}/response`` — answer a notice: ``{"action": "removed" |
  "acknowledged" | "disputed", "comment": "…"}``. Authenticated either by a bearer token with
  scope ``ntd`` of the notice's recipient, or — for providers that registered a webhook — by
  signing the raw body with the shared secret (``X-Ostoja-Signature: t=…,v1=…``, exactly as
  Ostoja signs its webhooks to them). Forged, altered or stale signatures are a 401 and
  audit-logged. A notice of another organisation is a 404, whether it exists or not.

Errors follow ``core/api.py``: ``{"detail": "…", "errors": [{"field": …, "message": …}]}``.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Literal
from uuid import UUID

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import ValidationError
from ninja.security import APIKeyHeader
from pydantic import ConfigDict, StrictStr

from ostoja.audit.services import log_action
from ostoja.core.api_auth import TokenAuth
from ostoja.core.api_errors import ApiError
from ostoja.outbox import webhook_keys
from ostoja.outbox.signature import SIGNATURE_HEADER

from . import hosting, notices, permissions, ratelimit, services, signing, urllist
from .models import ContactPoint, Notice

logger = logging.getLogger(__name__)
router = Router(tags=["notice and takedown"])


class UrlListEntryOut(Schema):
    id: int = Field(description="Stable id of the entry: apply entries by id (upsert).")
    url: str = Field(description="The page-level URL, canonical form.")
    sha256: str = Field(description="Hex SHA-256 of the URL (UTF-8).")
    added_at: datetime
    removed_at: datetime | None = Field(
        None, description="Set when the entry left the list: delete it from your copy."
    )


class UrlListOut(Schema):
    generated_at: datetime
    next_since: datetime = Field(description="Pass as `since` next time (overlaps by 60 s).")
    since: datetime | None
    full: bool = Field(description="True: the whole list; False: changes since `since`.")
    count: int
    entries: list[UrlListEntryOut]


class ResponseIn(Schema):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"action": "removed", "comment": "Removed at 10:42."}]},
    )

    action: Literal["acknowledged", "removed", "disputed"] = Field(
        description="`removed` (content removed or access disabled), `acknowledged` "
        "(received, working on it) or `disputed` (explain in `comment`)."
    )
    comment: StrictStr | None = Field(None, max_length=services.MAX_COMMENT)


class ResponseOut(Schema):
    notice_id: UUID
    action: str
    case_state: str = Field(description="State of the takedown after your answer.")
    recorded_at: datetime


class NoticeOut(Schema):
    notice_id: UUID
    kind: Literal["ntd", "referral", "police"]
    times_sent: int
    first_sent_at: datetime | None
    last_sent_at: datetime | None
    answer: str | None
    answered_at: datetime | None
    case_state: str
    xarf: dict


@router.get(
    "/v1/urllist",
    auth=TokenAuth("urllist"),
    response={200: UrlListOut, 403: ApiError, 422: ApiError},
    summary="Download the URL block list (full or changes)",
    description=(
        "Without `since`: every URL still listed. With `since` (ISO 8601 with a time zone, "
        "e.g. `2025-05-01T10:00:00Z`): every entry added or removed after that time; removed "
        "entries carry `removed_at`. Poll with the previous answer's `next_since`."
    ),
)
def url_list(request, since: str | None = None):
    try:
        moment = urllist.parse_since(since)
    except urllist.BadSince as exc:
        raise ValidationError(
            [{"loc": ("query", "since"), "msg": str(exc), "type": "datetime_parsing"}]
        ) from None
    if not permissions.can_download_urllist(request.auth):
        return Status(403, {"detail": _("Not allowed."), "errors": []})
    return HttpResponse(urllist.feed_json(moment), content_type="application/json")


class SignedAnswer:
    """``request.auth`` when the answer was authenticated by its body's HMAC signature."""

    def __init__(self, notice: Notice):
        self.notice = notice


class NoticeSignatureAuth(APIKeyHeader):
    """``X-Ostoja-Signature`` over the raw body with the recipient's registered secret."""

    param_name = SIGNATURE_HEADER
    openapi_description = (
        '`t=<unix time>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>` with the secret '
        "shared for your webhook; signatures older than 5 minutes are refused."
    )

    def authenticate(self, request, key):
        match = getattr(request, "resolver_match", None)
        notice_id = match.kwargs.get("notice_id") if match is not None else None
        try:
            notice = Notice.objects.select_related("case__hotline").filter(uuid=notice_id).first()
        except (ValueError, TypeError, DjangoValidationError):
            notice = None  # a malformed id is a 401 like any other bad signature
        reason = ""
        if notice is None or notice.recipient_id is None:
            reason = "unknown_notice"
        else:
            point = ContactPoint.objects.filter(organisation_id=notice.recipient_id).first()
            if point is None or not point.webhook_secret_ref:
                reason = "no_secret"
            else:
                try:
                    secret = webhook_keys.resolve(point.webhook_secret_ref)
                    signing.verify_webhook(secret, request.body, key)
                except webhook_keys.SecretUnavailable:
                    reason = "no_secret"
                except signing.SignatureError as exc:
                    reason = exc.reason
        if reason:
            logger.warning("Rejected a signed notice answer: %s", reason)
            if ratelimit.allow(request, "bad_link"):  # cap audit entries per address
                log_action(
                    "takedown.signature.rejected",
                    organisation=notice.case.hotline if notice else None,
                    target=notice,
                    data={"reason": reason},
                )
            return None
        return SignedAnswer(notice)


def _not_found():
    return Status(
        404, {"detail": _("No notice addressed to your organisation has this id."), "errors": []}
    )


def _notice_for(request, notice_id) -> Notice | None:
    auth = request.auth
    if isinstance(auth, SignedAnswer):
        notice = auth.notice
        return notice if str(notice.uuid) == str(notice_id) and notice.answerable else None
    notice = Notice.objects.select_related("case__item", "case__hotline").filter(uuid=notice_id)
    notice = notice.first()
    if notice is None or not notice.answerable or not permissions.can_answer_notice(auth, notice):
        return None
    return notice


@router.get(
    "/v1/notices/{notice_id}",
    auth=TokenAuth("ntd"),
    response={200: NoticeOut, 404: ApiError},
    summary="Read a notice addressed to you",
)
def notice_detail(request, notice_id: UUID):
    notice = _notice_for(request, notice_id)
    if notice is None:
        return _not_found()
    case = notice.case
    trace = hosting.effective(case.item).trace
    return {
        "notice_id": notice.uuid,
        "kind": notice.kind,
        "times_sent": notice.send_count,
        "first_sent_at": notice.first_sent_at,
        "last_sent_at": notice.last_sent_at,
        "answer": notice.response or None,
        "answered_at": notice.responded_at,
        "case_state": case.state,
        "xarf": notices.xarf_report(case, notice, trace, sequence=max(1, notice.send_count)),
    }


@router.post(
    "/v1/notices/{notice_id}/response",
    auth=[TokenAuth("ntd"), NoticeSignatureAuth()],
    response={200: ResponseOut, 404: ApiError, 409: ApiError, 422: ApiError},
    summary="Answer a notice: removed, acknowledged or disputed",
)
def notice_response(request, notice_id: UUID, payload: ResponseIn):
    notice = _notice_for(request, notice_id)
    if notice is None:
        return _not_found()
    via = (
        services.Via.PROVIDER_WEBHOOK
        if isinstance(request.auth, SignedAnswer)
        else services.Via.PROVIDER_API
    )
    try:
        case = services.record_response(
            notice=notice, action=payload.action, via=via, comment=payload.comment or ""
        )
    except services.ResponseConflict as exc:
        return Status(
            409,
            {
                "detail": str(exc),
                "errors": [{"field": "action", "message": str(exc), "type": "conflict"}],
            },
        )
    except services.TakedownError as exc:
        return Status(
            422,
            {
                "detail": str(exc),
                "errors": [{"field": "comment", "message": str(exc), "type": "invalid"}],
            },
        )
    notice.refresh_from_db()
    return {
        "notice_id": notice.uuid,
        "action": payload.action,
        "case_state": case.state,
        "recorded_at": notice.responded_at or case.removed_at or case.updated_at,
    }
