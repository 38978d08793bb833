"""Admitting people: the redeem logic shared by the staff page and the scanner API.

Modelled on pretix's check-in API. Every answer is a dict::

    {"status": "ok" | "error", "reason": None | "already_redeemed" | "invalid" |
     "unapproved" | "wrong_list", "message": "…", "position": {…} | None,
     "first_checkin": {"at": "…", "gate": "…"} | None}

Guarantees: a registration is admitted at most once per list (a unique constraint, so two
entrances scanning the same ticket at the same instant get one ``ok`` and one
``already_redeemed``); a request repeated with the same client nonce gets the first answer
again (the nonce row is inserted first, so a concurrent replay waits for it); scans made
offline carry their original time and are resolved in that order (the earliest scan becomes
the check-in of record, a later one is ``already_redeemed``).
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ostoja.audit.services import log_action

from .. import tickets
from ..models import (
    BookingStatus,
    Checkin,
    CheckinList,
    Registration,
    RegistrationStatus,
    Scan,
)
from .errors import EventError

MAX_NONCE = 190


def position_json(registration: Registration) -> dict:
    return {
        "id": registration.pk,
        "code": registration.code,
        "attendee_name": registration.name,
        "organisation": registration.organisation_name,
        "category": registration.category.name,
        "status": registration.status,
    }


def eligible(checkin_list: CheckinList):
    """Registrations that belong on the list (whatever their check-in state)."""
    qs = Registration.objects.filter(
        event_id=checkin_list.event_id, status=RegistrationStatus.CONFIRMED
    )
    if checkin_list.session_id:
        qs = qs.filter(
            bookings__session_id=checkin_list.session_id, bookings__status=BookingStatus.CONFIRMED
        )
    category_ids = [c.pk for c in checkin_list.categories.all()]
    if category_ids:
        qs = qs.filter(category_id__in=category_ids)
    return qs


def _on_list(checkin_list: CheckinList, registration: Registration) -> bool:
    category_ids = [c.pk for c in checkin_list.categories.all()]
    if category_ids and registration.category_id not in category_ids:
        return False
    if checkin_list.session_id:
        return registration.bookings.filter(
            session_id=checkin_list.session_id, status=BookingStatus.CONFIRMED
        ).exists()
    return True


def _error(reason: str, message: str, registration=None, first=None) -> dict:
    return {
        "status": "error",
        "reason": reason,
        "message": str(message),
        "position": position_json(registration) if registration else None,
        "first_checkin": first,
    }


def _first(checkin: Checkin) -> dict:
    return {"at": checkin.at.isoformat(), "gate": checkin.gate}


def _find(checkin_list: CheckinList, secret: str):
    """The registration of a ticket secret (by its hash) or, for staff typing, its short code."""
    value = tickets.normalise(secret)
    if not value:
        return None
    qs = Registration.objects.select_related("category").filter(event_id=checkin_list.event_id)
    if tickets.looks_like_secret(value):
        return qs.filter(secret_hash=tickets.hash_secret(value)).first()
    return None


def find_by_code(checkin_list: CheckinList, code: str):
    value = tickets.normalise(code)
    if len(value) != tickets.CODE_LENGTH:
        return None
    return (
        Registration.objects.select_related("category")
        .filter(event_id=checkin_list.event_id, code=value)
        .first()
    )


def _decide(checkin_list, registration, *, at, gate, offline, user) -> dict:
    if registration is None or registration.status in (
        RegistrationStatus.CANCELLED,
        RegistrationStatus.REJECTED,
        RegistrationStatus.EXPIRED,
        RegistrationStatus.WAITING,
        RegistrationStatus.OFFERED,
    ):
        return _error("invalid", _("Unknown or invalid ticket."), None)
    if registration.status == RegistrationStatus.PENDING:
        return _error("unapproved", _("This registration has not been approved yet."), registration)
    if not _on_list(checkin_list, registration):
        return _error("wrong_list", _("This ticket is not valid for this list."), registration)
    try:
        with transaction.atomic():
            Checkin.objects.create(
                checkin_list=checkin_list,
                registration=registration,
                at=at,
                gate=gate,
                offline=offline,
                by_user=user if getattr(user, "is_authenticated", False) else None,
            )
    except IntegrityError:
        first = Checkin.objects.select_for_update().get(
            checkin_list=checkin_list, registration=registration
        )
        if offline and at < first.at:
            # Resolved in scan order: this offline scan came first; it becomes the record.
            Checkin.objects.filter(pk=first.pk).update(at=at, gate=gate, offline=True)
            return {
                "status": "ok",
                "reason": None,
                "message": str(_("Checked in (scanned offline earlier).")),
                "position": position_json(registration),
                "first_checkin": None,
            }
        return _error(
            "already_redeemed",
            _("Already checked in at %(time)s (%(gate)s).")
            % {
                "time": timezone.localtime(first.at).strftime("%H:%M:%S"),
                "gate": first.gate or "—",
            },
            registration,
            _first(first),
        )
    return {
        "status": "ok",
        "reason": None,
        "message": str(_("Checked in.")),
        "position": position_json(registration),
        "first_checkin": None,
    }


def _clean_nonce(nonce) -> str:
    nonce = str(nonce or "").strip()
    if len(nonce) > MAX_NONCE or any(ord(c) < 32 for c in nonce):
        raise EventError(
            _("The nonce is at most %(n)d printable characters.") % {"n": MAX_NONCE},
            code="bad_nonce",
            field="nonce",
        )
    return nonce


def redeem(
    checkin_list: CheckinList,
    *,
    secret: str = "",
    registration: Registration | None = None,
    nonce: str = "",
    at: dt.datetime | None = None,
    gate: str = "",
    user=None,
    token=None,
) -> dict:
    """Admit a ticket (by secret, or a registration staff picked) through ``checkin_list``.

    ``at`` is the scanner's time for scans made offline (then resolved in scan order)."""
    nonce = _clean_nonce(nonce)
    now = timezone.now()
    offline = at is not None
    if at is None:
        at = now
    elif timezone.is_naive(at):
        raise EventError(
            _("Give the scan time with its time zone."), code="naive_datetime", field="datetime"
        )
    elif at > now + dt.timedelta(minutes=5):
        raise EventError(
            _("The scan time is in the future."), code="future_datetime", field="datetime"
        )
    gate = " ".join(str(gate or "").split())[:100]
    with transaction.atomic():
        scan = None
        if nonce:
            first = Scan.objects.filter(checkin_list=checkin_list, nonce=nonce).first()
            if first is not None:
                return first.answer
            try:
                with transaction.atomic():
                    scan = Scan.objects.create(
                        checkin_list=checkin_list, nonce=nonce, answer={}, at=at
                    )
            except IntegrityError:
                # The same nonce is being redeemed right now; its transaction has committed.
                return Scan.objects.get(checkin_list=checkin_list, nonce=nonce).answer
        if registration is None:
            registration = _find(checkin_list, secret)
        elif registration.event_id != checkin_list.event_id:
            registration = None
        answer = _decide(checkin_list, registration, at=at, gate=gate, offline=offline, user=user)
        if scan is not None:
            Scan.objects.filter(pk=scan.pk).update(answer=answer)
        if answer["status"] == "ok":
            log_action(
                "events.checkin.redeemed",
                actor=user,
                organisation=checkin_list.event.organiser,
                target=registration,
                data={
                    "list": checkin_list.pk,
                    "gate": gate,
                    "offline": offline,
                    "token": getattr(token, "prefix", ""),
                },
            )
    return answer


def redeem_batch(
    checkin_list: CheckinList, scans: list[dict], *, user=None, token=None
) -> list[dict]:
    """Offline scans uploaded together: resolved in the order they were made (their ``at``),
    answered in the order they were sent."""
    order = sorted(range(len(scans)), key=lambda i: (scans[i].get("at") or timezone.now(), i))
    answers: list = [None] * len(scans)
    for i in order:
        item = scans[i]
        try:
            answers[i] = redeem(
                checkin_list,
                secret=item.get("secret", ""),
                nonce=item.get("nonce", ""),
                at=item.get("at"),
                gate=item.get("gate", ""),
                user=user,
                token=token,
            )
        except EventError as exc:
            answers[i] = _error("invalid", exc.message)
    return answers


@transaction.atomic
def correct_checkin(
    checkin_list: CheckinList, registration: Registration, *, present: bool, actor, reason: str
):
    """The organiser corrects the record (admitted by mistake, or present but never scanned);
    the certificate of attendance is issued again to match."""
    from .certificates import reissue_if_issued

    reason = " ".join(str(reason or "").split())
    if len(reason) < 5:
        raise EventError(
            _("Give the reason for the correction."), code="reason_required", field="reason"
        )
    if registration.event_id != checkin_list.event_id:
        raise EventError(_("Not found."), code="not_found", status=404)
    existing = Checkin.objects.filter(checkin_list=checkin_list, registration=registration).first()
    if present and existing is None:
        if registration.status != RegistrationStatus.CONFIRMED or not _on_list(
            checkin_list, registration
        ):
            raise EventError(
                _("This ticket is not valid for this list."), code="wrong_list", status=409
            )
        Checkin.objects.create(
            checkin_list=checkin_list,
            registration=registration,
            at=timezone.now(),
            gate=_("correction"),
            by_user=actor,
        )
    elif not present and existing is not None:
        existing.delete()
    else:
        return None
    log_action(
        "events.checkin.corrected",
        actor=actor,
        organisation=checkin_list.event.organiser,
        target=registration,
        data={"list": checkin_list.pk, "present": present, "reason": reason[:500]},
    )
    return reissue_if_issued(registration, actor=actor)


def counts(event) -> list[dict]:
    """Live counts per list: checked in / expected."""
    rows = []
    for checkin_list in event.checkin_lists.select_related(
        "day", "session", "event"
    ).prefetch_related("categories"):
        expected = eligible(checkin_list).distinct().count()
        done = checkin_list.checkins.count()
        rows.append(
            {
                "id": checkin_list.pk,
                "name": str(checkin_list),
                "checked_in": done,
                "expected": expected,
            }
        )
    return rows


def search(checkin_list: CheckinList, query: str, limit: int = 50):
    query = " ".join(str(query or "").split())[:100]
    qs = (
        Registration.objects.filter(event_id=checkin_list.event_id)
        .exclude(
            status__in=[
                RegistrationStatus.CANCELLED,
                RegistrationStatus.REJECTED,
                RegistrationStatus.EXPIRED,
            ]
        )
        .select_related("category")
    )
    if query:
        qs = qs.filter(
            Q(name__icontains=query)
            | Q(email__icontains=query)
            | Q(code=tickets.normalise(query))
            | Q(organisation_name__icontains=query)
        )
    qs = qs.annotate(
        checked=Count("checkins", filter=Q(checkins__checkin_list=checkin_list))
    ).order_by("name", "pk")
    return qs[:limit]
