"""Pages of the vetting register. Thin: parse, check permission, call a service, render.

Every page is under ``/safeguarding/<organisation slug>/``. A user with no safeguarding role
anywhere gets 403; a user whose roles are in other organisations gets 404 for this one (the
page does not confirm that the organisation has a register), and so does any person, check or
consent id that is not this organisation's.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ostoja.core.decorators import private_page
from ostoja.core.permissions import permission_required
from ostoja.organisations.models import Organisation

from . import export, labels, permissions, services, sharing, vetting
from .errors import SafeguardingError
from .forms import (
    AdmitForm,
    CheckForm,
    EndEngagementForm,
    EngagementForm,
    PeriodForm,
    PersonForm,
    PolicyForm,
    RedeemForm,
    RegisterFilterForm,
    ResidenceForm,
    ShareForm,
)
from .models import (
    AccessLogEntry,
    Check,
    Engagement,
    Person,
    ResidenceDeclaration,
    ResidencePeriod,
    ShareConsent,
)

PAGE_SIZE = 50
_IDENTITY = ("previous_names", "date_of_birth", "pesel", "foreign_id")


def guarded(view):
    """Signed-in users with a safeguarding role somewhere; no caching of any page."""
    return permission_required(permissions.can_use_safeguarding)(private_page(view))


def _organisation(request, slug, *, need: str):
    """The organisation, if the user holds a role in it (else 404), and its policy; 403 when
    the role does not allow ``need`` ('read', 'write', 'log')."""
    org = Organisation.objects.filter(slug=slug).first()
    if org is None or not permissions.has_any_role_in(request.user, org):
        raise Http404
    policy = services.get_policy(org)
    allowed = {
        "read": lambda: permissions.can_read_register(request.user, org, policy),
        "write": lambda: permissions.can_write_register(request.user, org),
        "log": lambda: permissions.can_view_access_log(request.user, org),
    }[need]()
    if not allowed:
        raise PermissionDenied
    return org, policy


def _person(org, pk, *, identity=False) -> Person:
    qs = Person.objects.of(org)
    if not identity:
        qs = qs.defer(*_IDENTITY)
    return get_object_or_404(qs, pk=pk)


def _apply_error(form, exc: SafeguardingError):
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, str(exc.message))


def _person_url(org, person) -> str:
    return reverse("safeguarding:person", kwargs={"slug": org.slug, "pk": person.pk})


# --- index and register ---------------------------------------------------------------------


@require_GET
@guarded
def index(request):
    org_ids = {
        m.organisation_id
        for m in request.user.memberships.filter(
            role__in=[permissions.OFFICER, permissions.MANAGER]
        )
    }
    organisations = Organisation.objects.filter(pk__in=org_ids).order_by("name")
    if len(organisations) == 1:
        return redirect("safeguarding:register", slug=organisations[0].slug)
    return render(request, "safeguarding/index.html", {"organisations": organisations})


def register_queryset(org, policy, *, q="", status="", activity="", today=None):
    """The register list's query (also used by the benchmark)."""
    today = today or services.today()
    qs = Person.objects.of(org).defer(*_IDENTITY)
    if q:
        qs = qs.filter(full_name__icontains=q)
    if status == "missing":
        qs = qs.filter(complete=False, adverse=False)
    elif status == "admitted":
        qs = qs.filter(admitted_on__isnull=False)
    elif status == "due":
        qs = qs.filter(recheck_due__lte=today + timedelta(days=policy.reminder_days))
    elif status == "overdue":
        qs = qs.filter(recheck_due__lt=today)
    elif status == "adverse":
        qs = qs.filter(adverse=True)
    elif status == "ended":
        qs = qs.filter(has_open_engagement=False, engaged_until__isnull=False)
    if activity:
        qs = qs.filter(engagements__activity=activity).distinct()
    return qs.order_by("full_name", "id")


@require_GET
@guarded
def register(request, slug):
    org, policy = _organisation(request, slug, need="read")
    form = RegisterFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = register_queryset(
        org,
        policy,
        q=filters.get("q", ""),
        status=filters.get("status", ""),
        activity=filters.get("activity", ""),
    ).prefetch_related(
        Prefetch(
            "engagements",
            queryset=Engagement.objects.only("id", "person_id", "role", "end_date", "start_date"),
        )
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "person": p,
            "missing": [
                labels.requirement_label(vetting.Requirement(k, c, "residence" if c else ""))
                for k, c in p.missing
            ],
            "roles": ", ".join(e.role for e in p.engagements.all() if e.end_date is None),
        }
        for p in page
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "safeguarding/register.html",
        {
            "organisation": org,
            "policy": policy,
            "form": form,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "can_write": permissions.can_write_register(request.user, org),
            "today": services.today(),
        },
    )


# --- person ----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@guarded
def person_add(request, slug):
    org, _policy = _organisation(request, slug, need="write")
    form = PersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            person = services.create_person(
                actor=request.user,
                organisation=org,
                **_person_fields(form.cleaned_data),
            )
        except SafeguardingError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, _("The person was added to the register."))
            return redirect(_person_url(org, person))
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "safeguarding/person_form.html",
        {"organisation": org, "form": form},
        status=status,
    )


def _person_fields(data: dict) -> dict:
    """The person form's fields as the services name them."""
    return {
        "full_name": data["full_name"],
        "previous_names": data["previous_names"],
        "date_of_birth": data["date_of_birth"],
        "pesel_value": data["pesel"],
        "foreign_id": data["foreign_id"],
        "citizenships": data["citizenships"],
    }


@require_http_methods(["GET", "POST"])
@guarded
def person_edit(request, slug, pk):
    org, _policy = _organisation(request, slug, need="write")
    person = _person(org, pk, identity=True)
    initial = {
        "full_name": person.full_name,
        "previous_names": person.previous_names,
        "date_of_birth": person.date_of_birth,
        "pesel": person.pesel,
        "foreign_id": person.foreign_id,
        "citizenships": person.citizenships,
    }
    form = PersonForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_person(
                actor=request.user,
                person=person,
                **_person_fields(form.cleaned_data),
            )
        except SafeguardingError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(_person_url(org, person))
    else:
        services.log_access(actor=request.user, person=person, kind=AccessLogEntry.Kind.VIEWED)
    return render(
        request,
        "safeguarding/person_form.html",
        {"organisation": org, "form": form, "person": person},
        status=422 if request.method == "POST" else 200,
    )


@require_GET
@guarded
def person_detail(request, slug, pk):
    org, policy = _organisation(request, slug, need="read")
    person = _person(org, pk, identity=True)
    return _render_person(request, org, policy, person)


def _render_person(request, org, policy, person, *, admit_error=None, status=200):
    services.log_access(actor=request.user, person=person, kind=AccessLogEntry.Kind.VIEWED)
    st = services.person_status(person)
    checks = list(person.checks.select_related("attachment").order_by("-checked_on", "-id"))
    latest = {}
    for c in sorted(checks, key=lambda c: (c.checked_on, c.pk)):
        latest[(c.kind, c.country)] = c
    residence = ResidenceDeclaration.objects.filter(person=person).first()
    requirements = []
    for req in st.required:
        requirements.append(
            {
                "req": req,
                "label": labels.requirement_label(req),
                "check": latest.get(req.key),
                "residence": residence if req.kind == vetting.RESIDENCE else None,
                "missing": req in st.missing,
            }
        )
    shares = list(person.shares.select_related("recipient").prefetch_related("uses"))
    return render(
        request,
        "safeguarding/person.html",
        {
            "organisation": org,
            "policy": policy,
            "person": person,
            "status": st,
            "requirements": requirements,
            "checks": checks,
            "residence": residence,
            "periods": person.residence_periods.all(),
            "engagements": person.engagements.all(),
            "shares": shares,
            "can_write": permissions.can_write_register(request.user, org),
            "admit_form": AdmitForm(initial={"on": services.today()}),
            "admit_error": admit_error,
            "citizenship_names": [labels.country_name(c) for c in person.citizenships],
        },
        status=status,
    )


@require_POST
@guarded
def person_delete(request, slug, pk):
    org, _policy = _organisation(request, slug, need="write")
    person = _person(org, pk)
    services.delete_person(actor=request.user, person=person)
    messages.success(request, _("The record was deleted with its checks and attachments."))
    return redirect("safeguarding:register", slug=org.slug)


# --- engagements -----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@guarded
def engagement_add(request, slug, pk):
    org, _policy = _organisation(request, slug, need="write")
    person = _person(org, pk)
    form = EngagementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_engagement(actor=request.user, person=person, **form.cleaned_data)
        except SafeguardingError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, _("The engagement was recorded."))
            return redirect(_person_url(org, person))
    return render(
        request,
        "safeguarding/simple_form.html",
        {
            "organisation": org,
            "person": person,
            "form": form,
            "title": _("Add an engagement"),
            "button": _("Save"),
        },
        status=422 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
@guarded
def engagement_end(request, slug, pk, engagement_pk):
    org, _policy = _organisation(request, slug, need="write")
    person = _person(org, pk)
    engagement = get_object_or_404(person.engagements, pk=engagement_pk)
    form = EndEngagementForm(request.POST or None, initial={"end_date": services.today()})
    if request.method == "POST" and form.is_valid():
        try:
            services.end_engagement(
                actor=request.user, engagement=engagement, end_date=form.cleaned_data["end_date"]
            )
        except SafeguardingError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, _("The engagement was ended."))
            return redirect(_person_url(org, person))
    return render(
        request,
        "safeguarding/simple_form.html",
        {
            "organisation": org,
            "person": person,
            "form": form,
            "title": _("End the engagement: %(role)s") % {"role": engagement.role},
            "button": _("Save"),
        },
        status=422 if request.method == "POST" else 200,
    )


# --- checks ----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@guarded
def check_add(request, slug, pk, kind):
    org, _policy = _organisation(request, slug, need="write")
    person = _person(org, pk)
    if kind not in Check.Kind.values:
        raise Http404
    countries = [
        r.country for r in services.person_status(person).required if r.kind == vetting.FOREIGN
    ]
    initial = {"result": "no_entry"}
    if request.GET.get("country") in countries:
        initial["country"] = request.GET["country"]
    form = CheckForm(
        request.POST or None,
        request.FILES or None,
        kind=kind,
        countries=countries,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.record_check(
                actor=request.user,
                person=person,
                kind=kind,
                checked_on=data["checked_on"],
                issued_on=data.get("issued_on"),
                result=data["result"],
                country=data.get("country", ""),
                both_registers=data.get("both_registers", False),
                scope_confirmed=data.get("scope_confirmed", False),
                declaration_instead=data.get("declaration_instead", False),
                reference=data.get("reference", ""),
                attachment=data.get("attachment"),
            )
        except SafeguardingError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, _("The check was recorded."))
            return redirect(_person_url(org, person))
    return render(
        request,
        "safeguarding/simple_form.html",
        {
            "organisation": org,
            "person": person,
            "form": form,
            "multipart": True,
            "title": dict(Check.Kind.choices)[kind],
            "button": _("Record the check"),
        },
        status=422 if request.method == "POST" else 200,
    )


@require_GET
@guarded
def attachment(request, slug, pk, check_pk):
    org, _policy = _organisation(request, slug, need="read")
    person = _person(org, pk)
    check = get_object_or_404(person.checks.select_related("attachment"), pk=check_pk)
    if not hasattr(check, "attachment"):
        raise Http404
    data, content_type = services.read_attachment(actor=request.user, check=check)
    response = HttpResponse(data, content_type=content_type)
    ext = "pdf" if content_type == "application/pdf" else "png"
    response["Content-Disposition"] = f'attachment; filename="check-{check.pk}.{ext}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- residence -------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@guarded
def residence(request, slug, pk):
    org, _policy = _organisation(request, slug, need="write")
    person = _person(org, pk)
    declaration = ResidenceDeclaration.objects.filter(person=person).first()
    action = request.POST.get("action") if request.method == "POST" else None
    decl_form = ResidenceForm(
        request.POST if action == "declare" else None,
        initial={"declared_on": declaration.declared_on, "text_version": declaration.text_version}
        if declaration
        else None,
        prefix="decl",
    )
    period_form = PeriodForm(request.POST if action == "period" else None, prefix="period")
    failed = False
    if action == "declare" and decl_form.is_valid():
        try:
            services.record_residence(actor=request.user, person=person, **decl_form.cleaned_data)
        except SafeguardingError as exc:
            _apply_error(decl_form, exc)
            failed = True
        else:
            messages.success(request, _("The declaration was recorded."))
            return redirect("safeguarding:residence", slug=org.slug, pk=person.pk)
    elif action == "period" and period_form.is_valid():
        try:
            services.add_residence_period(
                actor=request.user, person=person, **period_form.cleaned_data
            )
        except SafeguardingError as exc:
            _apply_error(period_form, exc)
            failed = True
        else:
            messages.success(request, _("The period was added."))
            return redirect("safeguarding:residence", slug=org.slug, pk=person.pk)
    elif action is not None:
        failed = True
    return render(
        request,
        "safeguarding/residence.html",
        {
            "organisation": org,
            "person": person,
            "declaration": declaration,
            "periods": person.residence_periods.all(),
            "decl_form": decl_form,
            "period_form": period_form,
            "window_start": vetting.residence_window_start(declaration.declared_on)
            if declaration
            else None,
        },
        status=422 if failed else 200,
    )


@require_POST
@guarded
def period_remove(request, slug, pk, period_pk):
    org, _policy = _organisation(request, slug, need="write")
    person = _person(org, pk)
    period = get_object_or_404(ResidencePeriod.objects.filter(person=person), pk=period_pk)
    services.remove_residence_period(actor=request.user, period=period)
    messages.success(request, _("The period was removed."))
    return redirect("safeguarding:residence", slug=org.slug, pk=person.pk)


# --- admission -------------------------------------------------------------------------------


@require_POST
@guarded
def admit(request, slug, pk):
    org, policy = _organisation(request, slug, need="write")
    person = _person(org, pk, identity=True)
    form = AdmitForm(request.POST)
    try:
        if not form.is_valid():
            raise SafeguardingError(_("Enter the date of admission."))
        services.admit(actor=request.user, person=person, on=form.cleaned_data["on"])
    except SafeguardingError as exc:
        person.refresh_from_db()
        return _render_person(
            request,
            org,
            policy,
            person,
            admit_error={"message": str(exc.message), "items": exc.items},
            status=422,
        )
    messages.success(request, _("The person is admitted to work with children."))
    return redirect(_person_url(org, person))


# --- sharing ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@guarded
def share_create(request, slug, pk):
    org, _policy = _organisation(request, slug, need="write")
    person = _person(org, pk, identity=True)
    form = ShareForm(request.POST or None, initial={"consent_on": services.today()})
    code = None
    if request.method == "POST" and form.is_valid():
        recipient = Organisation.objects.filter(slug=form.cleaned_data["recipient"]).first()
        try:
            if recipient is None:
                raise SafeguardingError(
                    _("No organisation has this short name."), field="recipient"
                )
            _consent, code = sharing.create_share(
                actor=request.user,
                person=person,
                recipient=recipient,
                consent_on=form.cleaned_data["consent_on"],
            )
        except SafeguardingError as exc:
            _apply_error(form, exc)
    return render(
        request,
        "safeguarding/share_create.html",
        {"organisation": org, "person": person, "form": form, "code": code},
        status=422 if request.method == "POST" and code is None else 200,
    )


@require_POST
@guarded
def share_withdraw(request, slug, pk, share_pk):
    org, _policy = _organisation(request, slug, need="write")
    person = _person(org, pk)
    consent = get_object_or_404(ShareConsent.objects.filter(person=person), pk=share_pk)
    try:
        sharing.withdraw_share(actor=request.user, consent=consent)
    except SafeguardingError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The consent was withdrawn: the code can no longer be used."))
    return redirect(_person_url(org, person))


@require_http_methods(["GET", "POST"])
@guarded
def share_redeem(request, slug):
    org, _policy = _organisation(request, slug, need="write")
    form = RedeemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = sharing.redeem(
            actor=request.user, organisation=org, code=form.cleaned_data["code"]
        )
        if result.ok:
            messages.success(
                request,
                _(
                    "The checks were added as reused. Record your own check of the Register of "
                    "Sexual Offenders: the law requires it of every organisation."
                ),
            )
            return redirect(_person_url(org, result.person))
        form.add_error("code", str(result.message))
    return render(
        request,
        "safeguarding/share_redeem.html",
        {"organisation": org, "form": form},
        status=422 if request.method == "POST" else 200,
    )


# --- policy, access log, export --------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@guarded
def policy(request, slug):
    org, current = _organisation(request, slug, need="write")
    form = PolicyForm(
        request.POST or None,
        initial={
            "recheck_months": current.recheck_months,
            "reminder_days": current.reminder_days,
            "retention_months": current.retention_months,
            "managers_may_read": current.managers_may_read,
            "intervention_retention_months": current.intervention_retention_months,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_policy(actor=request.user, organisation=org, **form.cleaned_data)
        except SafeguardingError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("safeguarding:register", slug=org.slug)
    return render(
        request,
        "safeguarding/policy.html",
        {"organisation": org, "form": form},
        status=422 if request.method == "POST" else 200,
    )


@require_GET
@guarded
def access_log(request, slug):
    org, _policy = _organisation(request, slug, need="log")
    page = Paginator(AccessLogEntry.objects.filter(organisation=org), 100).get_page(
        request.GET.get("page")
    )
    return render(request, "safeguarding/access_log.html", {"organisation": org, "page": page})


@require_GET
@guarded
def export_csv(request, slug):
    org, _policy = _organisation(request, slug, need="read")
    services.log_access(
        actor=request.user, person=None, organisation=org, kind=AccessLogEntry.Kind.EXPORTED
    )
    response = HttpResponse(export.to_csv(org), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="register-{org.slug}.csv"'
    return response


@require_GET
@guarded
def export_pdf(request, slug):
    org, _policy = _organisation(request, slug, need="read")
    services.log_access(
        actor=request.user, person=None, organisation=org, kind=AccessLogEntry.Kind.EXPORTED
    )
    response = HttpResponse(export.to_pdf(org), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="register-{org.slug}.pdf"'
    return response
