"""Training: editions, enrolment with a waiting list, attendance, completion and certificates."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from ostoja.audit.services import log_action
from ostoja.certificates.models import Certificate
from ostoja.core import offers
from ostoja.outbox.services import enqueue_email

from .. import permissions
from ..models import Attendance, Course, Edition, Enrolment, Module, TrainingSession
from ..signals import training_completed
from .errors import Conflict, LearningError, NotAllowed

#: States that hold a place in the cohort (an offered place is held for the person).
HOLDS_PLACE = (Enrolment.State.ENROLLED, Enrolment.State.OFFERED)
#: Everyone who takes up a place of the cohort's capacity, as the edition's page counts it:
#: those holding one and those already judged (completed or not) — completing before the
#: edition ends must not free a place for a newcomer.
TAKES_PLACE = (*HOLDS_PLACE, Enrolment.State.COMPLETED, Enrolment.State.NOT_COMPLETED)
ACTIVE = (*HOLDS_PLACE, Enrolment.State.WAITING)
#: States after which the person may enrol again.
ENDED = (Enrolment.State.WITHDRAWN, Enrolment.State.OFFER_EXPIRED)


def _check_runner(actor, edition) -> None:
    if actor is not None and not permissions.can_run_edition(actor, edition):
        raise NotAllowed(
            _("Only the edition's trainers and coordinators can do this."), code="forbidden"
        )


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def _edition_errors(
    *,
    name: str,
    starts_on: dt.date,
    ends_on: dt.date,
    capacity: int,
    min_attendance_percent: int,
    offer_hours: int,
) -> list:
    """What is wrong with an edition's own fields: the checks creating and editing share."""
    errors = []
    if not name.strip():
        errors.append(_("Give the edition a name."))
    if ends_on < starts_on:
        errors.append(_("The edition cannot end before it starts."))
    if not 1 <= capacity <= 10000:
        errors.append(_("The cohort has between 1 and 10,000 places."))
    if not 0 <= min_attendance_percent <= 100:
        errors.append(_("Attendance is a percentage between 0 and 100."))
    if not 1 <= offer_hours <= 24 * 30:
        errors.append(_("A place is offered for 1 to 720 hours."))
    return errors


def _raise_invalid(errors: list) -> None:
    if errors:
        raise LearningError(" ".join(str(e) for e in errors), code="invalid")


def _check_trainers(trainers: list) -> None:
    if any(not permissions.is_trainer(t) for t in trainers):
        raise LearningError(
            _("Only people flagged as trainers can lead an edition."), code="not_trainer"
        )


@transaction.atomic
def create_edition(
    *,
    actor,
    course: Course | None = None,
    course_title: str = "",
    course_description: str = "",
    certificate_valid_months: int | None = None,
    name: str,
    starts_on: dt.date,
    ends_on: dt.date,
    capacity: int,
    min_attendance_percent: int = 80,
    requires_assessment: bool = True,
    trainers=(),
    offer_hours: int = 48,
) -> Edition:
    """A new edition (cycle) of a course; the course is created when ``course`` is None."""
    if actor is not None and not permissions.can_manage_training(actor):
        raise NotAllowed(_("Only a coordinator creates courses and editions."), code="forbidden")
    errors = _edition_errors(
        name=name,
        starts_on=starts_on,
        ends_on=ends_on,
        capacity=capacity,
        min_attendance_percent=min_attendance_percent,
        offer_hours=offer_hours,
    )
    if certificate_valid_months is not None and not 1 <= certificate_valid_months <= 240:
        errors.append(_("A certificate is valid for 1 to 240 months (or leave it empty)."))
    if course is None and not course_title.strip():
        errors.append(_("Give the course a title."))
    _raise_invalid(errors)
    trainers = list(trainers)
    _check_trainers(trainers)
    if course is None:
        course = Course.objects.create(
            title=course_title.strip(),
            description=course_description.strip(),
            certificate_valid_months=certificate_valid_months,
        )
    edition = Edition.objects.create(
        course=course,
        name=name.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        capacity=capacity,
        min_attendance_percent=min_attendance_percent,
        requires_assessment=requires_assessment,
        offer_hours=offer_hours,
    )
    edition.trainers.set(trainers)
    log_action(
        "learning.edition.created",
        actor=actor,
        target=edition,
        data={
            "course": course.pk,
            "capacity": capacity,
            "min_attendance_percent": min_attendance_percent,
            "requires_assessment": requires_assessment,
            "offer_hours": offer_hours,
            "trainers": [t.pk for t in trainers],
        },
    )
    return edition


#: What a coordinator may change in an edition once it exists (the course's title,
#: description and certificate validity belong to the course, not to one edition).
EDITABLE_FIELDS = (
    "name",
    "starts_on",
    "ends_on",
    "capacity",
    "min_attendance_percent",
    "requires_assessment",
    "offer_hours",
)
#: Fields that decide who completes: frozen once anyone has been judged against them.
COMPLETION_RULES = ("min_attendance_percent", "requires_assessment")


def completion_settled(edition: Edition) -> bool:
    """True once anyone was judged against the completion rules: the edition is closed, or a
    person completed (a certificate issued) or was marked as not having completed."""
    if edition.state == Edition.State.CLOSED:
        return True
    return (
        edition.enrolments.filter(
            state__in=[Enrolment.State.COMPLETED, Enrolment.State.NOT_COMPLETED]
        ).exists()
        or edition.enrolments.exclude(certificate_code="").exists()
    )


def _audit_value(value):
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


@dataclass
class EditionUpdate:
    edition: Edition
    changed: list[str]
    offered: list[Enrolment]


@transaction.atomic
def update_edition(
    edition: Edition,
    *,
    actor,
    version: int,
    name: str,
    starts_on: dt.date,
    ends_on: dt.date,
    capacity: int,
    min_attendance_percent: int,
    requires_assessment: bool,
    offer_hours: int,
    trainers=(),
) -> EditionUpdate:
    """Change an edition, only if it is still at ``version`` (the one the editor loaded;
    otherwise Conflict ``stale``, nothing written). The same checks as creating, and:

    * the cohort cannot shrink below the places already taken; places added are offered to
      the waiting list in order, as a withdrawal's freed place is;
    * the completion rules are frozen once anyone was judged against them
      (:func:`completion_settled`): certificates must not silently become wrong.

    Audited with the changed fields (old and new values). Nothing changed: nothing written.
    """
    if actor is not None and not permissions.can_manage_training(actor):
        raise NotAllowed(_("Only a coordinator can change an edition."), code="forbidden")
    current = Edition.objects.select_for_update().get(pk=edition.pk)  # serialises enrolment
    if current.version != version:
        raise Conflict(
            _(
                "Someone else saved this edition while you were editing it. Nothing was "
                "saved: reload the page to see their changes, then make yours again."
            ),
            code="stale",
        )
    _raise_invalid(
        _edition_errors(
            name=name,
            starts_on=starts_on,
            ends_on=ends_on,
            capacity=capacity,
            min_attendance_percent=min_attendance_percent,
            offer_hours=offer_hours,
        )
    )
    trainers = list(trainers)
    _check_trainers(trainers)
    proposed = {
        "name": name.strip(),
        "starts_on": starts_on,
        "ends_on": ends_on,
        "capacity": capacity,
        "min_attendance_percent": min_attendance_percent,
        "requires_assessment": bool(requires_assessment),
        "offer_hours": offer_hours,
    }
    changes = {
        field: [_audit_value(getattr(current, field)), _audit_value(value)]
        for field, value in proposed.items()
        if getattr(current, field) != value
    }
    old_trainers = sorted(current.trainers.values_list("pk", flat=True))
    new_trainers = sorted({t.pk for t in trainers})
    if old_trainers != new_trainers:
        changes["trainers"] = [old_trainers, new_trainers]
    if not changes:
        return EditionUpdate(current, [], [])
    if any(field in changes for field in COMPLETION_RULES) and completion_settled(current):
        raise LearningError(
            _(
                "The completion rules (attendance and final assessment) cannot change any "
                "more: people have already been judged against them (certificates issued or "
                "the edition closed). The other fields can still be changed."
            ),
            code="rules_settled",
            status=409,
        )
    if "capacity" in changes:
        taken = current.enrolments.filter(state__in=TAKES_PLACE).count()
        if capacity < taken:
            raise LearningError(
                _(
                    "Places already taken (the cohort and the places offered from the "
                    "waiting list): %(taken)s. The cohort cannot have fewer places than that."
                )
                % {"taken": taken},
                code="capacity_below_taken",
            )
    for field, value in proposed.items():
        setattr(current, field, value)
    current.version += 1
    current.save(update_fields=[*EDITABLE_FIELDS, "version"])
    if "trainers" in changes:
        current.trainers.set(trainers)
    changed = sorted(changes)
    log_action(
        "learning.edition.updated",
        actor=actor,
        target=current,
        data={"fields": changed, "changes": changes, "version": current.version},
    )
    offered = []
    if "capacity" in changes and capacity > changes["capacity"][0]:
        # Each added place goes to the next person waiting, exactly as a freed place does
        # (_offer_place stops when the cohort is full or nobody waits).
        while (nxt := _offer_place(current)) is not None:
            offered.append(nxt)
    return EditionUpdate(current, changed, offered)


@transaction.atomic
def add_session(
    edition: Edition,
    *,
    actor,
    module_title: str,
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    place: str = "",
) -> TrainingSession:
    _check_runner(actor, edition)
    if ends_at <= starts_at:
        raise LearningError(
            pgettext_lazy("training", "A session ends after it starts."), code="invalid_times"
        )
    if not title.strip():
        raise LearningError(_("Give the session a title."), code="invalid")
    module = None
    if module_title.strip():
        order = (edition.modules.aggregate(m=Max("order"))["m"] or 0) + 1
        module, _created = Module.objects.get_or_create(
            edition=edition, title=module_title.strip()[:200], defaults={"order": order}
        )
    session = TrainingSession.objects.create(
        edition=edition,
        module=module,
        title=title.strip()[:200],
        starts_at=starts_at,
        ends_at=ends_at,
        place=place.strip()[:300],
    )
    log_action("learning.session.added", actor=actor, target=session, data={"edition": edition.pk})
    return session


@transaction.atomic
def enrol(edition: Edition, user, *, actor) -> Enrolment:
    """Take a place in the cohort, or the next place on the waiting list when it is full."""
    if not permissions.can_enrol(user):
        raise NotAllowed(
            _("Training is for professionals of the partnership's member organisations."),
            code="not_member",
        )
    edition = Edition.objects.select_for_update().get(pk=edition.pk)  # serialises enrolment
    if edition.state != Edition.State.OPEN:
        raise LearningError(_("Enrolment in this edition is closed."), code="closed", status=409)
    existing = Enrolment.objects.filter(edition=edition, user=user).first()
    if existing and existing.state in ACTIVE:
        raise Conflict(_("You are already enrolled in this edition."), code="already_enrolled")
    if existing and existing.state not in ENDED:
        raise Conflict(_("You have already taken part in this edition."), code="already_done")
    taken = edition.enrolments.filter(state__in=TAKES_PLACE).count()
    state = Enrolment.State.ENROLLED if taken < edition.capacity else Enrolment.State.WAITING
    position = (edition.enrolments.aggregate(m=Max("position"))["m"] or 0) + 1
    if existing:
        existing.state, existing.position, existing.offer_expires_at = state, position, None
        existing.save(update_fields=["state", "position", "offer_expires_at"])
        enrolment = existing
    else:
        try:
            with transaction.atomic():
                enrolment = Enrolment.objects.create(
                    edition=edition, user=user, state=state, position=position
                )
        except IntegrityError:
            raise Conflict(_("You are already enrolled in this edition."), code="already_enrolled")
    log_action(
        "learning.enrolment.created",
        actor=actor,
        target=enrolment,
        data={"edition": edition.pk, "state": state},
    )
    return enrolment


@transaction.atomic
def withdraw(enrolment: Enrolment, *, actor) -> Enrolment | None:
    """Leave the cohort or the waiting list, or decline an offered place. A freed place is
    offered to the first one waiting (time-limited, see ``offers``). Returns the enrolment
    that got the offer, if any."""
    edition = Edition.objects.select_for_update().get(pk=enrolment.edition_id)
    enrolment = Enrolment.objects.get(pk=enrolment.pk)
    if actor is not None and actor.pk != enrolment.user_id:
        _check_runner(actor, edition)
    if enrolment.state not in ACTIVE:
        raise LearningError(_("This enrolment is no longer active."), code="not_active", status=409)
    freed = enrolment.state in HOLDS_PLACE
    declined = enrolment.state == Enrolment.State.OFFERED
    enrolment.state = Enrolment.State.WITHDRAWN
    enrolment.offer_expires_at = None
    enrolment.save(update_fields=["state", "offer_expires_at"])
    log_action(
        "learning.enrolment.withdrawn",
        actor=actor,
        target=enrolment,
        data={"edition": edition.pk, "declined_offer": declined},
    )
    if not freed:
        return None
    return _offer_place(edition)


def _offer_place(edition: Edition) -> Enrolment | None:
    """A place of ``edition`` (locked by the caller) is free: offer it to the first one
    waiting, for ``edition.offer_hours``. Nothing while the edition is closed or full."""
    if edition.state == Edition.State.CLOSED:
        return None
    if edition.enrolments.filter(state__in=TAKES_PLACE).count() >= edition.capacity:
        return None
    nxt = (
        edition.enrolments.filter(state=Enrolment.State.WAITING)
        .select_related("user", "edition__course")
        .order_by("position", "pk")
        .first()
    )
    if nxt is None:
        return None
    nxt.state = Enrolment.State.OFFERED
    nxt.offer_expires_at = offers.deadline(edition.offer_hours)
    nxt.save(update_fields=["state", "offer_expires_at"])
    log_action(
        "learning.enrolment.offered",
        actor=None,
        target=nxt,
        data={"edition": edition.pk, "expires": nxt.offer_expires_at.isoformat()},
    )
    _mail_offer(nxt)
    return nxt


def _expire_offer(enrolment: Enrolment, edition: Edition) -> Enrolment | None:
    enrolment.state = Enrolment.State.OFFER_EXPIRED
    enrolment.offer_expires_at = None
    enrolment.save(update_fields=["state", "offer_expires_at"])
    log_action(
        "learning.enrolment.offer_expired",
        actor=None,
        target=enrolment,
        data={"edition": edition.pk},
    )
    _mail_offer_expired(enrolment)
    return _offer_place(edition)


def accept_offer(enrolment: Enrolment, *, actor, now=None) -> Enrolment:
    """The person takes the place offered to them, before the offer expires (410 after)."""
    now = now or timezone.now()
    with transaction.atomic():
        edition = Edition.objects.select_for_update().get(pk=enrolment.edition_id)
        enrolment = Enrolment.objects.select_related("user").get(pk=enrolment.pk)
        if actor is not None and actor.pk != enrolment.user_id:
            raise NotAllowed(_("Only the person offered the place can take it."), code="forbidden")
        if enrolment.state != Enrolment.State.OFFERED:
            raise Conflict(_("There is no open offer of a place for you."), code="no_offer")
        expired = offers.is_expired(enrolment.offer_expires_at, now)
        if expired:
            _expire_offer(enrolment, edition)
        else:
            enrolment.state = Enrolment.State.ENROLLED
            enrolment.offer_expires_at = None
            enrolment.save(update_fields=["state", "offer_expires_at"])
            log_action(
                "learning.enrolment.offer_accepted",
                actor=actor,
                target=enrolment,
                data={"edition": edition.pk},
            )
    if expired:
        # Raised after the commit: the expiry and the offer to the next person stand.
        raise LearningError(
            _("This offer has expired and the place went to the next person waiting."),
            code="offer_expired",
            status=410,
        )
    return enrolment


def _expire_due(pk: int, now) -> bool:
    enrolment = Enrolment.objects.select_related("user").get(pk=pk)
    edition = Edition.objects.select_for_update().get(pk=enrolment.edition_id)
    enrolment.refresh_from_db()  # re-read under the edition's lock
    if enrolment.state != Enrolment.State.OFFERED:
        return False
    if not offers.is_expired(enrolment.offer_expires_at, now):
        return False
    _expire_offer(enrolment, edition)
    return True


def expire_offers(*, now=None) -> int:
    """Expire offers of places whose time is up; each place passes to the next person waiting
    (the scheduled job ``learning_expire_offers``)."""
    now = now or timezone.now()
    due = Enrolment.objects.filter(
        state=Enrolment.State.OFFERED, offer_expires_at__lte=now
    ).values_list("pk", flat=True)
    return offers.expire_due(due, _expire_due, now=now)


def _mail_offer(enrolment: Enrolment) -> None:
    user = enrolment.user
    language = user.language or settings.LANGUAGE_CODE
    with translation.override(language):
        path = reverse("learning:edition", args=[enrolment.edition_id])
        expires = timezone.localtime(enrolment.offer_expires_at)
        context = {
            "edition": str(enrolment.edition),
            "until": formats.date_format(expires, "DATETIME_FORMAT"),
        }
        subject = gettext("A place for you: %(edition)s") % context
        body = (
            gettext(
                "A place in %(edition)s has freed and it is offered to you, the next person on "
                "the waiting list. Take it by %(until)s; after that it goes to the next person. "
                "Sign in and accept (or decline) it here:"
            )
            % context
            + f"\n{settings.SITE_URL}{path}\n"
        )
    enqueue_email(
        dedup_key=f"learning:offer:{enrolment.pk}:{enrolment.offer_expires_at.isoformat()}",
        to=[user.email],
        subject=subject[:255],
        body_text=body,
        language=language,
        related=enrolment,
    )


def _mail_offer_expired(enrolment: Enrolment) -> None:
    user = enrolment.user
    language = user.language or settings.LANGUAGE_CODE
    with translation.override(language):
        context = {"edition": str(enrolment.edition)}
        subject = gettext("The offer of a place has expired: %(edition)s") % context
        body = (
            gettext(
                "The place offered to you in %(edition)s was not taken in time and went to the "
                "next person on the waiting list. You may enrol again while enrolment is open."
            )
            % context
            + "\n"
        )
    enqueue_email(
        dedup_key=f"learning:offer-expired:{enrolment.pk}:{timezone.now().isoformat()}",
        to=[user.email],
        subject=subject[:255],
        body_text=body,
        language=language,
        related=enrolment,
    )


@transaction.atomic
def mark_attendance(session: TrainingSession, *, actor, present_ids) -> int:
    """The trainer marks who was there (every enrolled person: present or absent)."""
    edition = session.edition
    _check_runner(actor, edition)
    present_ids = {int(i) for i in present_ids}
    cohort = list(
        edition.enrolments.filter(state__in=[Enrolment.State.ENROLLED, Enrolment.State.COMPLETED])
    )
    unknown = present_ids - {e.pk for e in cohort}
    if unknown:
        raise LearningError(
            _("Someone marked present is not in this cohort."), code="not_in_cohort"
        )
    for e in cohort:
        Attendance.objects.update_or_create(
            session=session,
            enrolment=e,
            defaults={"present": e.pk in present_ids, "marked_by": actor},
        )
    log_action(
        "learning.attendance.marked",
        actor=actor,
        target=session,
        data={"present": len(present_ids), "cohort": len(cohort)},
    )
    return len(present_ids)


@transaction.atomic
def record_assessment(enrolment: Enrolment, *, actor, passed: bool) -> Enrolment:
    _check_runner(actor, enrolment.edition)
    if enrolment.state not in (Enrolment.State.ENROLLED, Enrolment.State.COMPLETED):
        raise LearningError(_("This person is not in the cohort."), code="not_in_cohort")
    enrolment.assessment_passed = bool(passed)
    enrolment.save(update_fields=["assessment_passed"])
    log_action(
        "learning.assessment.recorded", actor=actor, target=enrolment, data={"passed": bool(passed)}
    )
    return enrolment


def attendance_summary(enrolment: Enrolment) -> dict:
    """Sessions attended out of the edition's sessions, in percent and hours."""
    sessions = list(enrolment.edition.sessions.select_related("module"))
    present = set(
        Attendance.objects.filter(enrolment=enrolment, present=True).values_list(
            "session_id", flat=True
        )
    )
    attended = [s for s in sessions if s.pk in present]
    percent = (100 * len(attended) // len(sessions)) if sessions else 0
    return {
        "sessions": sessions,
        "attended": attended,
        "percent": percent,
        "hours": sum((s.hours for s in attended), Decimal(0)),
    }


def _unmet(enrolment: Enrolment, summary: dict) -> list[str]:
    edition = enrolment.edition
    missing = []
    if not summary["sessions"]:
        missing.append(str(_("the edition has no sessions")))
    elif summary["percent"] < edition.min_attendance_percent:
        missing.append(
            str(_("attendance %(have)s %% is below %(need)s %%"))
            % {"have": summary["percent"], "need": edition.min_attendance_percent}
        )
    if edition.requires_assessment and not enrolment.assessment_passed:
        missing.append(str(_("the final assessment is not passed")))
    return missing


def _issue_certificate(enrolment: Enrolment, summary: dict, *, actor):
    from ostoja.certificates import services as certificates

    edition = enrolment.edition
    valid_until = None
    if edition.course.certificate_valid_months:
        valid_until = add_months(timezone.localdate(), edition.course.certificate_valid_months)
    items = [
        {
            "label": f"{s.module.title}: {s.title}" if s.module else s.title,
            "date": timezone.localtime(s.starts_at).date().isoformat(),
            "hours": str(s.hours),
        }
        for s in summary["attended"]
    ]
    return certificates.issue(
        holder_name=str(enrolment.user),
        holder_email=enrolment.user.email,
        holder_user=enrolment.user,
        title=str(edition),
        kind="completion",
        source_key=f"learning.enrolment:{enrolment.pk}",
        items=items,
        hours=summary["hours"],
        valid_until=valid_until,
        actor=actor,
    )


@transaction.atomic
def evaluate_completion(enrolment: Enrolment, *, actor, final: bool = False) -> list[str]:
    """Check the edition's completion rules for one person. When met: completed, a completion
    certificate issued (re-issued, superseding the old one, when the record changed), and
    ``training_completed`` sent. Returns what is missing (empty when completed).

    ``final`` (closing the edition): a person who does not meet the rules is marked as not
    having completed.
    """
    enrolment = (
        Enrolment.objects.select_for_update()
        .select_related("edition__course", "user")
        .get(pk=enrolment.pk)
    )
    _check_runner(actor, enrolment.edition)
    if enrolment.state not in (
        Enrolment.State.ENROLLED,
        Enrolment.State.COMPLETED,
        Enrolment.State.NOT_COMPLETED,
    ):
        raise LearningError(_("This person is not in the cohort."), code="not_in_cohort")
    summary = attendance_summary(enrolment)
    missing = _unmet(enrolment, summary)
    if missing:
        if final and enrolment.state == Enrolment.State.ENROLLED:
            enrolment.state = Enrolment.State.NOT_COMPLETED
            enrolment.save(update_fields=["state"])
            log_action("learning.enrolment.not_completed", actor=actor, target=enrolment, data={})
        return missing
    first_time = enrolment.state != Enrolment.State.COMPLETED
    previous_certificate_pk = (
        Certificate.objects.filter(code=enrolment.certificate_code)
        .values_list("pk", flat=True)
        .first()
        if enrolment.certificate_code
        else None
    )
    certificate = _issue_certificate(enrolment, summary, actor=actor)
    enrolment.state = Enrolment.State.COMPLETED
    enrolment.completed_at = enrolment.completed_at or timezone.now()
    enrolment.certificate_code = certificate.code
    enrolment.save(update_fields=["state", "completed_at", "certificate_code"])
    if first_time:
        log_action(
            "learning.enrolment.completed",
            actor=actor,
            target=enrolment,
            data={
                "percent": summary["percent"],
                "hours": str(summary["hours"]),
                "certificate": certificate.code,
            },
        )
        # Sent inside the transaction: the right it grants (supervision) is committed with the
        # completion or not at all.
        training_completed.send(sender=Enrolment, enrolment=enrolment, user=enrolment.user)
    if certificate.pk != previous_certificate_pk:
        _mail_certificate(enrolment, certificate, reissued=not first_time)
    return []


def _mail_certificate(enrolment: Enrolment, certificate, *, reissued: bool) -> None:
    """Tell the graduate (in their language) where the certificate is; the PDF stays on the
    platform, behind their sign-in."""
    from ostoja.certificates.services import verify_url

    user = enrolment.user
    language = user.language or settings.LANGUAGE_CODE
    with translation.override(language):
        path = reverse("learning:edition", args=[enrolment.edition_id])
        context = {"edition": str(enrolment.edition), "code": certificate.display_code}
        subject = (
            gettext("Corrected certificate: %(edition)s")
            if reissued
            else gettext("Certificate of completion: %(edition)s")
        ) % context
        body = (
            gettext(
                "You have completed %(edition)s. Your certificate's verification code is %(code)s. "
                "Download the certificate after signing in:"
            )
            % context
            + f"\n{settings.SITE_URL}{path}\n\n"
            + gettext("Anyone can check the code at:")
            + f"\n{verify_url(certificate)}\n"
        )
    enqueue_email(
        dedup_key=f"learning:certificate:{certificate.code}",
        to=[user.email],
        subject=subject[:255],
        body_text=body,
        language=language,
        related=enrolment,
    )


@transaction.atomic
def close_edition(edition: Edition, *, actor) -> dict:
    """Evaluate everyone in the cohort (completed or not), end enrolment and the waiting list."""
    edition = Edition.objects.select_for_update().get(pk=edition.pk)
    _check_runner(actor, edition)
    completed = not_completed = 0
    for enrolment in edition.enrolments.filter(
        state__in=[Enrolment.State.ENROLLED, Enrolment.State.COMPLETED]
    ):
        if evaluate_completion(enrolment, actor=actor, final=True):
            not_completed += 1
        else:
            completed += 1
    # The waiting list ends with the edition, open offers too.
    edition.enrolments.filter(state__in=[Enrolment.State.WAITING, Enrolment.State.OFFERED]).update(
        state=Enrolment.State.WITHDRAWN, offer_expires_at=None
    )
    edition.state = Edition.State.CLOSED
    edition.save(update_fields=["state"])
    log_action(
        "learning.edition.closed",
        actor=actor,
        target=edition,
        data={"completed": completed, "not_completed": not_completed},
    )
    return {"completed": completed, "not_completed": not_completed}
