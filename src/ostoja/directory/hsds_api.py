"""The public, read-only Open Referral HSDS 3.0 API under ``/hsds/``.

Plain Django JSON views rather than a second NinjaAPI: the contract of this API is the HSDS
standard's own OpenAPI document and JSON schemas (served at ``/hsds/openapi.json``, checked by
:mod:`ostoja.directory.hsds.validate` in the tests), not one generated from pydantic models
that would have to restate the HSDS schemas and could drift from them; and none of ninja's
features (auth, request bodies) apply to a public read-only API.

Conventions:

* Responses are in Polish; ``?lang=en`` gives English (texts not translated fall back to
  Polish). HSDS objects carry one language, so the language is a request parameter.
* Lists are paginated the HSDS way (``page`` from 1, ``per_page``), see
  :func:`ostoja.directory.hsds.paginated`.
* Bad parameters give ``400`` with ``{"detail": ...}``; unknown ids ``404``; only published
  services (and what they use) are visible.
* No cookies, no authentication, ``Access-Control-Allow-Origin: *`` (public open data, nothing
  credentialed); searches are ``Cache-Control: no-store`` and never logged.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import json
import math
import uuid
from datetime import datetime, time
from importlib import resources

from django.db.models import Exists, F, OuterRef, Q, Value
from django.http import Http404, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.views.decorators.csrf import csrf_exempt

from . import geo
from .exporter import HsdsWriter, full_prefetch
from .hsds import api_root, paginated
from .models import Provider, Service, ServiceAtLocation, Taxonomy, TaxonomyTerm
from .search import KM_PER_DEGREE, SearchFilters, matching_ids, page_of_ids, services_in_order
from .search_text import unaccent_pl
from .translation import content_languages

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = {"minimal": 1000, "basic": 200, "full": 50}
SEARCH_PARAMS = {"search", "postcode", "proximity"}


class BadParameter(Exception):
    pass


def _json(data, status=200) -> JsonResponse:
    return JsonResponse(data, status=status, safe=False, json_dumps_params={"ensure_ascii": False})


def hsds_view(view):
    """GET/HEAD only (JSON 405 otherwise); JSON errors; CORS for public data; no-store for
    searches."""

    @csrf_exempt  # read-only: nothing to protect, and a JSON 405 beats an HTML 403
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            if request.method == "OPTIONS":
                response = HttpResponse(status=204)
                response["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
            elif request.method not in ("GET", "HEAD"):
                response = _json({"detail": "This API is read-only."}, status=405)
            else:
                response = view(request, *args, **kwargs)
        except BadParameter as exc:
            response = _json({"detail": str(exc)}, status=400)
        except Http404:
            response = _json({"detail": "Not found."}, status=404)
        response["Access-Control-Allow-Origin"] = "*"
        response["Allow"] = "GET, HEAD, OPTIONS"
        if SEARCH_PARAMS & set(request.GET):
            response["Cache-Control"] = "no-store"
        return response

    return wrapper


# --------------------------------------------------------------------------------------------
# Parameters
# --------------------------------------------------------------------------------------------


def _language(request) -> str:
    language = request.GET.get("lang", "") or content_languages()[0]
    if language not in content_languages():
        raise BadParameter(f"lang must be one of: {', '.join(content_languages())}")
    return language


def _flag(request, name: str) -> bool:
    value = request.GET.get(name, "").strip().lower()
    if value in ("", "false", "0", "no"):
        return False
    if value in ("true", "1", "yes"):
        return True
    raise BadParameter(f"{name} must be true or false")


def _int(request, name: str, default: int, low: int, high: int) -> int:
    raw = request.GET.get(name, "")
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadParameter(f"{name} must be a whole number") from None
    if not low <= value <= high:
        raise BadParameter(f"{name} must be between {low} and {high}")
    return value


def _uuids(request, name: str) -> list[uuid.UUID]:
    raw = request.GET.get(name, "")
    if not raw:
        return []
    try:
        return [uuid.UUID(part.strip()) for part in raw.split(",")[:50] if part.strip()]
    except ValueError:
        raise BadParameter(f"{name} must be a UUID (or several, separated by commas)") from None


def _uuid_or_404(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise Http404 from None


def _modified_after(request):
    raw = request.GET.get("modified_after", "").strip()
    if not raw:
        return None
    try:
        moment = parse_datetime(raw)
    except ValueError:
        moment = None
    if moment is None:
        day = None
        with contextlib.suppress(ValueError):
            day = parse_date(raw)
        if day is None:
            raise BadParameter("modified_after must be a date-time, e.g. 2026-01-31T00:00:00Z")
        moment = datetime.combine(day, time())
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return moment


def _search_text(request) -> str:
    return request.GET.get("search", "")[:200]


def _format(request) -> None:
    if request.GET.get("format", "json") not in ("", "json"):
        raise BadParameter("format must be json (ndjson is not offered)")


def _page(request, mode: str = "basic") -> tuple[int, int]:
    per_page = _int(request, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE[mode])
    page = _int(request, "page", 1, 1, 1_000_000)
    return page, per_page


def _paginate(qs, page: int, per_page: int):
    total = qs.count()
    start = (page - 1) * per_page
    items = list(qs[start : start + per_page]) if start < total else []
    return items, total


def _term_ids_of(request) -> tuple:
    ids = _uuids(request, "taxonomy_term_id")
    taxonomy_ids = _uuids(request, "taxonomy_id")
    if taxonomy_ids:
        ids += list(
            TaxonomyTerm.objects.filter(taxonomy_id__in=taxonomy_ids).values_list("id", flat=True)
        )
        if not ids:
            ids = [uuid.UUID(int=0)]  # a taxonomy without terms matches nothing
    return tuple(ids)


def _service_filters(request) -> SearchFilters:
    organization = _uuids(request, "organization_id")
    return SearchFilters(
        text=_search_text(request),
        term_ids=_term_ids_of(request),
        provider_id=organization[0] if organization else None,
        modified_after=_modified_after(request),
    )


# --------------------------------------------------------------------------------------------
# Root, OpenAPI, profile
# --------------------------------------------------------------------------------------------


@functools.cache
def _openapi_template() -> dict:
    text = (
        resources.files("ostoja.directory.hsds")
        .joinpath("schemas", "openapi.json")
        .read_text("utf-8")
    )
    return json.loads(text)


@hsds_view
def root(request):
    return _json(
        api_root(
            openapi_url=request.build_absolute_uri(reverse("hsds:openapi")),
            profile=request.build_absolute_uri(reverse("hsds:profile")),
        )
    )


@hsds_view
def openapi(request):
    document = copy.deepcopy(_openapi_template())
    document["info"] = {
        "title": "Ostoja HSDS API",
        "version": "1.0",
        "summary": "Open Referral HSDS 3.0 API of the Ostoja services directory.",
        "description": (
            "Read-only, public. Help for people worried about their sexual thoughts towards "
            "children, people who have viewed abuse material, children and adult survivors, "
            "parents and professionals in Poland. Texts in Polish; add ?lang=en for English."
        ),
        "license": {
            "name": "CC BY-SA 4.0 (this document, after the HSDS OpenAPI file)",
            "url": "https://creativecommons.org/licenses/by-sa/4.0/",
        },
    }
    document["servers"] = [{"url": request.build_absolute_uri(reverse("hsds:root")).rstrip("/")}]
    return _json(document)


@hsds_view
def profile(request):
    return _json(
        {
            "name": "Ostoja",
            "hsds_version": "3.0",
            "description": (
                "Core HSDS 3.0 with no extra fields. Conventions: texts in Polish, ?lang=en "
                "for English; the taxonomy 'Ostoja help taxonomy' (see /taxonomy_terms) has "
                "facets as top-level terms (audience, stage, modality, anonymity, cost, "
                "evidence); what a service passes on to others (limits of confidentiality, "
                "mandatory reporting) is an attribute on the 'anonymity' facet with link_type "
                "'what_is_passed_on'; opening hours are a schedule with a description; "
                "wait_time ends with the date it was stated, as [YYYY-MM-DD]."
            ),
            "taxonomies_url": request.build_absolute_uri(reverse("hsds:taxonomies")),
        }
    )


# --------------------------------------------------------------------------------------------
# Services
# --------------------------------------------------------------------------------------------


def _public_services():
    return Service.objects.public()


@hsds_view
def services(request):
    _format(request)
    language = _language(request)
    minimal, full = _flag(request, "minimal"), _flag(request, "full")
    if minimal and full:
        raise BadParameter("minimal and full cannot be combined")
    mode = "minimal" if minimal else "full" if full else "basic"
    page, per_page = _page(request, mode)
    start = (page - 1) * per_page
    total, ids = page_of_ids(_service_filters(request), start, start + per_page)
    qs = Service.objects.all()
    if mode == "full":
        qs = full_prefetch(qs)
    elif mode == "basic":
        qs = qs.select_related("provider")
    items = services_in_order(ids, qs)
    writer = HsdsWriter(language)
    if mode == "minimal":
        contents = [writer.service_minimal(s) for s in items]
    elif mode == "full":
        writer.preload_services(items)
        contents = [writer.service(s) for s in items]
    else:
        contents = [writer.service_basic(s) for s in items]
    return _json(paginated(contents, page, per_page, total))


@hsds_view
def service_detail(request, pk):
    language = _language(request)
    service_id = _uuid_or_404(pk)
    service = full_prefetch(_public_services().filter(pk=service_id)).first()
    if service is None:
        raise Http404
    writer = HsdsWriter(language)
    writer.preload_services([service])
    return _json(writer.service(service))


# --------------------------------------------------------------------------------------------
# Organizations
# --------------------------------------------------------------------------------------------


def _organizations():
    return Provider.objects.prefetch_related("phones", "contacts", "locations")


def _services_of(provider_ids, writer: HsdsWriter, *, full: bool) -> dict:
    qs = _public_services().filter(provider_id__in=provider_ids).order_by("id")
    qs = full_prefetch(qs) if full else qs.select_related("provider")
    items = list(qs)
    if full:
        writer.preload_services(items)
    by_provider: dict = {}
    for service in items:
        body = writer.service(service) if full else writer.service_basic(service)
        by_provider.setdefault(service.provider_id, []).append(body)
    return by_provider


@hsds_view
def organizations(request):
    _format(request)
    language = _language(request)
    full, full_service = _flag(request, "full"), _flag(request, "full_service")
    page, per_page = _page(request, "full" if full_service else "basic")
    qs = Provider.objects.order_by("name", "id")
    text = _search_text(request).strip()
    if text:
        qs = qs.filter(Q(name__icontains=text) | Q(alternate_name__icontains=text))
    if full:
        qs = qs.prefetch_related("phones", "contacts", "locations")
    items, total = _paginate(qs, page, per_page)
    writer = HsdsWriter(language)
    if full:
        writer.preload([p.pk for p in items])
        nested = _services_of([p.pk for p in items], writer, full=full_service)
        contents = [writer.organization(p, nested.get(p.pk, [])) for p in items]
    else:
        contents = [writer.organization_basic(p) for p in items]
    return _json(paginated(contents, page, per_page, total))


@hsds_view
def organization_detail(request, pk):
    language = _language(request)
    provider = _organizations().filter(pk=_uuid_or_404(pk)).first()
    if provider is None:
        raise Http404
    writer = HsdsWriter(language)
    writer.preload([provider.pk])
    nested = _services_of([provider.pk], writer, full=_flag(request, "full_service"))
    return _json(writer.organization(provider, nested.get(provider.pk, [])))


# --------------------------------------------------------------------------------------------
# Services at locations
# --------------------------------------------------------------------------------------------


def _sal_queryset(request):
    qs = ServiceAtLocation.objects.filter(
        service_id__in=matching_ids(_service_filters(request))
    ).select_related("location", "service__provider")
    postcode = request.GET.get("postcode", "").strip()
    proximity = request.GET.get("proximity", "").strip()
    if proximity and not postcode:
        raise BadParameter("proximity needs a postcode")
    if not postcode:
        return qs.order_by("service_id", "position", "id")
    try:
        place = geo.postcode_area(postcode)
    except ValueError:
        raise BadParameter("postcode must be a Polish postcode, e.g. 00-950") from None
    k_lon = KM_PER_DEGREE * math.cos(math.radians(place.lat))
    dlat = F("location__latitude") - Value(place.lat)
    dlon = F("location__longitude") - Value(place.lon)
    qs = qs.annotate(d2=dlat * dlat * Value(KM_PER_DEGREE**2) + dlon * dlon * Value(k_lon**2))
    if proximity:
        try:
            metres = float(proximity)
        except ValueError:
            raise BadParameter("proximity must be a distance in metres") from None
        if not math.isfinite(metres) or not 0 < metres <= 2_000_000:
            raise BadParameter("proximity must be between 1 and 2000000 metres")
        qs = qs.filter(d2__lte=(metres / 1000) ** 2)
    else:
        # Without a distance, the postcode must lie in the service's area: the whole country,
        # its voivodeship, or a location in that voivodeship.
        in_region = Exists(
            Service.objects.filter(
                pk=OuterRef("service_id"), service_areas__voivodeship=place.voivodeship
            )
        )
        qs = qs.filter(
            Q(service__coverage=Service.Coverage.NATIONAL)
            | in_region
            | Q(location__voivodeship=place.voivodeship)
        )
    return qs.order_by(F("d2").asc(nulls_last=True), "service_id", "id")


def _sal_body(writer: HsdsWriter, sal: ServiceAtLocation, *, full: bool) -> dict:
    if full:
        body = writer.service_at_location(sal, with_location=True)
    else:
        body = writer.service_at_location_basic(sal)
        body["location"] = writer.location_basic(sal.location)
    body["service"] = writer.service_basic(sal.service, with_organization=False)
    return body


@hsds_view
def service_at_locations(request):
    _format(request)
    language = _language(request)
    full = _flag(request, "full")
    page, per_page = _page(request, "full" if full else "basic")
    qs = _sal_queryset(request)
    if full:
        qs = qs.prefetch_related(
            "location__addresses",
            "location__accessibility",
            "location__phones",
            "location__schedules",
            "location__languages",
            "phones",
            "schedules",
            "contacts",
        )
    items, total = _paginate(qs, page, per_page)
    writer = HsdsWriter(language)
    if full:
        writer.preload([i for sal in items for i in (sal.pk, sal.location_id)])
    contents = [_sal_body(writer, sal, full=full) for sal in items]
    return _json(paginated(contents, page, per_page, total))


@hsds_view
def service_at_location_detail(request, pk):
    language = _language(request)
    sal = (
        ServiceAtLocation.objects.filter(
            pk=_uuid_or_404(pk), service__in=_public_services().values("pk")
        )
        .select_related("location", "service__provider")
        .first()
    )
    if sal is None:
        raise Http404
    writer = HsdsWriter(language)
    writer.preload([sal.pk, sal.location_id])
    return _json(_sal_body(writer, sal, full=True))


# --------------------------------------------------------------------------------------------
# Taxonomies
# --------------------------------------------------------------------------------------------


def _matches(text: str, *values) -> bool:
    needle = unaccent_pl(text).casefold()
    return any(needle in unaccent_pl(v or "").casefold() for v in values)


@hsds_view
def taxonomies(request):
    _format(request)
    language = _language(request)
    page, per_page = _page(request)
    writer = HsdsWriter(language)
    rows = [writer.taxonomy(t) for t in Taxonomy.objects.order_by("code", "id")]
    text = _search_text(request).strip()
    if text:
        rows = [r for r in rows if _matches(text, r["name"], r.get("description"))]
    start = (page - 1) * per_page
    return _json(paginated(rows[start : start + per_page], page, per_page, len(rows)))


@hsds_view
def taxonomy_detail(request, pk):
    taxonomy = Taxonomy.objects.filter(pk=_uuid_or_404(pk)).first()
    if taxonomy is None:
        raise Http404
    return _json(HsdsWriter(_language(request)).taxonomy(taxonomy))


@hsds_view
def taxonomy_terms(request):
    _format(request)
    language = _language(request)
    page, per_page = _page(request)
    qs = TaxonomyTerm.objects.select_related("taxonomy").order_by("taxonomy_id", "position", "id")
    taxonomy_ids = _uuids(request, "taxonomy_id")
    if taxonomy_ids:
        qs = qs.filter(taxonomy_id__in=taxonomy_ids)
    parent_ids = _uuids(request, "parent_id")
    if parent_ids:
        qs = qs.filter(parent_id__in=parent_ids)
    if _flag(request, "top_only"):
        qs = qs.filter(parent__isnull=True)
    writer = HsdsWriter(language)
    text = _search_text(request).strip()
    if text:
        rows = [writer.taxonomy_term(t) for t in qs]
        rows = [r for r in rows if _matches(text, r["name"], r.get("code"), r["description"])]
        start = (page - 1) * per_page
        return _json(paginated(rows[start : start + per_page], page, per_page, len(rows)))
    items, total = _paginate(qs, page, per_page)
    return _json(paginated([writer.taxonomy_term(t) for t in items], page, per_page, total))


@hsds_view
def taxonomy_term_detail(request, pk):
    term = TaxonomyTerm.objects.select_related("taxonomy").filter(pk=_uuid_or_404(pk)).first()
    if term is None:
        raise Http404
    return _json(HsdsWriter(_language(request)).taxonomy_term(term))


__all__ = ["BadParameter", "hsds_view"]
