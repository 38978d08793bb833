"""The one search interface of the directory, with a full-text backend per database.

:func:`search` (the public ``/help/`` page), :func:`page_of_ids` (the HSDS API) and
:func:`matching_ids` (filters elsewhere) take a :class:`SearchFilters` -- free text, taxonomy
terms, languages, age, a place and a radius -- and order services like this: services for the
whole country first (phone and online help is always listed, wherever one searches from), then
services of the searched voivodeship and in-person services by distance, then services whose
location is unknown; within that, by relevance of the text, then by name.

Where it searches
-----------------
Every service has a narrow :class:`~ostoja.directory.models.ServiceSearch` row, rebuilt by
:func:`index_services` after every write: published/status/coverage, ages, the taxonomy terms
and languages as bits of an integer, the covered voivodeships as bits, the first
``INLINE_POINTS`` location points, the folded name. A search is then one scan of small rows
(or one full-text lookup joined to them) with no subquery per service: facet filters are
``term_bits & mask <> 0``, the nearest location is ``LEAST`` over the inline points, and only
the page's 20 services are read in full. ``bench/directory_search_bench.py`` measures it.

Free text goes through :func:`ostoja.directory.search_text.normalise_query` (FTS operators,
quotes, control and invisible characters never survive) and is matched accent- and
case-insensitively, each term as a prefix:

* **PostgreSQL**: ``ServiceSearch.search_vector`` (``to_tsvector('simple', document)``, GIN
  index), queried with ``to_tsquery('simple', "'term':* & ...")``, ranked with ``ts_rank``. The
  document is folded (case, Polish diacritics) in Python, so no ``unaccent`` extension is
  needed and indexing and querying fold text identically.
* **SQLite**: an FTS5 table ``directory_service_fts`` (``unicode61`` tokenizer), one row per
  service whose rowid is the search row's integer id (derived from the service UUID), so the
  join is one rowid lookup per match; ranked with FTS5's ``bm25``.
* anything else: a slow ``LIKE`` fallback, so the directory still works.

Polish inflects heavily ("dziecko", "dzieci", "dzieciom"); with no Polish stemmer in either
engine, longer query terms are shortened by two letters before prefix matching
(:func:`stem`), which finds the other forms. Help-seekers are better served by a few extra
results than by none.

Nothing here logs a query: what someone searches for can reveal why they need help.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection, transaction
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    Exists,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.expressions import CombinedExpression, RawSQL
from django.db.models.functions import Coalesce, Least
from django.db.models.lookups import GreaterThan

from .geo import Place, haversine_km
from .models import (
    Attribute,
    Language,
    Location,
    Service,
    ServiceAtLocation,
    ServiceSearch,
    TaxonomyTerm,
)
from .query_words import plan, stem
from .search_text import (
    fts5_groups_expression,
    normalise_query,
    tsquery_groups_expression,
    unaccent_pl,
)
from .snapshot import SERVICE_LANGUAGES
from .taxonomy import clear_term_caches, term_bits, terms_by_id
from .translation import all_text, default_language, pick

FTS_TABLE = "directory_service_fts"
ENTRY_TABLE = "directory_servicesearch"
#: Kilometres per degree of latitude (mean Earth radius).
KM_PER_DEGREE = 111.195
MAX_TEXT = 200
#: Locations whose points are kept on the search row.
INLINE_POINTS = 4
#: Stands in for "no point" in the nearest-point minimum (far beyond any distance in Poland).
FAR_KM2 = 1.0e12
#: Bit of each language a public search can filter by; append only (bits are stored).
LANGUAGE_BITS = {code: i for i, code in enumerate(SERVICE_LANGUAGES)}
PUBLIC_STATUSES = (Service.Status.ACTIVE, Service.Status.TEMPORARILY_CLOSED)

__all__ = [
    "FTS_TABLE",
    "Hit",
    "Results",
    "SearchFilters",
    "backend",
    "document_for",
    "index_services",
    "matching_ids",
    "page_of_ids",
    "rebuild_index",
    "remove_from_index",
    "search",
    "search_entries",
    "search_or_some_words",
    "stem",
]


def region_bit(voivodeship: str) -> int:
    """Bit of a voivodeship (TERYT code "02" ... "32", even numbers) in ``region_bits``."""
    return int(voivodeship) // 2 - 1


# --------------------------------------------------------------------------------------------
# Query terms and documents
# --------------------------------------------------------------------------------------------


def query_terms(text: str | None) -> list[str]:
    """Search terms for the backends: normalised, folded like the documents, stemmed."""
    terms = []
    for term in normalise_query(text or "", max_len=MAX_TEXT):
        folded = stem(unaccent_pl(term))
        if folded and folded not in terms:
            terms.append(folded)
    return terms


def fold(text: str) -> str:
    return unaccent_pl(text).casefold()


def document_for(service: Service, *, terms: Iterable[TaxonomyTerm] = ()) -> str:
    """The text a service is found by, in every language, case- and accent-folded."""
    # The name three times: both engines rank by how often the words occur, and a service
    # named for what was searched ("Czat dla nastolatków") should come before one that
    # mentions it in passing.
    name = all_text(service.name)
    parts = [
        name,
        name,
        name,
        all_text(service.alternate_name),
        all_text(service.description),
        all_text(service.eligibility_description),
        all_text(service.application_process),
        service.provider.name,
        service.provider.alternate_name,
    ]
    for term in terms:
        parts.append(all_text(term.name))
    for sal in service.service_at_locations.all():
        location = sal.location
        parts.append(location.name)
        parts.append(location.get_voivodeship_display() if location.voivodeship else "")
        for address in location.addresses.all():
            parts.extend([address.city, address.postal_code, address.state_province])
    for area in service.service_areas.all():
        parts.append(area.name)
    for phone in service.phones.all():
        parts.append(phone.number)
        parts.append("".join(c for c in phone.number if c.isdigit()))
    for language in service.languages.all():
        parts.append(language.name)
    return fold(" ".join(p for p in parts if p))


def _terms_by_service(ids: Sequence) -> dict:
    pairs = list(
        Attribute.objects.filter(link_entity="service", link_id__in=list(ids))
        .order_by()
        .values_list("link_id", "taxonomy_term_id")
    )
    terms = terms_by_id(tid for _link, tid in pairs)
    by_service: dict = {}
    for link_id, tid in pairs:
        term = terms.get(tid)
        if term is not None:
            by_service.setdefault(link_id, []).append(term)
    return by_service


def _for_indexing(ids: Sequence) -> list[Service]:
    return list(
        Service.objects.filter(pk__in=ids)
        .select_related("provider")
        .prefetch_related(
            "service_at_locations__location__addresses",
            "service_areas",
            "phones",
            "languages",
        )
    )


def entry_values(service: Service, terms: Iterable[TaxonomyTerm]) -> dict:
    """The search row of a service (see :class:`~ostoja.directory.models.ServiceSearch`)."""
    term_mask = 0
    for term in terms:
        if term.bit is not None:
            term_mask |= 1 << term.bit
    language_mask = 0
    for language in service.languages.all():
        if language.code in LANGUAGE_BITS:
            language_mask |= 1 << LANGUAGE_BITS[language.code]
    region_mask = 0
    for area in service.service_areas.all():
        if area.voivodeship:
            region_mask |= 1 << region_bit(area.voivodeship)
    points = [
        (sal.location.latitude, sal.location.longitude)
        for sal in service.service_at_locations.all()
        if sal.location.has_point
    ]
    values = {
        "provider_id": service.provider_id,
        "published": service.published,
        "status": service.status,
        "coverage": service.coverage,
        "last_modified": service.last_modified,
        "minimum_age": service.minimum_age,
        "maximum_age": service.maximum_age,
        "term_bits": term_mask,
        "language_bits": language_mask,
        "region_bits": region_mask,
        "point_count": len(points),
        "sort_name": fold(pick(service.name, default_language()))[:300],
    }
    for n in range(1, INLINE_POINTS + 1):
        lat, lon = points[n - 1] if len(points) >= n else (None, None)
        values[f"p{n}_lat"], values[f"p{n}_lon"] = lat, lon
    return values


# --------------------------------------------------------------------------------------------
# Full-text backends
# --------------------------------------------------------------------------------------------


def fts_rowid(service_id) -> int:
    """A stable 63-bit FTS5 rowid for a service UUID (collisions: ~1e-11 at 10,000 services)."""
    return service_id.int & ((1 << 63) - 1)


class SearchBackend:
    vendor = ""

    def filter_text(self, qs: QuerySet, groups: list) -> tuple[QuerySet, list]:
        """Keep search rows matching every group of alternatives (see
        :mod:`~ostoja.directory.query_words`); return them and their relevance ordering."""
        raise NotImplementedError

    def index(self, items: list[tuple[Service, str]]) -> None:
        raise NotImplementedError

    def remove(self, ids: Iterable) -> None:
        raise NotImplementedError

    def clear(self) -> None:
        raise NotImplementedError


class PostgresBackend(SearchBackend):
    vendor = "postgresql"

    def filter_text(self, qs, groups):
        query = SearchQuery(tsquery_groups_expression(groups), search_type="raw", config="simple")
        qs = qs.filter(search_vector=query).annotate(
            # Normalised by document length (as SQLite's bm25 is): a long description that
            # mentions many words in passing does not outrank a service named for them.
            text_rank=SearchRank(F("search_vector"), query, normalization=Value(2))
        )
        return qs, [F("text_rank").desc()]

    def index(self, items):
        for service, document in items:
            ServiceSearch.objects.filter(service_id=service.pk).update(
                search_vector=SearchVector(Value(document), config="simple")
            )

    def remove(self, ids):
        ServiceSearch.objects.filter(service_id__in=list(ids)).update(search_vector=None)

    def clear(self):
        ServiceSearch.objects.update(search_vector=None)


class SqliteFts5Backend(SearchBackend):
    vendor = "sqlite"

    def filter_text(self, qs, groups):
        expression = fts5_groups_expression(groups)
        # extra() rather than a subquery: FTS5 drives the join through its index and hands
        # back bm25 ("rank") for ordering, in one pass. A correlated subquery per service
        # would run the MATCH once per row.
        # The SQL is constant; the only input (the MATCH expression) is a bound parameter.
        qs = qs.extra(  # noqa: S610
            tables=[FTS_TABLE],
            where=[f"{FTS_TABLE}.rowid = {ENTRY_TABLE}.id", f"{FTS_TABLE} MATCH %s"],
            params=[expression],
        )
        # Ordered by the FTS table's own column, so .values()/.values_list() keep working.
        return qs, [RawSQL(f"{FTS_TABLE}.rank", ()).asc()]  # noqa: S611 - constant SQL

    def index(self, items):
        with connection.cursor() as cursor:
            for service, document in items:
                rowid = fts_rowid(service.pk)
                cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [rowid])  # noqa: S608
                cursor.execute(
                    f"INSERT INTO {FTS_TABLE} (rowid, body) VALUES (%s, %s)",  # noqa: S608
                    [rowid, document],
                )

    def remove(self, ids):
        with connection.cursor() as cursor:
            for service_id in ids:
                cursor.execute(
                    f"DELETE FROM {FTS_TABLE} WHERE rowid = %s",  # noqa: S608
                    [fts_rowid(service_id)],
                )

    def clear(self):
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {FTS_TABLE}")  # noqa: S608


class LikeBackend(SearchBackend):
    """Fallback for databases without a full-text engine we support: slow but correct."""

    vendor = "other"

    def filter_text(self, qs, groups):
        condition = Q()
        for group in groups:
            any_of = Q(pk__in=[])
            for alternative in group:
                all_of = Q()
                for term in alternative:
                    all_of &= Q(service__name__icontains=term) | Q(
                        service__description__icontains=term
                    )
                any_of |= all_of
            condition &= any_of
        return qs.filter(condition), []

    def index(self, items):
        return None

    def remove(self, ids):
        return None

    def clear(self):
        return None


def backend() -> SearchBackend:
    if connection.vendor == "postgresql":
        return PostgresBackend()
    if connection.vendor == "sqlite":
        return SqliteFts5Backend()
    return LikeBackend()


# --------------------------------------------------------------------------------------------
# Indexing
# --------------------------------------------------------------------------------------------


def _index(engine: SearchBackend, services: list[Service]) -> None:
    terms = _terms_by_service([s.pk for s in services])
    for service in services:
        ServiceSearch.objects.update_or_create(
            id=fts_rowid(service.pk),
            defaults={"service": service, **entry_values(service, terms.get(service.pk, ()))},
        )
    engine.index([(s, document_for(s, terms=terms.get(s.pk, ()))) for s in services])


def index_services(ids: Iterable) -> int:
    """(Re)build the search rows of these services; call after every write."""
    ids = list(ids)
    if not ids:
        return 0
    services = _for_indexing(ids)
    _index(backend(), services)
    return len(services)


def remove_from_index(ids: Iterable) -> None:
    ids = list(ids)
    ServiceSearch.objects.filter(service_id__in=ids).delete()
    backend().remove(ids)


def rebuild_index(batch_size: int = 500) -> int:
    """Drop and rebuild the whole index (``manage.py directory_reindex``)."""
    clear_term_caches()
    engine = backend()
    engine.clear()
    ServiceSearch.objects.all().delete()
    ids = list(Service.objects.order_by().values_list("pk", flat=True))
    for start in range(0, len(ids), batch_size):
        _index(engine, _for_indexing(ids[start : start + batch_size]))
    return len(ids)


# --------------------------------------------------------------------------------------------
# Searching
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchFilters:
    """What someone searches for. Every part is optional; all given parts must hold."""

    text: str = ""
    #: facet -> term codes; any of a facet's codes matches, every facet must match.
    terms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: HSDS taxonomy_term ids (the API's ``taxonomy_term_id``); any of them matches.
    term_ids: tuple = ()
    languages: tuple[str, ...] = ()
    age: int | None = None
    place: Place | None = None
    radius_km: float | None = None
    provider_id: object | None = None
    modified_after: object | None = None
    #: False: a service matching any group of the words is enough (the public search's second
    #: try when nothing matches all of them).
    match_all: bool = True


class BitAnd(CombinedExpression):
    def __init__(self, lhs, rhs):
        super().__init__(lhs, "&", rhs, output_field=BigIntegerField())


def _any_bit(column: str, mask: int) -> Q:
    """``column & mask <> 0``: the row has any of the bits (e.g. one facet's chosen terms)."""
    return Q(GreaterThan(BitAnd(F(column), Value(mask)), Value(0)))


def _distance_squared(place: Place):
    """Squared distance (km²) to a service's nearest location, on an equirectangular
    projection around ``place``: plain arithmetic (no trigonometry in SQL), accurate to a few
    per cent across Poland -- enough to order and to cut at a radius; the page shows
    great-circle distances. The first ``INLINE_POINTS`` points are columns of the search row;
    only services with more locations need a subquery."""
    k_lat = KM_PER_DEGREE
    k_lon = KM_PER_DEGREE * math.cos(math.radians(place.lat))

    def d2(lat, lon):
        dlat = lat - Value(place.lat)
        dlon = lon - Value(place.lon)
        return dlat * dlat * Value(k_lat * k_lat) + dlon * dlon * Value(k_lon * k_lon)

    inline = Least(
        *(
            Coalesce(d2(F(f"p{n}_lat"), F(f"p{n}_lon")), Value(FAR_KM2))
            for n in range(1, INLINE_POINTS + 1)
        )
    )
    nearest = (
        Location.objects.filter(
            service_at_locations__service=OuterRef("service_id"),
            latitude__isnull=False,
            longitude__isnull=False,
        )
        .annotate(d2=d2(F("latitude"), F("longitude")))
        .order_by("d2")
        .values("d2")[:1]
    )
    return Case(
        When(point_count=0, then=Value(None, output_field=FloatField())),
        # Most services have one location: one distance, not the minimum of four.
        When(point_count=1, then=d2(F("p1_lat"), F("p1_lon"))),
        When(point_count__gt=INLINE_POINTS, then=Subquery(nearest, output_field=FloatField())),
        default=inline,
        output_field=FloatField(),
    )


def _name_matches(groups) -> Q:
    """The folded name contains, for every group, all prefixes of one of its alternatives."""
    condition = Q()
    for group in groups:
        any_of = Q(pk__in=[])
        for alternative in group:
            all_of = Q()
            for prefix in alternative:
                all_of &= Q(sort_name__contains=prefix)
            any_of |= all_of
        condition &= any_of
    return condition


def search_entries(filters: SearchFilters, *, public: bool = True) -> QuerySet:
    """Search rows matching ``filters``, in the order described in the module doc."""
    qs = ServiceSearch.objects.all()
    if public:
        qs = qs.filter(published=True, status__in=PUBLIC_STATUSES)

    bits = term_bits()
    for values in filters.terms.values():
        if not values:
            continue
        mask = sum(1 << bits[code] for code in set(values) if code in bits)
        qs = qs.filter(_any_bit("term_bits", mask)) if mask else qs.none()
    if filters.term_ids:
        qs = qs.filter(
            Exists(
                Attribute.objects.filter(
                    link_entity="service",
                    link_id=OuterRef("service_id"),
                    taxonomy_term_id__in=list(filters.term_ids),
                )
            )
        )
    if filters.languages:
        mask = sum(1 << LANGUAGE_BITS[c] for c in set(filters.languages) if c in LANGUAGE_BITS)
        others = [c for c in filters.languages if c not in LANGUAGE_BITS]
        condition = _any_bit("language_bits", mask) if mask else Q(pk__in=[])
        if others:
            condition |= Exists(
                Language.objects.filter(service_id=OuterRef("service_id"), code__in=others)
            )
        qs = qs.filter(condition)
    if filters.age is not None:
        qs = qs.filter(
            Q(minimum_age__isnull=True) | Q(minimum_age__lte=filters.age),
            Q(maximum_age__isnull=True) | Q(maximum_age__gte=filters.age),
        )
    if filters.provider_id is not None:
        qs = qs.filter(provider_id=filters.provider_id)
    if filters.modified_after is not None:
        qs = qs.filter(last_modified__gte=filters.modified_after)

    ordering: list = []
    place = filters.place
    if place is not None:
        qs = qs.annotate(dist2=_distance_squared(place))
        local = Q(coverage=Service.Coverage.LOCAL)
        if filters.radius_km:
            local &= Q(dist2__lte=float(filters.radius_km) ** 2)
        qs = qs.filter(
            Q(coverage=Service.Coverage.NATIONAL)
            | (
                Q(coverage=Service.Coverage.REGIONAL)
                & _any_bit("region_bits", 1 << region_bit(place.voivodeship))
            )
            | local
        )
        qs = qs.annotate(
            reach=Case(
                When(coverage=Service.Coverage.NATIONAL, then=Value(0)),
                When(coverage=Service.Coverage.REGIONAL, then=Value(1)),
                When(point_count__gt=0, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            ),
            # A service for the whole voivodeship is as close as anything can be.
            reach_d2=Case(
                When(coverage=Service.Coverage.REGIONAL, then=Value(0.0)),
                default=F("dist2"),
                output_field=FloatField(),
            ),
        )
        ordering += [F("reach").asc(), F("reach_d2").asc(nulls_last=True)]

    groups = plan(filters.text, find_place=False).groups
    if groups and not filters.match_all:
        groups = [[alternative for group in groups for alternative in group]]
    if groups:
        qs, text_ordering = backend().filter_text(qs, groups)
        # A service whose name says what was searched for ("Grupa „Przestań oglądać”") comes
        # before services that mention the words in their descriptions; the same on every
        # database, whatever its ranking function does with document length.
        qs = qs.annotate(
            name_match=Case(
                When(_name_matches(groups), then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        ordering += [F("name_match").asc(), *text_ordering]
    if place is None and not groups:
        ordering.append(
            Case(
                When(coverage=Service.Coverage.NATIONAL, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ).asc()
        )
    ordering += [F("sort_name").asc(), F("service_id").asc()]
    return qs.order_by(*ordering)


@contextmanager
def _short_query_settings():
    """On PostgreSQL, run the search without JIT compilation and parallel workers.

    A search reads ~10,000 small rows; the planner still prices the rare nearest-location
    subquery high enough to switch JIT on, which costs ~25 ms of compilation for a ~5 ms
    query, and starting a parallel worker costs more than it saves. ``SET LOCAL`` lasts only
    for this transaction. (Setting ``jit = off`` for the whole database is the usual advice
    for OLTP workloads and would make this unnecessary.)
    """
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        yield


def matching_ids(filters: SearchFilters, *, public: bool = True) -> QuerySet:
    """The matching services' ids, unordered: for ``pk__in=`` filters elsewhere."""
    return search_entries(filters, public=public).order_by().values("service_id")


def _count_and_ids(entries: QuerySet, start: int, stop: int) -> tuple[int, list]:
    """``(number of matches, ids of entries[start:stop])``.

    PostgreSQL counts in the same query (``COUNT(*) OVER ()``), which reads the matching rows
    once instead of twice; on SQLite a separate ``COUNT`` is cheaper (measured), as the window
    makes it materialise every match before sorting.
    """
    with _short_query_settings():
        if connection.vendor == "postgresql":
            rows = list(
                entries.annotate(total_matches=Window(Count("*"))).values_list(
                    "service_id", "total_matches"
                )[start:stop]
            )
            if rows:
                return rows[0][1], [service_id for service_id, _total in rows]
            return entries.count(), []
        total = entries.count()
        if not total or start >= total:
            return total, []
        return total, list(entries.values_list("service_id", flat=True)[start:stop])


def page_of_ids(filters: SearchFilters, start: int, stop: int, *, public: bool = True):
    """``(total, [service ids in order])`` for one page."""
    return _count_and_ids(search_entries(filters, public=public), start, stop)


@dataclass
class Hit:
    service: Service
    distance_km: float | None = None
    terms: list[TaxonomyTerm] = field(default_factory=list)
    #: The town of the nearest location (when searching by place).
    town: str = ""

    @property
    def everywhere(self) -> bool:
        return self.service.coverage == Service.Coverage.NATIONAL

    def term_codes(self) -> set[str]:
        return {t.code for t in self.terms}

    def labels(self, *prefixes: str) -> list[str]:
        """Names (current language) of the terms whose code starts with one of ``prefixes``."""
        return [pick(t.name) for t in self.terms if t.code.startswith(prefixes)]

    @property
    def audience(self) -> list[str]:
        return self.labels("audience.")

    @property
    def how(self) -> list[str]:
        return self.labels("modality.", "anonymity.anonymous", "cost.free")


@dataclass
class Results:
    hits: list[Hit]
    total: int
    page: int
    per_page: int
    filters: SearchFilters
    #: Nothing matched all the words; these services match some of them.
    relaxed: bool = False

    @property
    def num_pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.num_pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def load_hits(services: Sequence[Service], place: Place | None = None) -> list[Hit]:
    """Attach terms and great-circle distances to a page of services (a few queries)."""
    terms = _terms_by_service([s.pk for s in services])
    hits = []
    for service in services:
        distance, town = None, ""
        if place is not None:
            points = [
                sal.location for sal in service.service_at_locations.all() if sal.location.has_point
            ]
            if points:
                distance, nearest = min(
                    (haversine_km(place, (loc.latitude, loc.longitude)), n)
                    for n, loc in enumerate(points)
                )
                addresses = points[nearest].addresses.all()
                town = addresses[0].city if addresses else ""
        hit_terms = sorted(terms.get(service.pk, []), key=lambda t: t.position)
        hits.append(Hit(service=service, distance_km=distance, terms=hit_terms, town=town))
    return hits


#: Columns a result card does not show.
_NOT_ON_CARDS = (
    "alternate_name",
    "application_process",
    "confidentiality",
    "eligibility_description",
    "fees_description",
    "wait_time",
    "hours",
    "alert",
    "interpretation_services",
    "accreditations",
    "licenses",
)


def with_card_data(qs: QuerySet, *, full: bool = False) -> QuerySet:
    """What a result card (``full``: the service page) shows, in a fixed number of queries."""
    if not full:
        qs = qs.defer(*_NOT_ON_CARDS)
    return qs.select_related("provider").prefetch_related(
        Prefetch(
            "service_at_locations",
            queryset=ServiceAtLocation.objects.select_related("location").prefetch_related(
                "location__addresses"
            ),
        ),
        "phones",
        *(["languages"] if full else []),
    )


def services_in_order(ids: Sequence, qs: QuerySet | None = None) -> list[Service]:
    """The services with these ids, in this order (``qs`` adds select/prefetch)."""
    qs = qs if qs is not None else Service.objects.all()
    by_id = {s.pk: s for s in qs.filter(pk__in=list(ids))}
    return [by_id[pk] for pk in ids if pk in by_id]


def search_or_some_words(
    filters: SearchFilters, *, page: int = 1, per_page: int = 20, language: str | None = None
) -> Results:
    """The public page's search: when nothing matches all the words, the services that match
    some of them (``Results.relaxed``), rather than nothing."""
    results = search(filters, page=page, per_page=per_page, language=language)
    if results.total or len(plan(filters.text, find_place=False).groups) < 2:
        return results
    relaxed = search(
        replace(filters, match_all=False), page=page, per_page=per_page, language=language
    )
    relaxed.relaxed = bool(relaxed.total)
    return relaxed if relaxed.total else results


def search(
    filters: SearchFilters, *, page: int = 1, per_page: int = 20, language: str | None = None
) -> Results:
    """One page of results for the public search: a count, one page of ids (narrow rows),
    then the page's services in full."""
    entries = search_entries(filters)
    page = max(1, page)
    total, ids = _count_and_ids(entries, (page - 1) * per_page, page * per_page)

    if not ids and total:  # a page past the end: show the last one
        page = math.ceil(total / per_page)
        total, ids = _count_and_ids(entries, (page - 1) * per_page, page * per_page)
    elif not total:
        page = 1
    services = services_in_order(ids, with_card_data(Service.objects.all()))
    return Results(
        hits=load_hits(services, filters.place),
        total=total,
        page=page,
        per_page=per_page,
        filters=filters,
    )
