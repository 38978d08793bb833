"""Import and export of HSDS 3.0 JSON: valid exports, round trips, all-or-nothing imports."""

from __future__ import annotations

import copy
import json
import uuid
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from ostoja.audit.models import AuditEntry
from ostoja.directory.demo import DEMO_NAMESPACE, seed_demo
from ostoja.directory.exporter import export_package, export_tabular
from ostoja.directory.hsds import validate_import, validate_object
from ostoja.directory.importer import import_bytes, import_document
from ostoja.directory.models import Attribute, Location, Metadata, Provider, Service
from ostoja.directory.search import SearchFilters, search
from ostoja.directory.taxonomy import term_id
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    OrganisationFactory(
        slug="demo-poradnia", name="Poradnia Bezpieczna Przystań (demo)", kind="service_provider"
    )
    seed_demo(None)


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (Provider, Service, Location, Attribute, Metadata)
    }


def wipe_directory():
    from ostoja.directory.models import ServiceChange

    ServiceChange.objects.all().delete()
    Attribute.objects.all().delete()
    Metadata.objects.all().delete()
    Service.objects.all().delete()
    Location.objects.all().delete()
    Provider.objects.all().delete()


# -- export -----------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["pl", "en"])
def test_tabular_export_is_valid_hsds(demo, language):
    document = export_tabular(language)
    report = validate_import(document, shape="tabular")
    assert report.ok, [str(p) for p in report.errors[:10]]
    assert len(document["service"]) == Service.objects.public().count()
    assert {
        "organization",
        "location",
        "address",
        "service_at_location",
        "phone",
        "taxonomy",
        "taxonomy_term",
        "attribute",
        "metadata",
    } <= set(document)


@pytest.mark.parametrize("language", ["pl", "en"])
def test_package_export_is_valid_hsds(demo, language):
    package = export_package(language)
    assert validate_object("service_package", package) == []
    assert validate_import(package).ok


def test_export_command_writes_json(demo, tmp_path):
    target = tmp_path / "export.json"
    call_command("directory_export", "--shape", "package", "--language", "en", "-o", str(target))
    package = json.loads(target.read_text("utf-8"))
    assert {s["name"] for s in package} >= {"Chat for teenagers (demo)"}
    out = StringIO()
    call_command("directory_export", stdout=out)
    assert "taxonomy_term" in json.loads(out.getvalue())


# -- round trips ------------------------------------------------------------------------------


def test_reimporting_our_own_export_changes_nothing(demo):
    before = counts()
    document = export_tabular("pl")
    result = import_document(document, actor=None)
    assert result.ok, [p.message for p in result.problems[:5]]
    assert counts() == before
    again = export_tabular("pl")
    assert {s["id"]: s for s in again["service"]}.keys() == {s["id"] for s in document["service"]}
    # "What is passed on" and the opening hours came back into their fields, not as extra rows.
    chat = Service.objects.get(pk=uuid.uuid5(DEMO_NAMESPACE, "teen-chat"))
    assert chat.confidentiality["pl"].startswith("To, co powiesz")


def _results(filters):
    return [h.service.pk for h in search(filters, per_page=100).hits]


QUERIES = [
    SearchFilters(text="nastolatków"),
    SearchFilters(terms={"audience": ("audience.adult-survivors",)}),
    SearchFilters(text="terapia", terms={"modality": ("modality.in-person",)}),
]


def test_import_into_an_empty_directory_restores_services_in_both_languages(demo):
    from ostoja.directory import geo

    queries = [*QUERIES, SearchFilters(place=geo.locate("Kraków"), radius_km=100)]
    before = [_results(q) for q in queries]
    polish, english = export_package("pl"), export_tabular("en")
    originals = {s.pk: (s.name, s.confidentiality, s.coverage) for s in Service.objects.all()}
    wipe_directory()
    assert Service.objects.count() == 0
    assert import_document(polish, actor=None).ok
    result = import_bytes(json.dumps(english).encode(), actor=None, language="en")
    assert result.ok, [p.message for p in result.problems[:5]]
    assert set(originals) == set(Service.objects.values_list("pk", flat=True))
    for service in Service.objects.all():
        name, confidentiality, coverage = originals[service.pk]
        assert service.name == name
        assert service.confidentiality == confidentiality
        assert service.coverage == coverage, service
        assert service.published
    assert [_results(q) for q in queries] == before
    assert uuid.uuid5(DEMO_NAMESPACE, "teen-chat") in before[0]


# -- imports from another directory -------------------------------------------------------------

ORG = "11111111-1111-4111-8111-111111111111"
SERVICE = "22222222-2222-4222-8222-222222222222"
LOCATION = "33333333-3333-4333-8333-333333333333"
TAXONOMY = "44444444-4444-4444-8444-444444444444"
TERM = "55555555-5555-4555-8555-555555555555"


def other_directory(**service_overrides):
    """A small tabular export of another (fictitious) directory."""
    service = {
        "id": SERVICE,
        "organization_id": ORG,
        "name": "Przykładowa poradnia z innego katalogu",
        "description": "Konsultacje dla rodziców.",
        "status": "active",
        "minimum_age": 18,
        "wait_time": "ok. 2 tygodnie [2026-01-05]",
        **service_overrides,
    }
    return {
        "organization": [{"id": ORG, "name": "Inny Katalog (test)", "description": "Opis."}],
        "service": [service],
        "location": [
            {"id": LOCATION, "location_type": "physical", "name": "Filia", "organization_id": ORG}
        ],
        "address": [
            {
                "id": "66666666-6666-4666-8666-666666666666",
                "location_id": LOCATION,
                "address_1": "ul. Testowa 1",
                "city": "Lublin",
                "state_province": "lubelskie",
                "postal_code": "20-001",
                "country": "PL",
                "address_type": "physical",
            }
        ],
        "service_at_location": [
            {
                "id": "77777777-7777-4777-8777-777777777777",
                "service_id": SERVICE,
                "location_id": LOCATION,
            }
        ],
        "service_area": [
            {
                "id": "88888888-8888-4888-8888-888888888888",
                "service_id": SERVICE,
                "name": "lubelskie",
            }
        ],
        "phone": [
            {
                "id": "99999999-9999-4999-8999-999999999999",
                "service_id": SERVICE,
                "number": "81 000 00 00",
            }
        ],
        "taxonomy": [{"id": TAXONOMY, "name": "Inna taksonomia", "description": "Test."}],
        "taxonomy_term": [
            {
                "id": TERM,
                "name": "Rodzice",
                "description": "Dla rodziców.",
                "taxonomy_id": TAXONOMY,
                "code": "parents",
            }
        ],
        "attribute": [
            {
                "id": "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa",
                "link_id": SERVICE,
                "link_entity": "service",
                "taxonomy_term_id": TERM,
            },
            {
                "id": "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb",
                "link_id": SERVICE,
                "link_entity": "service",
                "taxonomy_term_id": str(term_id("audience.parents-and-carers")),
            },
        ],
    }


def test_a_valid_import_from_another_directory(db):
    result = import_bytes(json.dumps(other_directory()).encode(), actor=None)
    assert result.ok, [p.message for p in result.problems]
    service = Service.objects.get(pk=SERVICE)
    assert service.name == {"pl": "Przykładowa poradnia z innego katalogu"}
    assert service.coverage == "regional"
    assert service.wait_time == {"pl": "ok. 2 tygodnie"}
    assert service.wait_time_stated_on.isoformat() == "2026-01-05"
    location = Location.objects.get(pk=LOCATION)
    assert location.voivodeship == "06" and location.latitude is not None
    assert AuditEntry.objects.filter(action="directory.import.completed").count() == 1
    # It is found by our taxonomy, by text and by place.
    hits = search(SearchFilters(terms={"audience": ("audience.parents-and-carers",)}))
    assert [h.service.pk for h in hits.hits] == [service.pk]
    assert search(SearchFilters(text="poradnia innego")).total == 1
    from ostoja.directory import geo

    near = search(SearchFilters(place=geo.locate("20-950"), radius_km=30)).hits
    assert [h.service.pk for h in near] == [service.pk]
    assert round(near[0].distance_km) <= 5
    # Importing the same file again writes nothing new.
    before = counts()
    assert import_bytes(json.dumps(other_directory()).encode(), actor=None).ok
    assert counts() == before


def test_a_national_service_area_makes_a_national_service(db):
    document = other_directory()
    document["service_area"][0]["name"] = "Polska"
    assert import_document(document, actor=None).ok
    assert Service.objects.get(pk=SERVICE).coverage == "national"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "not valid JSON"),
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe\x00garbage", "not UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'"just a string"', "an import must be"),
        (b"42", "an import must be"),
    ],
)
def test_malformed_files_give_a_report_and_import_nothing(db, raw, message):
    before = counts()
    result = import_bytes(raw, actor=None)
    assert not result.ok
    assert message in result.problems[0].message
    assert counts() == before


def test_schema_problems_are_reported_by_object_and_field_and_nothing_is_imported(db):
    document = other_directory()
    document["service"].append(
        {"id": "not-a-uuid", "name": 42, "status": "sometimes", "organization_id": ORG}
    )
    document["phone"][0].pop("number")
    before = counts()
    result = import_document(document, actor=None)
    assert not result.ok
    assert counts() == before, "the valid service was not imported either"
    by_object = result.by_object()
    assert {p.field for p in by_object["service[1]"]} >= {"id", "name", "status"}
    assert [p.field for p in by_object["phone[0]"]] == ["number"]
    assert not AuditEntry.objects.filter(action="directory.import.completed").exists()


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"minimum_age": 1e9}, "minimum_age"),
        ({"minimum_age": 40, "maximum_age": 20}, "maximum_age"),
        ({"name": "x" * 301}, "name"),
    ],
)
def test_values_the_database_cannot_hold_are_reported_before_writing(db, override, field):
    before = counts()
    result = import_document(other_directory(**override), actor=None)
    assert not result.ok
    assert [p.field for p in result.errors] == [field]
    assert result.errors[0].object == "service[0]"
    assert counts() == before


def test_unknown_references_are_reported(db):
    document = other_directory(organization_id="12345678-1234-4234-8234-123456789012")
    result = import_document(document, actor=None)
    assert not result.ok
    assert any(p.field == "organization_id" for p in result.errors)
    assert not Service.objects.exists()


def test_a_package_of_nested_services_is_flattened(db):
    package = [
        {
            "id": SERVICE,
            "name": "Usługa z pakietu",
            "status": "active",
            "organization": {"id": ORG, "name": "Pakiet (test)", "description": "x"},
            "phones": [{"id": "99999999-9999-4999-8999-999999999999", "number": "800 111 222"}],
            "service_areas": [{"id": "88888888-8888-4888-8888-888888888888", "name": "Poland"}],
            "languages": [
                {"id": "cccccccc-cccc-4ccc-8ccc-cccccccccccc", "code": "uk", "name": "українська"}
            ],
            "program": {
                "id": "dddddddd-dddd-4ddd-8ddd-dddddddddddd",
                "name": "P",
                "description": "p",
                "organization_id": ORG,
            },
        }
    ]
    result = import_document(package, actor=None)
    assert result.ok, [p.message for p in result.problems]
    assert result.ignored == {"program": 1}
    service = Service.objects.get(pk=SERVICE)
    assert service.provider.name == "Pakiet (test)"
    assert service.coverage == "national"
    assert service.phones.get().number == "800 111 222"
    assert search(SearchFilters(languages=("uk",))).total == 1


def test_the_import_command(db, tmp_path):
    good = tmp_path / "good.json"
    good.write_text(json.dumps(other_directory()), "utf-8")
    out = StringIO()
    call_command("directory_import", str(good), "--dry-run", stdout=out)
    assert "Valid (dry run" in out.getvalue()
    assert not Service.objects.exists()
    call_command("directory_import", str(good), stdout=out)
    assert Service.objects.filter(pk=SERVICE).exists()
    bad = tmp_path / "bad.json"
    bad.write_text('{"service": [{"id": 1}]}', "utf-8")
    out = StringIO()
    with pytest.raises(CommandError, match="Nothing imported"):
        call_command("directory_import", str(bad), stdout=out)
    assert "service[0] id" in out.getvalue()
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("directory_import", str(tmp_path / "missing.json"))


def test_importing_english_texts_adds_a_language(db):
    assert import_document(other_directory(), actor=None).ok
    english = copy.deepcopy(other_directory(name="Example advice centre from another directory"))
    assert import_document(english, actor=None, language="en").ok
    assert Service.objects.get(pk=SERVICE).name == {
        "pl": "Przykładowa poradnia z innego katalogu",
        "en": "Example advice centre from another directory",
    }


@pytest.mark.parametrize(
    ("table", "drop"),
    [("address", "location_id"), ("service_area", "service_id")],
)
def test_rows_without_their_parent_are_reported(db, table, drop):
    document = other_directory()
    document[table][0].pop(drop)
    result = import_document(document, actor=None)
    assert not result.ok
    assert [(p.object, p.field) for p in result.errors] == [(f"{table}[0]", drop)]
    assert not Service.objects.exists()
