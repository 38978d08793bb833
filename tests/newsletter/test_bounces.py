"""Bounces from the mailbox and the provider webhook: hard stops, soft counts, unknown ignored."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from ostoja.newsletter import addresses, bounces, services
from ostoja.newsletter.models import Bounce, Issue, Subscriber
from ostoja.outbox.models import OutboxMessage
from tests.newsletter.conftest import dsn
from tests.newsletter.helpers import confirmed, make_list

pytestmark = pytest.mark.django_db


@pytest.fixture
def issue(db):
    nl = make_list()
    return Issue.objects.create(newsletter=nl, subject_pl="N", body_pl="x", state="sent")


def test_hard_bounce_to_the_verp_address_stops_delivery(issue, tmp_path):
    sub = confirmed(issue.newsletter, "gone@example.org")
    path = tmp_path / "bounce.eml"
    path.write_bytes(dsn(to=addresses.verp_address(sub.pk, issue.pk), failed="gone@example.org"))
    call_command("newsletter_read_bounces", "--file", str(path))
    sub.refresh_from_db()
    assert sub.state == "stopped" and sub.stop_kind == "hard"
    assert "5.1.1" in sub.stop_reason
    assert Bounce.objects.get().issue == issue


def test_verp_alone_identifies_the_subscriber_even_if_the_report_names_another_address(issue):
    sub = confirmed(issue.newsletter, "alias@example.org")
    raw = dsn(to=addresses.verp_address(sub.pk, issue.pk), failed="real-mailbox@example.net")
    assert bounces.process_message(raw).stopped == 1


def test_forged_verp_address_is_ignored(issue):
    sub = confirmed(issue.newsletter, "a@example.org")
    forged = f"bounce+{sub.pk}.{issue.pk}.000000000000@x"
    report = bounces.process_message(dsn(to=forged, failed="other@example.net"))
    assert report.ignored == 1
    sub.refresh_from_db()
    assert sub.state == "confirmed" and not Bounce.objects.exists()


def test_bounce_for_an_unknown_address_changes_nothing(issue):
    sub = confirmed(issue.newsletter, "a@example.org")
    report = bounces.process_message(dsn(to="bounce@x", failed="nobody@example.net"))
    assert report.ignored == 1 and report.stopped == 0
    assert not Bounce.objects.exists()
    sub.refresh_from_db()
    assert sub.state == "confirmed"


def test_without_verp_the_failed_address_is_matched(issue):
    sub = confirmed(issue.newsletter, "Old@Example.org")
    assert bounces.process_message(dsn(to="bounce@x", failed="old@example.org")).stopped == 1
    sub.refresh_from_db()
    assert sub.state == "stopped"


def test_soft_bounces_count_once_a_day_up_to_the_threshold(issue, settings):
    settings.NEWSLETTER_SOFT_BOUNCE_THRESHOLD = 3
    sub = confirmed(issue.newsletter, "full@example.org")
    start = timezone.now()
    outcomes = []
    for day, repeat in ((0, 3), (1, 1), (2, 1)):
        for _ in range(repeat):
            outcomes.append(
                services.record_bounce(
                    subscriber_id=sub.pk,
                    issue_id=issue.pk,
                    kind="soft",
                    source="test",
                    detail="452 4.2.2 Mailbox full",
                    now=start + timedelta(days=day),
                )
            )
    assert outcomes == ["counted", "counted", "counted", "counted", "stopped"]
    sub.refresh_from_db()
    assert sub.state == "stopped" and sub.stop_kind == "soft" and sub.bounce_score == 3


def test_old_soft_bounces_are_forgotten(issue):
    sub = confirmed(issue.newsletter, "a@example.org")
    start = timezone.now()
    for day in (0, 1, 2, 3, 20):
        services.record_bounce(
            subscriber_id=sub.pk,
            issue_id=None,
            kind="soft",
            source="t",
            detail="",
            now=start + timedelta(days=day),
        )
    sub.refresh_from_db()
    assert sub.state == "confirmed" and sub.bounce_score == 1


def test_delayed_dsn_is_a_soft_bounce(issue):
    sub = confirmed(issue.newsletter, "slow@example.org")
    raw = dsn(
        to=addresses.verp_address(sub.pk, issue.pk),
        failed="slow@example.org",
        action="delayed",
        status="4.2.2",
    )
    assert bounces.process_message(raw).counted == 1
    sub.refresh_from_db()
    assert sub.state == "confirmed" and sub.bounce_score == 1


def test_hard_bounce_cancels_queued_messages(issue):
    sub = confirmed(issue.newsletter, "gone@example.org")
    from ostoja.newsletter import sending

    issue2 = Issue.objects.create(
        newsletter=issue.newsletter,
        subject_pl="N2",
        body_pl="x",
        state="scheduled",
        scheduled_at=timezone.now(),
    )
    assert sending.enqueue_issue(issue2.pk) == 1
    bounces.process_message(dsn(to=addresses.verp_address(sub.pk, issue.pk), failed=sub.email))
    assert OutboxMessage.objects.get(dedup_key__startswith="newsletter:issue:").state == "cancelled"


def test_mailto_unsubscribe_in_the_mailbox(issue):
    sub = confirmed(issue.newsletter, "a@example.org")
    raw = (
        f"From: a@example.org\r\nTo: {addresses.unsubscribe_mailto(sub.unsubscribe_token)}\r\n"
        "Subject: unsubscribe\r\n\r\n"
    ).encode()
    assert bounces.process_message(raw).unsubscribed == 1
    sub.refresh_from_db()
    assert sub.state == "unsubscribed"


def test_garbage_is_ignored(issue):
    assert bounces.process_message(b"\x00\xff not a message").ignored == 1
    assert bounces.process_message(b"x" * (bounces.MAX_MESSAGE + 1)).ignored == 1


def test_imap_reader_processes_and_deletes(issue, settings, monkeypatch):
    sub = confirmed(issue.newsletter, "gone@example.org")
    raw = dsn(to=addresses.verp_address(sub.pk, issue.pk), failed=sub.email)
    calls = []

    class FakeImap:
        def __init__(self, host, port):
            calls.append(("connect", host, port))

        def login(self, user, password):
            calls.append(("login", user))

        def select(self, folder):
            calls.append(("select", folder))

        def search(self, charset, criterion):
            return "OK", [b"1"]

        def fetch(self, number, what):
            return "OK", [(b"1 (RFC822 {100}", raw), b")"]

        def store(self, number, op, flag):
            calls.append(("store", number, flag))

        def expunge(self):
            calls.append(("expunge",))

        def close(self):
            pass

        def logout(self):
            calls.append(("logout",))

    monkeypatch.setattr(bounces.imaplib, "IMAP4_SSL", FakeImap)
    settings.NEWSLETTER_BOUNCE_MAILBOX = {
        "protocol": "imap",
        "host": "imap.example.org",
        "user": "b",
    }
    report = bounces.read_mailbox()
    assert report.stopped == 1
    assert ("store", b"1", "\\Deleted") in calls and ("expunge",) in calls
    sub.refresh_from_db()
    assert sub.state == "stopped"


def test_pop3_reader(issue, settings, monkeypatch):
    sub = confirmed(issue.newsletter, "gone@example.org")
    raw = dsn(to=addresses.verp_address(sub.pk, issue.pk), failed=sub.email)
    deleted = []

    class FakePop:
        def __init__(self, host, port):
            pass

        def user(self, u):
            pass

        def pass_(self, p):
            pass

        def stat(self):
            return 1, len(raw)

        def retr(self, n):
            return b"+OK", raw.split(b"\r\n"), len(raw)

        def dele(self, n):
            deleted.append(n)

        def quit(self):
            pass

    monkeypatch.setattr(bounces.poplib, "POP3", FakePop)
    settings.NEWSLETTER_BOUNCE_MAILBOX = {
        "protocol": "pop3",
        "host": "pop.example.org",
        "ssl": False,
    }
    assert bounces.read_mailbox().stopped == 1 and deleted == [1]


def test_reader_without_mailbox_says_so(capsys):
    call_command("newsletter_read_bounces")
    assert "No bounce mailbox configured" in capsys.readouterr().out


# --- webhook --------------------------------------------------------------------------------

URL = "/api/v1/newsletter/bounces"


def test_webhook_is_absent_without_a_secret(issue):
    assert Client().post(URL, "{}", content_type="application/json").status_code == 404


def test_webhook_refuses_a_wrong_token(issue, settings):
    settings.NEWSLETTER_BOUNCE_WEBHOOK_SECRET = "s3cret-0123456789"
    response = Client().post(
        URL, "{}", content_type="application/json", HTTP_AUTHORIZATION="Bearer wrong"
    )
    assert response.status_code == 401


def test_webhook_json_events(issue, settings):
    settings.NEWSLETTER_BOUNCE_WEBHOOK_SECRET = "s3cret-0123456789"
    sub = confirmed(issue.newsletter, "gone@example.org")
    body = {
        "events": [
            {"recipient": "gone@example.org", "type": "hard", "reason": "550 no such user"},
            {"recipient": "nobody@example.net", "type": "hard"},
        ]
    }
    response = Client().post(
        URL,
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer s3cret-0123456789",
    )
    assert response.status_code == 200 and response.json() == {"processed": 2}
    sub.refresh_from_db()
    assert sub.state == "stopped" and sub.stop_reason == "550 no such user"
    assert Subscriber.objects.count() == 1


def test_webhook_raw_dsn_and_bad_json(issue, settings):
    settings.NEWSLETTER_BOUNCE_WEBHOOK_SECRET = "s3cret-0123456789"
    sub = confirmed(issue.newsletter, "gone@example.org")
    auth = {"HTTP_AUTHORIZATION": "Bearer s3cret-0123456789"}
    raw = dsn(to=addresses.verp_address(sub.pk, issue.pk), failed=sub.email)
    assert Client().post(URL, raw, content_type="message/rfc822", **auth).status_code == 200
    sub.refresh_from_db()
    assert sub.state == "stopped"
    bad = Client().post(URL, "{not json", content_type="application/json", **auth)
    assert bad.status_code == 400
    wrong_type = Client().post(
        URL,
        json.dumps({"events": [{"recipient": "a@b.c", "type": "maybe"}]}),
        content_type="application/json",
        **auth,
    )
    assert wrong_type.status_code == 400
