"""Pages of the child-protection standards: the coordinator's templates, the organisation's
guided editor, adoption, acknowledgements, reviews, questionnaires, and the public pages."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ostoja.core.decorators import private_page
from ostoja.core.permissions import permission_required
from ostoja.core.ratelimit import CacheRateLimiter
from ostoja.organisations.models import Organisation
from ostoja.organisations.permissions import is_coordinator, roles_of

from . import elements, interventions, permissions, procedures, services, standards
from .errors import SafeguardingError
from .forms import date_field
from .models import (
    Acknowledgement,
    OrganisationType,
    Questionnaire,
    StandardsDocument,
    StandardsTemplate,
)

questionnaire_limiter = CacheRateLimiter(
    "safeguarding", "OSTOJA_QUESTIONNAIRE_RATE_LIMITS", {"answer": (20, 3600)}
)


# --- forms -----------------------------------------------------------------------------------


def _text_fields(form, initial_sections: dict):
    for element in elements.ELEMENTS:
        form.fields[element.key] = forms.CharField(
            label=element.title,
            help_text=f"{element.guidance} ({element.basis})",
            required=False,
            max_length=standards.MAX_SECTION,
            widget=forms.Textarea(attrs={"rows": 5}),
            initial=initial_sections.get(element.key, ""),
        )
    for key, label in (
        ("children_text", gettext_lazy("The short version for children (simple language)")),
        ("parents_text", gettext_lazy("The version for parents")),
    ):
        form.fields[key] = forms.CharField(
            label=label,
            required=False,
            max_length=standards.MAX_SECTION,
            widget=forms.Textarea(attrs={"rows": 6}),
        )


class DraftForm(forms.Form):
    def __init__(self, *args, sections=None, **kwargs):
        super().__init__(*args, **kwargs)
        _text_fields(self, sections or {})


class TemplateForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    organisation_type = forms.ChoiceField(
        label=gettext_lazy("For"), choices=OrganisationType.choices
    )
    published = forms.BooleanField(label=gettext_lazy("Offer to organisations"), required=False)

    def __init__(self, *args, sections=None, **kwargs):
        super().__init__(*args, **kwargs)
        _text_fields(self, sections or {})


class AdoptForm(forms.Form):
    adopted_on = date_field(gettext_lazy("Adopted on"))
    adopted_by_body = forms.CharField(
        label=gettext_lazy("Adopted by (e.g. the board of the foundation)"), max_length=200
    )
    decision_reference = forms.CharField(
        label=gettext_lazy("Decision (e.g. resolution no. 5/2026)"), max_length=200
    )


class ReviewForm(forms.Form):
    reviewed_on = date_field(gettext_lazy("Date of the review"))
    conclusions = forms.CharField(
        label=gettext_lazy("Conclusions: what changes and why"),
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )


class PaperAckForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name of the staff member"), max_length=200)
    on = date_field(gettext_lazy("Date on the signed confirmation"))


def _questionnaire_form(audience: str):
    top = standards.SCALE[audience]
    if audience == "staff":
        choices = [
            ("1", _("disagree")),
            ("2", _("rather disagree")),
            ("3", _("not sure")),
            ("4", _("rather agree")),
            ("5", _("agree")),
        ]
    else:
        choices = [("1", _("no")), ("2", _("not sure")), ("3", _("yes"))]
    assert len(choices) == top
    form_fields = {
        key: forms.ChoiceField(
            label=text, choices=choices, required=False, widget=forms.RadioSelect
        )
        for key, text in standards.QUESTIONS[audience]
    }
    return type("QuestionnaireForm", (forms.Form,), form_fields)


# --- helpers ---------------------------------------------------------------------------------


def _staff_org(request, slug):
    """Standards are managed by the organisation's officers and managers; 404 for others."""
    org = Organisation.objects.filter(slug=slug).first()
    if org is None or not permissions.has_any_role_in(request.user, org):
        raise Http404
    return org


def guarded(view):
    return permission_required(permissions.can_use_safeguarding)(private_page(view))


def _apply_error(form, exc):
    form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))


# --- coordinator's templates -----------------------------------------------------------------


@require_GET
@permission_required(is_coordinator)
def template_list(request):
    return render(
        request,
        "safeguarding/standards/templates.html",
        {"templates": StandardsTemplate.objects.all()},
    )


@require_http_methods(["GET", "POST"])
@permission_required(is_coordinator)
def template_edit(request, pk=None):
    template = get_object_or_404(StandardsTemplate, pk=pk) if pk else None
    initial = {}
    if template:
        initial = {
            "name": template.name,
            "organisation_type": template.organisation_type,
            "published": template.published,
            "children_text": template.children_text,
            "parents_text": template.parents_text,
        }
    form = TemplateForm(
        request.POST or None, initial=initial, sections=template.sections if template else {}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            template = standards.save_template(
                actor=request.user,
                template=template,
                name=data["name"],
                organisation_type=data["organisation_type"],
                sections={k: data[k] for k in elements.KEYS},
                children_text=data["children_text"],
                parents_text=data["parents_text"],
                published=data["published"],
            )
        except SafeguardingError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, _("The template was saved."))
            return redirect("safeguarding:template_list")
    return render(
        request,
        "safeguarding/standards/template_form.html",
        {"form": form, "template": template},
        status=422 if request.method == "POST" else 200,
    )


# --- the organisation's standards ------------------------------------------------------------


@require_GET
@guarded
def overview(request, slug):
    org = _staff_org(request, slug)
    in_force = standards.current(org)
    working = standards.draft(org)
    members = []
    if in_force:
        acked = set(in_force.acknowledgements.exclude(user=None).values_list("user_id", flat=True))
        seen = set()
        for m in org.memberships.select_related("user").order_by("user__email"):
            if m.user_id in seen:
                continue
            seen.add(m.user_id)
            members.append({"user": m.user, "acknowledged": m.user_id in acked})
    return render(
        request,
        "safeguarding/standards/overview.html",
        {
            "organisation": org,
            "in_force": in_force,
            "draft": working,
            "missing": [elements.label(k) for k in standards.missing(working)] if working else [],
            "templates": StandardsTemplate.objects.filter(published=True),
            "members": members,
            "paper": in_force.acknowledgements.filter(on_paper=True) if in_force else [],
            "reviews": in_force.reviews.all() if in_force else [],
            "questionnaires": Questionnaire.objects.filter(organisation=org),
            "today": services.today(),
            # Outside the records themselves, only counts (issue 16, intervention records).
            "intervention_counts": interventions.counts(org),
        },
    )


@require_POST
@guarded
def start(request, slug):
    org = _staff_org(request, slug)
    template = None
    if request.POST.get("template"):
        template = get_object_or_404(
            StandardsTemplate.objects.filter(published=True), pk=request.POST["template"]
        )
    try:
        standards.start_draft(actor=request.user, organisation=org, template=template)
    except SafeguardingError as exc:
        messages.error(request, str(exc.message))
        return redirect("safeguarding:standards", slug=org.slug)
    return redirect("safeguarding:standards_edit", slug=org.slug)


@require_http_methods(["GET", "POST"])
@guarded
def edit(request, slug):
    org = _staff_org(request, slug)
    document = standards.draft(org)
    if document is None:
        raise Http404
    form = DraftForm(
        request.POST or None,
        sections=document.sections,
        initial={"children_text": document.children_text, "parents_text": document.parents_text},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            standards.update_draft(
                actor=request.user,
                document=document,
                sections={k: data[k] for k in elements.KEYS},
                children_text=data["children_text"],
                parents_text=data["parents_text"],
            )
        except SafeguardingError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, pgettext("standards document", "The draft was saved."))
            return redirect("safeguarding:standards_edit", slug=org.slug)
    checklist = [
        {"label": elements.label(k), "done": k not in standards.missing(document)}
        for k in elements.KEYS + list(elements.VERSIONS)
    ]
    return render(
        request,
        "safeguarding/standards/edit.html",
        {"organisation": org, "document": document, "form": form, "checklist": checklist},
        status=422 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
@guarded
def adopt(request, slug):
    org = _staff_org(request, slug)
    document = standards.draft(org)
    if document is None:
        raise Http404
    form = AdoptForm(request.POST or None, initial={"adopted_on": services.today()})
    items = []
    if request.method == "POST" and form.is_valid():
        try:
            standards.adopt(actor=request.user, document=document, **form.cleaned_data)
        except SafeguardingError as exc:
            _apply_error(form, exc)
            items = exc.items
        else:
            messages.success(request, _("The standards were adopted and are now public."))
            return redirect("safeguarding:standards", slug=org.slug)
    return render(
        request,
        "safeguarding/standards/adopt.html",
        {
            "organisation": org,
            "document": document,
            "form": form,
            "items": items,
            "missing": [elements.label(k) for k in standards.missing(document)],
        },
        status=422 if request.method == "POST" else 200,
    )


def _one_form_page(request, org, form, save, *, done, title, button):
    """A page with one form about the standards in force: a valid POST calls
    ``save(cleaned_data)``; the service's refusal goes back to the form."""
    if request.method == "POST" and form.is_valid():
        try:
            save(form.cleaned_data)
        except SafeguardingError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, done)
            return redirect("safeguarding:standards", slug=org.slug)
    return render(
        request,
        "safeguarding/standards/simple.html",
        {"organisation": org, "form": form, "title": title, "button": button},
        status=422 if request.method == "POST" else 200,
    )


def _in_force(request, slug):
    org = _staff_org(request, slug)
    document = standards.current(org)
    if document is None:
        raise Http404
    return org, document


@require_http_methods(["GET", "POST"])
@guarded
def review(request, slug):
    org, document = _in_force(request, slug)
    return _one_form_page(
        request,
        org,
        ReviewForm(request.POST or None, initial={"reviewed_on": services.today()}),
        lambda data: standards.record_review(actor=request.user, document=document, **data),
        done=_("The review was recorded."),
        title=_("Review of the standards"),
        button=_("Record the review"),
    )


@require_http_methods(["GET", "POST"])
@guarded
def paper_acknowledgement(request, slug):
    org, document = _in_force(request, slug)
    return _one_form_page(
        request,
        org,
        PaperAckForm(request.POST or None, initial={"on": services.today()}),
        lambda data: standards.acknowledge(
            actor=request.user, document=document, name=data["name"], on=data["on"]
        ),
        done=_("The paper confirmation was recorded."),
        title=_("Record a paper confirmation"),
        button=_("Save"),
    )


@require_http_methods(["GET", "POST"])
@permission_required(lambda user: user.is_authenticated)
@private_page
def acknowledge(request, slug):
    """A member of staff (any role in the organisation) reads and confirms the standards."""
    org = Organisation.objects.filter(slug=slug).first()
    if org is None or not roles_of(request.user, org):
        raise Http404
    document = standards.current(org)
    if document is None:
        raise Http404
    done = Acknowledgement.objects.filter(document=document, user=request.user).first()
    if request.method == "POST" and done is None:
        try:
            standards.acknowledge(actor=request.user, document=document, user=request.user)
        except SafeguardingError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("Thank you: your confirmation was recorded."))
        return redirect("safeguarding:standards_acknowledge", slug=org.slug)
    return render(
        request,
        "safeguarding/standards/acknowledge.html",
        {"organisation": org, "document": document, "done": done, "sections": _sections(document)},
    )


@require_POST
@guarded
def questionnaire_open(request, slug):
    org = _staff_org(request, slug)
    try:
        standards.open_questionnaire(
            actor=request.user, organisation=org, audience=request.POST.get("audience", "")
        )
    except SafeguardingError as exc:
        messages.error(request, str(exc.message))
    return redirect("safeguarding:standards", slug=org.slug)


@require_POST
@guarded
def questionnaire_close(request, slug, pk):
    org = _staff_org(request, slug)
    q = get_object_or_404(Questionnaire.objects.filter(organisation=org), pk=pk)
    standards.close_questionnaire(actor=request.user, questionnaire=q)
    return redirect("safeguarding:standards", slug=org.slug)


@require_GET
@guarded
def questionnaire_results(request, slug, pk):
    org = _staff_org(request, slug)
    q = get_object_or_404(Questionnaire.objects.filter(organisation=org), pk=pk)
    return render(
        request,
        "safeguarding/standards/results.html",
        {
            "organisation": org,
            "questionnaire": q,
            "results": standards.results(q),
            "minimum": standards.MIN_ANSWERS,
        },
    )


@require_GET
@guarded
def procedure_templates(request, slug):
    org = _staff_org(request, slug)
    return render(
        request,
        "safeguarding/standards/procedures.html",
        {"organisation": org, "procedures": procedures.PROCEDURES},
    )


# --- public pages (no account, no cookie) ---------------------------------------------------


def _sections(document):
    return [{"title": e.title, "text": document.sections.get(e.key, "")} for e in elements.ELEMENTS]


def _public_document(slug) -> tuple[Organisation, StandardsDocument]:
    org = get_object_or_404(Organisation, slug=slug)
    document = standards.current(org)
    if document is None:
        raise Http404
    return org, document


@require_GET
def public(request, slug, version="full"):
    org, document = _public_document(slug)
    if version not in ("full", "children", "parents"):
        raise Http404
    return render(
        request,
        "safeguarding/standards/public.html",
        {
            "organisation": org,
            "document": document,
            "version": version,
            "sections": _sections(document),
        },
    )


@require_GET
def public_pdf(request, slug):
    from .standards_pdf import to_pdf

    org, document = _public_document(slug)
    response = HttpResponse(to_pdf(org, document), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="standards-{org.slug}.pdf"'
    return response


@csrf_exempt  # anonymous and cookie-less by design: nothing to forge for a visitor
@require_http_methods(["GET", "POST"])
@private_page
def questionnaire_public(request, token):
    q = get_object_or_404(Questionnaire, token=token)
    form_class = _questionnaire_form(q.audience)
    form = form_class(request.POST or None)
    if not q.open:
        return render(
            request,
            "safeguarding/standards/questionnaire.html",
            {"questionnaire": q, "closed": True},
            status=410,
        )
    if request.method == "POST":
        if not questionnaire_limiter.allow(request, "answer"):
            raise PermissionDenied
        if form.is_valid():
            try:
                standards.answer(questionnaire=q, scores=form.cleaned_data)
            except SafeguardingError as exc:
                _apply_error(form, exc)
            else:
                return render(
                    request,
                    "safeguarding/standards/questionnaire.html",
                    {"questionnaire": q, "thanks": True},
                )
        return render(
            request,
            "safeguarding/standards/questionnaire.html",
            {"questionnaire": q, "form": form},
            status=422,
        )
    return render(
        request, "safeguarding/standards/questionnaire.html", {"questionnaire": q, "form": form}
    )
