"""The partner API's document and its error answers (issue 11, items 6 and 8).

* ``/api/openapi.json`` is a valid OpenAPI 3.1 document with no duplicated key, one schema
  per name, and the report body it describes is the one the endpoint accepts.
* Every answer under ``/api/`` is JSON, whatever went wrong, with a status from the document.
* Error messages follow ``Accept-Language`` (Polish or English) and never mix the two.
"""

from __future__ import annotations

import json

import jsonschema
import pytest
from django.test import Client
from openapi_spec_validator import validate as validate_openapi

from ostoja.organisations.services import issue_api_token
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

MD5 = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def token(db):
    OrganisationFactory(kind="hotline", slug="receiving-hotline", verified=True, country="PL")
    org = OrganisationFactory(kind="online_platform", slug="platform-c")
    _t, secret = issue_api_token(
        actor=None, organisation=org, name="t", scopes=["reports", "match", "ntd", "urllist"]
    )
    return secret


def client_for(token, language="en"):
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_LANGUAGE=language)


def document() -> tuple[dict, str]:
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    raw = response.content.decode()
    return json.loads(raw), raw


def resolve(doc: dict, schema: dict) -> dict:
    """The schema with every ``#/components/...`` reference resolvable by jsonschema."""
    return {**schema, "components": doc["components"]}


def assert_matches_document(doc, path, method, response):
    responses = doc["paths"][path][method]["responses"]
    assert str(response.status_code) in responses, (response.status_code, list(responses))
    schema = responses[str(response.status_code)]["content"]["application/json"]["schema"]
    jsonschema.validate(response.json(), resolve(doc, schema))


# -- the document -------------------------------------------------------------------------------


def test_the_document_is_valid_openapi_with_no_duplicated_key():
    doc, raw = document()
    validate_openapi(doc)
    duplicated = []

    def no_duplicates(pairs):
        keys = [k for k, _v in pairs]
        duplicated.extend(k for k in set(keys) if keys.count(k) > 1)
        return dict(pairs)

    json.loads(raw, object_pairs_hook=no_duplicates)
    assert duplicated == []


def test_schema_names_are_unique_and_a_clash_fails_the_build():
    from ninja import Schema

    from ostoja.core.api import _UniqueNamesSchema, api

    doc, _raw = document()
    names = set(doc["components"]["schemas"])
    assert {"ReportHashIn", "MatchHashIn", "ApiError"} <= names
    assert "HashIn" not in names and "ErrorOut" not in names

    class Clash(Schema):
        a: int

    builder = _UniqueNamesSchema(api, "/api/")
    builder.add_schema_definitions({"Clash": Clash.model_json_schema()})
    with pytest.raises(ValueError, match="Clash"):
        builder.add_schema_definitions({"Clash": {"type": "string"}})


def test_every_operation_documents_its_shared_errors():
    doc, _raw = document()
    for path, operations in doc["paths"].items():
        for method, op in operations.items():
            statuses = set(op["responses"])
            if op.get("security"):
                assert "401" in statuses, (method, path)
            if method == "post":
                assert {"400", "413", "422"} <= statuses, (method, path)
            if "{" in path:
                assert "404" in statuses, (method, path)
            for status, answer in op["responses"].items():
                # A scan that cannot be admitted answers 400 with the scan's result, as
                # pretix's check-in API does, so that scanner apps written for pretix work.
                if path.startswith("/api/v1/checkin/") and "redeem" in path and status == "400":
                    continue
                if status.startswith(("4", "5")):
                    ref = answer["content"]["application/json"]["schema"]["$ref"]
                    assert ref == "#/components/schemas/ApiError", (method, path, status)
    assert {"409", "503"} <= set(doc["paths"]["/api/v1/reports"]["post"]["responses"])


def test_report_hashes_as_documented_are_accepted_in_both_spellings(token):
    doc, _raw = document()
    hash_schema = doc["components"]["schemas"]["ReportHashIn"]
    assert {"type", "signal_type", "value"} <= set(hash_schema["properties"])
    api = client_for(token)
    for n, spelling in enumerate(("type", "signal_type")):
        body = {
            "incident_type": "csam",
            "urls": [f"https://img.example.net/{n}"],
            "hashes": [{spelling: "md5", "value": MD5}],
        }
        jsonschema.validate(body, resolve(doc, doc["components"]["schemas"]["ReportIn"]))
        response = api.post("/api/v1/reports", body, content_type="application/json")
        assert response.status_code == 201, response.content
    both_differ = {
        "incident_type": "csam",
        "urls": ["https://img.example.net/x"],
        "hashes": [{"type": "md5", "signal_type": "sha1", "value": MD5}],
    }
    response = api.post("/api/v1/reports", both_differ, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "hashes.0"


def test_match_accepts_type_as_well_as_signal_type(token):
    api = client_for(token)
    for spelling in ("signal_type", "type"):
        response = api.post(
            "/api/v1/match",
            {"hashes": [{spelling: "md5", "value": MD5}]},
            content_type="application/json",
        )
        assert response.status_code == 200, response.content


def test_a_409_body_matches_the_document(token):
    doc, _raw = document()
    api = client_for(token)
    body = {"incident_type": "csam", "urls": ["https://img.example.net/1"]}
    first = api.post(
        "/api/v1/reports", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert first.status_code == 201
    other = {**body, "urls": ["https://img.example.net/2"]}
    conflict = api.post(
        "/api/v1/reports", other, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert conflict.status_code == 409
    assert_matches_document(doc, "/api/v1/reports", "post", conflict)
    assert conflict.json()["errors"][0]["type"] == "idempotency_conflict"


# -- every answer is JSON -----------------------------------------------------------------------


def _json_error(response, status):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert body["detail"] and isinstance(body["errors"], list)
    return body


def test_a_huge_or_unicode_pdq_threshold_is_a_422_not_a_500(token):
    from tests.banks.helpers import synthetic_image

    api = client_for(token)
    for threshold in ("9" * 4301, "²", "٣", "1" * 5, "-1", "32"):
        response = api.post(
            "/api/v1/match/image",
            {"image": _png(synthetic_image(seed=1)), "pdq_threshold": threshold},
        )
        body = _json_error(response, 422)
        assert body["errors"][0]["field"] == "pdq_threshold"
    ok = api.post(
        "/api/v1/match/image", {"image": _png(synthetic_image(seed=1)), "pdq_threshold": "07"}
    )
    assert ok.status_code == 200 and ok.json()["pdq_threshold"] == 7


def test_too_many_form_fields_is_a_json_400(token):
    from tests.banks.helpers import synthetic_image

    fields = {f"f{i}": "x" for i in range(2001)}
    response = client_for(token).post(
        "/api/v1/match/image", {"image": _png(synthetic_image(seed=2)), **fields}
    )
    body = _json_error(response, 400)
    assert "form fields" in body["detail"]
    urlencoded = client_for(token).post(
        "/api/v1/match/image",
        "&".join(f"f{i}=x" for i in range(2001)),
        content_type="application/x-www-form-urlencoded",
    )
    _json_error(urlencoded, 400)


@pytest.mark.parametrize(
    "path",
    [
        "/api/",
        "/api/v1/nothing-here",
        "/api/v2/reports",
        "/api/v1/reports/x/y",
        "/api/v1/match/",
    ],
)
def test_an_unknown_api_path_is_a_json_404(token, path):
    _json_error(client_for(token).get(path), 404)
    _json_error(Client().post(path, "{}", content_type="application/json"), 404)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/reports/999999999",
        "/api/v1/reports/" + "9" * 5000,
        "/api/v1/reports/not-a-uuid",
        "/api/v1/reports/%F0%9F%92%A9",
        "/api/v1/notices/123",
    ],
)
def test_a_malformed_id_in_the_path_is_a_404(token, path):
    _json_error(client_for(token).get(path), 404)


def test_a_wrong_method_is_a_json_405_with_allow(token):
    response = client_for(token).get("/api/v1/match")
    body = _json_error(response, 405)
    assert "POST" in response["Allow"] and body["detail"] == "This method is not allowed here."


def test_missing_token_and_wrong_scope_are_json(db):
    _json_error(Client().get("/api/v1/banks"), 401)
    org = OrganisationFactory(kind="online_platform")
    _t, secret = issue_api_token(actor=None, organisation=org, name="t", scopes=["reports"])
    _json_error(client_for(secret).get("/api/v1/banks"), 403)


# -- the language of errors ---------------------------------------------------------------------


BAD_REPORT = {
    "incident_type": "csam",
    "urls": ["https://img.example.net/a"],
    "hashes": [{"value": MD5}],
}


def test_validation_errors_follow_accept_language_without_mixing(token):
    english = client_for(token, "en-GB,en;q=0.9").post(
        "/api/v1/reports", BAD_REPORT, content_type="application/json"
    )
    body = _json_error(english, 422)
    assert body["detail"] == "Invalid input: hashes.0.type: This field is required."
    assert english["Content-Language"] == "en"

    polish = client_for(token, "pl").post(
        "/api/v1/reports", BAD_REPORT, content_type="application/json"
    )
    body = _json_error(polish, 422)
    assert body["detail"] == "Nieprawidłowe dane: hashes.0.type: To pole jest wymagane."
    assert "Field required" not in polish.content.decode()
    assert polish["Content-Language"] == "pl"


@pytest.mark.parametrize(
    ("body", "english", "polish"),
    [
        ({"hashes": [{"signal_type": "md4", "value": MD5}]}, "Choose one of", "Wybierz"),
        ({"hashes": [{"signal_type": "md5", "value": "x" * 32}]}, "hexadecimal", "szesnast"),
        ({"hashes": []}, "at least 1", "co najmniej 1"),
        ({"hashes": [{"signal_type": "md5", "value": MD5}], "pdq_threshold": "a"}, "whole", "całk"),
    ],
)
def test_match_errors_in_both_languages(token, body, english, polish):
    for language, fragment in (("en", english), ("pl", polish)):
        response = client_for(token, language).post(
            "/api/v1/match", body, content_type="application/json"
        )
        detail = _json_error(response, 422)["detail"]
        assert fragment in detail, (language, detail)


def test_without_accept_language_errors_are_polish_and_unknown_languages_fall_back(token):
    for header in (None, "de-DE", "*"):
        client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
        extra = {"HTTP_ACCEPT_LANGUAGE": header} if header else {}
        response = client.get("/api/v1/nothing", **extra)
        assert _json_error(response, 404)["detail"] == "Nie znaleziono."


def _png(data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("x.png", data, content_type="image/png")


def test_an_unexpected_error_is_a_json_500_without_details(token, monkeypatch):
    from ostoja.banks import services

    def broken(*args, **kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(services, "match_hashes", broken)
    client = Client(
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_ACCEPT_LANGUAGE="en",
        raise_request_exception=False,
    )
    response = client.post(
        "/api/v1/match",
        {"hashes": [{"signal_type": "md5", "value": MD5}]},
        content_type="application/json",
    )
    body = _json_error(response, 500)
    assert body["detail"] == "Internal server error."
    assert "secret" not in response.content.decode()
