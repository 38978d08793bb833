"""The partner API: one report, batches, idempotent retries, status, and bad input."""

from __future__ import annotations

import json
import uuid

import pytest

from ostoja.audit.models import AuditEntry
from ostoja.hotline.models import Item, Report
from ostoja.organisations.services import issue_api_token
from tests.hotline.factories import PartnerFactory, counts

pytestmark = pytest.mark.django_db


def post(client, path, body, **headers):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(f"/api{path}", data=data, content_type="application/json", **headers)


def test_one_report_is_stored_and_answered_per_url(api_client, hotline):
    response = post(
        api_client,
        "/v1/reports",
        {
            "incident_type": "csam",
            "urls": [
                "HTTPS://Img.Example.NET:443/a/./b/../c?x=1#frag",
                "javascript:alert(1)",
                "http://192.168.0.1/x",
                "https://img.example.net/a/c?x=1",
            ],
            "hashes": [{"type": "md5", "value": "0123456789ABCDEF0123456789abcdef"}],
            "annotations": ["self_generated", "live_streaming"],
            "reporter_reference": "T-1",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    report = Report.objects.get(uuid=body["id"])
    assert report.source_organisation.slug == "platform-a"
    assert report.source_kind == "platform"
    assert [u["status"] for u in body["urls"]] == ["accepted", "rejected", "rejected", "accepted"]
    assert body["urls"][0]["canonical_url"] == "https://img.example.net/a/c?x=1"
    assert body["urls"][1]["reason"] == "scheme_not_allowed"
    assert body["urls"][2]["reason"] == "private_host"
    assert body["urls"][1]["message"]
    # The same address twice in one report: one item, counted once.
    assert body["urls"][0]["item_id"] == body["urls"][3]["item_id"]
    item = Item.objects.get(pk=body["urls"][0]["item_id"])
    assert item.report_count == 1
    assert item.hotline == hotline
    assert item.priority_level == "P1"  # live streaming (60) reaches P1 with the defaults
    assert {r["code"] for r in item.priority_reasons} >= {"live_stream", "source_kind"}
    assert report.hashes.get().value == "0123456789abcdef0123456789abcdef"
    assert AuditEntry.objects.filter(action="hotline.report.received").count() == 1


def test_second_report_of_same_url_attaches_to_the_item(api_client):
    first = post(api_client, "/v1/reports", {"incident_type": "csam", "urls": ["example.com/x"]})
    second = post(
        api_client, "/v1/reports", {"incident_type": "grooming", "urls": ["http://EXAMPLE.com/x"]}
    )
    a, b = first.json()["urls"][0], second.json()["urls"][0]
    assert a["item_id"] == b["item_id"]
    item = Item.objects.get(pk=a["item_id"])
    assert item.report_count == 2
    assert set(item.incident_types) == {"csam", "grooming"}
    assert item.last_seen >= item.first_seen


def test_idempotent_retry_creates_nothing(api_client):
    body = {"incident_type": "csam", "urls": ["https://example.com/retry"]}
    key = {"HTTP_IDEMPOTENCY_KEY": "retry-1"}
    first = post(api_client, "/v1/reports", body, **key)
    before = counts()
    again = post(api_client, "/v1/reports", body, **key)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert counts() == before
    different = post(api_client, "/v1/reports", {**body, "urls": ["https://example.com/y"]}, **key)
    assert different.status_code == 409
    assert different.json()["errors"][0]["field"] == "header.Idempotency-Key"
    assert counts() == before


def test_batch_and_status(api_client):
    body = {
        "reports": [
            {"incident_type": "csam", "urls": [f"https://example.com/b/{i}"]} for i in range(5)
        ]
    }
    response = post(api_client, "/v1/reports/batch", body, HTTP_IDEMPOTENCY_KEY="b1")
    assert response.status_code == 201, response.content
    data = response.json()
    assert len(data["reports"]) == 5
    assert AuditEntry.objects.filter(action="hotline.report_batch.received").count() == 1
    assert AuditEntry.objects.filter(action="hotline.report.received").count() == 0
    before = counts()
    again = post(api_client, "/v1/reports/batch", body, HTTP_IDEMPOTENCY_KEY="b1")
    assert again.status_code == 201 and again.json() == data
    assert counts() == before
    rid = data["reports"][2]["id"]
    status = api_client.get(f"/api/v1/reports/{rid}")
    assert status.status_code == 200
    assert status.json()["urls"][0]["outcome"] == "received"


def test_status_only_for_the_sending_organisation(api_client):
    rid = post(
        api_client, "/v1/reports", {"incident_type": "csam", "urls": ["example.com/s"]}
    ).json()["id"]
    other = PartnerFactory()
    _t, secret = issue_api_token(actor=None, organisation=other, name="o", scopes=["reports"])
    from django.test import Client

    response = Client().get(f"/api/v1/reports/{rid}", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 404
    assert api_client.get(f"/api/v1/reports/{uuid.uuid4()}").status_code == 404


def test_created_answers_match_the_documented_schemas_exactly(api_client, hotline):
    """The 201 bodies are rendered without django-ninja's response validation: they must
    still be exactly what the OpenAPI document promises (no extra, no missing fields)."""
    from ostoja.hotline.api import BatchCreatedOut, ReportCreatedOut

    one = post(
        api_client,
        "/v1/reports",
        {"incident_type": "csam", "urls": ["https://s.example/1", "mailto:x@example.com"]},
    )
    assert one.status_code == 201
    assert one["Content-Type"] == "application/json; charset=utf-8"
    body = one.json()
    parsed = ReportCreatedOut.model_validate(body)
    assert set(body) == set(ReportCreatedOut.model_fields)
    # Each URL result has only the keys of its status (no nulls for the other kind).
    assert set(body["urls"][0]) == {"position", "status", "canonical_url", "item_id"}
    assert set(body["urls"][1]) == {"position", "status", "reason", "message"}
    # The time reads as everywhere else in the API (the status endpoint validates its answer).
    status = api_client.get(f"/api/v1/reports/{parsed.id}").json()
    assert body["received_at"] == status["received_at"]

    batch = post(
        api_client,
        "/v1/reports/batch",
        {"reports": [{"incident_type": "csam", "urls": ["https://s.example/2"]}] * 2},
    )
    assert batch.status_code == 201
    parsed_batch = BatchCreatedOut.model_validate(batch.json())
    assert len(parsed_batch.reports) == 2
    assert set(batch.json()) == set(BatchCreatedOut.model_fields)
