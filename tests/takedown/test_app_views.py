"""Takedown pages: analysts' list and item page, supervisors, providers, splash page, appeals,
and providers' signed links (forged, altered, expired…)."""

from __future__ import annotations

import base64
import json
import time

import pytest
from django.test import Client

from ostoja.audit.models import AuditEntry
from ostoja.outbox.models import OutboxMessage
from ostoja.takedown import notices, services, signing
from ostoja.takedown.models import Appeal, Case, CaseState, Notice, ProviderRule, UrlListEntry
from tests.hotline.factories import HotlineFactory
from tests.takedown.conftest import illegal_item, open_case

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


# --- analysts ---------------------------------------------------------------------------------


def test_take_action_button_opens_the_case(td, django_capture_on_commit_callbacks):
    item = illegal_item(td.hotline, td.analyst, "https://files.example.com/button")
    c = client_for(td.analyst)
    page = c.get(f"/en/takedown/items/{item.pk}/")
    html = page.content.decode()
    assert page.status_code == 200 and "Take action" in html
    assert "hxxps://files[.]example[.]com/button" in html
    assert "https://files.example.com" not in html  # never a live address
    with django_capture_on_commit_callbacks(execute=True):
        response = c.post(f"/en/takedown/items/{item.pk}/act/")
    assert response.status_code == 302
    case = Case.objects.get(item=item)
    assert case.state == CaseState.NOTIFIED  # the queued task ran after commit
    again = c.post(f"/en/takedown/items/{item.pk}/act/", follow=True)
    assert "already been taken" in again.content.decode()
    assert Case.objects.count() == 1


def test_item_page_shows_notices_delivery_and_history(td):
    case = open_case(td)
    message = next(
        m for m in OutboxMessage.objects.all() if "abuse@provider.example" in m.recipients
    )
    OutboxMessage.objects.filter(pk=message.pk).update(
        state="pending", attempts=2, last_error="Mail server unreachable: ConnectionRefusedError"
    )
    html = client_for(td.analyst).get(f"/en/takedown/items/{case.item_id}/").content.decode()
    assert "Provider notified" in html and "Hosting Testowy" in html
    assert "Mail server unreachable" in html and "2 attempts" in html
    assert "Police notification" in html and "AS64500" in html
    assert "Set the hosting by hand" not in html  # analysts: no override form
    sup = client_for(td.supervisor).get(f"/en/takedown/items/{case.item_id}/").content.decode()
    assert "Set the hosting by hand" in sup
    listing = client_for(td.analyst).get("/en/takedown/?view=delivery").content.decode()
    assert f"#{case.item_id}" in listing


def test_lists_and_pages_are_scoped_to_the_hotline(td, user_factory):
    case = open_case(td)
    other = HotlineFactory(slug="other-hotline")
    outsider = client_for(user_factory("hotline_supervisor", other))
    assert f"#{case.item_id}" not in outsider.get("/en/takedown/").content.decode()
    for path in ("", "referral.json"):
        assert outsider.get(f"/en/takedown/items/{case.item_id}/{path}").status_code == 404
    for action in ("act", "trace", "override", "check", "resolve"):
        assert outsider.post(f"/en/takedown/items/{case.item_id}/{action}/").status_code == 404


def test_bad_filter_is_a_400(td):
    assert client_for(td.analyst).get("/en/takedown/?view=<script>").status_code == 400


def test_check_form_records_a_removal(td):
    case = open_case(td)
    c = client_for(td.analyst)
    bad = c.post(
        f"/en/takedown/items/{case.item_id}/check/", {"result": "removed", "note": "x" * 2001}
    )
    assert bad.status_code == 400
    ok = c.post(f"/en/takedown/items/{case.item_id}/check/", {"result": "removed"})
    assert ok.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.REMOVED and case.removal_confirmed_by == "analyst"


def test_override_form(td, dns):
    dns.pop("files.example.com")
    case = open_case(td)
    url = f"/en/takedown/items/{case.item_id}/override/"
    data = {"country": "PL", "provider": td.provider.pk, "reason": "CDN in front."}
    # (An analyst may enter an untraced hosting by hand: see test_app_untraced.py.)
    sup = client_for(td.supervisor)
    bad = sup.post(url, {"country": "P1", "reason": ""})
    assert bad.status_code == 400 and "This field is required." in bad.content.decode()
    assert sup.post(url, data).status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.NOTIFIED


def test_supervisor_resolves_a_dispute(td):
    case = open_case(td)
    notice = Notice.objects.get(case=case, kind="ntd")
    services.record_response(notice=notice, action="disputed", via="provider_api", comment="No.")
    sup = client_for(td.supervisor)
    assert f"#{case.item_id}" in sup.get("/en/takedown/supervision/").content.decode()
    url = f"/en/takedown/items/{case.item_id}/resolve/"
    assert sup.post(url, {"decision": "withdraw", "reason": ""}).status_code == 400
    assert sup.post(url, {"decision": "withdraw", "reason": "Agreed."}).status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED


def test_referral_export_download_is_audited(td):
    case = open_case(td, "https://de.example.org/r")
    response = client_for(td.analyst).get(f"/en/takedown/items/{case.item_id}/referral.json")
    assert response.status_code == 200
    export = json.loads(response.content)
    assert export["format"] == "ostoja-referral" and export["respond"]["link"]
    assert AuditEntry.objects.filter(action="takedown.referral.exported").count() == 1
    no_referral = open_case(td, "https://files.example.com/nr")
    url = f"/en/takedown/items/{no_referral.item_id}/referral.json"
    assert client_for(td.analyst).get(url).status_code == 404


# --- provider directory -------------------------------------------------------------------------


def test_provider_directory_forms(td, coordinator):
    c = client_for(coordinator)
    assert c.get("/en/takedown/providers/").status_code == 200
    bad = c.post(
        "/en/takedown/providers/",
        {"form": "rule", "rule-organisation": td.provider.pk, "rule-spec": "AS-1"},
    )
    assert bad.status_code == 400 and "Enter an AS number" in bad.content.decode()
    ok = c.post(
        "/en/takedown/providers/",
        {"form": "rule", "rule-organisation": td.provider.pk, "rule-spec": "198.51.100.0/24"},
    )
    assert ok.status_code == 302
    assert ProviderRule.objects.filter(network="198.51.100.0/24").exists()
    leak = c.post(
        "/en/takedown/providers/",
        {
            "form": "contact",
            "contact-organisation": td.provider.pk,
            "contact-language": "en",
            "contact-webhook_url": "https://hooks.example/x",
            "contact-webhook_secret_ref": "s3cr3t-value",
        },
    )
    assert leak.status_code == 400 and "settings:NAME" in leak.content.decode()
    assert c.post("/en/takedown/providers/", {"form": "???"}).status_code == 400


# --- splash page and appeals ---------------------------------------------------------------------


def test_splash_page_sets_no_cookie_and_points_to_help(db):
    for path in ("/blocked/", "/en/blocked/"):
        response = Client().get(path)
        assert response.status_code == 200
        assert not response.cookies  # not even CSRF: there is no form on this page
        assert response["Cache-Control"] == "no-store"
        html = response.content.decode()
        assert "/blocked/appeal/" in html
        assert "tel:116123" in html and "tel:112" in html
        assert "<script" not in html and "<img" not in html
    assert "Dostęp do tej strony został zablokowany" in Client().get("/blocked/").content.decode()
    english = Client().get("/en/blocked/").content.decode()
    assert "Are you worried about your own thoughts" in english
    assert "help/?audience=audience.worried-about-thoughts" in english


def test_appeal_form_lands_with_the_supervisors(td):
    case = open_case(td)
    client = Client()
    page = client.get("/en/blocked/appeal/")
    assert set(page.cookies) <= {"csrftoken"}
    data = {
        "url": "HTTPS://files.example.com/a/1",
        "email": "owner@site.example",
        "message": "The page was deleted yesterday.",
    }
    response = client.post("/en/blocked/appeal/", data)
    assert response.status_code == 200 and "Appeal received" in response.content.decode()
    appeal = Appeal.objects.get()
    assert appeal.entry == case.urllist_entry and appeal.hotline == td.hotline
    assert appeal.language == "en"
    entry = AuditEntry.objects.get(action="takedown.appeal.received")
    assert "owner@site.example" not in json.dumps(entry.data)
    sup = client_for(td.supervisor)
    assert (
        f"/takedown/appeals/{appeal.pk}/" in sup.get("/en/takedown/supervision/").content.decode()
    )
    detail = sup.get(f"/en/takedown/appeals/{appeal.pk}/").content.decode()
    assert "hxxps://files[.]example[.]com/a/1" in detail
    assert sup.post(f"/en/takedown/appeals/{appeal.pk}/", {"decision": "lifted"}).status_code == 400
    decided = sup.post(
        f"/en/takedown/appeals/{appeal.pk}/", {"decision": "lifted", "note": "Checked: gone."}
    )
    assert decided.status_code == 302
    listed = UrlListEntry.objects.get(case=case)
    assert listed.removed_at and listed.removal_reason == "appeal"
    (reply,) = [m for m in OutboxMessage.objects.all() if "owner@site.example" in m.recipients]
    assert reply.language == "en" and "taken off the block list" in reply.body_text
    assert AuditEntry.objects.filter(action="takedown.appeal.decided").count() == 1
    again = sup.post(f"/en/takedown/appeals/{appeal.pk}/", {"decision": "upheld", "note": "x"})
    assert again.status_code == 302 and Appeal.objects.get().state == "lifted"


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"url": "x", "email": "not-an-address", "message": "m"},
        {"url": "x" * 2049, "email": "a@b.example", "message": "m"},
        {"url": "x", "email": "a@b.example", "message": "m" * 5001},
        {"url": "x", "email": "a@b.example", "message": "bad\x00byte"},
    ],
)
def test_appeal_form_bad_input(td, data):
    response = Client().post("/en/blocked/appeal/", data)
    assert response.status_code == 400 and not Appeal.objects.exists()


def test_appeal_form_honeypot_and_rate_limit(td, settings):
    settings.OSTOJA_TAKEDOWN_RATE_LIMITS = {"appeal": (1, 3600)}
    data = {"url": "https://x.example/", "email": "a@b.example", "message": "m", "website": "bot"}
    assert Client().post("/en/blocked/appeal/", data).status_code == 200
    assert not Appeal.objects.exists()
    data.pop("website")
    assert Client().post("/en/blocked/appeal/", data).status_code == 429
    assert not Appeal.objects.exists()


def test_unlisted_appeal_goes_to_the_receiving_hotline(td, settings):
    settings.OSTOJA_PUBLIC_HOTLINE_SLUG = td.hotline.slug
    data = {"url": "javascript:alert(1)", "email": "a@b.example", "message": "Why?"}
    assert Client().post("/blocked/appeal/", data).status_code == 200
    appeal = Appeal.objects.get()
    assert appeal.entry is None and appeal.hotline == td.hotline and appeal.url_sha256 == ""


# --- providers' signed links ----------------------------------------------------------------------


def _notice_link(td, url="https://files.example.com/link"):
    case = open_case(td, url)
    notice = Notice.objects.get(case=case, kind="ntd")
    return case, notice, notices.make_link(notice).token


def test_provider_confirms_removal_through_the_link(td):
    case, notice, token = _notice_link(td)
    client = Client()
    page = client.get(f"/en/ntd/{token}/")
    html = page.content.decode()
    assert page.status_code == 200 and str(notice.uuid) in html
    assert "files.example.com/link" not in html  # a forwarded link reveals no URL
    assert set(page.cookies) <= {"csrftoken"} and page["Cache-Control"] == "no-store"
    case.refresh_from_db()
    assert case.state == CaseState.NOTIFIED  # a GET (link scanner) changes nothing
    missing = client.post(f"/en/ntd/{token}/", {"action": "disputed", "comment": ""})
    assert missing.status_code == 400
    done = client.post(f"/en/ntd/{token}/", {"action": "removed", "comment": "Gone."})
    assert done.status_code == 200 and "Thank you for removing" in done.content.decode()
    case.refresh_from_db()
    assert case.state == CaseState.REMOVED and case.removal_confirmed_by == "provider_link"
    assert client.post(f"/en/ntd/{token}/", {"action": "removed"}).status_code == 200
    conflict = client.post(f"/en/ntd/{token}/", {"action": "disputed", "comment": "Hm."})
    assert conflict.status_code == 409


def _tamper(token: str) -> str:
    payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["exp"] += 10 * 365 * 86400  # extend the validity: the signature no longer matches
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{forged}.{signature}"


def test_forged_altered_expired_links_are_refused_and_logged(td, settings):
    case, notice, token = _notice_link(td)
    other_key = signing.make_token(
        secret="another-secret-0123456789",
        purpose=notices.LINK_PURPOSE,
        subject=f"notice:{notice.uuid}",
        ttl_seconds=3600,
    )
    wrong_purpose = signing.make_token(
        secret=notices.link_keys()[0],
        purpose="takedown.other",
        subject=f"notice:{notice.uuid}",
        ttl_seconds=3600,
    )
    expired = signing.make_token(
        secret=notices.link_keys()[0],
        purpose=notices.LINK_PURPOSE,
        subject=f"notice:{notice.uuid}",
        ttl_seconds=60,
        now=time.time() - 7200,
    )
    unknown = signing.make_token(
        secret=notices.link_keys()[0],
        purpose=notices.LINK_PURPOSE,
        subject="notice:00000000-0000-0000-0000-000000000000",
        ttl_seconds=3600,
    )
    not_a_uuid = signing.make_token(
        secret=notices.link_keys()[0],
        purpose=notices.LINK_PURPOSE,
        subject="notice:'; DROP TABLE x;--",
        ttl_seconds=3600,
    )
    cases = [
        (_tamper(token), 403, "bad_signature"),
        (token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB"), 403, "bad_signature"),
        (other_key, 403, "bad_signature"),
        (wrong_purpose, 403, "wrong_purpose"),
        (expired, 410, "expired"),
        ("not-a-token", 400, "malformed"),
        ("x" * 1500, 400, "malformed"),
        (unknown, 404, "unknown_notice"),
        (not_a_uuid, 404, "unknown_notice"),
    ]
    for bad, status, reason in cases:
        for method in ("get", "post"):
            response = getattr(Client(), method)(f"/en/ntd/{bad}/", {"action": "removed"})
            assert response.status_code == status, (reason, method)
            assert "cannot be used" in response.content.decode()
    reasons = list(
        AuditEntry.objects.filter(action="takedown.link.rejected").values_list("data", flat=True)
    )
    assert {r["reason"] for r in reasons} == {c[2] for c in cases}
    case.refresh_from_db()
    assert case.state == CaseState.NOTIFIED  # nothing half-written


def test_old_secret_links_still_work_after_rotation(td, settings):
    case, notice, token = _notice_link(td)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-brand-new-secret-key-0123456789abcdefghijklmnopqrstuv"
    assert Client().get(f"/en/ntd/{token}/").status_code == 200


def test_rejected_links_are_rate_limited(td, settings):
    settings.OSTOJA_TAKEDOWN_RATE_LIMITS = {"link": (3, 3600), "bad_link": (1, 3600)}
    codes = [Client().get("/en/ntd/garbage/").status_code for _ in range(4)]
    assert codes == [400, 400, 400, 429]
    assert AuditEntry.objects.filter(action="takedown.link.rejected").count() == 1
