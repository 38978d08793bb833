"""Hostile, malformed and oversized input to the partner API: a clear 4xx naming the field,
and nothing half-written."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from ostoja.hotline.models import Item, Report
from ostoja.organisations.services import issue_api_token
from tests.hotline.factories import counts

pytestmark = pytest.mark.django_db

GOOD = {"incident_type": "csam", "urls": ["https://example.com/ok"]}
INJECTIONS = [
    "<script>alert(1)</script>",
    "'; DROP TABLE hotline_report; --",
    '" OR 1=1 --',
    "{{ 7*7 }} {% debug %}",
    "<img src=x onerror=alert(1)>",
]


def post(client, body, path="/v1/reports", **headers):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(f"/api{path}", data=data, content_type="application/json", **headers)


def fields(response) -> list[str]:
    return [e["field"] for e in response.json()["errors"]]


@pytest.mark.parametrize("body", ["{bad", "", "null", "[]", "\x00", '{"urls": ["a"]', "🙂"])
def test_garbage_json(api_client, body):
    before = counts()
    response = post(api_client, body)
    assert 400 <= response.status_code < 500
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]
    assert counts() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"urls": ["https://example.com/"]}, "incident_type"),
        ({**GOOD, "incident_type": 3}, "incident_type"),
        ({**GOOD, "incident_type": "csam\u200b"}, "incident_type"),
        ({**GOOD, "incident_type": "CSAM"}, "incident_type"),
        ({**GOOD, "urls": "https://example.com/"}, "urls"),
        ({**GOOD, "urls": []}, "urls"),
        ({**GOOD, "urls": [123]}, "urls.0"),
        ({**GOOD, "urls": ["https://example.com/", None]}, "urls.1"),
        ({**GOOD, "urls": [f"https://example.com/{i}" for i in range(10_000)]}, "urls"),
        ({**GOOD, "hashes": [{"type": "md5", "value": 5}]}, "hashes.0.value"),
        ({**GOOD, "hashes": [{"type": "crc32", "value": "abcd"}]}, "hashes.0.type"),
        ({**GOOD, "hashes": [{"type": "md5", "value": "xyz"}]}, "hashes.0.value"),
        ({**GOOD, "hashes": [{"type": "sha1", "value": "a" * 32}]}, "hashes.0.value"),
        ({**GOOD, "hashes": [{"type": "md5", "value": "a" * 32, "x": 1}]}, "hashes.0.x"),
        ({**GOOD, "annotations": ["live"]}, "annotations.0"),
        ({**GOOD, "annotations": "live_streaming"}, "annotations"),
        ({**GOOD, "escalate_reason": ["now"]}, "escalate_reason"),
        ({**GOOD, "escalate_reason": "x" * 2001}, "escalate_reason"),
        ({**GOOD, "escalate_reason": "null\x00byte"}, "escalate_reason"),
        ({**GOOD, "description": "\ud800 lone surrogate"}, "description"),
        ({**GOOD, "description": "bell\x07"}, "description"),
        ({**GOOD, "description": True}, "description"),
        ({**GOOD, "reporter_reference": "REF\u202eFER"}, "reporter_reference"),
        ({**GOOD, "reporter_reference": "zero\u200bwidth"}, "reporter_reference"),
        ({**GOOD, "reporter_reference": "line\nbreak"}, "reporter_reference"),
        ({**GOOD, "reporter_reference": "x" * 101}, "reporter_reference"),
        ({**GOOD, "related_report_ids": ["not-a-uuid"]}, "related_report_ids.0"),
        (
            {**GOOD, "related_report_ids": ["6f1c1f5e-8d1e-4e8a-9f2a-0c7b0c3b2a11"]},
            "related_report_ids.0",
        ),
        ({**GOOD, "where_seen": "' OR 1=1 --"}, "where_seen"),
        ({**GOOD, "unknown_field": 1}, "unknown_field"),
        (
            {**GOOD, "urls": ["javascript:alert(1)", "http://localhost/", "ftp://example.com/"]},
            "urls.0",
        ),
    ],
)
def test_wrong_input_is_422_naming_the_field(api_client, body, field):
    before = counts()
    response = post(api_client, body)
    assert response.status_code == 422, response.content
    assert field in fields(response), response.json()
    assert field in response.json()["detail"]
    assert counts() == before


def test_all_urls_rejected_names_each(api_client):
    response = post(api_client, {**GOOD, "urls": ["mailto:a@example.com", "http://10.0.0.1/"]})
    assert fields(response) == ["urls.0", "urls.1"]
    types = [e["type"] for e in response.json()["errors"]]
    assert types == ["scheme_not_allowed", "private_host"]


def test_ten_megabyte_body_is_413(api_client):
    before = counts()
    body = json.dumps({**GOOD, "description": "x" * (10 * 1024 * 1024)})
    response = post(api_client, body)
    assert response.status_code == 413
    assert response.json()["detail"]
    assert counts() == before


def test_batch_of_1001_is_422(api_client):
    before = counts()
    response = post(api_client, {"reports": [GOOD] * 1001}, path="/v1/reports/batch")
    assert response.status_code == 422
    assert fields(response) == ["reports"]
    assert counts() == before


def test_batch_with_one_bad_report_writes_nothing(api_client):
    before = counts()
    reports = [GOOD] * 5 + [{**GOOD, "urls": ["javascript:x"]}] + [{**GOOD, "annotations": [1]}]
    response = post(api_client, {"reports": reports}, path="/v1/reports/batch")
    assert response.status_code == 422
    assert "reports.6.annotations.0" in fields(response)
    response = post(api_client, {"reports": reports[:6]}, path="/v1/reports/batch")
    assert response.status_code == 422
    assert fields(response) == ["reports.5.urls.0"]
    assert counts() == before


def test_batch_of_1000_is_accepted(api_client):
    reports = [
        {"incident_type": "csam", "urls": [f"https://img.example.net/{i}", f"example.com/{i % 10}"]}
        for i in range(1000)
    ]
    response = post(api_client, {"reports": reports}, path="/v1/reports/batch")
    assert response.status_code == 201
    assert len(response.json()["reports"]) == 1000
    assert Report.objects.count() == 1000
    assert Item.objects.count() == 1010
    assert Item.objects.get(canonical_url="http://example.com/3").report_count == 100


@pytest.mark.parametrize("text", INJECTIONS)
def test_injection_strings_in_free_text_are_stored_verbatim(api_client, text):
    response = post(
        api_client,
        {**GOOD, "description": text, "escalate_reason": text, "reporter_reference": text},
    )
    assert response.status_code == 201
    report = Report.objects.get()
    assert report.description == text == report.escalate_reason == report.reporter_reference


@pytest.mark.parametrize("text", INJECTIONS)
def test_injection_strings_in_urls_are_encoded_or_rejected(api_client, text):
    response = post(api_client, {**GOOD, "urls": [f"https://example.com/{text}", text]})
    assert response.status_code == 201
    first, second = response.json()["urls"]
    assert first["status"] == "accepted"
    assert not set(first["canonical_url"]) & set('<>" {}')
    assert second["status"] == "rejected" or not set(second["canonical_url"]) & set('<>" {}')


def test_unicode_tricks_in_urls(api_client):
    response = post(
        api_client,
        {
            **GOOD,
            "urls": [
                "https://ex\u200bample.com/",  # zero-width space in the host
                "https://example.com\u202e/moc.elpmaxe",  # right-to-left override
                "https://exаmple.com/",  # Cyrillic a: a different host, shown as punycode
                "https://example.com/\u200f",  # RLM in the path: kept, percent-encoded
            ],
        },
    )
    assert response.status_code == 201
    urls = response.json()["urls"]
    assert urls[0]["reason"] == "invisible_character"
    assert urls[1]["reason"] == "invisible_character"
    assert urls[2]["canonical_url"].startswith("https://xn--")
    assert urls[3]["canonical_url"] == "https://example.com/%E2%80%8F"


@pytest.mark.parametrize("key", ["has space", "x" * 256, "zero\u200bwidth", "ąę"])
def test_bad_idempotency_key(api_client, key):
    before = counts()
    response = post(api_client, GOOD, HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code == 422
    assert fields(response) == ["header.Idempotency-Key"]
    assert counts() == before


def test_auth(partner, hotline):
    before = counts()
    assert post(Client(), GOOD).status_code == 401
    _t, secret = issue_api_token(actor=None, organisation=partner, name="m", scopes=["match"])
    response = post(Client(HTTP_AUTHORIZATION=f"Bearer {secret}"), GOOD)
    assert response.status_code == 403
    assert counts() == before


def test_openapi_describes_the_endpoints(client):
    schema = client.get("/api/openapi.json").json()
    create = schema["paths"]["/api/v1/reports"]["post"]
    assert {"201", "401", "403", "409", "413", "422"} <= set(create["responses"])
    assert any(p["name"] == "Idempotency-Key" for p in create["parameters"])
    assert "example" in create["requestBody"]["content"]["application/json"]
    assert "/api/v1/reports/batch" in schema["paths"]
    assert "200" in schema["paths"]["/api/v1/reports/{report_id}"]["get"]["responses"]
    assert client.get("/api/docs").status_code == 200
