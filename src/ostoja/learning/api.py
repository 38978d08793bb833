"""Training editions open for enrolment, for member organisations' own websites (token)."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.errors import HttpError

from ostoja.core.api_auth import TokenAuth
from ostoja.core.api_errors import ApiError
from ostoja.network.membership import partner_organisations

from .models import Edition, Enrolment

router = Router(tags=["learning"])


class LearningEditionOut(Schema):
    id: int
    course: str
    edition: str
    starts_on: dt.date
    ends_on: dt.date
    capacity: int
    places_taken: int
    waiting: int
    min_attendance_percent: int
    requires_assessment: bool


@router.get(
    "/v1/learning/editions",
    response={200: list[LearningEditionOut], 403: ApiError},
    summary="Training editions open for enrolment",
    auth=TokenAuth(),
)
def open_editions(request):
    """Editions of the partnership's training open for enrolment, with places taken and the
    length of the waiting list (no names). For tokens of the partnership's member
    organisations."""
    if not partner_organisations().filter(pk=request.organisation.pk).exists():
        raise HttpError(403, _("Training is for the partnership's member organisations."))
    out = []
    for e in Edition.objects.filter(state=Edition.State.OPEN).select_related("course"):
        states = list(e.enrolments.values_list("state", flat=True))
        out.append(
            {
                "id": e.pk,
                "course": e.course.title,
                "edition": e.name,
                "starts_on": e.starts_on,
                "ends_on": e.ends_on,
                "capacity": e.capacity,
                # An offered place is held for the person it is offered to.
                "places_taken": states.count(Enrolment.State.ENROLLED)
                + states.count(Enrolment.State.OFFERED),
                "waiting": states.count(Enrolment.State.WAITING),
                "min_attendance_percent": e.min_attendance_percent,
                "requires_assessment": e.requires_assessment,
            }
        )
    return out
