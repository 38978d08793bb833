"""Double opt-in, consent records, one-click unsubscribe, and pages that reveal nothing."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ostoja.audit.models import AuditEntry
from ostoja.newsletter import services
from ostoja.newsletter.models import Consent, Issue, Subscriber
from ostoja.outbox.services import deliver_due
from tests.newsletter.helpers import confirmed, make_list

pytestmark = pytest.mark.django_db


def outbox():
    """The e-mails sent so far (the outbox delivers on commit; tests run in a transaction)."""
    deliver_due()
    return mail.outbox


def _link(message) -> str:
    return re.search(r"http://\S+/newsletter/confirm/([A-Za-z0-9_-]+)/", message.body).group(1)


def _signup(client, newsletter, email, language="pl"):
    return client.post(
        reverse("newsletter:index"),
        {"email": email, "lists": [newsletter.pk], "language": language, "consent": "on"},
    )


def test_signup_sends_only_a_confirmation_and_records_consent_without_ip(client):
    nl = make_list()
    response = _signup(client, nl, "Ala@Example.ORG")
    assert response.status_code == 200
    sub = Subscriber.objects.get()
    assert sub.email == "Ala@example.org" and sub.state == "pending"
    assert len(outbox()) == 1 and "Ala@example.org" in outbox()[0].to
    consent = Consent.objects.get(subscriber=sub)
    assert consent.action == "given" and consent.version and consent.text
    assert consent.source == "public sign-up form"
    assert not any("ip" in f.name for f in Consent._meta.get_fields())
    # The page sets no cookie but the CSRF one, and that only for the browser session.
    for cookie in response.cookies.values():
        assert cookie.key == "csrftoken" and not cookie["max-age"] and not cookie["expires"]
    assert response["Cache-Control"] == "no-store"


def test_same_answer_whether_or_not_the_address_is_subscribed(client):
    nl = make_list()
    confirmed(nl, "known@example.org")
    known = _signup(Client(), nl, "known@example.org")
    unknown = _signup(Client(), nl, "new@example.org")
    strip = lambda r: re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", r.content.decode())  # noqa: E731
    assert known.status_code == unknown.status_code == 200
    assert strip(known) == strip(unknown)
    # The confirmed address got no e-mail and did not change.
    assert [m.to for m in outbox()] == [["new@example.org"]]
    assert Subscriber.objects.get(email="known@example.org").state == "confirmed"


def test_repeated_signups_do_not_flood_an_address(client):
    nl = make_list()
    for _ in range(3):
        assert _signup(Client(), nl, "x@example.org").status_code == 200
    assert len(outbox()) == 1


def test_confirmation_link_works_once():
    nl = make_list()
    services.request_subscription(newsletter=nl, email="a@example.org", language="pl", source="t")
    token = _link(outbox()[0])
    client = Client()
    page = client.get(reverse("newsletter:confirm", args=[token]))
    assert page.status_code == 200 and Subscriber.objects.get().state == "pending"  # GET: a button
    assert client.post(reverse("newsletter:confirm", args=[token])).status_code == 200
    sub = Subscriber.objects.get()
    assert sub.state == "confirmed" and sub.confirm_hash == ""
    assert Consent.objects.filter(subscriber=sub, action="confirmed").exists()
    second = client.post(reverse("newsletter:confirm", args=[token]))
    assert second.status_code == 410
    assert AuditEntry.objects.filter(action="newsletter.subscriber.confirmed").count() == 1


def test_expired_confirmation_link_changes_nothing():
    nl = make_list()
    past = timezone.now() - timedelta(hours=49)
    services.request_subscription(
        newsletter=nl, email="a@example.org", language="pl", source="t", now=past
    )
    token = _link(outbox()[0])
    response = Client().post(reverse("newsletter:confirm", args=[token]))
    assert response.status_code == 410
    assert Subscriber.objects.get().state == "pending"


def test_members_list_is_not_open_to_the_public_form():
    nl = make_list(audience="members")
    with pytest.raises(services.NewsletterError):
        services.request_subscription(
            newsletter=nl, email="a@example.org", language="pl", source="t"
        )


@pytest.mark.parametrize("email", ["not-an-address", "a@b\r\nBcc: x@y.z", "x" * 300 + "@ex.org"])
def test_bad_addresses_are_refused(client, email):
    nl = make_list()
    response = _signup(client, nl, email)
    assert response.status_code == 400
    assert not Subscriber.objects.exists() and not outbox()


def test_signup_without_consent_is_refused(client):
    nl = make_list()
    response = client.post(
        reverse("newsletter:index"), {"email": "a@example.org", "lists": [nl.pk], "language": "pl"}
    )
    assert response.status_code == 400 and not Subscriber.objects.exists()


def test_one_click_post_unsubscribes_without_cookie_or_csrf():
    nl = make_list()
    sub = confirmed(nl, "a@example.org")
    client = Client(enforce_csrf_checks=True)
    url = reverse("newsletter:unsubscribe", args=[sub.unsubscribe_token])
    response = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert not response.cookies
    sub.refresh_from_db()
    assert sub.state == "unsubscribed" and sub.ended_at
    assert Consent.objects.filter(subscriber=sub, action="withdrawn").exists()
    # Replayed: the same answer, nothing new.
    again = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert again.status_code == 200 and again.content == response.content
    assert AuditEntry.objects.filter(action="newsletter.subscriber.unsubscribed").count() == 1


def test_forged_unsubscribe_token_changes_nothing_and_reveals_nothing():
    nl = make_list()
    sub = confirmed(nl, "a@example.org")
    client = Client(enforce_csrf_checks=True)
    other = confirmed(nl, "b@example.org").unsubscribe_token
    forged_token = "forged-token-0123456789abcdef"
    real = client.post(reverse("newsletter:unsubscribe", args=[other]))
    forged = client.post(reverse("newsletter:unsubscribe", args=[forged_token]))
    assert forged.status_code == real.status_code == 200
    # The same page, but for the token itself (in the language switcher's links).
    assert forged.content.decode().replace(forged_token, "T") == real.content.decode().replace(
        other, "T"
    )
    sub.refresh_from_db()
    assert sub.state == "confirmed"


def test_get_shows_a_single_button_and_does_not_unsubscribe():
    nl = make_list()
    sub = confirmed(nl, "a@example.org")
    response = Client().get(reverse("newsletter:unsubscribe", args=[sub.unsubscribe_token]))
    assert response.status_code == 200
    assert response.content.decode().count('type="submit"') >= 1
    assert 'id="unsubscribe-button"' in response.content.decode()
    assert not response.cookies
    sub.refresh_from_db()
    assert sub.state == "confirmed"


def test_english_unsubscribe_url_answers_a_post_directly():
    nl = make_list()
    sub = confirmed(nl, "a@example.org", language="en")
    from ostoja.newsletter.addresses import unsubscribe_url

    url = unsubscribe_url(sub.unsubscribe_token, "en")
    assert "/en/newsletter/u/" in url
    response = Client().post(url.split("://", 1)[1].split("/", 1)[1].join(["/", ""]))
    assert response.status_code == 200
    sub.refresh_from_db()
    assert sub.state == "unsubscribed"


def test_member_subscribes_with_account_and_non_member_cannot(world):
    nl = make_list(slug="members", audience="members")
    member = world.client("network_member")
    response = member.post(reverse("newsletter:member_subscribe", args=[nl.pk]))
    assert response.status_code == 302
    sub = Subscriber.objects.get(newsletter=nl)
    assert sub.state == "confirmed" and sub.user == world.users["network_member"]
    assert sub.consents.get().source == "member account"
    outsider = world.client("service_editor")
    assert outsider.post(reverse("newsletter:member_subscribe", args=[nl.pk])).status_code == 403


def test_members_issue_is_404_for_non_members(world):
    members = make_list(slug="members", audience="members")
    issue = Issue.objects.create(
        newsletter=members,
        subject_pl="Tylko dla członków",
        body_pl="x",
        state="sent",
        sent_at=timezone.now(),
    )
    url = reverse("newsletter:archive_issue", args=[issue.pk])
    assert Client().get(url).status_code == 404
    assert world.client("service_editor").get(url).status_code == 404
    assert world.client("network_member").get(url).status_code == 200
    assert "Tylko dla członków" not in Client().get(reverse("newsletter:archive")).content.decode()
    assert (
        "Tylko dla członków"
        in world.client("network_member").get(reverse("newsletter:archive")).content.decode()
    )


def test_draft_is_not_in_the_archive():
    nl = make_list()
    issue = Issue.objects.create(newsletter=nl, subject_pl="Szkic", body_pl="x")
    assert Client().get(reverse("newsletter:archive_issue", args=[issue.pk])).status_code == 404
