"""Services as HSDS 3.0 JSON: the objects the HSDS API returns, and the whole-directory export.

HSDS objects carry one language; :class:`HsdsWriter` writes them in the language it is given
(falling back to Polish for texts not translated). HSDS has no ``null``: absent values are
left out. A few of our fields have no HSDS column of their own and are exported in core HSDS
terms:

* "what is passed on" (``Service.confidentiality``) -> an ``attribute`` of the service on the
  taxonomy's *anonymity* facet, ``link_type = "what_is_passed_on"``, the text as ``value``;
* opening hours (``Service.hours``) -> a ``schedule`` with only a ``description``;
* the waiting time and the date it was stated -> ``wait_time = "2–3 weeks [2026-01-10]"``.

Their ids are derived from the service id (``uuid5``), so they are stable, and the importer
maps them back. Only published services are exported, with the providers, locations and
taxonomy terms they use.

Export shapes (``manage.py directory_export``, the coordinators' download): ``tabular`` (one
array of flat rows per HSDS table, HSDS ``compiled/tabular.json``) or ``package`` (an array of
fully nested services, HSDS ``compiled/service_package.json``).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Prefetch

from ostoja.directory import data as shipped

from .models import (
    Attribute,
    Location,
    Metadata,
    Provider,
    Service,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
)
from .taxonomy import facet_id
from .translation import pick

WHAT_IS_PASSED_ON = "what_is_passed_on"
HOURS = "hours"
#: Change records published per record (the newest).
METADATA_PER_RESOURCE = 50


def derived_id(service_id: uuid.UUID, kind: str) -> uuid.UUID:
    """Stable id of a record derived from a service field (``kind``: hours, what_is_passed_on)."""
    return uuid.uuid5(service_id, kind)


def _clean(obj: dict[str, Any], required: Iterable[str] = ()) -> dict[str, Any]:
    """Drop absent values (HSDS has no null); required string fields stay, as ""."""
    required = set(required)
    out = {}
    for key, value in obj.items():
        if value is None or value == "" or value == []:
            if key in required:
                out[key] = ""
            continue
        out[key] = value
    return out


def _s(value) -> str | None:
    return str(value) if value else None


def _date(value) -> str | None:
    return value.isoformat() if value else None


def _time(value) -> str | None:
    return value.strftime("%H:%M") if value else None


def full_prefetch(qs):
    """What :meth:`HsdsWriter.service` needs, in a fixed number of queries."""
    sal_qs = ServiceAtLocation.objects.select_related("location").prefetch_related(
        "location__addresses",
        "location__accessibility",
        "location__phones",
        "location__schedules",
        "location__languages",
        "phones",
        "schedules",
        "contacts",
    )
    return qs.select_related("provider").prefetch_related(
        "phones__languages",
        "schedules",
        "service_areas",
        "languages",
        "cost_options",
        "contacts__phones",
        Prefetch("service_at_locations", queryset=sal_qs),
    )


class HsdsWriter:
    """Writes HSDS objects in one language; :meth:`preload` fetches attributes and history."""

    def __init__(self, language: str = "pl"):
        self.language = language
        self._attributes: dict[uuid.UUID, list[Attribute]] = defaultdict(list)
        self._metadata: dict[uuid.UUID, list[Metadata]] = defaultdict(list)
        self._loaded: set[uuid.UUID] = set()
        self._taxonomy_names: dict[uuid.UUID, str] = {}

    def t(self, value) -> str | None:
        return pick(value, self.language) or None

    # -- preloading ---------------------------------------------------------------------------

    def preload(self, ids: Iterable[uuid.UUID], *, metadata: bool = True) -> None:
        ids = [i for i in ids if i not in self._loaded]
        if not ids:
            return
        self._loaded.update(ids)
        for attribute in Attribute.objects.filter(link_id__in=ids).select_related(
            "taxonomy_term__taxonomy"
        ):
            self._attributes[attribute.link_id].append(attribute)
        if metadata:
            for row in Metadata.objects.filter(resource_id__in=ids).order_by("-last_action_date"):
                if len(self._metadata[row.resource_id]) < METADATA_PER_RESOURCE:
                    self._metadata[row.resource_id].append(row)

    def preload_services(self, services: Iterable[Service], *, metadata: bool = True) -> None:
        ids = []
        for service in services:
            ids.append(service.pk)
            ids.append(service.provider_id)
            for sal in service.service_at_locations.all():
                ids.extend([sal.pk, sal.location_id])
        self.preload(ids, metadata=metadata)

    # -- taxonomy -----------------------------------------------------------------------------

    def taxonomy(self, taxonomy: Taxonomy) -> dict[str, Any]:
        return _clean(
            {
                "id": str(taxonomy.id),
                "name": self.t(taxonomy.name) or taxonomy.code or str(taxonomy.id),
                "description": self.t(taxonomy.description) or "",
                "uri": taxonomy.uri or None,
                "version": taxonomy.version or None,
            },
            required=("description",),
        )

    def taxonomy_term(self, term: TaxonomyTerm) -> dict[str, Any]:
        taxonomy_name = None
        if term.taxonomy_id:
            taxonomy_name = self._taxonomy_names.get(term.taxonomy_id)
            if taxonomy_name is None:
                taxonomy_name = self.t(term.taxonomy.name) or term.taxonomy.code
                self._taxonomy_names[term.taxonomy_id] = taxonomy_name
        return _clean(
            {
                "id": str(term.id),
                "code": term.code or None,
                "name": self.t(term.name) or term.code or str(term.id),
                "description": self.t(term.description) or "",
                "parent_id": _s(term.parent_id),
                "taxonomy": taxonomy_name or term.taxonomy_label or None,
                "taxonomy_id": _s(term.taxonomy_id),
                "language": self.language,
                "term_uri": term.term_uri or None,
            },
            required=("description",),
        )

    def attribute(self, attribute: Attribute) -> dict[str, Any]:
        return _clean(
            {
                "id": str(attribute.id),
                "link_id": str(attribute.link_id),
                "link_type": attribute.link_type or None,
                "link_entity": attribute.link_entity,
                "taxonomy_term_id": str(attribute.taxonomy_term_id),
                "value": attribute.value or None,
                "taxonomy_term": self.taxonomy_term(attribute.taxonomy_term),
            }
        )

    def attributes(self, link_id: uuid.UUID) -> list[dict[str, Any]]:
        return [self.attribute(a) for a in self._attributes.get(link_id, [])]

    def metadata(self, row: Metadata) -> dict[str, Any]:
        return {
            "id": str(row.id),
            "resource_id": str(row.resource_id),
            "resource_type": row.resource_type,
            "last_action_date": row.last_action_date.date().isoformat(),
            "last_action_type": row.last_action_type,
            "field_name": row.field_name,
            "previous_value": row.previous_value,
            "replacement_value": row.replacement_value,
            "updated_by": row.updated_by,
        }

    def metadata_of(self, resource_id: uuid.UUID) -> list[dict[str, Any]]:
        return [self.metadata(m) for m in self._metadata.get(resource_id, [])]

    # -- organizations ------------------------------------------------------------------------

    def organization_basic(self, provider: Provider) -> dict[str, Any]:
        return _clean(
            {
                "id": str(provider.id),
                "name": provider.name,
                "alternate_name": provider.alternate_name,
                "description": self.t(provider.description) or "",
                "email": provider.email,
                "website": provider.website,
                "tax_status": provider.tax_status,
                "tax_id": provider.tax_id,
                "year_incorporated": provider.year_incorporated,
                "legal_status": provider.legal_status,
                "logo": provider.logo,
                "uri": provider.uri,
                "parent_organization_id": _s(provider.parent_id),
            },
            required=("description",),
        )

    def organization(self, provider: Provider, services: list[dict] | None = None) -> dict:
        body = self.organization_basic(provider)
        body["services"] = services or []
        body["phones"] = [self.phone(p) for p in provider.phones.all()]
        body["contacts"] = [self.contact(c) for c in provider.contacts.all()]
        body["locations"] = [self.location(loc) for loc in provider.locations.all()]
        body["attributes"] = self.attributes(provider.id)
        body["metadata"] = self.metadata_of(provider.id)
        return body

    # -- services -----------------------------------------------------------------------------

    def wait_time(self, service: Service) -> str | None:
        text = self.t(service.wait_time)
        if text and service.wait_time_stated_on:
            return f"{text} [{service.wait_time_stated_on.isoformat()}]"
        return text

    def service_basic(self, service: Service, *, with_organization: bool = True) -> dict:
        body = _clean(
            {
                "id": str(service.id),
                "organization_id": str(service.provider_id),
                "name": self.t(service.name) or str(service.id),
                "alternate_name": self.t(service.alternate_name),
                "description": self.t(service.description),
                "url": service.url,
                "email": service.email,
                "status": service.status,
                "interpretation_services": self.t(service.interpretation_services),
                "application_process": self.t(service.application_process),
                "fees_description": self.t(service.fees_description),
                "wait_time": self.wait_time(service),
                "accreditations": service.accreditations,
                "eligibility_description": self.t(service.eligibility_description),
                "minimum_age": service.minimum_age,
                "maximum_age": service.maximum_age,
                "assured_date": _date(service.assured_date),
                "assurer_email": service.assurer_email,
                "licenses": service.licenses,
                "alert": self.t(service.alert),
                "last_modified": service.last_modified.isoformat(),
            }
        )
        if with_organization:
            body["organization"] = self.organization_basic(service.provider)
        return body

    def service_minimal(self, service: Service) -> dict:
        return {
            "id": str(service.id),
            "name": self.t(service.name) or str(service.id),
            "status": service.status,
            "last_modified": service.last_modified.isoformat(),
        }

    def derived_attributes(self, service: Service) -> list[dict]:
        text = self.t(service.confidentiality)
        if not text:
            return []
        facet = str(facet_id("anonymity"))
        language = self.language if self.language in shipped.LANGUAGES else "pl"
        term = next(t for t in shipped.hsds_taxonomy_terms(language) if t["id"] == facet)
        return [
            {
                "id": str(derived_id(service.id, WHAT_IS_PASSED_ON)),
                "link_id": str(service.id),
                "link_type": WHAT_IS_PASSED_ON,
                "link_entity": "service",
                "taxonomy_term_id": facet,
                "value": text,
                "taxonomy_term": term,
            }
        ]

    def derived_schedules(self, service: Service) -> list[dict]:
        text = self.t(service.hours)
        if not text:
            return []
        return [
            {
                "id": str(derived_id(service.id, HOURS)),
                "service_id": str(service.id),
                "description": text,
            }
        ]

    def service(self, service: Service) -> dict:
        """A fully nested service (``/services/{id}``, the package export)."""
        body = self.service_basic(service)
        body["phones"] = [self.phone(p) for p in service.phones.all()]
        body["schedules"] = self.derived_schedules(service) + [
            self.schedule(s) for s in service.schedules.all()
        ]
        body["service_areas"] = [self.service_area(a) for a in service.service_areas.all()]
        body["service_at_locations"] = [
            self.service_at_location(sal, with_location=True)
            for sal in service.service_at_locations.all()
        ]
        body["languages"] = [self.language_row(lang) for lang in service.languages.all()]
        body["cost_options"] = [self.cost_option(c) for c in service.cost_options.all()]
        body["contacts"] = [self.contact(c) for c in service.contacts.all()]
        body["attributes"] = self.attributes(service.id) + self.derived_attributes(service)
        body["metadata"] = self.metadata_of(service.id)
        return body

    # -- locations and the rest ---------------------------------------------------------------

    def location_basic(self, location: Location) -> dict:
        return _clean(
            {
                "id": str(location.id),
                "location_type": location.location_type,
                "url": location.url,
                "organization_id": _s(location.provider_id),
                "name": location.name,
                "alternate_name": location.alternate_name,
                "description": self.t(location.description),
                "transportation": self.t(location.transportation),
                "latitude": location.latitude,
                "longitude": location.longitude,
                "external_identifier": location.external_identifier,
                "external_identifier_type": location.external_identifier_type,
            }
        )

    def location(self, location: Location) -> dict:
        body = self.location_basic(location)
        body["addresses"] = [self.address(a) for a in location.addresses.all()]
        body["accessibility"] = [self.accessibility(a) for a in location.accessibility.all()]
        body["phones"] = [self.phone(p) for p in location.phones.all()]
        body["schedules"] = [self.schedule(s) for s in location.schedules.all()]
        body["languages"] = [self.language_row(lang) for lang in location.languages.all()]
        body["attributes"] = self.attributes(location.id)
        body["metadata"] = self.metadata_of(location.id)
        return body

    def service_at_location_basic(self, sal: ServiceAtLocation) -> dict:
        return _clean(
            {
                "id": str(sal.id),
                "service_id": str(sal.service_id),
                "location_id": str(sal.location_id),
                "description": self.t(sal.description),
            }
        )

    def service_at_location(self, sal: ServiceAtLocation, *, with_location: bool) -> dict:
        body = self.service_at_location_basic(sal)
        body["phones"] = [self.phone(p) for p in sal.phones.all()]
        body["schedules"] = [self.schedule(s) for s in sal.schedules.all()]
        body["contacts"] = [self.contact(c) for c in sal.contacts.all()]
        body["attributes"] = self.attributes(sal.id)
        body["metadata"] = self.metadata_of(sal.id)
        if with_location:
            body["location"] = self.location(sal.location)
        return body

    def address(self, address) -> dict:
        return {
            **_clean(
                {
                    "id": str(address.id),
                    "location_id": str(address.location_id),
                    "attention": address.attention,
                    "address_2": address.address_2,
                    "region": address.region,
                }
            ),
            "address_1": address.address_1,
            "city": address.city,
            "state_province": address.state_province,
            "postal_code": address.postal_code,
            "country": address.country,
            "address_type": address.address_type,
        }

    def phone(self, phone) -> dict:
        return _clean(
            {
                "id": str(phone.id),
                "location_id": _s(phone.location_id),
                "service_id": _s(phone.service_id),
                "organization_id": _s(phone.provider_id),
                "contact_id": _s(phone.contact_id),
                "service_at_location_id": _s(phone.service_at_location_id),
                "number": phone.number,
                "extension": phone.extension,
                "type": phone.type,
                "description": self.t(phone.description),
                "languages": [self.language_row(lang) for lang in phone.languages.all()],
            }
        )

    def contact(self, contact) -> dict:
        return _clean(
            {
                "id": str(contact.id),
                "organization_id": _s(contact.provider_id),
                "service_id": _s(contact.service_id),
                "service_at_location_id": _s(contact.service_at_location_id),
                "location_id": _s(contact.location_id),
                "name": contact.name,
                "title": contact.title,
                "department": contact.department,
                "email": contact.email,
                "phones": [self.phone(p) for p in contact.phones.all()],
            }
        )

    def schedule(self, schedule) -> dict:
        return _clean(
            {
                "id": str(schedule.id),
                "service_id": _s(schedule.service_id),
                "location_id": _s(schedule.location_id),
                "service_at_location_id": _s(schedule.service_at_location_id),
                "valid_from": _date(schedule.valid_from),
                "valid_to": _date(schedule.valid_to),
                "dtstart": _date(schedule.dtstart),
                "timezone": schedule.timezone,
                "until": _date(schedule.until),
                "count": schedule.count,
                "wkst": schedule.wkst,
                "freq": schedule.freq,
                "interval": schedule.interval,
                "byday": schedule.byday,
                "byweekno": schedule.byweekno,
                "bymonthday": schedule.bymonthday,
                "byyearday": schedule.byyearday,
                "description": self.t(schedule.description),
                "opens_at": _time(schedule.opens_at),
                "closes_at": _time(schedule.closes_at),
                "schedule_link": schedule.schedule_link,
                "attending_type": schedule.attending_type,
                "notes": self.t(schedule.notes),
            }
        )

    def language_row(self, language) -> dict:
        return _clean(
            {
                "id": str(language.id),
                "service_id": _s(language.service_id),
                "location_id": _s(language.location_id),
                "phone_id": _s(language.phone_id),
                "name": language.name,
                "code": language.code,
                "note": language.note,
            }
        )

    def cost_option(self, cost) -> dict:
        return _clean(
            {
                "id": str(cost.id),
                "service_id": str(cost.service_id),
                "valid_from": _date(cost.valid_from),
                "valid_to": _date(cost.valid_to),
                "option": self.t(cost.option),
                "currency": cost.currency,
                "amount": float(cost.amount) if cost.amount is not None else None,
                "amount_description": self.t(cost.amount_description),
            }
        )

    def service_area(self, area) -> dict:
        return _clean(
            {
                "id": str(area.id),
                "service_id": str(area.service_id),
                "name": area.name,
                "description": self.t(area.description),
                "extent": area.extent,
                "extent_type": area.extent_type,
                "uri": area.uri,
            }
        )

    def accessibility(self, access) -> dict:
        return _clean(
            {
                "id": str(access.id),
                "location_id": str(access.location_id),
                "description": self.t(access.description),
                "details": self.t(access.details),
                "url": access.url,
            }
        )


# --------------------------------------------------------------------------------------------
# Whole-directory export
# --------------------------------------------------------------------------------------------

_NESTED = {
    "organization",
    "services",
    "phones",
    "schedules",
    "service_areas",
    "service_at_locations",
    "languages",
    "cost_options",
    "contacts",
    "attributes",
    "metadata",
    "location",
    "addresses",
    "accessibility",
    "locations",
    "taxonomy_term",
    "taxonomy_detail",
    "service",
    "program",
}


def _flat(obj: dict) -> dict:
    return {k: v for k, v in obj.items() if k not in _NESTED}


def export_package(language: str = "pl", *, batch_size: int = 200) -> list[dict]:
    """Every published service, fully nested (HSDS ``service_package``)."""
    writer = HsdsWriter(language)
    out = []
    ids = list(Service.objects.public().order_by("id").values_list("id", flat=True))
    for start in range(0, len(ids), batch_size):
        services = list(
            full_prefetch(Service.objects.filter(pk__in=ids[start : start + batch_size]))
        )
        services.sort(key=lambda s: s.pk)
        writer.preload_services(services)
        out.extend(writer.service(s) for s in services)
    return out


def export_tabular(language: str = "pl") -> dict[str, list[dict]]:
    """Every published service and what it uses, one array of flat rows per HSDS table."""
    tables: dict[str, dict[str, dict]] = defaultdict(dict)

    def add(table: str, row: dict) -> None:
        tables[table].setdefault(row["id"], _flat(row))

    def walk_nested(table: str, obj: dict) -> None:
        add(table, obj)
        for key, child_table in (
            ("phones", "phone"),
            ("schedules", "schedule"),
            ("service_areas", "service_area"),
            ("languages", "language"),
            ("cost_options", "cost_option"),
            ("contacts", "contact"),
            ("attributes", "attribute"),
            ("metadata", "metadata"),
            ("addresses", "address"),
            ("accessibility", "accessibility"),
        ):
            for child in obj.get(key, []) or []:
                walk_nested(child_table, child)
                if child_table == "attribute":
                    add("taxonomy_term", child["taxonomy_term"])
        for sal in obj.get("service_at_locations", []) or []:
            walk_nested("service_at_location", sal)
            walk_nested("location", sal["location"])

    writer = HsdsWriter(language)
    for service in export_package(language):
        walk_nested("service", service)
        add("organization", service["organization"])
    # Providers' parents, and every taxonomy a term belongs to.
    provider_ids = {uuid.UUID(i) for i in tables["organization"]}
    for provider in Provider.objects.filter(
        pk__in={p.parent_id for p in Provider.objects.filter(pk__in=provider_ids) if p.parent_id}
    ):
        add("organization", writer.organization_basic(provider))
    for term in TaxonomyTerm.objects.filter(taxonomy__code="ostoja").select_related("taxonomy"):
        add("taxonomy_term", writer.taxonomy_term(term))
    term_ids = {uuid.UUID(i) for i in tables["taxonomy_term"]}
    for term in TaxonomyTerm.objects.filter(pk__in=term_ids).select_related("taxonomy"):
        if term.parent_id and str(term.parent_id) not in tables["taxonomy_term"]:
            add("taxonomy_term", writer.taxonomy_term(term.parent))
    taxonomy_ids = {row.get("taxonomy_id") for row in tables["taxonomy_term"].values()} - {None}
    for taxonomy in Taxonomy.objects.filter(pk__in=taxonomy_ids):
        add("taxonomy", writer.taxonomy(taxonomy))
    return {table: list(rows.values()) for table, rows in sorted(tables.items())}
