"""The organiser's pages: events, participants by status, waiting lists, e-mails, badges,
corrections of the check-in record, certificates of attendance."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ostoja.core.permissions import permission_required
from ostoja.network import membership
from ostoja.organisations.models import Organisation

from . import badges as badge_pdf
from . import permissions, queries, services
from .forms import EventForm, MessageForm, MoveForm
from .models import Answer, CheckinList, QueueChange, Registration, RegistrationStatus
from .services import certificates, checkin, programme, waitlist
from .services.messages import send_message


def _event(request, slug):
    """The event, if the user manages it (another organisation's event: 404)."""
    if not request.user.is_authenticated:
        raise PermissionDenied
    return get_object_or_404(
        permissions.managed_events(request.user).select_related("organiser"), slug=slug
    )


def _can_manage_any(user) -> bool:
    return permissions.can_organise(user) or permissions.managed_events(user).exists()


@require_GET
@permission_required(_can_manage_any)
def manage_list(request):
    events = (
        permissions.managed_events(request.user).select_related("organiser").order_by("-starts_at")
    )
    return render(
        request,
        "events/manage_list.html",
        {"events": events, "can_create": permissions.can_organise(request.user)},
    )


def _organiser_choices(user):
    if membership.is_coordinator(user):
        return Organisation.objects.active().order_by("name")
    ids = permissions._managed_organisation_ids(user) & membership.partner_organisation_ids(user)
    return Organisation.objects.filter(pk__in=ids).order_by("name")


@require_http_methods(["GET", "POST"])
@permission_required(permissions.can_organise)
def create(request):
    organisations = _organiser_choices(request.user)
    form = EventForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        organiser = organisations.filter(pk=int(data["organiser"])).first()
        if organiser is None:
            raise Http404
        try:
            event = programme.create_event(
                actor=request.user,
                organiser=organiser,
                title=data["title"],
                kind=data["kind"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                venue=data["venue"],
                online_url=data["online_url"],
                description=data["description"],
                visibility=data["visibility"],
            )
            programme.add_category(event, _("Participants"), data["seats"])
        except services.EventError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Event created. It is not published yet."))
            return redirect("events:manage", slug=event.slug)
    return render(request, "events/create.html", {"form": form}, status=422 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def manage(request, slug):
    event = _event(request, slug)
    if request.method == "POST":
        action = request.POST.get("action")
        if action in ("publish", "unpublish"):
            programme.set_published(event, published=action == "publish", actor=request.user)
            messages.success(request, _("Saved."))
        elif action == "certificates":
            try:
                count = certificates.issue_all(event, actor=request.user)
            except services.EventError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(
                    request, _("Certificates of attendance issued: %(n)d.") % {"n": count}
                )
        else:
            return HttpResponse(_("Unknown action."), status=400)
        return redirect("events:manage", slug=slug)
    return render(
        request,
        "events/manage.html",
        {
            "event": event,
            "stats": queries.statistics(event),
            "counts": checkin.counts(event),
            "filters": queries.STATUS_FILTERS,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def participants(request, slug):
    event = _event(request, slug)
    if request.method == "POST":
        registration = get_object_or_404(
            Registration, event=event, pk=request.POST.get("registration") or 0
        )
        action = request.POST.get("action")
        try:
            if action == "approve":
                services.approve(registration, actor=request.user)
            elif action == "reject":
                services.reject(
                    registration, actor=request.user, reason=request.POST.get("reason", "")
                )
            elif action == "cancel":
                services.cancel_registration(
                    registration, actor=request.user, reason=request.POST.get("reason", "")
                )
            else:
                return HttpResponse(_("Unknown action."), status=400)
            messages.success(request, _("Saved."))
        except services.EventError as exc:
            messages.error(request, exc.message)
        return redirect(request.get_full_path())
    status = request.GET.get("status", "")
    status = status if status in queries.STATUS_FILTERS else ""
    query = " ".join(request.GET.get("q", "").split())[:100]
    qs = queries.participants(event, status)
    if query:
        qs = qs.filter(name__icontains=query) | qs.filter(email__icontains=query)
    page = Paginator(qs, 100).get_page(request.GET.get("page"))
    sensitive = list(event.questions.filter(sensitive=True))
    answers = {}
    if sensitive:
        for a in Answer.objects.filter(
            registration__in=[r.pk for r in page], question__in=sensitive
        ):
            answers.setdefault(a.registration_id, []).append(a)
    for r in page:
        r.sensitive_answers = answers.get(r.pk, [])
    return render(
        request,
        "events/participants.html",
        {
            "event": event,
            "page": page,
            "status": status,
            "query": query,
            "filters": queries.STATUS_FILTERS,
            "lists": event.checkin_lists.select_related("day", "session", "event"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def waiting(request, slug):
    event = _event(request, slug)
    form = MoveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        registration = get_object_or_404(
            Registration, event=event, pk=form.cleaned_data["registration"]
        )
        try:
            waitlist.move_in_queue(
                registration,
                new_rank=form.cleaned_data["new_rank"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        except services.EventError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Moved. The reason is kept in the log."))
        return redirect("events:waiting", slug=slug)
    if request.method == "POST":
        messages.error(request, _("Give the new place and the reason."))
    lists = [(c, list(waitlist.waiting_list(c)[:500])) for c in event.categories.all()]
    changes = (
        QueueChange.objects.filter(registration__event=event)
        .select_related("registration", "actor")
        .order_by("-at")[:50]
    )
    return render(
        request, "events/waiting.html", {"event": event, "lists": lists, "changes": changes}
    )


@login_required
@require_http_methods(["GET", "POST"])
def message(request, slug):
    event = _event(request, slug)
    form = MessageForm(
        request.POST or None, initial={"status": request.GET.get("status", "registered")}
    )
    if request.method == "POST" and form.is_valid():
        try:
            n = send_message(event, actor=request.user, **form.cleaned_data)
        except services.EventError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("The message is on its way to %(n)d people.") % {"n": n})
            return redirect("events:manage", slug=slug)
    return render(
        request,
        "events/message.html",
        {"event": event, "form": form},
        status=422 if form.errors else 200,
    )


@login_required
@require_GET
def badges(request, slug):
    event = _event(request, slug)
    qs = (
        Registration.objects.filter(
            event=event, status=RegistrationStatus.CONFIRMED, anonymised=False
        )
        .select_related("category")
        .order_by("name", "pk")
    )
    one = request.GET.get("registration")
    if one:
        if not one.isdigit():
            raise Http404
        qs = qs.filter(pk=int(one))
        if not qs.exists():
            raise Http404
    response = HttpResponse(badge_pdf.render(qs, event), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="badges-{event.slug}.pdf"'
    return response


@login_required
@require_POST
def correct(request, slug):
    event = _event(request, slug)
    registration = get_object_or_404(
        Registration, event=event, pk=request.POST.get("registration") or 0
    )
    checkin_list = get_object_or_404(CheckinList, event=event, pk=request.POST.get("list") or 0)
    try:
        checkin.correct_checkin(
            checkin_list,
            registration,
            present=request.POST.get("present") == "1",
            actor=request.user,
            reason=request.POST.get("reason", ""),
        )
    except services.EventError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("The check-in record is corrected; a certificate already issued was issued again."),
        )
    return redirect(f"{request.path.rsplit('correct/', 1)[0]}participants/")
