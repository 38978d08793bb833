"""Organisation pages: list, detail, create/edit (coordinators), deactivation, API tokens
(coordinators and the organisation's managers). Thin: parse, check, call a service, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ostoja.core.permissions import permission_required

from . import countries, permissions, services, teryt
from .forms import IssueTokenForm, OrganisationFilterForm, OrganisationForm, ReasonForm
from .models import Organisation, Voivodeship

PAGE_SIZE = 50


def _visible_organisation(request, slug) -> Organisation:
    # Scoped lookup: an organisation the user may not see is a 404, never a 403 that
    # confirms it exists.
    return get_object_or_404(Organisation.objects.visible_to(request.user), slug=slug)


def _managed_organisation(request, slug) -> Organisation:
    org = _visible_organisation(request, slug)
    if not permissions.can_manage_organisation(request.user, org):
        raise PermissionDenied
    return org


def _add_service_errors(form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form: per field where the form has the field."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


@require_GET
@permission_required(permissions.can_list_organisations)
def organisation_list(request):
    form = OrganisationFilterForm(request.GET or None)
    valid = form.is_valid() if request.GET else True
    data = form.cleaned_data if request.GET and valid else {}
    qs = Organisation.objects.visible_to(request.user)
    if data.get("q"):
        q = data["q"].strip()
        qs = qs.filter(Q(name__icontains=q) | Q(slug__icontains=q) | Q(teryt_code__startswith=q))
    if data.get("kind"):
        qs = qs.filter(kind=data["kind"])
    if data.get("voivodeship"):
        qs = qs.filter(voivodeship=data["voivodeship"])
    active = data.get("active", "")
    if active == "":
        qs = qs.filter(is_active=True)
    elif active == "no":
        qs = qs.filter(is_active=False)
    if data.get("verified") in ("yes", "no"):
        qs = qs.filter(verified=data["verified"] == "yes")
    if data.get("not_in_register"):
        # Codes an update of the register removed (merged or renamed units): few, so the
        # comparison is done here rather than with thousands of codes in the query.
        codes = set(qs.exclude(teryt_code="").values_list("teryt_code", flat=True))
        qs = qs.filter(teryt_code__in=[c for c in codes if not teryt.is_authority_code(c)])
    page = Paginator(qs.order_by("name", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "organisations/list.html",
        {
            "form": form,
            "page": page,
            "organisations": page.object_list,  # (the name other pages and tests know)
            "query": query.urlencode(),
            "can_create": permissions.can_create_organisation(request.user),
        },
        status=200 if valid else 400,
    )


@require_GET
@permission_required(permissions.can_list_organisations)
def organisation_detail(request, slug):
    org = _visible_organisation(request, slug)
    unit = teryt.get(org.teryt_code) if org.teryt_code else None
    return render(
        request,
        "organisations/detail.html",
        {
            "organisation": org,
            "memberships": org.memberships.select_related("user"),
            "can_manage_tokens": permissions.can_manage_tokens(request.user, org),
            "can_manage": permissions.can_manage_organisation(request.user, org),
            "country_name": countries.name(org.country, get_language() or "pl"),
            "teryt_label": teryt.register().label(unit) if unit else "",
            "teryt_in_register": unit is not None,
            "register_date": teryt.register().date,
        },
    )


def _organisation_form(request, org: Organisation | None):
    """Create (``org`` None) or edit. Searching the register re-renders without saving."""
    status = 200
    conflict = None
    if request.method != "POST":
        initial = OrganisationForm.initial_for(org) if org else {"country": "PL", "language": "pl"}
        form = OrganisationForm(initial=initial)
    elif "teryt_search" in request.POST:
        # Not a save: show the same input (without complaining about it) and the matches.
        form = OrganisationForm(initial=request.POST.dict())
        form.search_register()
    else:
        form = OrganisationForm(request.POST)
        if form.is_valid():
            try:
                if org is None:
                    org = services.create_organisation(actor=request.user, **form.service_fields())
                    messages.success(request, _("The organisation was created."))
                else:
                    org = services.update_organisation(
                        actor=request.user,
                        organisation=org,
                        version=form.cleaned_data["version"] or 0,
                        **form.service_fields(),
                    )
                    messages.success(request, _("The changes were saved."))
                return redirect("organisations:detail", slug=org.slug)
            except services.StaleOrganisation as stale:
                # Keep what this editor typed, take over what the other editor changed in the
                # fields this one left alone, show both; the next save (against the current
                # version) is a deliberate decision on the fields both changed.
                conflict = form.changes_since_loaded(stale.current)
                form = OrganisationForm(form.merged_data(conflict, stale.current))
                form.is_valid()
                org = stale.current
                status = 409
            except ValidationError as exc:
                _add_service_errors(form, exc)
        if status != 409 and form.errors:
            status = 422
        if form.errors and not form.data.get("teryt_code") and form.data.get("teryt_query"):
            form.search_register()
    return render(
        request,
        "organisations/form.html",
        {
            "form": form,
            "organisation": org,
            "conflict": conflict,
            "register_date": teryt.register().date,
            "searched": "teryt_search" in request.POST or bool(form.register_matches),
        },
        status=status,
    )


@permission_required(permissions.can_create_organisation)
def organisation_create(request):
    return _organisation_form(request, None)


@permission_required(permissions.can_list_organisations)
def organisation_edit(request, slug):
    return _organisation_form(request, _managed_organisation(request, slug))


def _reason_view(request, slug, *, deactivate: bool):
    org = _managed_organisation(request, slug)
    form = ReasonForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            action = (
                services.deactivate_organisation if deactivate else services.reactivate_organisation
            )
            try:
                action(actor=request.user, organisation=org, reason=form.cleaned_data["reason"])
            except ValidationError as exc:
                _add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("The organisation was deactivated.")
                    if deactivate
                    else _("The organisation was reactivated."),
                )
                return redirect("organisations:detail", slug=org.slug)
        status = 422
    return render(
        request,
        "organisations/reason.html",
        {"organisation": org, "form": form, "deactivate": deactivate},
        status=status,
    )


@permission_required(permissions.can_list_organisations)
def organisation_deactivate(request, slug):
    return _reason_view(request, slug, deactivate=True)


@permission_required(permissions.can_list_organisations)
def organisation_reactivate(request, slug):
    return _reason_view(request, slug, deactivate=False)


@require_GET
@permission_required(permissions.can_search_register)
def teryt_search(request):
    """JSON for the picker's script: local authorities matching ``q`` (and ``voivodeship``)."""
    reg = teryt.register()
    query = (request.GET.get("q") or "")[:100]
    voivodeship = request.GET.get("voivodeship") or ""
    if voivodeship not in Voivodeship.values:
        voivodeship = ""
    units = reg.search(query, limit=OrganisationForm.SEARCH_LIMIT, voivodeship=voivodeship)
    return JsonResponse(
        {
            "register_date": reg.date,
            "results": [
                {
                    "code": u.code,
                    "label": f"{reg.label(u)} — {u.code}",
                    "name": teryt.authority_name(u),
                    "voivodeship": u.voivodeship_code,
                }
                for u in units
            ],
        }
    )


def _token_organisation(request, slug) -> Organisation:
    org = _visible_organisation(request, slug)
    if not permissions.can_manage_tokens(request.user, org):
        raise PermissionDenied
    return org


@permission_required(permissions.can_list_organisations)
def token_list(request, slug):
    org = _token_organisation(request, slug)
    form = IssueTokenForm(request.POST or None)
    new_secret = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_secret = services.issue_api_token(
                actor=request.user,
                organisation=org,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
            )
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            form = IssueTokenForm()
    return render(
        request,
        "organisations/tokens.html",
        {
            "organisation": org,
            "tokens": org.api_tokens.all(),
            "form": form,
            "new_secret": new_secret,
        },
        status=422 if request.method == "POST" and not new_secret else 200,
    )


@require_POST
@permission_required(permissions.can_list_organisations)
def token_revoke(request, slug, pk):
    org = _token_organisation(request, slug)
    token = get_object_or_404(org.api_tokens, pk=pk)
    services.revoke_api_token(actor=request.user, token=token)
    messages.success(request, _("The token %(prefix)s… was revoked.") % {"prefix": token.prefix})
    return redirect("organisations:tokens", slug=org.slug)
