"""Pages of training, supervision and consultations: parse, check permission, call a service."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ostoja.certificates import services as certificates
from ostoja.certificates.models import Certificate
from ostoja.core.permissions import permission_required
from ostoja.network import membership
from ostoja.organisations.models import Organisation, Voivodeship

from . import forms, ics, permissions, services
from .models import (
    ConsultationRequest,
    Edition,
    Enrolment,
    Practitioner,
    SupervisionBooking,
    SupervisionGroup,
    SupervisionMeeting,
    Topic,
    TrainingSession,
)
from .services import ChildDataFound, LearningError


def _refused(request, exc: LearningError, back: str):
    """A refused action: the translated reason, with the service's status code."""
    return render(
        request, "learning/refused.html", {"message": exc.message, "back": back}, status=exc.status
    )


def _form_error(form, exc: LearningError) -> None:
    form.add_error(None, exc.message)
    if isinstance(exc, ChildDataFound) and not exc.blocking:
        form.child_data_warning = True


# --- overview ---------------------------------------------------------------------------------


@require_GET
@permission_required(permissions.can_use_learning)
def index(request):
    user = request.user
    enrolments = (
        Enrolment.objects.filter(user=user)
        .exclude(state=Enrolment.State.WITHDRAWN)
        .select_related("edition__course")
    )
    return render(
        request,
        "learning/index.html",
        {
            "open_editions": Edition.objects.filter(state=Edition.State.OPEN).select_related(
                "course"
            ),
            "enrolments": enrolments,
            "trained": user.trained_editions.select_related("course"),
            "can_enrol": permissions.can_enrol(user),
            "can_manage": permissions.can_manage_training(user),
            "all_editions": Edition.objects.select_related("course")
            if permissions.can_manage_training(user)
            else [],
            "eligible": services.is_eligible(user),
            "is_expert": permissions.is_expert(user),
            "can_ask": permissions.can_ask_consultation(user),
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required(permissions.can_manage_practitioners)
def practitioners(request):
    form = forms.PractitionerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.set_practitioner(
                form.user,
                actor=request.user,
                is_trainer=d["is_trainer"],
                is_supervisor=d["is_supervisor"],
                is_expert=d["is_expert"],
                areas=d["areas"],
                phone=d["phone"],
                video_link=d["video_link"],
            )
        except LearningError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Saved: %(person)s.") % {"person": form.user})
            return redirect("learning:practitioners")
    return render(
        request,
        "learning/practitioners.html",
        {
            "form": form,
            "people": Practitioner.objects.select_related("user").order_by("user__email"),
            "topics": dict(Topic.choices),
        },
        status=422 if form.errors else 200,
    )


# --- training ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@permission_required(permissions.can_manage_training)
def edition_new(request):
    form = forms.EditionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            edition = services.create_edition(
                actor=request.user,
                course=d["course"],
                course_title=d["course_title"],
                course_description=d["course_description"],
                certificate_valid_months=d["certificate_valid_months"],
                name=d["name"],
                starts_on=d["starts_on"],
                ends_on=d["ends_on"],
                capacity=d["capacity"],
                min_attendance_percent=d["min_attendance_percent"],
                requires_assessment=d["requires_assessment"],
                trainers=d["trainers"],
                offer_hours=d["offer_hours"],
            )
        except LearningError as exc:
            _form_error(form, exc)
        else:
            return redirect("learning:edition_manage", pk=edition.pk)
    return render(
        request, "learning/edition_new.html", {"form": form}, status=422 if form.errors else 200
    )


@require_http_methods(["GET", "POST"])
@permission_required(permissions.can_manage_training)
def edition_edit(request, pk):
    """Change an edition (coordinators, as creating one). A save from a form loaded before
    someone else's save is refused (409): the typed values stay on the page, nothing is
    written."""
    edition = _edition(pk)
    settled = services.completion_settled(edition)
    form = forms.EditionEditForm(request.POST or None, edition=edition, rules_settled=settled)
    status = 200
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            result = services.update_edition(
                edition,
                actor=request.user,
                version=d["version"],
                name=d["name"],
                starts_on=d["starts_on"],
                ends_on=d["ends_on"],
                capacity=d["capacity"],
                min_attendance_percent=d["min_attendance_percent"],
                requires_assessment=d["requires_assessment"],
                offer_hours=d["offer_hours"],
                trainers=d["trainers"],
            )
        except LearningError as exc:
            _form_error(form, exc)
            form.stale = exc.code == "stale"
            status = exc.status
        else:
            if not result.changed:
                messages.info(request, _("Nothing was changed."))
            else:
                messages.success(request, _("The edition is saved."))
            if result.offered:
                messages.info(
                    request,
                    _("Places offered to the next people on the waiting list: %(count)s.")
                    % {"count": len(result.offered)},
                )
            return redirect("learning:edition_manage", pk=edition.pk)
    if form.errors and status == 200:
        status = 422
    return render(
        request,
        "learning/edition_edit.html",
        {"form": form, "edition": edition, "settled": settled},
        status=status,
    )


def _edition(pk) -> Edition:
    return get_object_or_404(Edition.objects.select_related("course"), pk=pk)


@require_GET
@permission_required(permissions.can_use_learning)
def edition(request, pk):
    edition = _edition(pk)
    mine = Enrolment.objects.filter(edition=edition, user=request.user).first()
    summary = (
        services.attendance_summary(mine) if mine and mine.state in PARTICIPANT_STATES else None
    )
    certificate = (
        Certificate.objects.filter(code=mine.certificate_code).first()
        if mine and mine.certificate_code
        else None
    )
    return render(
        request,
        "learning/edition.html",
        {
            "edition": edition,
            "mine": mine,
            "summary": summary,
            "certificate": certificate,
            "can_enrol": permissions.can_enrol(request.user),
            "can_run": permissions.can_run_edition(request.user, edition),
            "taken": edition.enrolments.filter(
                state__in=[*PARTICIPANT_STATES, Enrolment.State.OFFERED]
            ).count(),
            "waiting": edition.enrolments.filter(state=Enrolment.State.WAITING).count(),
            "sessions": edition.sessions.select_related("module"),
            "participant_states": [str(s) for s in PARTICIPANT_STATES],
        },
    )


#: Enrolment states whose holder is a participant of the edition (the calendar is theirs).
PARTICIPANT_STATES = (
    Enrolment.State.ENROLLED,
    Enrolment.State.COMPLETED,
    Enrolment.State.NOT_COMPLETED,
)


@require_GET
@permission_required(permissions.can_use_learning)
def edition_ics(request, pk):
    """The edition's sessions as .ics, for its participants (and those who run it)."""
    edition = _edition(pk)
    participant = Enrolment.objects.filter(
        edition=edition, user=request.user, state__in=PARTICIPANT_STATES
    ).exists()
    if not (participant or permissions.can_run_edition(request.user, edition)):
        raise Http404
    response = HttpResponse(
        ics.edition_calendar(edition), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="training-{edition.pk}.ics"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@permission_required(permissions.can_use_learning)
def enrol(request, pk):
    edition = _edition(pk)
    try:
        enrolment = services.enrol(edition, request.user, actor=request.user)
    except LearningError as exc:
        return _refused(request, exc, back=reverse("learning:edition", args=[edition.pk]))
    if enrolment.state == Enrolment.State.WAITING:
        messages.info(request, _("The cohort is full: you are on the waiting list."))
    else:
        messages.success(request, _("You are enrolled."))
    return redirect("learning:edition", pk=edition.pk)


@require_POST
@permission_required(permissions.can_use_learning)
def accept_offer(request, pk):
    """The person takes the place offered to them from the waiting list."""
    edition = _edition(pk)
    enrolment = get_object_or_404(Enrolment, edition=edition, user=request.user)
    try:
        services.accept_offer(enrolment, actor=request.user)
    except LearningError as exc:
        return _refused(request, exc, back=reverse("learning:edition", args=[edition.pk]))
    messages.success(request, _("You are enrolled."))
    return redirect("learning:edition", pk=edition.pk)


@require_POST
@permission_required(permissions.can_use_learning)
def withdraw(request, pk):
    edition = _edition(pk)
    enrolment = get_object_or_404(Enrolment, edition=edition, user=request.user)
    try:
        services.withdraw(enrolment, actor=request.user)
    except LearningError as exc:
        return _refused(request, exc, back=reverse("learning:edition", args=[edition.pk]))
    messages.success(request, _("You have withdrawn from the edition."))
    return redirect("learning:edition", pk=edition.pk)


def _runner_edition(request, pk) -> Edition:
    edition = _edition(pk)
    if not permissions.can_run_edition(request.user, edition):
        raise PermissionDenied
    return edition


@require_GET
@permission_required(permissions.can_use_learning)
def edition_manage(request, pk):
    edition = _runner_edition(request, pk)
    sessions = list(edition.sessions.select_related("module"))
    cohort = list(
        edition.enrolments.filter(state__in=PARTICIPANT_STATES)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )
    marks = {
        (a.session_id, a.enrolment_id): a.present for s in sessions for a in s.attendance.all()
    }
    rows = [(e, services.attendance_summary(e)) for e in cohort]
    return render(
        request,
        "learning/edition_manage.html",
        {
            "edition": edition,
            "sessions": [(s, [(e, marks.get((s.pk, e.pk))) for e in cohort]) for s in sessions],
            "rows": rows,
            "waiting": edition.enrolments.filter(
                state__in=[Enrolment.State.OFFERED, Enrolment.State.WAITING]
            )
            .select_related("user")
            .order_by("position", "pk"),
            "session_form": forms.SessionForm(),
            "can_edit": permissions.can_manage_training(request.user),
        },
    )


@require_POST
@permission_required(permissions.can_use_learning)
def session_add(request, pk):
    edition = _runner_edition(request, pk)
    form = forms.SessionForm(request.POST)
    back = reverse("learning:edition_manage", args=[edition.pk])
    if not form.is_valid():
        return _refused(
            request,
            LearningError(
                " ".join(m for errs in form.errors.values() for m in errs), code="invalid"
            ),
            back,
        )
    try:
        services.add_session(edition, actor=request.user, **form.cleaned_data)
    except LearningError as exc:
        return _refused(request, exc, back)
    messages.success(request, _("Session added."))
    return redirect("learning:edition_manage", pk=edition.pk)


def _ids(values) -> list[int]:
    try:
        return [int(v) for v in values]
    except ValueError:
        raise LearningError(_("The list of people is malformed."), code="malformed")


@require_POST
@permission_required(permissions.can_use_learning)
def attendance(request, pk):
    session = get_object_or_404(TrainingSession.objects.select_related("edition"), pk=pk)
    edition = _runner_edition(request, session.edition_id)
    back = reverse("learning:edition_manage", args=[edition.pk])
    try:
        services.mark_attendance(
            session, actor=request.user, present_ids=_ids(request.POST.getlist("present"))
        )
    except LearningError as exc:
        return _refused(request, exc, back)
    messages.success(request, _("Attendance saved: %(session)s.") % {"session": session.title})
    return redirect("learning:edition_manage", pk=edition.pk)


@require_POST
@permission_required(permissions.can_use_learning)
def assessment(request, pk):
    edition = _runner_edition(request, pk)
    back = reverse("learning:edition_manage", args=[edition.pk])
    try:
        enrolment = get_object_or_404(
            Enrolment, edition=edition, pk=_ids([request.POST.get("enrolment", "")])[0]
        )
        passed = request.POST.get("passed")
        if passed not in ("yes", "no"):
            raise LearningError(_("Choose passed or not passed."), code="malformed")
        services.record_assessment(enrolment, actor=request.user, passed=passed == "yes")
        if request.POST.get("complete") == "1":
            missing = services.evaluate_completion(enrolment, actor=request.user)
            if missing:
                messages.warning(
                    request,
                    _("%(person)s has not completed yet: %(missing)s.")
                    % {"person": enrolment.user, "missing": "; ".join(missing)},
                )
    except LearningError as exc:
        return _refused(request, exc, back)
    messages.success(request, _("Assessment saved: %(person)s.") % {"person": enrolment.user})
    return redirect("learning:edition_manage", pk=edition.pk)


@require_POST
@permission_required(permissions.can_use_learning)
def edition_close(request, pk):
    edition = _runner_edition(request, pk)
    try:
        result = services.close_edition(edition, actor=request.user)
    except LearningError as exc:
        return _refused(request, exc, reverse("learning:edition_manage", args=[edition.pk]))
    messages.success(
        request,
        _("Edition closed: %(completed)s completed (certificates issued), %(not)s did not.")
        % {"completed": result["completed"], "not": result["not_completed"]},
    )
    return redirect("learning:edition_manage", pk=edition.pk)


@require_GET
@permission_required(permissions.can_use_learning)
def certificate_pdf(request, pk):
    enrolment = get_object_or_404(
        Enrolment, edition_id=pk, user=request.user, state=Enrolment.State.COMPLETED
    )
    certificate = get_object_or_404(Certificate, code=enrolment.certificate_code)
    response = HttpResponse(certificates.pdf_bytes(certificate), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{certificate.code}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


# --- supervision ------------------------------------------------------------------------------


@require_GET
@permission_required(permissions.can_see_supervision)
def supervision(request):
    user = request.user
    groups = list(
        SupervisionGroup.objects.select_related("supervisor").prefetch_related("meetings")
    )
    booked = set(
        SupervisionBooking.objects.filter(user=user, active=True).values_list("group_id", flat=True)
    )
    taken = {g.pk: g.bookings.filter(active=True).count() for g in groups}
    return render(
        request,
        "learning/supervision.html",
        {
            "groups": [(g, taken[g.pk], g.pk in booked) for g in groups],
            "eligible": services.is_eligible(user),
            "can_manage": permissions.can_manage_supervision(user),
            "mine": [g for g in groups if g.supervisor_id == user.pk],
            "now": timezone.now(),
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required(permissions.can_manage_supervision)
def group_new(request):
    form = forms.GroupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            group = services.create_group(actor=request.user, **form.cleaned_data)
        except LearningError as exc:
            _form_error(form, exc)
        else:
            return redirect("learning:group", pk=group.pk)
    return render(
        request, "learning/group_new.html", {"form": form}, status=422 if form.errors else 200
    )


@require_http_methods(["GET", "POST"])
@permission_required(permissions.can_see_supervision)
def group(request, pk):
    """Dates and attendance for the supervisor and coordinators; the supervisor marks it."""
    group = get_object_or_404(SupervisionGroup.objects.select_related("supervisor"), pk=pk)
    if not permissions.can_see_group(request.user, group):
        raise PermissionDenied
    meetings = list(group.meetings.all())
    bookings = list(group.bookings.filter(active=True).select_related("user"))
    if request.method == "POST":
        meeting = get_object_or_404(
            SupervisionMeeting, group=group, pk=request.POST.get("meeting") or 0
        )
        try:
            services.mark_meeting_attendance(
                meeting, actor=request.user, present_ids=_ids(request.POST.getlist("present"))
            )
        except LearningError as exc:
            return _refused(request, exc, reverse("learning:group", args=[group.pk]))
        messages.success(request, _("Attendance saved."))
        return redirect("learning:group", pk=group.pk)
    marks = {}
    for m in meetings:
        for a in m.attendance.all():
            marks[(m.pk, a.booking_id)] = a.present
    return render(
        request,
        "learning/group.html",
        {
            "group": group,
            "bookings": bookings,
            "meetings": [(m, [(b, marks.get((m.pk, b.pk))) for b in bookings]) for m in meetings],
            "is_supervisor": permissions.can_keep_notes(request.user, group),
        },
    )


@require_POST
@permission_required(permissions.can_see_supervision)
def group_book(request, pk):
    group = get_object_or_404(SupervisionGroup, pk=pk)
    try:
        services.book_group(group, request.user, actor=request.user)
    except LearningError as exc:
        return _refused(request, exc, reverse("learning:supervision"))
    messages.success(request, _("Your place in “%(group)s” is booked.") % {"group": group.title})
    return redirect("learning:supervision")


@require_POST
@permission_required(permissions.can_see_supervision)
def group_cancel(request, pk):
    booking = get_object_or_404(SupervisionBooking, group_id=pk, user=request.user, active=True)
    services.cancel_booking(booking, actor=request.user)
    messages.success(request, _("Your booking is cancelled."))
    return redirect("learning:supervision")


@require_http_methods(["GET", "POST"])
@permission_required(permissions.can_see_supervision)
def meeting(request, pk):
    """The supervisor's own notes on one meeting. Nobody else reaches this page (404)."""
    meeting = get_object_or_404(SupervisionMeeting.objects.select_related("group"), pk=pk)
    if not permissions.can_keep_notes(request.user, meeting.group):
        raise Http404
    form = forms.NoteForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.add_note(
                meeting,
                actor=request.user,
                text=form.cleaned_data["text"],
                confirmed=form.cleaned_data["confirm_child_data"],
            )
        except LearningError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Note saved."))
            return redirect("learning:meeting", pk=meeting.pk)
    if form.errors:
        status = 422
    response = render(
        request,
        "learning/meeting.html",
        {"meeting": meeting, "form": form, "notes": services.read_notes(meeting, request.user)},
        status=status,
    )
    response["Cache-Control"] = "no-store"
    return response


# --- consultations ----------------------------------------------------------------------------


@require_GET
@permission_required(permissions.can_see_consultations)
def consultations(request):
    user = request.user
    return render(
        request,
        "learning/consultations.html",
        {
            "mine": ConsultationRequest.objects.filter(requester=user).select_related("expert"),
            "assigned": ConsultationRequest.objects.filter(expert=user)
            .select_related("requester")
            .order_by("-urgency", "-created_at"),
            "can_ask": permissions.can_ask_consultation(user),
            "is_expert": permissions.is_expert(user),
            "can_stats": permissions.can_see_statistics(user),
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required(permissions.can_ask_consultation)
def consultation_new(request):
    organisations = Organisation.objects.filter(
        pk__in=membership.partner_organisation_ids(request.user)
    )
    form = forms.ConsultationForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            consultation = services.ask_consultation(
                actor=request.user,
                organisation=d["organisation"],
                topic=d["topic"],
                urgency=d["urgency"],
                channel=d["channel"],
                subject=d["subject"],
                message=d["message"],
                confirmed=d["confirm_child_data"],
            )
        except LearningError as exc:
            _form_error(form, exc)
        else:
            return redirect("learning:consultation", pk=consultation.pk)
    return render(
        request,
        "learning/consultation_new.html",
        {"form": form},
        status=422 if form.errors else 200,
    )


def _consultation(request, pk) -> ConsultationRequest:
    """Only the person who asked and the expert: any other id is a 404."""
    consultation = get_object_or_404(
        ConsultationRequest.objects.select_related("requester", "expert", "organisation"), pk=pk
    )
    if not permissions.can_see_consultation(request.user, consultation):
        raise Http404
    return consultation


def _consultation_page(request, consultation, *, reply_form=None, status=200):
    booking = consultation.bookings.filter(active=True).first()
    is_requester = consultation.requester_id == request.user.pk
    offers = []
    if (
        is_requester
        and consultation.channel != ConsultationRequest.Channel.EMAIL
        and consultation.state != ConsultationRequest.State.CLOSED
    ):
        offers = [(e, s[:24]) for e, s in services.free_slots(consultation)]
    expert_profile = (
        Practitioner.objects.filter(user_id=consultation.expert_id).first()
        if consultation.expert_id
        else None
    )
    response = render(
        request,
        "learning/consultation.html",
        {
            "c": consultation,
            "booking": booking,
            "is_requester": is_requester,
            "offers": offers,
            "expert_profile": expert_profile,
            "thread": consultation.messages.select_related("author"),
            "reply_form": reply_form or forms.ReplyForm(),
        },
        status=status,
    )
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@permission_required(permissions.can_see_consultations)
def consultation(request, pk):
    return _consultation_page(request, _consultation(request, pk))


@require_POST
@permission_required(permissions.can_see_consultations)
def consultation_book(request, pk):
    consultation = _consultation(request, pk)
    back = reverse("learning:consultation", args=[consultation.pk])
    try:
        from django.contrib.auth import get_user_model

        expert = (
            get_user_model().objects.filter(pk=_ids([request.POST.get("expert", "")])[0]).first()
        )
        try:
            starts_at = dt.datetime.fromisoformat(request.POST.get("starts_at", ""))
        except ValueError:
            raise LearningError(_("The time is malformed."), code="malformed")
        if starts_at.tzinfo is None:
            raise LearningError(_("The time is malformed."), code="malformed")
        if expert is None:
            raise LearningError(_("This expert does not consult on this topic."), code="no_match")
        rescheduling = consultation.bookings.filter(active=True).exists()
        services.book_consultation(
            consultation, actor=request.user, expert=expert, starts_at=starts_at
        )
    except LearningError as exc:
        return _refused(request, exc, back)
    messages.success(
        request,
        _("The consultation is moved; both of you get the new invitation by e-mail.")
        if rescheduling
        else _("The consultation is booked; both of you get a calendar invitation by e-mail."),
    )
    return redirect("learning:consultation", pk=consultation.pk)


@require_POST
@permission_required(permissions.can_see_consultations)
def consultation_reply(request, pk):
    consultation = _consultation(request, pk)
    form = forms.ReplyForm(request.POST)
    if form.is_valid():
        try:
            services.post_message(
                consultation,
                actor=request.user,
                body=form.cleaned_data["body"],
                confirmed=form.cleaned_data["confirm_child_data"],
            )
        except LearningError as exc:
            _form_error(form, exc)
            return _consultation_page(request, consultation, reply_form=form, status=exc.status)
        messages.success(request, _("Message sent."))
        return redirect("learning:consultation", pk=consultation.pk)
    return _consultation_page(request, consultation, reply_form=form, status=422)


@require_POST
@permission_required(permissions.can_see_consultations)
def consultation_close(request, pk):
    consultation = _consultation(request, pk)
    services.close_consultation(consultation, actor=request.user)
    messages.success(request, _("The consultation is closed."))
    return redirect("learning:consultations")


@require_GET
@permission_required(permissions.can_see_consultations)
def consultation_ics(request, pk):
    consultation = _consultation(request, pk)
    booking = (
        consultation.bookings.filter(active=True)
        .select_related("expert", "request__requester")
        .first()
    )
    if booking is None:
        raise Http404
    response = HttpResponse(
        ics.consultation_invitation(booking), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="consultation-{consultation.pk}.ics"'
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
@permission_required(permissions.can_declare_availability)
def availability(request):
    user = request.user
    rules = list(user.availability.all())
    initial = {}
    for r in rules:
        initial[f"start_{r.weekday}"] = r.start_time
        initial[f"end_{r.weekday}"] = r.end_time
        initial["slot_minutes"], initial["buffer_minutes"] = r.slot_minutes, r.buffer_minutes
    form = forms.AvailabilityForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_availability(user, actor=user, rules=form.cleaned_data["rules"])
        except LearningError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Your availability is saved."))
            return redirect("learning:availability")
    upcoming = services.consultations.expert_slots(user, days=14)[:12]
    return render(
        request,
        "learning/availability.html",
        {"form": form, "upcoming": upcoming},
        status=422 if form.errors else 200,
    )


@require_GET
@permission_required(permissions.can_see_statistics)
def statistics(request):
    stats = services.consultation_statistics()
    topics = dict(Topic.choices)
    voivodeships = dict(Voivodeship.choices)
    return render(
        request,
        "learning/statistics.html",
        {
            "stats": stats,
            "by_topic": sorted(
                (
                    (topics.get(k, k), n, stats["median_wait_hours"].get(k))
                    for k, n in stats["by_topic"].items()
                ),
                key=lambda r: -r[1],
            ),
            "by_voivodeship": sorted(
                (
                    (voivodeships.get(k, _("unknown")) if k else _("unknown"), n)
                    for k, n in stats["by_voivodeship"].items()
                ),
                key=lambda r: -r[1],
            ),
            "by_channel": [
                (ConsultationRequest.Channel(k).label, n) for k, n in stats["by_channel"].items()
            ],
        },
    )
