"""The organiser's set-up pages: the event's details, its programme (sessions, parallel
workshops, speakers), ticket categories, registration questions and check-in staff.

Thin views: each parses a form, calls one function of ``services/editing.py`` and renders.
Every page is reached only through ``permissions.managed_events`` (another organisation's
event answers 404)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .forms import CategoryForm, EventEditForm, QuestionForm, SessionForm, SpeakerForm, StaffForm
from .models import Question, Session, TicketCategory
from .services import EventError, editing
from .views_manage import _event


def _posted_id(request, name: str) -> int:
    value = request.POST.get(name, "")
    return int(value) if value.isdigit() and len(value) < 12 else 0


def _add_error(form, exc: EventError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _versioned(request, *, form_class, obj, form_kwargs, save, template, context):
    """GET: the form as loaded. POST: save through ``save(form)``; on a conflict (409) show
    what the other editor changed, merged as organisations do; on refused input 422."""
    conflict = None
    status = 200
    if request.method == "POST":
        form = form_class(request.POST, **form_kwargs)
        if form.is_valid():
            try:
                save(form)
            except editing.Stale as stale:
                conflict = form.changes_since_loaded(stale.current)
                form = form_class(form.merged_data(conflict, stale.current), **form_kwargs)
                form.is_valid()
                status = 409
            except EventError as exc:
                _add_error(form, exc)
            else:
                return None
        if status != 409 and form.errors:
            status = 422
    else:
        form = form_class(initial=form_class.initial_for(obj), **form_kwargs)
    return render(request, template, {**context, "form": form, "conflict": conflict}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def edit(request, slug):
    event = _event(request, slug)

    def save(form):
        editing.update_event(
            event,
            actor=request.user,
            version=form.cleaned_data["version"] or 0,
            **form.service_fields(),
        )

    response = _versioned(
        request,
        form_class=EventEditForm,
        obj=event,
        form_kwargs={},
        save=save,
        template="events/setup_event.html",
        context={"event": event},
    )
    if response is None:
        messages.success(request, _("The changes were saved."))
        return redirect("events:manage", slug=slug)
    return response


def _new_session_initial(event) -> dict:
    # A first guess the organiser overwrites: an hour from the event's start.
    ends = min(event.starts_at + dt.timedelta(hours=1), event.ends_at)
    return {"kind": "plenary", "hours": 0, "starts_at": event.starts_at, "ends_at": ends}


@login_required
@require_http_methods(["GET", "POST"])
def programme(request, slug):
    event = _event(request, slug)
    session_form = SessionForm(event=event, initial=_new_session_initial(event))
    speaker_form = SpeakerForm()
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "session":
            session_form = SessionForm(request.POST, event=event)
            if session_form.is_valid():
                data = session_form.service_fields()
                try:
                    editing.create_session(event, actor=request.user, **data)
                except EventError as exc:
                    _add_error(session_form, exc)
                else:
                    messages.success(request, _("The session was added to the programme."))
                    return redirect("events:programme", slug=slug)
            status = 422
        elif action == "speaker":
            speaker_form = SpeakerForm(request.POST)
            if speaker_form.is_valid():
                try:
                    editing.create_speaker(event, actor=request.user, **speaker_form.cleaned_data)
                except EventError as exc:
                    _add_error(speaker_form, exc)
                else:
                    messages.success(request, _("The speaker was added."))
                    return redirect("events:programme", slug=slug)
            status = 422
        else:
            return HttpResponse(_("Unknown action."), status=400)
    days = event.days.prefetch_related("sessions__speakers")
    return render(
        request,
        "events/setup_programme.html",
        {
            "event": event,
            "days": days,
            "speakers": event.speakers.all(),
            "session_form": session_form,
            "speaker_form": speaker_form,
        },
        status=status,
    )


def _edit_or_remove(
    request, obj, *, remove, update, removed, back, here, form_class, form_kwargs, template, context
):
    """One set-up object's page: POST action=delete removes it through ``remove``; otherwise
    the versioned form saves it through ``update``; both return to ``back``."""
    if request.method == "POST" and request.POST.get("action") == "delete":
        try:
            remove(obj, actor=request.user)
        except EventError as exc:
            messages.error(request, exc.message)
            return redirect(here)
        messages.success(request, removed)
        return redirect(back)

    def save(form):
        update(
            obj,
            actor=request.user,
            version=form.cleaned_data["version"] or 0,
            **form.service_fields(),
        )

    response = _versioned(
        request,
        form_class=form_class,
        obj=obj,
        form_kwargs=form_kwargs,
        save=save,
        template=template,
        context=context,
    )
    if response is None:
        messages.success(request, _("The changes were saved."))
        return redirect(back)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def session_edit(request, slug, session_id):
    event = _event(request, slug)
    session = get_object_or_404(Session, day__event=event, pk=session_id)
    return _edit_or_remove(
        request,
        session,
        remove=editing.delete_session,
        update=editing.update_session,
        removed=_("The session was removed from the programme."),
        back=reverse("events:programme", kwargs={"slug": slug}),
        here=reverse("events:session", kwargs={"slug": slug, "session_id": session.pk}),
        form_class=SessionForm,
        form_kwargs={"event": event},
        template="events/setup_session.html",
        context={"event": event, "session": session},
    )


@login_required
@require_http_methods(["GET", "POST"])
def categories(request, slug):
    event = _event(request, slug)
    form = CategoryForm()
    status = 200
    if request.method == "POST":
        form = CategoryForm(request.POST)
        if form.is_valid():
            try:
                editing.create_category(event, actor=request.user, **form.service_fields())
            except EventError as exc:
                _add_error(form, exc)
            else:
                messages.success(request, _("The ticket category was added."))
                return redirect("events:categories", slug=slug)
        status = 422
    return render(
        request,
        "events/setup_categories.html",
        {"event": event, "categories": event.categories.all(), "form": form},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def category_edit(request, slug, category_id):
    event = _event(request, slug)
    category = get_object_or_404(TicketCategory, event=event, pk=category_id)
    return _edit_or_remove(
        request,
        category,
        remove=editing.delete_category,
        update=editing.update_category,
        removed=_("The ticket category was removed."),
        back=reverse("events:categories", kwargs={"slug": slug}),
        here=reverse("events:category", kwargs={"slug": slug, "category_id": category.pk}),
        form_class=CategoryForm,
        form_kwargs={},
        template="events/setup_category.html",
        context={"event": event, "category": category},
    )


@login_required
@require_http_methods(["GET", "POST"])
def questions(request, slug):
    event = _event(request, slug)
    form = QuestionForm()
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "delete":
            question = get_object_or_404(Question, event=event, pk=_posted_id(request, "question"))
            try:
                editing.delete_question(question, actor=request.user)
            except EventError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("The question was removed."))
            return redirect("events:questions", slug=slug)
        if action != "add":
            return HttpResponse(_("Unknown action."), status=400)
        form = QuestionForm(request.POST)
        if form.is_valid():
            try:
                editing.create_question(event, actor=request.user, **form.service_fields())
            except EventError as exc:
                _add_error(form, exc)
            else:
                messages.success(request, _("The question was added to the registration form."))
                return redirect("events:questions", slug=slug)
        status = 422
    return render(
        request,
        "events/setup_questions.html",
        {"event": event, "questions": event.questions.all(), "form": form},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def staff(request, slug):
    event = _event(request, slug)
    form = StaffForm()
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "remove":
            user = get_object_or_404(
                get_user_model(), pk=_posted_id(request, "user"), is_active=True
            )
            try:
                editing.remove_checkin_staff(event, actor=request.user, user=user)
            except EventError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("Removed from the check-in staff."))
            return redirect("events:staff", slug=slug)
        if action != "add":
            return HttpResponse(_("Unknown action."), status=400)
        form = StaffForm(request.POST)
        if form.is_valid():
            try:
                editing.add_checkin_staff(event, actor=request.user, **form.cleaned_data)
            except EventError as exc:
                _add_error(form, exc)
            else:
                messages.success(request, _("Added to the check-in staff."))
                return redirect("events:staff", slug=slug)
        status = 422
    return render(
        request,
        "events/setup_staff.html",
        {
            "event": event,
            "staff": event.checkin_staff.order_by("email"),
            "form": form,
            "checkin_url": reverse("events:checkin_index"),
        },
        status=status,
    )
