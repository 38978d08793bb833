"""End to end with real protocol peers on loopback: an SMTP server (aiosmtpd) and a webhook
receiver. Report → assessment → trace (fixture .mmdb, fake DNS) → police and NTD notices
delivered by the outbox → the provider confirms through the signed link → the statistics
show the time to removal and the URL list drops the entry. Then the same with the mail
server down while sending."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from ostoja.hotline import services as hotline_services
from ostoja.hotline.models import Item, ItemState
from ostoja.outbox.models import OutboxMessage
from ostoja.outbox.services import deliver_due
from ostoja.outbox.signature import verify_signature
from ostoja.takedown import services, stats, urllist, xarf
from ostoja.takedown.models import CaseState, Notice, UrlListEntry
from tests.hotline.factories import report
from tests.outbox.conftest import SmtpServer, WebhookReceiver
from tests.takedown.conftest import ILLEGAL, PL_IP

pytestmark = pytest.mark.django_db
SECRET = "provider-webhook-secret-0123456789"
LINK = re.compile(r"https://ostoja\.example(/en)?/ntd/[A-Za-z0-9_\-.]+/")


@pytest.fixture
def smtp(settings, monkeypatch):
    from django.core.mail.utils import DNS_NAME

    monkeypatch.setattr(DNS_NAME, "_fqdn", "client.ostoja.test", raising=False)
    server = SmtpServer()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    yield server
    server.stop()


@pytest.fixture
def receiver(settings):
    settings.OUTBOX_WEBHOOK_ALLOW_PRIVATE = True  # the receiver listens on 127.0.0.1
    settings.OUTBOX_WEBHOOK_SECRETS = {"provider": SECRET}
    settings.OUTBOX_WEBHOOK_TIMEOUT = 2
    hooks = WebhookReceiver()
    yield hooks
    hooks.close()


@pytest.fixture
def world(td, receiver):
    services.save_contact_point(
        actor=None,
        organisation=td.provider,
        email="abuse@provider.example",
        language="pl",
        webhook_url=receiver.url,
        webhook_key_id="ostoja-1",
        webhook_secret_ref="settings:provider",
    )
    return td


def _report_and_assess(world, url, django_capture_on_commit_callbacks):
    """The public report and the analyst's assessment, through the hotline's services."""
    submitted = report(world.hotline, [url], channel="web_form")
    item = Item.objects.get(pk=submitted.urls[0].item_id)
    hotline_services.claim_item(item, actor=world.analyst)
    with django_capture_on_commit_callbacks(execute=True):
        hotline_services.assess_item(item, actor=world.analyst, **ILLEGAL)
        # What the hotline's assessment does on commit once wired (idempotent if it already is).
        services.handle_illegal_assessment(actor=world.analyst, item=item)
    item.refresh_from_db()
    return item


def _by_recipient(messages, address):
    return [m for m in messages if address in m["To"]]


def _json_part(message, name):
    for part in message.walk():
        if part.get_filename() == name:
            return json.loads(part.get_payload(decode=True).decode("utf-8"))
    raise AssertionError(f"no {name} in the e-mail")


def _text(message):
    for part in message.walk():
        if part.get_content_type() == "text/plain" and not part.get_filename():
            return part.get_payload(decode=True).decode("utf-8")
    raise AssertionError("no text part")


def test_report_to_removal_end_to_end(world, smtp, receiver, django_capture_on_commit_callbacks):
    smtp.start()
    url = "https://files.example.com/galeria/42"
    item = _report_and_assess(world, url, django_capture_on_commit_callbacks)
    case = item.takedown_case
    assert case.state == CaseState.NOTIFIED and case.hosting_country == "PL"
    assert case.provider == world.provider
    trace = item.hosting_traces.get()
    assert trace.ips == [PL_IP] and trace.asn == 64500 and trace.traced_at

    delivered = deliver_due()
    assert delivered.sent == 3 and delivered.failed == 0 and delivered.retrying == 0

    # The police: Polish e-mail with the X-ARF report.
    (police,) = _by_recipient(smtp.handler.messages, "dyzur@police.example")
    assert url in _text(police)
    assert xarf.validate_report(_json_part(police, "xarf.json")) == []
    # The provider: Polish text, X-ARF v4 part, signed link and API call.
    (ntd,) = _by_recipient(smtp.handler.messages, "abuse@provider.example")
    body = _text(ntd)
    assert "Prosimy o jak najszybsze usunięcie" in body and url in body
    report_json = _json_part(ntd, "xarf.json")
    assert xarf.validate_report(report_json) == [] and report_json["url"] == url
    notice = Notice.objects.get(case=case, kind="ntd")
    assert f"/api/v1/notices/{notice.uuid}/response" in body
    # The provider's webhook: the same notice, HMAC-signed.
    (hook,) = receiver.requests
    verify_signature(SECRET, hook.body, hook.headers["X-Ostoja-Signature"])
    assert hook.headers["X-Ostoja-Key-Id"] == "ostoja-1"
    assert hook.json["notice_id"] == str(notice.uuid) and hook.json["xarf"]["url"] == url

    # The URL is on the block list.
    listed = urllist.feed(None)
    assert [e["url"] for e in listed["entries"]] == [url]
    poll_from = urllist.parse_since(listed["next_since"])

    # The provider confirms through the signed link from the e-mail.
    link = LINK.search(body).group(0)
    path = urlsplit(link).path
    client = Client()
    assert client.get(path).status_code == 200
    confirmed = client.post(path, {"action": "removed", "comment": "Usunięte."})
    assert confirmed.status_code == 200
    case.refresh_from_db()
    item.refresh_from_db()
    assert case.state == CaseState.REMOVED and case.removal_confirmed_by == "provider_link"
    assert item.state == ItemState.REMOVED
    assert services.public_outcome(item) == "removed"

    # The statistics show the time to removal…
    figures = stats.compute([world.hotline.pk], stats.Period())
    overall = figures["times"]["notice_to_removal"]["overall"]
    assert overall["count"] == 1 and overall["open_count"] == 0
    assert overall["median_seconds"] == case.seconds_notice_to_removal
    assert overall["share_within_24h"] == 1.0
    assert figures["totals"]["removed"] == 1 and figures["totals"]["confirmed_illegal"] == 1
    page = Client()
    page.force_login(world.supervisor)
    html = page.get("/en/takedown/stats/").content.decode()
    assert 'role="img"' in html and "Notice → removal" in html
    # …and the URL list drops the entry: gone from the full list, removed_at in the delta.
    assert urllist.feed(None)["entries"] == []
    (change,) = urllist.feed(poll_from)["entries"]
    assert change["url"] == url and change["removed_at"] is not None
    assert UrlListEntry.objects.get().removal_reason == "removed"


def test_mail_server_down_while_sending(world, smtp, receiver, django_capture_on_commit_callbacks):
    # The SMTP server is not running: delivery fails, is retried later, nothing is lost.
    item = _report_and_assess(
        world, "https://files.example.com/down/1", django_capture_on_commit_callbacks
    )
    first = deliver_due()
    assert first.sent == 1  # the webhook got through
    assert first.retrying == 2 and first.failed == 0
    pending = OutboxMessage.objects.filter(kind="email")
    assert all(m.state == "pending" and m.attempts == 1 for m in pending)
    assert all("Mail server unreachable" in m.last_error for m in pending)
    # Analysts see it: on the item page and in the "delivery problems" list.
    analyst = Client()
    analyst.force_login(world.analyst)
    assert (
        "Mail server unreachable" in analyst.get(f"/en/takedown/items/{item.pk}/").content.decode()
    )
    assert f"#{item.pk}" in analyst.get("/en/takedown/?view=delivery").content.decode()
    assert smtp.handler.messages == []

    smtp.start()
    assert deliver_due().total == 0  # not due yet: back-off
    later = timezone.now() + timedelta(hours=2)
    second = deliver_due(now=later)
    assert second.sent == 2 and second.failed == 0
    recipients = sorted(m["To"] for m in smtp.handler.messages)
    assert recipients == ["abuse@provider.example", "dyzur@police.example"]
    # Exactly once each, and once more nothing is due.
    assert len(set(smtp.handler.message_ids())) == 2
    assert deliver_due(now=later + timedelta(hours=2)).total == 0
    assert len(receiver.requests) == 1
    assert OutboxMessage.objects.exclude(state="sent").count() == 0
