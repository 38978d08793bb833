"""The staff page: who sees which messages and details; "retry now"."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from ostoja.audit.models import AuditEntry
from ostoja.organisations.roles import Role
from ostoja.outbox.models import OutboxMessage
from tests.conftest import login, make_user
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db
State = OutboxMessage.State


def message(key, org=None, state=State.FAILED, **fields):
    defaults = {
        "kind": OutboxMessage.Kind.EMAIL,
        "recipients": ["abuse@hosting.example"],
        "subject": f"Subject {key}",
        "body_text": "Body text never shown",
        "last_error": f"Error {key}",
        "attempts": 2,
    }
    defaults.update(fields)
    return OutboxMessage.objects.create(dedup_key=key, organisation=org, state=state, **defaults)


@pytest.fixture
def hotlines():
    return OrganisationFactory(kind="hotline"), OrganisationFactory(kind="hotline")


def test_supervisor_sees_only_own_hotline_messages_with_details(hotlines):
    mine, theirs = hotlines
    message("mine", mine, sensitive=True)
    message("theirs", theirs)
    message("platform")
    client = login(Client(), make_user(Role.HOTLINE_SUPERVISOR, mine))
    page = client.get(reverse("outbox:list")).content.decode()
    assert "Subject mine" in page and "Error mine" in page
    assert "Subject theirs" not in page and "Subject platform" not in page
    assert "Body text never shown" not in page


def test_coordinator_sees_all_but_not_sensitive_details(hotlines):
    mine, _ = hotlines
    message("notice", mine, sensitive=True)
    message("platform")
    client = login(Client(), make_user(Role.COORDINATOR))
    page = client.get(reverse("outbox:list")).content.decode()
    assert "Subject platform" in page and "Error platform" in page
    assert "Subject notice" not in page and "Error notice" not in page
    assert "abuse@hosting.example" in page  # delivery facts stay visible


def test_filters_and_bad_filter_values(hotlines):
    mine, _ = hotlines
    message("failed", mine)
    message("done", mine, state=State.SENT, last_error="")
    client = login(Client(), make_user(Role.HOTLINE_SUPERVISOR, mine))
    default = client.get(reverse("outbox:list")).content.decode()
    assert "Subject failed" in default and "Subject done" not in default
    sent = client.get(reverse("outbox:list"), {"state": "sent"}).content.decode()
    assert "Subject done" in sent and "Subject failed" not in sent
    every = client.get(reverse("outbox:list"), {"state": "all", "kind": "email"})
    assert "Subject done" in every.content.decode()
    for bad in ({"state": "<script>"}, {"kind": "fax"}, {"state": "x" * 5000}):
        response = client.get(reverse("outbox:list"), bad)
        assert response.status_code == 400
        assert b"<script>" not in response.content
    assert client.get(reverse("outbox:list"), {"page": "999999"}).status_code == 200


def test_retry_now_from_the_page_is_audited(hotlines, django_capture_on_commit_callbacks):
    mine, _ = hotlines
    m = message("retry-me", mine)
    supervisor = make_user(Role.HOTLINE_SUPERVISOR, mine)
    client = login(Client(), supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("outbox:retry", args=[m.pk]), {"state": "all"})
    assert response.status_code == 302
    assert response["Location"].endswith("?state=all")
    m.refresh_from_db()
    assert m.state == State.SENT  # locmem backend in tests: it went out at once
    entry = AuditEntry.objects.get(action="outbox.message.retried")
    assert entry.actor_id == supervisor.pk and entry.target_id == str(m.pk)


def test_retry_of_another_hotlines_message_is_404_and_get_is_405(hotlines):
    mine, theirs = hotlines
    other = message("theirs", theirs)
    client = login(Client(), make_user(Role.HOTLINE_SUPERVISOR, mine))
    assert client.post(reverse("outbox:retry", args=[other.pk])).status_code == 404
    assert client.post(reverse("outbox:retry", args=[987654])).status_code == 404
    assert client.get(reverse("outbox:retry", args=[other.pk])).status_code == 405
    other.refresh_from_db()
    assert other.state == State.FAILED
    assert not AuditEntry.objects.filter(action="outbox.message.retried").exists()


def test_retrying_a_sent_message_explains_why_not(hotlines):
    mine, _ = hotlines
    done = message("done", mine, state=State.SENT)
    client = login(Client(), make_user(Role.HOTLINE_SUPERVISOR, mine))
    with translation.override("en"):
        url = reverse("outbox:retry", args=[done.pk])
    response = client.post(url, follow=True)
    assert response.redirect_chain[-1][0] == "/en/outbox/"
    assert "already been sent" in response.content.decode()
    assert not AuditEntry.objects.filter(action="outbox.message.retried").exists()


def test_english_page_and_no_inline_script_or_style(hotlines):
    mine, _ = hotlines
    message("x", mine)
    client = login(Client(), make_user(Role.HOTLINE_SUPERVISOR, mine))
    with translation.override("pl"):
        pl = client.get(reverse("outbox:list")).content.decode()
    with translation.override("en"):
        en = client.get(reverse("outbox:list")).content.decode()
    assert "Retry now" in en and "Retry now" not in pl and "Ponów teraz" in pl
    for page in (pl, en):
        assert "<script" not in page and "style=" not in page


def test_cancelled_messages_leave_the_attention_list_show_why_and_cannot_be_retried(hotlines):
    from django.utils import timezone

    mine, _ = hotlines
    gone = message(
        "gone",
        mine,
        state=State.CANCELLED,
        cancel_reason="The content was removed",  # a takedown reason, translated on the page
        cancelled_at=timezone.now(),
    )
    message("failed", mine)
    client = login(Client(), make_user(Role.HOTLINE_SUPERVISOR, mine))
    default = client.get("/en/outbox/").content.decode()
    assert "Subject failed" in default and "Subject gone" not in default
    listed = client.get("/en/outbox/", {"state": "cancelled"}).content.decode()
    assert "Subject gone" in listed and "Subject failed" not in listed
    assert "The content was removed" in listed and "Cancelled" in listed
    assert f"/outbox/{gone.pk}/retry/" not in listed  # no retry button
    polish = client.get("/outbox/", {"state": "cancelled"}).content.decode()
    assert "Treść została usunięta" in polish and "Anulowano" in polish
    response = client.post(f"/en/outbox/{gone.pk}/retry/", follow=True)
    assert "was cancelled" in response.content.decode()
    gone.refresh_from_db()
    assert gone.state == State.CANCELLED
    assert not AuditEntry.objects.filter(action="outbox.message.retried").exists()
