"""Partner API: the URL block list (full and delta) and providers' answers to notices.

These run once ``ostoja.takedown`` is in ``ostoja.core.api.API_APPS`` (the router is mounted
like every app's); until then they are skipped with that reason.
"""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import Resolver404, resolve
from django.utils import timezone

from ostoja.audit.models import AuditEntry
from ostoja.organisations.services import issue_api_token
from ostoja.outbox.signature import sign
from ostoja.takedown import services
from ostoja.takedown.models import CaseState, Notice, UrlListEntry
from tests.factories import OrganisationFactory
from tests.takedown.conftest import open_case


def _mounted() -> bool:
    try:
        resolve("/api/v1/urllist")
    except Resolver404:
        return False
    return True


pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not _mounted(),
        reason="ostoja.takedown is not in ostoja.core.api.API_APPS yet (the lead adds it)",
    ),
]
SECRET = "provider-shared-secret-0123456789"


def bearer(organisation, *scopes) -> Client:
    _token, secret = issue_api_token(
        actor=None, organisation=organisation, name="t", scopes=list(scopes)
    )
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


@pytest.fixture
def isp(db):
    return OrganisationFactory(kind="hosting_provider", slug="isp-blocking")


# --- URL list ---------------------------------------------------------------------------------


def test_full_list_and_delta(td, isp):
    client = bearer(isp, "urllist")
    before = timezone.now() - timedelta(seconds=1)
    kept = open_case(td, "https://files.example.com/kept")
    gone = open_case(td, "https://img.example.net/gone")
    full = client.get("/api/v1/urllist")
    assert full.status_code == 200 and full["Content-Type"] == "application/json"
    body = full.json()
    assert body["full"] is True and body["count"] == 2
    urls = {e["url"]: e for e in body["entries"]}
    assert set(urls) == {"https://files.example.com/kept", "https://img.example.net/gone"}
    entry = urls["https://files.example.com/kept"]
    assert entry["sha256"] == kept.item.url_sha256 and entry["removed_at"] is None
    assert set(entry) == {"id", "url", "sha256", "added_at", "removed_at"}
    generated = body["generated_at"]
    assert body["next_since"] < generated
    # The removal is confirmed: the next delta shows it with removed_at, the full list drops it.
    services.record_response(
        notice=Notice.objects.get(case=gone, kind="ntd"), action="removed", via="provider_api"
    )
    delta = client.get("/api/v1/urllist", {"since": body["next_since"]}).json()
    assert delta["full"] is False
    (changed,) = [e for e in delta["entries"] if e["url"] == "https://img.example.net/gone"]
    assert changed["removed_at"] is not None
    again = client.get("/api/v1/urllist").json()
    assert [e["url"] for e in again["entries"]] == ["https://files.example.com/kept"]
    since_start = client.get("/api/v1/urllist", {"since": before.isoformat()}).json()
    assert since_start["count"] == 2
    future = (timezone.now() + timedelta(days=1)).isoformat()
    assert client.get("/api/v1/urllist", {"since": future}).json()["count"] == 0


@pytest.mark.parametrize(
    "since",
    [
        "yesterday",
        "2025-13-01T00:00:00Z",
        "2025-05-01T10:00:00",  # no time zone
        "",
        "2025-05-01T10:00:00Z" + "0" * 100,
        "２０２５-05-01T10:00:00Z",
        "1700000000",
    ],
)
def test_bad_since_is_a_422_naming_the_field(td, isp, since):
    response = bearer(isp, "urllist").get("/api/v1/urllist", {"since": since})
    assert response.status_code == 422
    body = response.json()
    assert body["errors"][0]["field"] == "since" and "since" in body["detail"]


def test_urllist_needs_the_scope(td, isp):
    assert Client().get("/api/v1/urllist").status_code == 401
    assert bearer(isp, "reports").get("/api/v1/urllist").status_code == 403
    bad = Client(HTTP_AUTHORIZATION="Bearer ost_forged").get("/api/v1/urllist")
    assert bad.status_code == 401


# --- answers with a token ----------------------------------------------------------------------


def test_provider_answers_with_its_token(td):
    case = open_case(td)
    notice = Notice.objects.get(case=case, kind="ntd")
    url = f"/api/v1/notices/{notice.uuid}/response"
    client = bearer(td.provider, "ntd")
    read = client.get(f"/api/v1/notices/{notice.uuid}")
    assert read.status_code == 200 and read.json()["xarf"]["url"] == case.item.canonical_url
    ok = client.post(url, {"action": "acknowledged"}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["case_state"] == CaseState.ACKNOWLEDGED
    done = client.post(
        url, {"action": "removed", "comment": "Usunięto."}, content_type="application/json"
    )
    assert done.status_code == 200 and done.json()["case_state"] == CaseState.REMOVED
    case.refresh_from_db()
    assert case.removal_confirmed_by == "provider_api"
    conflict = client.post(
        url, {"action": "disputed", "comment": "?"}, content_type="application/json"
    )
    assert conflict.status_code == 409


def test_other_organisations_see_404(td):
    case = open_case(td)
    notice = Notice.objects.get(case=case, kind="ntd")
    stranger = bearer(OrganisationFactory(kind="hosting_provider"), "ntd")
    url = f"/api/v1/notices/{notice.uuid}/response"
    body = {"action": "removed"}
    assert stranger.post(url, body, content_type="application/json").status_code == 404
    assert stranger.get(f"/api/v1/notices/{notice.uuid}").status_code == 404
    police = Notice.objects.get(case=case, kind="police")
    own = bearer(td.police, "ntd")
    assert (
        own.post(
            f"/api/v1/notices/{police.uuid}/response", body, content_type="application/json"
        ).status_code
        == 404
    )
    wrong_scope = bearer(td.provider, "urllist")
    assert wrong_scope.post(url, body, content_type="application/json").status_code == 403
    missing = "/api/v1/notices/00000000-0000-0000-0000-000000000000/response"
    assert (
        bearer(td.provider, "ntd").post(missing, body, content_type="application/json").status_code
        == 404
    )
    case.refresh_from_db()
    assert case.state == CaseState.NOTIFIED


@pytest.mark.parametrize(
    "body",
    [
        {"action": "deleted"},
        {"action": "removed", "extra": 1},
        {"action": "removed", "comment": "x" * 2001},
        {"action": "removed", "comment": 5},
        {"action": "removed", "comment": "a\u202eb"},
        {},
    ],
)
def test_bad_answers_are_422(td, body):
    case = open_case(td)
    notice = Notice.objects.get(case=case, kind="ntd")
    response = bearer(td.provider, "ntd").post(
        f"/api/v1/notices/{notice.uuid}/response", body, content_type="application/json"
    )
    assert response.status_code == 422 and response.json()["errors"]
    case.refresh_from_db()
    assert case.state == CaseState.NOTIFIED


def test_malformed_json_is_a_4xx(td):
    case = open_case(td)
    notice = Notice.objects.get(case=case, kind="ntd")
    response = bearer(td.provider, "ntd").post(
        f"/api/v1/notices/{notice.uuid}/response", "{not json", content_type="application/json"
    )
    assert 400 <= response.status_code < 500


# --- answers signed with the webhook secret ----------------------------------------------------


@pytest.fixture
def signed_provider(td, settings):
    settings.OUTBOX_WEBHOOK_SECRETS = {"provider": SECRET}
    services.save_contact_point(
        actor=None,
        organisation=td.provider,
        email="abuse@provider.example",
        language="pl",
        webhook_url="https://hooks.provider.example/ntd",
        webhook_secret_ref="settings:provider",
    )
    return td


def _signed_post(url, body: bytes, header: str):
    return Client().post(url, body, content_type="application/json", HTTP_X_OSTOJA_SIGNATURE=header)


def test_signed_webhook_answer(signed_provider):
    case = open_case(signed_provider)
    notice = Notice.objects.get(case=case, kind="ntd")
    url = f"/api/v1/notices/{notice.uuid}/response"
    body = json.dumps({"action": "removed"}).encode()
    response = _signed_post(url, body, sign(SECRET, body))
    assert response.status_code == 200
    case.refresh_from_db()
    assert case.state == CaseState.REMOVED and case.removal_confirmed_by == "provider_webhook"


def test_forged_altered_and_stale_signatures_are_401_and_logged(signed_provider):
    case = open_case(signed_provider)
    notice = Notice.objects.get(case=case, kind="ntd")
    url = f"/api/v1/notices/{notice.uuid}/response"
    body = json.dumps({"action": "removed"}).encode()
    altered = json.dumps({"action": "removed", "comment": "x"}).encode()
    attempts = [
        (body, sign("not-the-secret-000000000000", body)),  # forged
        (altered, sign(SECRET, body)),  # body altered after signing
        (body, sign(SECRET, body, timestamp=int(time.time()) - 3600)),  # stale (replayed)
        (body, "t=1,v1=zz"),  # malformed
    ]
    for payload, header in attempts:
        assert _signed_post(url, payload, header).status_code == 401
    other = open_case(signed_provider, "https://img.example.net/other")
    other_notice = Notice.objects.get(case=other, kind="ntd")
    # A valid signature for one notice's body does not answer another notice without a secret:
    signed_provider.provider.takedown_contact.webhook_secret_ref = ""
    signed_provider.provider.takedown_contact.save()
    no_secret = _signed_post(
        f"/api/v1/notices/{other_notice.uuid}/response", body, sign(SECRET, body)
    )
    assert no_secret.status_code == 401
    reasons = [
        e.data["reason"]
        for e in AuditEntry.objects.filter(action="takedown.signature.rejected").order_by("seq")
    ]
    assert reasons == ["bad_signature", "bad_signature", "expired", "malformed", "no_secret"]
    case.refresh_from_db()
    assert case.state == CaseState.NOTIFIED
    assert UrlListEntry.objects.filter(removed_at__isnull=True).count() == 2
