"""Pages of the directory: the public search and service pages, and the management area.

Public pages (``/help/``) are ``@private_page`` (``Cache-Control: no-store``), GET only, set no
cookie (no CSRF token, no session, no messages) and never log the query. The management pages
are for service editors and coordinators; every object is looked up through a scoped queryset,
so another organisation's service or proposal is a 404.
"""

from __future__ import annotations

import functools
import json
from datetime import date

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ostoja.core.body_limits import accepts_upload
from ostoja.core.decorators import private_page
from ostoja.core.permissions import permission_required
from ostoja.directory import data
from ostoja.organisations.models import Organisation

from . import exporter, importer, permissions, services
from .forms import (
    DecisionForm,
    ExportForm,
    ImportForm,
    LocationForm,
    LocationFormSet,
    PhoneFormSet,
    RejectForm,
    SearchForm,
    ServiceForm,
    facet_label,
)
from .models import OUTDATED_AFTER, Service, ServiceChange
from .search import (
    SearchFilters,
    load_hits,
    matching_ids,
    search_or_some_words,
    with_card_data,
)
from .snapshot import diff
from .taxonomy import FILTER_FACETS, ensure_taxonomy, facet_of
from .translation import current_language, pick

QUICK_EXIT_URL = "https://www.google.com/search?q=pogoda"
PER_PAGE = 20


def quick_exit_url() -> str:
    """The neutral page the quick exit goes to (``DIRECTORY_QUICK_EXIT_URL`` overrides it)."""
    return getattr(settings, "DIRECTORY_QUICK_EXIT_URL", QUICK_EXIT_URL)


@functools.cache
def _helplines(language: str) -> dict:
    banner = data.crisis_banner_helplines()
    codes = {h["code"] for h in banner}
    others = [h for h in data.load_helplines() if h["code"] not in codes and h.get("number")]

    def localised(h):
        return {
            "code": h["code"],
            "number": h["number"],
            "tel": h["tel"],
            "name": h["name"].get(language) or h["name"]["pl"],
            "hours": h["hours"].get(language) or h["hours"]["pl"],
            "audience": h["audience_text"].get(language) or h["audience_text"]["pl"],
        }

    by_code = {h["code"]: localised(h) for h in banner}
    return {
        "emergency": by_code.get("112"),
        "children": by_code.get("116111"),
        "others": [localised(h) for h in others],
    }


#: The national helplines a search with no result shows, in this order: for children, for
#: adults in crisis, for parents and teachers, and the emergency number (helplines.json).
NO_RESULT_HELPLINES = ("116111", "116123", "800100100", "112")


@functools.cache
def _no_result_helplines(language: str) -> list[dict]:
    found = []
    for code in NO_RESULT_HELPLINES:
        try:
            h = data.helpline(code)
        except KeyError:
            continue
        if not h.get("real") or not h.get("number"):
            continue
        found.append(
            {
                "number": h["number"],
                "tel": h["tel"],
                "name": h["name"].get(language) or h["name"]["pl"],
                "audience": h["audience_text"].get(language) or h["audience_text"]["pl"],
            }
        )
    return found


def _public_context(request) -> dict:
    return {"quick_exit_url": quick_exit_url(), "helplines": _helplines(current_language())}


# --------------------------------------------------------------------------------------------
# Public pages
# --------------------------------------------------------------------------------------------


def _page_number(request) -> int:
    try:
        return max(1, min(int(request.GET.get("page", "1")), 10_000))
    except (TypeError, ValueError):
        return 1


@private_page
@require_GET
def search_view(request):
    form = SearchForm(request.GET or None)
    filters = form.filters() if request.GET else SearchFilters()
    language = current_language()
    results = search_or_some_words(
        filters, page=_page_number(request), per_page=PER_PAGE, language=language
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "directory/search.html",
        {
            **_public_context(request),
            "form": form,
            "results": results,
            "place": filters.place,
            "place_not_found": form.place_not_found,
            "place_from_words": form.place_from_words,
            "no_result_helplines": _no_result_helplines(language) if not results.hits else [],
            "searched": bool(request.GET),
            "filters_open": form.has_filters() if request.GET else False,
            "query": query.urlencode(),
            "sections": _sections(results, filters),
        },
    )


def _sections(results, filters):
    """Group a page's hits under headings when a place is given."""
    if filters.place is None:
        return [(None, results.hits)]
    everywhere = [h for h in results.hits if h.everywhere]
    near = [h for h in results.hits if not h.everywhere]
    sections = []
    if everywhere:
        sections.append(("everywhere", everywhere))
    if near:
        sections.append(("near", near))
    return sections


def _grouped_terms(terms, language):
    groups = {}
    for term in terms:
        if term.parent_id is None:
            continue
        facet = facet_of(term.code)
        groups.setdefault(facet, []).append(pick(term.name, language))
    return {
        facet: {"label": facet_label(facet, language), "terms": groups[facet]}
        for facet in FILTER_FACETS
        if facet in groups
    }


@private_page
@require_GET
def service_view(request, pk):
    language = current_language()
    service = get_object_or_404(with_card_data(Service.objects.public(), full=True), pk=pk)
    hit = load_hits([service])[0]
    codes = hit.term_codes()
    return render(
        request,
        "directory/service.html",
        {
            **_public_context(request),
            "service": service,
            "terms": _grouped_terms(hit.terms, language),
            "anonymous": "anonymity.anonymous" in codes,
            "confidential": "anonymity.confidential" in codes,
            "free": "cost.free" in codes,
            "locations": [sal.location for sal in service.service_at_locations.all()],
        },
    )


# --------------------------------------------------------------------------------------------
# Management
# --------------------------------------------------------------------------------------------


def _editable_service(request, pk) -> Service:
    return get_object_or_404(
        Service.objects.editable_by(request.user).select_related("provider__owner"), pk=pk
    )


def _visible_change(request, pk) -> ServiceChange:
    return get_object_or_404(
        ServiceChange.objects.visible_to(request.user).select_related(
            "service", "organisation", "proposed_by", "decided_by"
        ),
        pk=pk,
    )


def _proposal_organisations(user):
    if permissions.is_coordinator(user):
        return Organisation.objects.filter(kind=Organisation.Kind.SERVICE_PROVIDER).order_by("name")
    return Organisation.objects.filter(pk__in=permissions.editor_organisation_ids(user)).order_by(
        "name"
    )


@require_GET
@permission_required(permissions.can_manage_directory)
def manage(request):
    user = request.user
    coordinator = permissions.is_coordinator(user)
    changes = ServiceChange.objects.visible_to(user).select_related(
        "service", "organisation", "proposed_by"
    )
    pending = changes.pending().order_by("proposed_at")
    recent = changes.exclude(status=ServiceChange.Status.PENDING).order_by("-decided_at")[:10]
    text = request.GET.get("q", "")[:200]
    base = Service.objects.editable_by(user)
    qs = base.order_by("-last_modified", "pk")
    if text:
        qs = qs.filter(pk__in=matching_ids(SearchFilters(text=text), public=False))
    page = Paginator(qs.select_related("provider"), 50).get_page(request.GET.get("page"))
    outdated_before = date.today() - OUTDATED_AFTER
    counts = base.aggregate(
        n_total=Count("pk"),
        n_published=Count("pk", filter=Q(published=True)),
        n_outdated=Count(
            "pk",
            filter=Q(published=True)
            & (Q(assured_date__isnull=True) | Q(assured_date__lt=outdated_before)),
        ),
    )
    return render(
        request,
        "directory/manage.html",
        {
            "coordinator": coordinator,
            "pending": pending,
            "recent": recent,
            "page": page,
            "q": text,
            "counts": counts,
            "can_create": _proposal_organisations(user).exists(),
            "export_form": ExportForm() if permissions.can_export(user) else None,
        },
    )


def _formsets(request, snapshot=None):
    if request.method == "POST":
        return (
            PhoneFormSet(request.POST, prefix="phones"),
            LocationFormSet(request.POST, prefix="locations"),
        )
    snapshot = snapshot or {}
    phones = [
        {"number": p["number"], **{f"description_{c}": t for c, t in p["description"].items()}}
        for p in snapshot.get("phones", [])
    ]
    locations = [LocationForm.initial_from(loc) for loc in snapshot.get("locations", [])]
    return (
        PhoneFormSet(prefix="phones", initial=phones),
        LocationFormSet(prefix="locations", initial=locations),
    )


def _snapshot_from(form, phones, locations) -> dict:
    snapshot = form.snapshot_part()
    snapshot["phones"] = [item for item in (f.item() for f in phones.forms) if item]
    snapshot["locations"] = [item for item in (f.item() for f in locations.forms) if item]
    return snapshot


def _service_form_page(request, *, service=None, organisations=None):
    """The shared GET/POST handling of proposing a new service and editing one."""
    ensure_taxonomy()
    live = services.service_snapshot(service) if service is not None else None
    initial = ServiceForm.initial_from(live) if live else {"status": "active", "coverage": "local"}
    form = ServiceForm(request.POST or None, initial=initial, organisations=organisations)
    phones, locations = _formsets(request, live)
    coordinator = permissions.is_coordinator(request.user)
    if request.method == "POST":
        valid = form.is_valid() & phones.is_valid() & locations.is_valid()
        if valid:
            organisation = None
            if organisations is not None:
                organisation = organisations.filter(pk=form.cleaned_data["organisation"]).first()
            try:
                change = services.propose_change(
                    actor=request.user,
                    data=_snapshot_from(form, phones, locations),
                    service=service,
                    organisation=organisation,
                )
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    form.add_snapshot_errors(exc.message_dict)
                else:
                    for message in exc.messages:
                        form.add_error(None, message)
            else:
                if coordinator and "publish" in request.POST:
                    published = services.approve_change(actor=request.user, change=change)
                    messages.success(request, _("The service is published."))
                    return redirect("directory:service", pk=published.pk)
                messages.success(
                    request,
                    _("Thank you. A coordinator will check the proposal before it goes live."),
                )
                return redirect("directory:change_detail", pk=change.pk)
    pending = ServiceChange.objects.pending().filter(service=service).first() if service else None
    return render(
        request,
        "directory/service_form.html",
        {
            "form": form,
            "phones": phones,
            "locations": locations,
            "service": service,
            "coordinator": coordinator,
            "pending": pending,
        },
        status=422 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
@permission_required(permissions.can_manage_directory)
def service_create(request):
    organisations = _proposal_organisations(request.user)
    if not organisations.exists():
        raise PermissionDenied
    return _service_form_page(request, organisations=organisations)


@require_http_methods(["GET", "POST"])
@permission_required(permissions.can_manage_directory)
def service_edit(request, pk):
    return _service_form_page(request, service=_editable_service(request, pk))


@require_POST
@permission_required(permissions.can_manage_directory)
def service_verify(request, pk):
    service = _editable_service(request, pk)
    try:
        services.verify_service(actor=request.user, service=service)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Thank you: “%(name)s” is marked as checked today.") % {"name": service},
        )
    return redirect("directory:manage")


@require_GET
@permission_required(permissions.can_manage_directory)
def change_detail(request, pk):
    change = _visible_change(request, pk)
    live = None
    if change.service_id and change.status == ServiceChange.Status.PENDING:
        live = services.service_snapshot(change.service)
    elif change.service_id:
        live = change.base or None
    rows = diff(live, change.data)
    return render(
        request,
        "directory/change_detail.html",
        {
            "change": change,
            "rows": rows,
            "can_review": permissions.can_review_changes(request.user)
            and change.status == ServiceChange.Status.PENDING,
            "approve_form": DecisionForm(),
            "reject_form": RejectForm(),
            "name": pick(change.data.get("name")),
        },
    )


@require_POST
@permission_required(permissions.can_review_changes)
def change_approve(request, pk):
    change = _visible_change(request, pk)
    form = DecisionForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        service = services.approve_change(actor=request.user, change=change, note=note)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("directory:change_detail", pk=change.pk)
    messages.success(request, _("Approved: “%(name)s” is live.") % {"name": service})
    return redirect("directory:manage")


@require_POST
@permission_required(permissions.can_review_changes)
def change_reject(request, pk):
    change = _visible_change(request, pk)
    form = RejectForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Tell the provider why the proposal is not approved."))
        return redirect("directory:change_detail", pk=change.pk)
    try:
        services.reject_change(actor=request.user, change=change, note=form.cleaned_data["note"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("directory:change_detail", pk=change.pk)
    messages.success(request, _("The proposal was returned to the provider."))
    return redirect("directory:manage")


@accepts_upload(settings.FILE_UPLOAD_MAX_MEMORY_SIZE)
@require_http_methods(["GET", "POST"])
@permission_required(permissions.can_import)
def import_view(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > importer.MAX_BYTES:
                form.add_error("file", _("The file is larger than 20 MB."))
                status = 413
            else:
                result = importer.import_bytes(
                    upload.read(),
                    actor=request.user,
                    language=form.cleaned_data["language"],
                    dry_run=form.cleaned_data["dry_run"],
                )
                status = 200 if result.ok else 422
        else:
            status = 422
    return render(
        request,
        "directory/import.html",
        {
            "form": form,
            "result": result,
            "dry_run": bool(form.is_bound and form.data.get("dry_run")),
        },
        status=status,
    )


@require_GET
@permission_required(permissions.can_export)
def export_view(request):
    form = ExportForm(request.GET or {"shape": "tabular", "language": "pl"})
    if not form.is_valid():
        raise Http404
    shape, language = form.cleaned_data["shape"], form.cleaned_data["language"]
    ensure_taxonomy()
    document = (
        exporter.export_tabular(language)
        if shape == "tabular"
        else exporter.export_package(language)
    )
    stamp = timezone.localdate().isoformat()
    response = HttpResponse(
        json.dumps(document, ensure_ascii=False, indent=1),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="ostoja-directory-{shape}-{language}-{stamp}.json"'
    )
    return response
