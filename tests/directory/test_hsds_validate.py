"""HSDS 3.0 validation: objects, API responses, import documents, pagination."""

from __future__ import annotations

import copy
import json
import socket
import uuid
from pathlib import Path

import pytest
import referencing.exceptions
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ostoja.directory.hsds import validate as v
from ostoja.directory.hsds.validate import (
    KINDS,
    TABLES,
    HSDSValidator,
    api_root,
    paginated,
    validate_import,
    validate_object,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "hsds-3.0"
PACKAGED = Path(v.__file__).resolve().parent / "schemas"

ORG_ID = "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610"
SERVICE_ID = "ac148810-d857-441c-9679-408f346de14b"
PHONE_ID = "1554f2e2-a373-45db-a3fa-9fc48a61c15e"
LOCATION_ID = "3a19ff88-4620-4d17-9830-ac1d859eb5d5"
SAL_ID = "e94c9f38-1e8f-4564-91d4-d53501ab1765"
TAXONOMY_ID = "5c4d79d7-cc55-470e-9f1f-8cad074e4892"
TERM_ID = "3f7b145d-84af-42d7-8fae-eaca714b02b2"


def new_id() -> str:
    return str(uuid.uuid4())


def organization(**extra):
    return {
        "id": ORG_ID,
        "name": "Fundacja Przykładowa",
        "description": "Pomoc dla osób, które chcą nie skrzywdzić dziecka.",
        **extra,
    }


def full_service(**extra):
    """A fully nested service as /services/{id} returns it."""
    phone = {"id": PHONE_ID, "number": "+48 22 000 00 00", "type": "voice"}
    return {
        "id": SERVICE_ID,
        "name": "Konsultacje telefoniczne",
        "status": "active",
        "url": "https://example.org/konsultacje",
        "email": "kontakt@example.org",
        "last_modified": "2024-05-01T10:30:45.123Z",
        "minimum_age": 18,
        "phones": [phone],
        "organization": organization(),
        "service_at_locations": [
            {
                "id": SAL_ID,
                "phones": [dict(phone)],  # the same phone again, as HSDS exports do
                "location": {
                    "id": LOCATION_ID,
                    "location_type": "physical",
                    "name": "Punkt konsultacyjny",
                    "latitude": 52.23,
                    "longitude": 21.01,
                    "addresses": [
                        {
                            "id": new_id(),
                            "address_1": "ul. Przykładowa 1",
                            "city": "Warszawa",
                            "state_province": "mazowieckie",
                            "postal_code": "00-950",
                            "country": "PL",
                            "address_type": "physical",
                        }
                    ],
                },
            }
        ],
        "attributes": [
            {
                "id": new_id(),
                "taxonomy_term_id": TERM_ID,
                "taxonomy_term": {
                    "id": TERM_ID,
                    "name": "Rodzice i opiekunowie",
                    "description": "Rodzice",
                    "taxonomy_id": TAXONOMY_ID,
                },
            }
        ],
        **extra,
    }


def paths(problems):
    return [p.path for p in problems]


# -- the packaged schemas -----------------------------------------------------------------------


def test_packaged_schemas_are_the_fixture_copy():
    fixture_files = sorted(p.relative_to(FIXTURES / "schema") for p in FIXTURES.rglob("*.json"))
    packaged_files = sorted(p.relative_to(PACKAGED) for p in PACKAGED.rglob("*.json"))
    assert packaged_files == fixture_files
    assert len(packaged_files) == len(TABLES) + 1 + 3  # tables, openapi, three *_list
    for rel in packaged_files:
        assert (PACKAGED / rel).read_bytes() == (FIXTURES / "schema" / rel).read_bytes(), rel
    assert (PACKAGED / "LICENSE").read_bytes() == (FIXTURES / "LICENSE").read_bytes()
    assert "Creative Commons Attribution Share-Alike 4.0" in (FIXTURES / "LICENSE").read_text()


def test_validator_over_the_fixture_copy_agrees():
    fixture_validator = HSDSValidator(FIXTURES / "schema")
    bad = full_service(status="unknown", phones=[{"id": "x"}])
    expected = validate_object("service", bad)
    assert expected  # sanity: the document is invalid
    assert fixture_validator.validate_object("service", bad) == expected
    assert fixture_validator.validate_object("service", full_service()) == []


def test_every_kind_resolves_offline(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("HSDS validation tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    validator = HSDSValidator()
    for kind in KINDS:
        # Any instance exercises the $ref chain of the kind's schema.
        validator.validate_object(kind, {"id": "not-a-uuid", "contents": [{"id": "x"}]})
    with pytest.raises(referencing.exceptions.Unresolvable):
        validator.registry.resolver().lookup("https://example.com/schema/elsewhere.json")


def test_every_reference_in_the_packaged_files_resolves_locally():
    validator = HSDSValidator()
    count = 0
    for path in PACKAGED.rglob("*.json"):
        uri = v.SCHEMA_BASE_URI + path.relative_to(PACKAGED).as_posix()
        resolver = validator.registry.resolver(base_uri=uri)
        stack = [json.loads(path.read_text("utf-8"))]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                if isinstance(node.get("$ref"), str):
                    resolver.lookup(node["$ref"])  # raises Unresolvable if it would leave
                    count += 1
                stack.extend(node.values())
            elif isinstance(node, list):
                stack.extend(node)
    assert count > 100


def test_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown HSDS kind"):
        validate_object("services", {})


@pytest.mark.parametrize("table", TABLES)
def test_the_specifications_own_examples_validate(table):
    """Each schema property's ``example`` (numbers given as strings upstream) is valid."""
    schema = HSDSValidator().table_schema(table)
    obj = {}
    for name, prop in schema["properties"].items():
        if "example" not in prop or prop.get("type") not in ("string", "number", "integer"):
            continue
        example = prop["example"]
        if prop["type"] in ("number", "integer"):
            example = float(example) if "." in str(example) else int(example)
        obj[name] = example
    assert obj, table
    assert validate_object(table, obj) == []


# -- objects ------------------------------------------------------------------------------------


def test_a_full_service_is_valid():
    assert validate_object("service", full_service()) == []


def test_problems_name_the_path_field_and_reason():
    service = full_service()
    service["phones"] = [{"id": "not-a-uuid", "number": 48220000000}, {"id": new_id()}]
    service["organization"].pop("description")
    service["status"] = "open"
    problems = validate_object("service", service)
    by_path = {p.path: p for p in problems}
    assert set(by_path) == {
        "organization.description",
        "phones[0].id",
        "phones[0].number",
        "phones[1].number",
        "status",
    }
    assert by_path["phones[0].number"].field == "number"
    assert by_path["phones[0].number"].object_path == "phones[0]"
    assert by_path["phones[0].number"].code == "type"
    assert by_path["phones[0].number"].message == "must be of type string, not integer"
    assert by_path["phones[0].id"].code == "format"
    assert "uuid" in by_path["phones[0].id"].message
    missing = by_path["phones[1].number"]
    assert (missing.code, missing.field, missing.object_path) == ("required", "number", "phones[1]")
    assert by_path["organization.description"].message == "'description' is required"
    assert by_path["status"].code == "enum"
    assert "active" in by_path["status"].message
    assert all(p.severity == "error" for p in problems)
    assert str(by_path["status"]).startswith("status: ")


@pytest.mark.parametrize(
    ("field", "value", "valid"),
    [
        ("url", "https://example.org/a?b=c", True),
        ("url", "mailto:kontakt@example.org", True),
        ("url", "www.example.org", False),  # no scheme: not a URI
        ("url", "https://example.org/a b", False),
        ("email", "kontakt@example.org", True),
        ("email", "kontakt.example.org", False),
        ("last_modified", "2024-05-01T10:30:45Z", True),
        ("last_modified", "2024-05-01T10:30:45+02:00", True),
        ("last_modified", "2024-05-01", False),  # a date is not a date-time
        ("last_modified", "yesterday", False),
        ("assured_date", "2024-05-01", True),
        ("assured_date", "2024-13-01", False),
        ("id", SERVICE_ID.upper(), True),
        ("id", "{" + SERVICE_ID + "}", False),
        ("id", SERVICE_ID.replace("-", ""), False),
    ],
)
def test_formats_are_checked(field, value, valid):
    problems = validate_object("service", full_service(**{field: value}))
    if valid:
        assert problems == []
    else:
        assert [(p.path, p.code) for p in problems] == [(field, "format")]


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("10:00", True),
        ("10:00:00", True),
        ("23:59:59+02:00", True),
        ("25:00", False),
        ("10h", False),
    ],
)
def test_times_are_checked(value, valid):
    schedule = {"id": new_id(), "opens_at": value, "valid_from": "2024-01-31"}
    problems = validate_object("schedule", schedule)
    assert [(p.path, p.code) for p in problems] == ([] if valid else [("opens_at", "format")])


def test_a_mistyped_value_is_reported_once():
    problems = validate_object("service", full_service(status=3))
    assert [(p.path, p.code) for p in problems] == [("status", "type")]


def test_nulls_are_type_errors_unless_treated_as_absent():
    service = full_service(alternate_name=None, organization=organization(email=None))
    problems = validate_object("service", service)
    assert paths(problems) == ["alternate_name", "organization.email"]
    assert problems[0].message == "must be of type string, not null"
    assert validate_object("service", service, treat_null_as_absent=True) == []
    assert service["alternate_name"] is None  # the caller's data is not modified


def test_nested_views_of_organization_and_service_at_location():
    org = organization(services=[full_service(), {"id": new_id(), "name": "x"}])
    problems = validate_object("organization", org)
    assert [(p.path, p.code) for p in problems] == [("services[1].status", "required")]
    sal = {"id": SAL_ID, "service": full_service(status=3)}
    assert paths(validate_object("service_at_location", sal)) == ["service.status"]


def test_hostile_values_give_short_messages_and_odd_keys_quoted_paths():
    huge = "x" * 100_000
    problems = validate_object("service", full_service(id=huge))
    assert len(problems) == 1 and len(problems[0].message) < 120
    service = full_service()
    service["phones"][0] = "not an object"
    problems = validate_object("service", service)
    assert [(p.path, p.field, p.code) for p in problems] == [("phones[0]", "phones", "type")]
    assert v.format_path(["a.b", 0, "c"]) == '["a.b"][0].c'
    assert v.format_path([]) == ""


def test_max_problems_bounds_the_work():
    service = full_service(phones=[{"id": str(i)} for i in range(100)])
    assert len(validate_object("service", service)) == 200
    assert len(validate_object("service", service, max_problems=5)) == 5


# -- API responses and pagination ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "item"),
    [
        ("service_list", {"id": SERVICE_ID, "name": "x", "status": "active"}),
        ("organization_list", organization()),
        ("service_at_location_list", {"id": SAL_ID}),
        ("taxonomy_list", {"id": TAXONOMY_ID, "name": "t", "description": "d"}),
        ("taxonomy_term_list", {"id": TERM_ID, "name": "t", "description": "d"}),
    ],
)
def test_paginated_responses_validate(kind, item):
    page = paginated([item], page=2, per_page=1, total=3)
    assert validate_object(kind, page) == []
    page["contents"][0] = {**item, "id": "nope"}
    assert [(p.path, p.code) for p in validate_object(kind, page)] == [("contents[0].id", "format")]


def test_paginated_builds_the_hsds_page():
    assert paginated(["a", "b"], page=1, per_page=2, total=5) == {
        "total_items": 5,
        "total_pages": 3,
        "page_number": 1,
        "size": 2,
        "first_page": True,
        "last_page": False,
        "empty": False,
        "contents": ["a", "b"],
    }
    last = paginated(["e"], page=3, per_page=2, total=5)
    assert (last["first_page"], last["last_page"], last["empty"]) == (False, True, False)
    nothing = paginated([], page=1, per_page=10, total=0)
    assert (nothing["total_pages"], nothing["first_page"], nothing["last_page"]) == (0, True, True)
    assert nothing["empty"] is True
    beyond = paginated(iter([]), page=9, per_page=10, total=15)
    assert (beyond["last_page"], beyond["empty"], beyond["contents"]) == (True, True, [])


@pytest.mark.parametrize(
    ("args", "error"),
    [
        ((0, 10, 5), ValueError),
        ((1, 0, 5), ValueError),
        ((1, 10, -1), ValueError),
        ((True, 10, 5), TypeError),
        (("1", 10, 5), TypeError),
        ((1, 10.0, 5), TypeError),
    ],
)
def test_paginated_rejects_nonsense(args, error):
    with pytest.raises(error):
        paginated([], *args)


def test_paginated_rejects_an_overfull_page():
    with pytest.raises(ValueError, match="do not fit"):
        paginated([1, 2, 3], page=1, per_page=2, total=3)


def test_list_responses_must_carry_the_page_header():
    problems = validate_object("service_list", {"contents": []})
    assert {p.path for p in problems} == set(v.PAGE_FIELDS)
    assert {p.code for p in problems} == {"required"}
    page = paginated([{"id": SERVICE_ID, "name": "x", "status": "active"}], 1, 10, 1)
    page["empty"] = True
    page["size"] = 0
    page["total_items"] = "1"
    found = {(p.path, p.code) for p in validate_object("service_list", page)}
    assert found == {("empty", "pagination"), ("size", "pagination"), ("total_items", "type")}


def test_api_root():
    body = api_root("https://ostoja.example.org/api/hsds/openapi.json")
    assert body == {
        "version": "3.0",
        "openapi_url": "https://ostoja.example.org/api/hsds/openapi.json",
    }
    assert validate_object("api_root", body) == []
    with_profile = api_root("https://example.org/openapi.json", profile="https://example.org/p")
    assert validate_object("api_root", with_profile) == []
    assert paths(validate_object("api_root", {"openapi_url": "openapi.json"})) == ["openapi_url"]


# -- imports: tabular ---------------------------------------------------------------------------


def tabular_document():
    org2 = new_id()
    return {
        "organizations": [organization(), {**organization(id=org2), "name": "Druga"}],
        "services": [
            {"id": SERVICE_ID, "organization_id": ORG_ID, "name": "A", "status": "active"},
            {"id": new_id(), "organization_id": org2, "name": "B", "status": "inactive"},
        ],
        "taxonomy": [{"id": TAXONOMY_ID, "name": "Ostoja", "description": "d"}],
        "taxonomy_term": [
            {"id": TERM_ID, "name": "t", "description": "d", "taxonomy_id": TAXONOMY_ID}
        ],
        "attribute": [
            {
                "id": new_id(),
                "link_id": SERVICE_ID,
                "link_entity": "service",
                "link_type": "audience",
                "taxonomy_term_id": TERM_ID,
            }
        ],
        "phones": [{"id": PHONE_ID, "service_id": SERVICE_ID, "number": "116 111"}],
    }


def test_a_valid_tabular_import():
    report = validate_import(tabular_document())
    assert report.shape == "tabular"
    assert report.problems == [] and report.ok
    assert report.counts == {
        "organization": 2,
        "service": 2,
        "taxonomy": 1,
        "taxonomy_term": 1,
        "attribute": 1,
        "phone": 1,
    }
    assert report.as_dict()["ok"] is True


def test_tabular_problems_by_object_and_field():
    doc = tabular_document()
    doc["services"].append({"id": new_id(), "organization_id": new_id(), "name": "C"})
    doc["services"].append({"id": "abc", "name": "D", "status": "active"})
    doc["services"].append(dict(doc["services"][0], id=SERVICE_ID.upper()))
    report = validate_import(doc)
    assert not report.ok
    found = [(p.path, p.code, p.severity) for p in report.problems]
    assert found == [
        ("services[2].organization_id", "unknown_reference", "error"),
        ("services[2].status", "required", "error"),
        ("services[3].id", "format", "error"),
        ("services[3].organization_id", "required", "error"),  # tabular_required
        ("services[4].id", "duplicate_id", "error"),
    ]
    assert "services[0]" in report.problems[-1].message
    grouped = report.by_object()
    assert list(grouped) == ["services[2]", "services[3]", "services[4]"]
    assert [p.field for p in grouped["services[2]"]] == ["organization_id", "status"]


def test_references_may_point_into_the_directory():
    doc = {
        "service": [{"id": SERVICE_ID, "organization_id": ORG_ID, "name": "A", "status": "active"}]
    }
    report = validate_import(doc)
    assert [(p.path, p.code) for p in report.problems] == [
        ("service[0].organization_id", "unknown_reference")
    ]
    assert validate_import(doc, existing={"organization": [ORG_ID.upper()]}).ok
    assert not validate_import(doc, existing={"organization": [new_id(), "junk"]}).ok


def test_external_parent_organisation_and_polymorphic_links_only_warn():
    doc = tabular_document()
    doc["organizations"][0]["parent_organization_id"] = new_id()
    doc["attribute"][0]["link_id"] = new_id()
    report = validate_import(doc)
    assert report.ok
    assert [(p.path, p.code) for p in report.warnings] == [
        ("attribute[0].link_id", "unknown_reference"),
        ("organizations[0].parent_organization_id", "unknown_reference"),
    ]


def test_other_tabular_references_must_resolve():
    doc = tabular_document()
    doc["taxonomy_term"][0]["taxonomy_id"] = new_id()
    doc["taxonomy_term"][0]["parent_id"] = new_id()
    doc["phones"][0]["service_id"] = new_id()
    report = validate_import(doc)
    assert [(p.path, p.code) for p in report.errors] == [
        ("phones[0].service_id", "unknown_reference"),
        ("taxonomy_term[0].parent_id", "unknown_reference"),
        ("taxonomy_term[0].taxonomy_id", "unknown_reference"),
    ]


def test_unknown_tables_and_malformed_tables():
    report = validate_import({"organisations": [], "services": {"id": SERVICE_ID}})
    assert [(p.path, p.code, p.severity) for p in report.problems] == [
        ("organisations", "unknown_table", "warning"),
        ("services", "type", "error"),
    ]
    report = validate_import({"service": ["row", None]})
    assert [(p.path, p.code) for p in report.problems] == [
        ("service[0]", "type"),
        ("service[1]", "type"),
    ]


def test_every_id_column_is_a_known_reference():
    """Guards the foreign-key table against a schema update adding a new reference."""
    validator = HSDSValidator()
    for table in TABLES:
        for column in validator.table_schema(table)["properties"]:
            if not column.endswith("_id") or (table, column) in v._NOT_REFERENCES:
                continue
            known = v._FOREIGN_KEYS.get(table, {})
            poly = v._POLYMORPHIC_REFERENCES.get(table, (None,))[0]
            assert column in known or column == poly, (table, column)
            if column in known:
                assert known[column] in TABLES


@pytest.mark.parametrize("document", [None, 3, "text", True])
def test_a_document_of_the_wrong_shape(document):
    report = validate_import(document)
    assert report.shape == "invalid" and not report.ok
    assert [(p.path, p.code) for p in report.problems] == [("", "document")]


def test_explicit_shape_mismatch_is_reported_not_raised():
    assert validate_import([], shape="tabular").shape == "invalid"
    assert validate_import("x", shape="organization_package").shape == "invalid"
    with pytest.raises(ValueError):
        validate_import([], shape="csv")


def test_too_many_problems_stop_the_report():
    doc = {"service": [{"id": "bad"} for _ in range(50)]}
    report = validate_import(doc, max_problems=10)
    assert report.truncated and not report.ok
    assert len(report.problems) == 11
    assert report.problems[-1].code == "too_many_problems"


def test_nulls_in_imports():
    doc = tabular_document()
    doc["services"][0]["alternate_name"] = None
    assert not validate_import(doc).ok
    assert validate_import(doc, treat_null_as_absent=True).ok


def test_deep_hostile_nesting_does_not_crash():
    deep: dict = {}
    node = deep
    for _ in range(5000):
        node["x"] = {"y": None}
        node = node["x"]
    doc = tabular_document()
    doc["services"][0]["extension_blob"] = deep
    assert validate_import(doc, treat_null_as_absent=True).ok


# -- imports: packages --------------------------------------------------------------------------


def test_a_valid_service_package():
    second = full_service(id=new_id(), organization_id=ORG_ID)
    del second["organization"]
    report = validate_import([full_service(), second])
    assert report.shape == "service_package"
    assert report.problems == []
    assert report.counts["service"] == 2
    assert report.counts["organization"] == 1
    assert report.counts["phone"] == 1  # the repeated phone is one object


def test_a_page_of_services_is_a_package():
    page = paginated([full_service()], page=1, per_page=10, total=1)
    report = validate_import(page)
    assert report.shape == "service_package" and report.ok
    page["contents"][0]["status"] = "x"
    assert paths(validate_import(page).problems) == ["contents[0].status"]
    assert paths(validate_import({"contents": "x"}).problems) == ["contents"]


def test_package_problems():
    no_org = full_service(id=new_id())
    del no_org["organization"]
    dangling = full_service(id=new_id(), organization_id=new_id())
    del dangling["organization"]
    mismatch = full_service(id=new_id(), organization_id=new_id())
    conflicting_phone = full_service(id=new_id())
    conflicting_phone["phones"][0] = {**conflicting_phone["phones"][0], "number": "+48 1"}
    duplicate = full_service()
    report = validate_import(
        [full_service(), no_org, dangling, mismatch, conflicting_phone, duplicate]
    )
    found = [(p.path, p.code) for p in report.problems]
    assert found == [
        ("[1].organization", "missing_organization"),
        ("[2].organization_id", "unknown_reference"),
        ("[3].organization_id", "inconsistent_reference"),
        ("[4].phones[0].id", "duplicate_id"),
        ("[5].id", "duplicate_id"),
    ]
    assert "[0].phones[0]" in report.problems[3].message
    assert validate_import([dangling], existing={"organization": [dangling["organization_id"]]}).ok


def test_nested_back_references_must_agree():
    service = full_service()
    service["phones"][0]["service_id"] = new_id()
    service["service_at_locations"][0]["service_id"] = SERVICE_ID  # agrees: fine
    report = validate_import([service])
    assert [(p.path, p.code) for p in report.problems] == [
        ("[0].phones[0].service_id", "inconsistent_reference")
    ]


def test_an_organization_package():
    org = organization(services=[full_service(organization_id=ORG_ID)])
    report = validate_import([org], shape="organization_package")
    assert report.ok and report.counts["organization"] == 1 and report.counts["service"] == 1
    org["services"][0]["organization_id"] = new_id()
    del org["services"][0]["organization"]
    report = validate_import([org], shape="organization_package")
    assert [(p.path, p.code) for p in report.problems] == [
        ("[0].services[0].organization_id", "inconsistent_reference")
    ]


# -- never crash on hostile input ---------------------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=40)
    | st.sampled_from([SERVICE_ID, ORG_ID, "active", "2024-01-01"]),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(["id", "name", "status", "organization_id", "phones", "contents", "x"])
            | st.text(max_size=8),
            children,
            max_size=5,
        )
    ),
    max_leaves=25,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=json_values, kind=st.sampled_from(["service", "service_list", "taxonomy_term"]))
def test_validate_object_never_raises(data, kind):
    before = copy.deepcopy(data)
    problems = validate_object(kind, data, treat_null_as_absent=True)
    assert all(isinstance(p, v.ValidationProblem) for p in problems)
    assert data == before


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=json_values)
def test_validate_import_never_raises(document):
    report = validate_import(document)
    assert report.shape in ("tabular", "service_package", "invalid")
    assert report.ok == (not report.errors)
