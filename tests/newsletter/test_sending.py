"""Sending issues: exactly once, each with its own links and RFC 8058 headers, VERP, DKIM."""

from __future__ import annotations

import re
from email.header import decode_header, make_header

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from ostoja.audit.models import AuditEntry
from ostoja.newsletter import addresses, sending, services
from ostoja.newsletter.models import Issue, Subscriber
from ostoja.outbox.models import OutboxMessage
from tests.newsletter.helpers import confirmed, make_list

pytestmark = pytest.mark.django_db


def _issue(nl, coordinator, english=True, body="Treść **numeru**.\n\n<script>alert(1)</script>"):
    return services.save_issue(
        actor=coordinator,
        newsletter=nl,
        subject_pl="Numer grudniowy",
        body_pl=body,
        subject_en="December issue" if english else "",
        body_en="The **issue** text." if english else "",
    )


@pytest.fixture
def coordinator(world):
    return world.users["coordinator"]


def _subject(message) -> str:
    return str(make_header(decode_header(message["Subject"])))


def _parts(message) -> dict:
    return {
        p.get_content_type(): p.get_payload(decode=True).decode()
        for p in message.walk()
        if not p.is_multipart()
    }


def test_issue_goes_out_once_per_subscriber_with_its_own_links(smtp, coordinator):
    nl = make_list()
    pl = confirmed(nl, "pl@example.org", "pl")
    en = confirmed(nl, "en@example.org", "en")
    Subscriber.objects.create(
        newsletter=nl, email="pending@example.org", unsubscribe_token="p" * 20
    )
    gone = confirmed(nl, "gone@example.org")
    services.unsubscribe(gone.unsubscribe_token, source="test")
    issue = services.schedule_issue(actor=coordinator, issue=_issue(nl, coordinator))
    result = sending.run_due()
    assert result["started"] == {issue.pk: 2} and result["sent"] == 2
    assert sending.run_due() == {"started": {}, "sent": 0, "failed": 0}  # nothing twice
    assert sorted(r.rcpt_tos[0] for r in smtp.received) == ["en@example.org", "pl@example.org"]
    by_to = {r.rcpt_tos[0]: r for r in smtp.received}
    for sub, subject in ((pl, "Numer grudniowy"), (en, "December issue")):
        received = by_to[sub.email]
        message = received.message
        assert _subject(message) == subject
        assert addresses.parse_verp(received.mail_from) == (sub.pk, issue.pk)
        assert message["From"] == "Ostoja <no-reply@ostoja.invalid>"
        assert message["List-Id"] == f"<{nl.slug}.lists.ostoja.example.org>"
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        unsub = message["List-Unsubscribe"]
        https = re.search(r"<(https://[^>]+)>", unsub).group(1)
        assert sub.unsubscribe_token in https
        assert f"<mailto:unsubscribe+{sub.unsubscribe_token}@lists.ostoja.example.org" in unsub
        parts = _parts(message)
        assert set(parts) == {"text/plain", "text/html"}
        assert https in parts["text/plain"] and https.replace("&", "&amp;") in parts["text/html"]
        assert "<script>" not in parts["text/html"]
    assert "<strong>numeru</strong>" in _parts(by_to["pl@example.org"].message)["text/html"]
    issue.refresh_from_db()
    assert issue.state == "sent" and issue.recipients == 2
    assert AuditEntry.objects.filter(action="newsletter.issue.sent").count() == 1


def test_members_issue_goes_only_to_current_members(world, coordinator):
    nl = make_list(slug="members", audience="members")
    member = world.users["network_member"]
    outsider = world.users["service_editor"]
    confirmed(nl, member.email, user=member)
    confirmed(nl, outsider.email, user=outsider)  # e.g. their organisation left the partnership
    services.schedule_issue(actor=coordinator, issue=_issue(nl, coordinator))
    sending.run_due()
    assert [m.to for m in mail.outbox] == [[member.email]]


def test_scheduled_in_the_future_waits(coordinator, world):
    nl = make_list()
    confirmed(nl, "a@example.org")
    later = timezone.now() + timezone.timedelta(hours=2)
    issue = services.schedule_issue(actor=coordinator, issue=_issue(nl, coordinator), at=later)
    assert sending.run_due()["started"] == {}
    assert sending.run_due(now=later + timezone.timedelta(minutes=1))["started"] == {issue.pk: 1}


def test_unsubscribing_after_the_issue_was_queued_cancels_the_message(coordinator):
    nl = make_list()
    sub = confirmed(nl, "a@example.org")
    issue = services.schedule_issue(actor=coordinator, issue=_issue(nl, coordinator))
    assert sending.enqueue_issue(issue.pk) == 1
    services.unsubscribe(sub.unsubscribe_token, source="test")
    assert sending.deliver().sent == 0
    assert OutboxMessage.objects.get(dedup_key__startswith="newsletter:issue:").state == "cancelled"
    assert not mail.outbox


def test_child_data_blocks_sending_until_confirmed(coordinator):
    nl = make_list()
    issue = _issue(nl, coordinator, body="Ania Nowak, ur. 3.05.2015, prosi o pomoc.")
    with pytest.raises(services.NewsletterError):
        services.schedule_issue(actor=coordinator, issue=issue)
    assert Issue.objects.get(pk=issue.pk).state == "draft"
    services.schedule_issue(actor=coordinator, issue=issue, child_data_confirmed=True)
    assert Issue.objects.get(pk=issue.pk).state == "scheduled"


def test_sent_issue_cannot_be_edited(coordinator):
    nl = make_list()
    issue = services.schedule_issue(actor=coordinator, issue=_issue(nl, coordinator))
    sending.run_due()
    with pytest.raises(services.NewsletterError):
        services.save_issue(
            actor=coordinator, newsletter=nl, issue=issue, subject_pl="x", body_pl="y"
        )


def test_only_coordinators_write_issues(world):
    nl = make_list()
    with pytest.raises(services.NewsletterError):
        _issue(nl, world.users["network_member"])


def _rsa_key():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    import base64

    return private, b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)


def test_dkim_signature_verifies_and_covers_the_unsubscribe_headers(smtp, settings, coordinator):
    private, txt = _rsa_key()
    settings.NEWSLETTER_DKIM = {"selector": "nl", "domain": "ostoja.example.org", "key": private}
    nl = make_list()
    confirmed(nl, "a@example.org")
    services.schedule_issue(actor=coordinator, issue=_issue(nl, coordinator))
    sending.run_due()
    (received,) = smtp.received
    raw = received.raw
    assert raw.startswith(b"DKIM-Signature:")

    def dns(name, timeout=5):
        assert name == b"nl._domainkey.ostoja.example.org."
        return txt

    assert dkim.verify(raw, dnsfunc=dns)
    signature = received.message["DKIM-Signature"]
    signed = re.search(r"h=([^;]+)", re.sub(r"\s", "", signature)).group(1).lower().split(":")
    assert {"list-unsubscribe", "list-unsubscribe-post", "from", "subject"} <= set(signed)
    # A changed unsubscribe header no longer verifies.
    tampered = raw.replace(
        b"List-Unsubscribe-Post: List-Unsubscribe=One-Click", b"List-Unsubscribe-Post: x"
    )
    assert not dkim.verify(tampered, dnsfunc=dns)


def test_coordinator_pages_compose_preview_test_and_send(world, coordinator):
    client = world.client("coordinator")
    response = client.post(
        reverse("newsletter:list_new"),
        {"name": "Publiczny", "slug": "publiczny", "description": "", "audience": "public"},
    )
    assert response.status_code == 302
    nl = make_list.__globals__["NewsletterList"].objects.get(slug="publiczny")
    confirmed(nl, "reader@example.org")
    data = {"subject_pl": "Temat", "body_pl": "**Gruby** tekst", "subject_en": "", "body_en": ""}
    preview = client.post(reverse("newsletter:issue_new", args=[nl.pk]), data)
    assert preview.status_code == 302  # a new issue is saved first
    issue = Issue.objects.get()
    page = client.post(
        reverse("newsletter:issue_edit", args=[issue.pk]), {**data, "action": "preview"}
    )
    assert "<strong>Gruby</strong>" in page.content.decode()
    client.post(
        reverse("newsletter:issue_edit", args=[issue.pk]), {"action": "test", "language": "pl"}
    )
    from ostoja.outbox.services import deliver_due

    deliver_due()
    assert [m.to for m in mail.outbox] == [[coordinator.email]]
    assert mail.outbox[0].subject.startswith("[TEST]")
    response = client.post(
        reverse("newsletter:issue_edit", args=[issue.pk]), {"action": "schedule", "at": ""}
    )
    assert response.status_code == 302
    issue.refresh_from_db()
    assert issue.state == "sent"  # the immediate task backend ran the send
    assert [m.to for m in mail.outbox][1:] == [["reader@example.org"]]
    assert client.get(reverse("newsletter:issue_edit", args=[issue.pk])).status_code == 200
    assert client.get(reverse("newsletter:list_detail", args=[nl.pk])).status_code == 200
