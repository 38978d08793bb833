"""Certificates of attendance: exactly what the person checked in to, through the shared
certificates app (``ostoja.certificates``: numbering, verification page, PDF).

The items are the check-in lists the person was admitted through: a day of the event counts
the hours of that day's plenary sessions, a workshop its own hours. The certificate's
``source_key`` is ``events.registration:<pk>``; issuing again after a corrected record
supersedes the old certificate (the certificates app keeps it, marked superseded).
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import override

from ostoja.audit.services import log_action

from ..models import Checkin, Registration, RegistrationStatus, SessionKind
from .errors import EventError


def source_key(registration) -> str:
    return f"events.registration:{registration.pk}"


def _day_hours(day) -> Decimal:
    return sum((s.hours for s in day.sessions.all() if s.kind == SessionKind.PLENARY), Decimal("0"))


def attendance_items(registration: Registration) -> list[dict]:
    """One item per list the person checked in to, in programme order."""
    items = []
    checkins = (
        Checkin.objects.filter(registration=registration)
        .select_related("checkin_list__day", "checkin_list__session__day")
        .prefetch_related("checkin_list__day__sessions")
    )
    for checkin in checkins:
        cl = checkin.checkin_list
        if cl.session_id:
            session = cl.session
            items.append(
                {
                    "label": _("Workshop: %(title)s") % {"title": session.title},
                    "date": session.day.date.isoformat(),
                    "hours": float(session.hours),
                    "_sort": (session.starts_at.isoformat(), 1),
                }
            )
        elif cl.day_id:
            day = cl.day
            items.append(
                {
                    "label": (day.title or _("Day %(date)s") % {"date": day.date.isoformat()}),
                    "date": day.date.isoformat(),
                    "hours": float(_day_hours(day)),
                    "_sort": (day.date.isoformat(), 0),
                }
            )
        else:
            days = registration.event.days.prefetch_related("sessions")
            items.append(
                {
                    "label": registration.event.title,
                    "date": "",
                    "hours": float(sum((_day_hours(d) for d in days), Decimal("0"))),
                    "_sort": ("", 0),
                }
            )
    items.sort(key=lambda item: item.pop("_sort"))
    return items


def issue_for(registration: Registration, *, actor=None):
    """Issue (or re-issue) the certificate of attendance; None if nothing was attended."""
    from ostoja.certificates import services as certificates

    items = attendance_items(registration)
    if not items or registration.anonymised:
        return None
    with override(registration.language):
        items = attendance_items(registration)
        title = _("Certificate of attendance: %(event)s") % {"event": registration.event.title}
    hours = round(sum(i["hours"] for i in items), 1)
    with transaction.atomic():
        certificate = certificates.issue(
            holder_name=registration.name,
            holder_email=registration.email,
            holder_user=registration.user,
            title=title,
            kind="attendance",
            source_key=source_key(registration),
            items=items,
            hours=hours,
            issuer=registration.event.organiser,
            actor=actor,
        )
        log_action(
            "events.certificate.issued",
            actor=actor,
            organisation=registration.event.organiser,
            target=registration,
            data={"hours": hours, "items": len(items)},
        )
    return certificate


def reissue_if_issued(registration: Registration, *, actor=None):
    """After a corrected check-in record: a certificate already issued is issued again (the
    old one superseded); if nothing is attended any more, it is revoked."""
    from ostoja.certificates.models import Certificate, CertificateState

    current = Certificate.objects.filter(
        source_key=source_key(registration), state=CertificateState.VALID
    ).first()
    if current is None:
        return None
    if not attendance_items(registration):
        from ostoja.certificates import services as certificates

        certificates.revoke(
            current,
            actor=actor,
            reason=_("The attendance record was corrected: no attendance remains."),
        )
        return None
    return issue_for(registration, actor=actor)


def issue_all(event, *, actor=None) -> int:
    """Issue certificates for everyone who checked in to anything (after the event)."""
    if event.anonymised_at:
        raise EventError(
            _("The participants' data of this event were anonymised."),
            code="anonymised",
            status=409,
        )
    count = 0
    registrations = (
        Registration.objects.filter(
            event=event, status=RegistrationStatus.CONFIRMED, checkins__isnull=False
        )
        .distinct()
        .select_related("event__organiser", "user")
    )
    for registration in registrations:
        if issue_for(registration, actor=actor) is not None:
            count += 1
    return count
