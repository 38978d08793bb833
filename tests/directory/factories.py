"""factory_boy factories of the services directory.

``ServiceFactory`` builds a *published* service straight in the database (as an approved
proposal would leave it) and indexes it for search; pass ``terms=[...]``, ``languages=[...]``,
``locations=[{"city": ...}]`` or ``voivodeships=[...]`` to attach related rows.
"""

from __future__ import annotations

import factory
from django.utils import timezone

from ostoja.directory import geo
from ostoja.directory.models import (
    Address,
    Attribute,
    Language,
    Location,
    Phone,
    Provider,
    Service,
    ServiceArea,
    ServiceAtLocation,
    Source,
)
from ostoja.directory.search import index_services
from ostoja.directory.taxonomy import ensure_taxonomy, term_id
from ostoja.organisations.models import Voivodeship
from tests.factories import OrganisationFactory


class ProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Provider

    name = factory.Sequence(lambda n: f"Poradnia testowa {n}")
    description = factory.LazyFunction(lambda: {"pl": "Opis poradni.", "en": "About us."})
    email = factory.Sequence(lambda n: f"provider{n}@example.test")
    source = Source.PROVIDER


class OwnedProviderFactory(ProviderFactory):
    owner = factory.SubFactory(OrganisationFactory, kind="service_provider")


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service
        skip_postgeneration_save = True

    provider = factory.SubFactory(ProviderFactory)
    name = factory.Sequence(lambda n: {"pl": f"Usługa testowa {n}", "en": f"Test service {n}"})
    description = factory.LazyFunction(
        lambda: {"pl": "Wsparcie psychologiczne.", "en": "Psychological support."}
    )
    application_process = factory.LazyFunction(
        lambda: {"pl": "Zadzwoń i umów się.", "en": "Call to make an appointment."}
    )
    confidentiality = factory.LazyFunction(
        lambda: {
            "pl": "Rozmowa jest poufna, chyba że dziecku grozi niebezpieczeństwo.",
            "en": "The conversation is confidential unless a child is in danger.",
        }
    )
    status = Service.Status.ACTIVE
    coverage = Service.Coverage.NATIONAL
    published = True
    assured_date = factory.LazyFunction(timezone.localdate)
    source = Source.PROVIDER

    @factory.post_generation
    def terms(obj, create, extracted, **kwargs):
        if extracted is None:
            extracted = ["audience.parents-and-carers"]  # every service says who it is for
        if create and extracted:
            ensure_taxonomy()
            Attribute.objects.bulk_create(
                [
                    Attribute(link_entity="service", link_id=obj.pk, taxonomy_term_id=term_id(c))
                    for c in extracted
                ]
            )

    @factory.post_generation
    def languages(obj, create, extracted, **kwargs):
        for code in (extracted or []) if create else []:
            Language.objects.create(service=obj, code=code, name=code)

    @factory.post_generation
    def phones(obj, create, extracted, **kwargs):
        for position, number in enumerate((extracted or []) if create else []):
            Phone.objects.create(service=obj, number=number, position=position)

    @factory.post_generation
    def locations(obj, create, extracted, **kwargs):
        for position, spec in enumerate((extracted or []) if create else []):
            place = geo.locate(spec.get("postal_code") or spec["city"])
            location = Location.objects.create(
                provider=obj.provider,
                name=spec.get("name", ""),
                latitude=spec.get("latitude", place.lat if place else None),
                longitude=spec.get("longitude", place.lon if place else None),
                voivodeship=spec.get("voivodeship", place.voivodeship if place else ""),
            )
            Address.objects.create(
                location=location,
                address_1=spec.get("address_1", "ul. Testowa 1"),
                city=spec["city"],
                postal_code=spec.get("postal_code", ""),
                state_province=(
                    Voivodeship(location.voivodeship).label if location.voivodeship else ""
                ),
            )
            ServiceAtLocation.objects.create(service=obj, location=location, position=position)

    @factory.post_generation
    def voivodeships(obj, create, extracted, **kwargs):
        for code in (extracted or []) if create else []:
            ServiceArea.objects.create(service=obj, voivodeship=code, name=Voivodeship(code).label)

    @factory.post_generation
    def indexed(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            index_services([obj.pk])
