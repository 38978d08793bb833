"""Pact pages: public overview, signatory pages, open data; the authorities' workspace."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from ostoja.core.permissions import permission_required
from ostoja.core.text import render_markdown
from ostoja.organisations import teryt
from ostoja.organisations.models import Organisation
from ostoja.organisations.permissions import is_coordinator
from ostoja.organisations.roles import Role

from . import curation, forms, links, public, services, tilemap
from . import declaration as declaration_doc
from .catalogue import PILLARS
from .models import (
    Answer,
    AnswerStatus,
    Assessment,
    CatalogueVersion,
    Measure,
    Pillar,
    PlanItem,
    ReviewCycle,
    Signatory,
    SignatoryKind,
)
from .permissions import (
    can_curate_catalogue,
    can_manage_signatories,
    can_review,
    can_sign,
    can_use_pact_workspace,
)

PAGE_SIZE = 100  # signatories per page of the overview (the open data has them all)


def _form_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for fieldname, errors in exc.error_dict.items():
            target = fieldname if fieldname in form.fields else None
            for error in errors:
                form.add_error(target, error)
    else:
        for message in exc.messages:
            form.add_error(None, message)


# --- public ----------------------------------------------------------------------------------


def _overview_rows(listed) -> list[dict]:
    """The overview's rows with their text ready: a hundred rows of link, kind label, date
    and five progress cells were most of the page's time when the template worked them out
    cell by cell."""
    kinds = {value: str(label) for value, label in SignatoryKind.choices}
    link = reverse("pact:signatory", args=["slug-placeholder"])
    rows = []
    for p in listed:
        s = p.signatory
        rows.append(
            {
                "url": link.replace("slug-placeholder", s.slug),
                "name": s.name,
                "abroad": "" if s.is_polish else s.country,
                "left": s.state == Signatory.State.LEFT,
                "kind": kinds[s.kind],
                "signed": date_format(s.signed_on, "SHORT_DATE_FORMAT"),
                "cells": ["—" if v is None else f"{v}%" for v in p.cells],
            }
        )
    return rows


@require_GET
def overview(request):
    kind = request.GET.get("kind", "")
    voivodeship = request.GET.get("voivodeship", "")
    pillar = request.GET.get("pillar", "")
    kind = kind if kind in SignatoryKind.values else ""
    voivodeship = voivodeship if teryt.get(voivodeship) and len(voivodeship) == 2 else ""
    pillar = pillar if pillar in PILLARS else ""
    page = public.overview_page(
        kind=kind,
        voivodeship=voivodeship,
        pillar=pillar,
        page=request.GET.get("page"),
        per_page=PAGE_SIZE,
    )
    query = request.GET.copy()
    query.pop("page", None)
    rows = public.voivodeship_table()
    counts = public.totals()
    svg = tilemap.render(
        rows,
        title=_("Signatories of the Pact by voivodeship"),
        link=lambda code: f"{reverse('pact:overview')}?voivodeship={code}",
    )
    return render(
        request,
        "pact/overview.html",
        {
            "signatories": _overview_rows(page.object_list),
            "page": page,
            "query": query.urlencode(),
            "rows": rows,
            "map": svg,
            "kinds": SignatoryKind.choices,
            "pillars": Pillar.choices,
            "voivodeships": teryt.register().voivodeships(),
            "filters": {"kind": kind, "voivodeship": voivodeship, "pillar": pillar},
            "total": counts["total"],
            "abroad": counts["abroad"],
        },
    )


@require_GET
def catalogue(request):
    measures = list(services.active_measures())
    groups = [
        (label, [m for m in measures if m.pillar == value]) for value, label in Pillar.choices
    ]
    return render(
        request,
        "pact/catalogue.html",
        {
            "groups": groups,
            "version": curation.current_version(),
            "can_edit": can_curate_catalogue(request.user),
        },
    )


# --- the catalogue, curated by coordinators --------------------------------------------------


@require_http_methods(["GET", "POST"])
@permission_required(can_curate_catalogue)
def catalogue_edit(request):
    """Every measure (also the retired ones) with buttons to move, retire and restore."""
    services.active_measures()  # a fresh installation loads the shipped catalogue first
    measures = list(Measure.objects.order_by("order", "code"))
    if request.method == "POST":
        measure = get_object_or_404(Measure, code=request.POST.get("code", ""))
        action = request.POST.get("action")
        try:
            if action in ("up", "down"):
                curation.move_measure(measure, actor=request.user, up=action == "up")
            elif action == "retire":
                curation.retire_measure(measure, actor=request.user)
                messages.success(request, _("The measure was retired."))
            elif action == "restore":
                curation.restore_measure(measure, actor=request.user)
                messages.success(request, _("The measure is back in the catalogue."))
            else:
                raise PermissionDenied
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        return redirect(f"{reverse('pact:catalogue_edit')}#{measure.code}")
    groups = [
        (label, [m for m in measures if m.pillar == value]) for value, label in Pillar.choices
    ]
    return render(
        request,
        "pact/catalogue_edit.html",
        {
            "groups": groups,
            "version": curation.current_version(),
            "history": CatalogueVersion.objects.select_related("created_by")[:20],
        },
    )


def _save_measure(request, form, measure=None):
    """Run the service for the form; on a refusal the messages land on the form's fields."""
    try:
        if measure is None:
            return curation.add_measure(
                actor=request.user, code=form.cleaned_data["code"], **form.wording()
            )
        return curation.change_measure(measure, actor=request.user, **form.wording())
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            targets = [f for f in form.fields if f == field or f.startswith(f"{field}_")]
            form.add_error(targets[0] if targets else None, errors)
        return None


@require_http_methods(["GET", "POST"])
@permission_required(can_curate_catalogue)
def measure_new(request):
    form = forms.MeasureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        measure = _save_measure(request, form)
        if measure is not None:
            messages.success(request, _("The measure was added to the catalogue."))
            return redirect(f"{reverse('pact:catalogue_edit')}#{measure.code}")
    return render(
        request,
        "pact/measure_form.html",
        {"form": form, "measure": None},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@permission_required(can_curate_catalogue)
def measure_edit(request, code):
    measure = get_object_or_404(Measure, code=code)
    form = forms.MeasureForm(
        request.POST or None, editing=True, initial=forms.MeasureForm.initial_for(measure)
    )
    if request.method == "POST" and form.is_valid():
        saved = _save_measure(request, form, measure)
        if saved is not None:
            messages.success(request, _("Saved."))
            return redirect(f"{reverse('pact:catalogue_edit')}#{measure.code}")
    return render(
        request,
        "pact/measure_form.html",
        {
            "form": form,
            "measure": measure,
            "revisions": measure.revisions.select_related("created_by").annotate(
                answered=Count("answers")
            ),
        },
        status=400 if form.errors else 200,
    )


def _public_signatory(slug) -> Signatory:
    return get_object_or_404(Signatory.objects.public(), slug=slug)


_MEASURE_LONG_TEXTS = ("description", "good_practice", "lanzarote", "legal_duties", "source")


def _answer_rows(answers) -> list[dict]:
    """The public answers with their text ready (sixty rows of status labels, dates and
    truncated explanations were a good part of the page's time in the template)."""
    statuses = {value: str(label) for value, label in AnswerStatus.choices}
    today = timezone.localdate()
    rows = []
    for a in answers:
        shown = a.evidence_public and a.has_evidence
        until = a.evidence_valid_until
        rows.append(
            {
                "question": f"{a.measure.code} {a.question.title_text}",
                "status": statuses.get(a.status, a.status),
                "explanation": Truncator(a.explanation).chars(200) if a.explanation else "",
                "evidence_url": a.evidence_url if shown else "",
                "evidence_note": a.evidence_note if shown and not a.evidence_url else "",
                "shown": shown,
                "expired": bool(shown and until and until < today),
                "valid_until": date_format(until, "SHORT_DATE_FORMAT") if shown and until else "",
            }
        )
    return rows


@require_GET
def signatory_page(request, slug):
    signatory = _public_signatory(slug)
    items = list(
        signatory.plan_items.select_related("measure")
        # The measure's code, title and P only (its long texts are on the catalogue page).
        .defer(*(f"measure__{f}" for f in _MEASURE_LONG_TEXTS))
        .prefetch_related("milestones", "partner_organisations", "services")
    )
    rolled = public.rolled_up_for(items)
    top = [i for i in items if i.parent_id is None]
    children = {i.pk: [c for c in items if c.parent_id == i.pk] for i in top}
    peers = public.peer_comparison(signatory)  # stores the progress if it was missing
    progress = signatory.progress or {}
    assessment = public.latest_public_assessment(signatory)
    label = teryt.register().label(teryt.get(signatory.teryt_code)) if signatory.teryt_code else ""
    reviews = [
        (r, render_markdown(r.report))
        for r in signatory.reviews.filter(state=ReviewCycle.State.SIGNED_OFF)
    ]
    return render(
        request,
        "pact/signatory.html",
        {
            "signatory": signatory,
            "label": label,
            "top": [(i, rolled[i.pk], children[i.pk]) for i in top],
            "rolled": rolled,
            "progress": [(label_, progress.get(value)) for value, label_ in Pillar.choices],
            "peers": peers,
            "assessment": assessment,
            "answers": _answer_rows(public.public_answers(assessment)) if assessment else [],
            "today": timezone.localdate(),
            "reviews": reviews,
            "units": links.unit_standards(signatory),
        },
    )


@require_GET
def lanzarote_export(request, slug):
    """The latest public self-assessment, question by question, as in the Lanzarote
    Committee's questionnaires: measure, Convention articles, status, explanation, evidence."""
    signatory = _public_signatory(slug)
    assessment = public.latest_public_assessment(signatory)
    if assessment is None:
        raise Http404
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="pact-{signatory.slug}-{assessment.year}.csv"'
    )
    writer = csv.writer(response)
    writer.writerow(
        [
            "question",
            "measure",
            "pillar",
            "lanzarote_articles",
            "polish_legal_duties",
            "status",
            "explanation",
            "evidence",
            "evidence_valid_until",
        ]
    )
    for n, answer in enumerate(public.public_answers(assessment), start=1):
        m = answer.question
        evidence = (answer.evidence_url or answer.evidence_note) if answer.evidence_public else ""
        writer.writerow(
            [
                n,
                f"{answer.measure.code} {m.title_text}",
                m.pillar,
                " ".join(m.lanzarote),
                "; ".join(m.legal_duties_text),
                answer.status,
                answer.explanation,
                evidence,
                answer.evidence_valid_until.isoformat()
                if answer.evidence_public and answer.evidence_valid_until
                else "",
            ]
        )
    return response


@require_GET
def open_data_csv(request):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="pact-signatories.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
            "teryt",
            "country",
            "name",
            "kind",
            "voivodeship",
            "signed_on",
            "state",
            "left_on",
            *[f"progress_{p}" for p in PILLARS],
        ]
    )
    for p in public.public_signatories():
        row = public.signatory_json(p)
        writer.writerow(
            [
                row["teryt"] or "",
                row["country"],
                row["name"],
                row["kind"],
                row["voivodeship"] or "",
                row["signed_on"],
                row["state"],
                row["left_on"] or "",
                *["" if row["progress"][x] is None else row["progress"][x] for x in PILLARS],
            ]
        )
    return response


# --- workspace -------------------------------------------------------------------------------


@require_GET
@permission_required(can_use_pact_workspace)
def workspace(request):
    user = request.user
    mine = Signatory.objects.managed_by(user) if can_sign(user) else Signatory.objects.none()
    return render(
        request,
        "pact/workspace.html",
        {
            "mine": mine.exclude(state=Signatory.State.REJECTED)
            if not is_coordinator(user)
            else [],
            "pending": Signatory.objects.filter(state=Signatory.State.PENDING)
            if is_coordinator(user)
            else [],
            "all_signatories": Signatory.objects.order_by("state", "name")
            if is_coordinator(user)
            else [],
            "reviews": Signatory.objects.filter(reviewer=user).prefetch_related("assessments"),
            "can_sign": can_sign(user),
        },
    )


def _officer_organisations(user):
    qs = Organisation.objects.filter(kind=Organisation.Kind.LOCAL_AUTHORITY)
    if is_coordinator(user):
        return qs
    return qs.filter(memberships__user=user, memberships__role=Role.AUTHORITY_OFFICER).distinct()


@require_http_methods(["GET", "POST"])
@permission_required(can_sign)
def sign(request):
    """Step 1: find the authority in the TERYT register (or choose "abroad"); step 2: the form."""
    query = request.GET.get("q", "").strip()[:100]
    code = request.GET.get("code", "").strip()
    abroad = request.GET.get("abroad") == "1"
    unit = teryt.get(code) if code else None
    if unit is not None and not unit.is_authority:
        unit = None
    results = teryt.register().search(query, limit=25) if query and not unit else []
    organisations = _officer_organisations(request.user)
    form = None
    if unit is not None or abroad:
        initial = {
            "teryt_code": unit.code if unit else "",
            "country": "PL" if unit else "",
            "signed_on": timezone.localdate(),
        }
        form = forms.SignForm(
            request.POST or None,
            request.FILES or None,
            initial=initial,
            organisations=organisations,
        )
        if request.method == "POST" and form.is_valid():
            d = form.cleaned_data
            try:
                services.sign_pact(
                    actor=request.user,
                    organisation=d["organisation"],
                    teryt_code=unit.code if unit else "",
                    country="PL" if unit else d["country"],
                    name=d["name"],
                    foreign_kind=d["foreign_kind"],
                    signed_by_name=d["signed_by_name"],
                    signed_by_function=d["signed_by_function"],
                    signed_on=d["signed_on"],
                    contact_name=d["contact_name"],
                    contact_email=d["contact_email"],
                    resolution_url=d["resolution_url"],
                    resolution_file=d["resolution_file"],
                )
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(
                    request,
                    _(
                        "Thank you. The coordinator will verify the "
                        "signature; you can already prepare the plan."
                    ),
                )
                return redirect("pact:workspace")
    elif code:
        messages.error(request, _("This TERYT code is not a local authority in the register."))
    status = 400 if form is not None and form.errors else 200
    return render(
        request,
        "pact/sign.html",
        {
            "query": query,
            "results": [(u, teryt.register().label(u)) for u in results],
            "unit": unit,
            "unit_label": teryt.register().label(unit) if unit else "",
            "abroad": abroad,
            "form": form,
            "register_date": teryt.register().date,
        },
        status=status,
    )


def _managed(request, slug) -> Signatory:
    """A signatory the user may edit; anything else is 404 (never another authority's data)."""
    return get_object_or_404(Signatory.objects.managed_by(request.user), slug=slug)


@require_GET
@permission_required(can_sign)
def declaration(request, slug):
    """The declaration of signing as a PDF, for the authority's officers and coordinators
    (it names the contact person, so it is not public)."""
    signatory = _managed(request, slug)
    public_url = (
        request.build_absolute_uri(reverse("pact:signatory", args=[signatory.slug]))
        if signatory.state in (Signatory.State.VERIFIED, Signatory.State.LEFT)
        else ""
    )
    response = HttpResponse(
        declaration_doc.declaration_pdf(signatory, public_url=public_url),
        content_type="application/pdf",
    )
    response["Content-Disposition"] = f'attachment; filename="pact-{signatory.slug}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@permission_required(can_sign)
def resolution_file(request, slug):
    """The council resolution the authority uploaded (checked to be a PDF when it came),
    for its officers and the coordinators."""
    signatory = _managed(request, slug)
    if not signatory.resolution_file:
        raise Http404
    try:
        handle = signatory.resolution_file.open("rb")
    except OSError:
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"pact-{signatory.slug}-resolution.pdf",
        content_type="application/pdf",
    )
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_http_methods(["GET", "POST"])
@permission_required(can_manage_signatories)
def manage(request, slug):
    signatory = get_object_or_404(Signatory, slug=slug)
    decision = forms.DecisionForm(prefix="d")
    reviewer = forms.ReviewerForm(prefix="r", initial={"reviewer": signatory.reviewer})
    leave = forms.LeaveForm(prefix="l")
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "decide":
                decision = forms.DecisionForm(request.POST, prefix="d")
                if decision.is_valid():
                    services.verify_signatory(
                        signatory,
                        actor=request.user,
                        accept=decision.cleaned_data["decision"] == "verify",
                        reason=decision.cleaned_data["reason"],
                    )
                    return redirect("pact:manage", slug=slug)
            elif action == "reviewer":
                reviewer = forms.ReviewerForm(request.POST, prefix="r")
                if reviewer.is_valid():
                    services.assign_reviewer(
                        signatory, actor=request.user, reviewer=reviewer.cleaned_data["reviewer"]
                    )
                    return redirect("pact:manage", slug=slug)
            elif action == "leave":
                leave = forms.LeaveForm(request.POST, prefix="l")
                if leave.is_valid():
                    services.leave_pact(signatory, actor=request.user, **leave.cleaned_data)
                    return redirect("pact:manage", slug=slug)
        except ValidationError as exc:
            target = {"decide": decision, "reviewer": reviewer, "leave": leave}.get(action)
            if target is not None:
                _form_errors(target, exc)
        status = 400
    return render(
        request,
        "pact/manage.html",
        {
            "signatory": signatory,
            "decision": decision,
            "reviewer_form": reviewer,
            "leave": leave,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@permission_required(can_use_pact_workspace)
def assessment(request, slug, year):
    """The officer's questionnaire (one row per measure) and the reviewer's view of it."""
    signatory = get_object_or_404(
        Signatory.objects.filter(
            Q(reviewer=request.user) | Q(pk__in=Signatory.objects.managed_by(request.user))
        ),
        slug=slug,
    )
    is_editor = Signatory.objects.managed_by(request.user).filter(pk=signatory.pk).exists()
    if request.method == "POST":
        if not is_editor:
            raise Http404
        try:
            if request.POST.get("action") == "start":
                services.start_assessment(signatory, year, actor=request.user)
            elif request.POST.get("action") == "submit":
                current = get_object_or_404(Assessment, signatory=signatory, year=year)
                services.submit_assessment(current, actor=request.user)
                messages.success(request, _("The self-assessment was submitted for review."))
            elif request.POST.get("action") == "accept" and can_review(request.user, signatory):
                current = get_object_or_404(Assessment, signatory=signatory, year=year)
                services.accept_assessment(current, actor=request.user)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        return redirect("pact:assessment", slug=slug, year=year)
    current = Assessment.objects.filter(signatory=signatory, year=year).first()
    answers = (
        current.answers.select_related("measure", "revision").prefetch_related("comments")
        if current
        else []
    )
    return render(
        request,
        "pact/assessment.html",
        {
            "signatory": signatory,
            "year": year,
            "assessment": current,
            "answers": answers,
            "is_editor": is_editor,
            "is_reviewer": can_review(request.user, signatory),
            "today": timezone.localdate(),
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required(can_use_pact_workspace)
def answer(request, slug, year, code):
    signatory = get_object_or_404(
        Signatory.objects.filter(
            Q(reviewer=request.user) | Q(pk__in=Signatory.objects.managed_by(request.user))
        ),
        slug=slug,
    )
    item = get_object_or_404(
        Answer.objects.select_related("assessment", "measure", "revision"),
        assessment__signatory=signatory,
        assessment__year=year,
        measure__code=code,
    )
    is_editor = Signatory.objects.managed_by(request.user).filter(pk=signatory.pk).exists()
    is_reviewer = can_review(request.user, signatory)
    initial = {
        "status": item.status,
        "explanation": item.explanation,
        "evidence_url": item.evidence_url,
        "evidence_note": item.evidence_note,
        "evidence_valid_until": item.evidence_valid_until,
        "evidence_public": item.evidence_public,
    }
    form = forms.AnswerForm(initial=initial) if is_editor else None
    comment_form = forms.CommentForm() if is_reviewer else None
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "answer" and is_editor:
            form = forms.AnswerForm(request.POST)
            if form.is_valid():
                try:
                    services.save_answer(item, actor=request.user, **form.cleaned_data)
                except ValidationError as exc:
                    _form_errors(form, exc)
                else:
                    messages.success(request, _("Saved."))
                    return redirect("pact:assessment", slug=slug, year=year)
        elif action == "comment" and is_reviewer:
            comment_form = forms.CommentForm(request.POST)
            if comment_form.is_valid():
                try:
                    services.comment_on_answer(
                        item, actor=request.user, **comment_form.cleaned_data
                    )
                except ValidationError as exc:
                    _form_errors(comment_form, exc)
                else:
                    return redirect("pact:answer", slug=slug, year=year, code=code)
        else:
            raise PermissionDenied
        status = 400
    return render(
        request,
        "pact/answer.html",
        {
            "signatory": signatory,
            "answer": item,
            "form": form,
            "comment_form": comment_form,
            "comments": item.comments.select_related("author"),
            # An answer still being written shows the catalogue's wording in force (saving
            # records it); a submitted one the wording it answered.
            "question": item.measure
            if item.assessment.state in (Assessment.State.DRAFT, Assessment.State.CHANGES)
            else item.question,
            "year": year,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@permission_required(can_sign)
def plan(request, slug):
    signatory = _managed(request, slug)
    form = forms.PlanItemForm(request.POST or None, signatory=signatory, prefix="item")
    if request.method == "POST" and form.is_valid():
        try:
            services.save_plan_item(signatory, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("The item was added to the plan."))
            return redirect("pact:plan", slug=slug)
    items = list(signatory.plan_items.select_related("measure").prefetch_related("milestones"))
    rolled = public.rolled_up_for(items)
    return render(
        request,
        "pact/plan.html",
        {
            "signatory": signatory,
            "form": form,
            "items": [(i, rolled[i.pk]) for i in items],
            "years": list(range(signatory.signed_on.year, timezone.localdate().year + 1)),
        },
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@permission_required(can_sign)
def plan_item(request, slug, pk):
    signatory = _managed(request, slug)
    item = get_object_or_404(PlanItem, signatory=signatory, pk=pk)
    initial = {f: getattr(item, f) for f in forms.PlanItemForm.base_fields}
    form = forms.PlanItemForm(initial=initial, signatory=signatory, prefix="item")
    milestone = forms.MilestoneForm(prefix="m")
    done = forms.MilestoneDoneForm(prefix="done", initial={"done_on": timezone.localdate()})
    links_form = forms.LinksForm(
        signatory=signatory,
        prefix="links",
        initial={
            "partner_organisations": list(item.partner_organisations.all()),
            "services": list(item.services.all()),
        },
    )
    status = 200
    action = request.POST.get("action")
    if request.method == "POST":
        try:
            if action == "milestone":
                milestone = forms.MilestoneForm(request.POST, prefix="m")
                if milestone.is_valid():
                    services.add_milestone(item, actor=request.user, **milestone.cleaned_data)
                    return redirect("pact:plan_item", slug=slug, pk=pk)
            elif action == "milestone_done":
                done = forms.MilestoneDoneForm(request.POST, prefix="done")
                if done.is_valid():
                    target = get_object_or_404(item.milestones, pk=done.cleaned_data["milestone"])
                    services.complete_milestone(
                        target, actor=request.user, done_on=done.cleaned_data["done_on"]
                    )
                    return redirect("pact:plan_item", slug=slug, pk=pk)
            elif action == "links":
                links_form = forms.LinksForm(request.POST, signatory=signatory, prefix="links")
                if links_form.is_valid():
                    services.link_plan_item(
                        item,
                        actor=request.user,
                        organisations=links_form.cleaned_data["partner_organisations"],
                        services=links_form.cleaned_data["services"],
                    )
                    messages.success(request, _("Saved."))
                    return redirect("pact:plan_item", slug=slug, pk=pk)
            else:
                form = forms.PlanItemForm(request.POST, signatory=signatory, prefix="item")
                if form.is_valid():
                    services.save_plan_item(
                        signatory, actor=request.user, item=item, **form.cleaned_data
                    )
                    return redirect("pact:plan", slug=slug)
        except ValidationError as exc:
            target = {"milestone": milestone, "milestone_done": done, "links": links_form}
            _form_errors(target.get(action, form), exc)
        status = 400
    return render(
        request,
        "pact/plan_item.html",
        {
            "signatory": signatory,
            "item": item,
            "form": form,
            "milestone_form": milestone,
            "done_form": done,
            "links_form": links_form,
            "today": timezone.localdate(),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@permission_required(can_sign)
def units(request, slug):
    """The authority names its own units (their child-protection standards are shown)."""
    signatory = _managed(request, slug)
    form = forms.UnitsForm(
        request.POST or None,
        signatory=signatory,
        initial={"units": list(signatory.units.all())},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.set_units(signatory, actor=request.user, units=form.cleaned_data["units"])
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("pact:plan", slug=slug)
    return render(
        request,
        "pact/units.html",
        {"signatory": signatory, "form": form, "units": links.unit_standards(signatory)},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@permission_required(can_sign)
def review(request, slug):
    """The biennial review: the report for the current two-year period, then its sign-off."""
    signatory = _managed(request, slug)
    start, end = services.review_period(signatory)
    current = signatory.reviews.filter(period_end=end).first()
    form = forms.ReviewReportForm(
        prefix="rep",
        initial={
            "period_start": start,
            "period_end": end,
            "report": current.report if current else "",
        },
    )
    sign_off = forms.SignOffForm(prefix="off")
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "report":
                form = forms.ReviewReportForm(request.POST, prefix="rep")
                if form.is_valid():
                    services.save_review_report(signatory, actor=request.user, **form.cleaned_data)
                    messages.success(request, _("Saved."))
                    return redirect("pact:review", slug=slug)
            elif action == "sign_off" and current is not None:
                sign_off = forms.SignOffForm(request.POST, prefix="off")
                if sign_off.is_valid():
                    services.sign_off_review(current, actor=request.user, **sign_off.cleaned_data)
                    messages.success(request, _("The report was signed off and is public."))
                    return redirect("pact:review", slug=slug)
            else:
                raise PermissionDenied
        except ValidationError as exc:
            _form_errors(sign_off if action == "sign_off" else form, exc)
        status = 400
    return render(
        request,
        "pact/review.html",
        {
            "signatory": signatory,
            "form": form,
            "sign_off": sign_off,
            "current": current,
            "report_html": render_markdown(current.report) if current else "",
            "period": (start, end),
            "past": signatory.reviews.exclude(period_end=end),
        },
        status=status,
    )
