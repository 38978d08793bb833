"""Read-only views of the participants (no state changes here)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from .models import Checkin, Registration, RegistrationStatus

STATUS_FILTERS = {
    "registered": _("registered"),
    "pending": _("awaiting approval"),
    "waiting": _("waiting list"),
    "checked_in": _("checked in"),
    "absent": _("absent"),
    "cancelled": _("cancelled"),
}


def participants(event, status: str = ""):
    qs = (
        Registration.objects.filter(event=event)
        .select_related("category")
        .annotate(checked_in=Exists(Checkin.objects.filter(registration=OuterRef("pk"))))
    )
    if status == "registered":
        qs = qs.filter(status=RegistrationStatus.CONFIRMED)
    elif status == "pending":
        qs = qs.filter(status=RegistrationStatus.PENDING)
    elif status == "waiting":
        qs = qs.filter(
            status__in=[RegistrationStatus.WAITING, RegistrationStatus.OFFERED]
        ).order_by("category", "queue_position", "pk")
    elif status == "checked_in":
        qs = qs.filter(status=RegistrationStatus.CONFIRMED, checked_in=True)
    elif status == "absent":
        qs = qs.filter(status=RegistrationStatus.CONFIRMED, checked_in=False)
    elif status == "cancelled":
        qs = qs.filter(
            status__in=[
                RegistrationStatus.CANCELLED,
                RegistrationStatus.REJECTED,
                RegistrationStatus.EXPIRED,
            ]
        )
    return qs


def statistics(event) -> dict:
    from django.db.models import Count

    by_status = dict(
        Registration.objects.filter(event=event)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return {
        "by_status": by_status,
        "categories": list(event.categories.all()),
        "checked_in": Registration.objects.filter(event=event, checkins__isnull=False)
        .distinct()
        .count(),
    }
