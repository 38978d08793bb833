"""The check-in API for scanner apps, modelled on pretix's (token with the ``checkin`` scope).

A token reaches only the check-in lists of events its organisation organises; any other list
id answers 404, as an id that does not exist.
"""

from __future__ import annotations

import datetime as dt

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from ostoja.core.api_auth import TokenAuth

from .models import CheckinList
from .services import EventError, checkin

router = Router(tags=["checkin"])
auth = TokenAuth(scope="checkin")


class CheckinPositionOut(Schema):
    id: int
    code: str
    attendee_name: str
    organisation: str
    category: str
    status: str
    checked_in: bool


class CheckinFirstOut(Schema):
    at: str
    gate: str


class CheckinPositionBrief(Schema):
    id: int
    code: str
    attendee_name: str
    organisation: str
    category: str
    status: str


class CheckinRedeemOut(Schema):
    status: str = Field(description="ok or error")
    reason: str | None = Field(
        None,
        description="already_redeemed, invalid, unapproved or wrong_list (when status is error)",
    )
    message: str
    position: CheckinPositionBrief | None = None
    first_checkin: CheckinFirstOut | None = None


class CheckinRedeemIn(Schema):
    secret: str = Field(..., max_length=200, description="The secret in the ticket's QR code")
    nonce: str = Field(
        "", max_length=190, description="Client nonce; a replay gets the first answer"
    )
    datetime: dt.datetime | None = Field(
        None, description="Original scan time (ISO 8601 with zone) for scans made offline"
    )
    gate: str = Field("", max_length=100, description="Entrance or device name")


class CheckinBatchIn(Schema):
    scans: list[CheckinRedeemIn] = Field(..., max_length=1000)


class CheckinListOut(Schema):
    id: int
    name: str
    event: str
    checked_in: int
    expected: int


def _list(request, list_id: int) -> CheckinList:
    return get_object_or_404(
        CheckinList.objects.select_related("event__organiser").prefetch_related("categories"),
        pk=list_id,
        event__organiser=request.organisation,
    )


@router.get("/v1/checkin/lists", response=list[CheckinListOut], auth=auth, summary="Check-in lists")
def lists(request):
    out = []
    for cl in (
        CheckinList.objects.filter(event__organiser=request.organisation)
        .select_related("event", "day", "session")
        .prefetch_related("categories")
    ):
        expected = checkin.eligible(cl).distinct().count()
        out.append(
            {
                "id": cl.pk,
                "name": str(cl),
                "event": cl.event.slug,
                "checked_in": cl.checkins.count(),
                "expected": expected,
            }
        )
    return out


@router.get(
    "/v1/checkin/lists/{list_id}/positions",
    response=list[CheckinPositionOut],
    auth=auth,
    summary="Search the participants of a check-in list",
)
def positions(request, list_id: int, search: Query[str] = ""):  # noqa: B008
    checkin_list = _list(request, list_id)
    search = (search or "")[:100]
    return [
        {**checkin.position_json(r), "checked_in": bool(r.checked)}
        for r in checkin.search(checkin_list, search, limit=100)
    ]


@router.post(
    "/v1/checkin/lists/{list_id}/redeem",
    response={200: CheckinRedeemOut, 400: CheckinRedeemOut},
    auth=auth,
    summary="Redeem a ticket (check a participant in)",
)
def redeem(request, list_id: int, payload: CheckinRedeemIn):
    """Answers ``ok``, or ``error`` with a reason: ``already_redeemed`` (with the first
    check-in's time and gate), ``invalid``, ``unapproved`` or ``wrong_list``. HTTP 200 for
    ``ok``, 400 for an error answer (as pretix). A repeated ``nonce`` returns the first
    answer; ``datetime`` marks a scan made offline, resolved in scan order."""
    checkin_list = _list(request, list_id)
    try:
        answer = checkin.redeem(
            checkin_list,
            secret=payload.secret,
            nonce=payload.nonce,
            at=payload.datetime,
            gate=payload.gate,
            token=request.auth,
        )
    except EventError as exc:
        raise HttpError(exc.status, str(exc.message)) from None
    return Status(200 if answer["status"] == "ok" else 400, answer)


@router.post(
    "/v1/checkin/lists/{list_id}/redeem/batch",
    response=list[CheckinRedeemOut],
    auth=auth,
    summary="Upload scans made offline (resolved in scan order)",
)
def redeem_batch(request, list_id: int, payload: CheckinBatchIn):
    checkin_list = _list(request, list_id)
    for item in payload.scans:
        if item.datetime is None:
            raise HttpError(422, _("Each offline scan needs its original time (datetime)."))
    scans = [
        {"secret": s.secret, "nonce": s.nonce, "at": s.datetime, "gate": s.gate}
        for s in payload.scans
    ]
    return checkin.redeem_batch(checkin_list, scans, token=request.auth)
