"""E-mails composed at delivery: stored in the business transaction with a composer's name and
arguments, rendered once by the deliverer (in the message's language), then sent as stored."""

from __future__ import annotations

import logging

import pytest
from django.core import mail
from django.utils.translation import gettext

from ostoja.outbox import composers, transport
from ostoja.outbox.models import OutboxMessage
from ostoja.outbox.services import (
    OutboxError,
    deliver_due,
    deliver_many,
    enqueue_email,
    enqueue_many,
)

pytestmark = pytest.mark.django_db
State = OutboxMessage.State

CALLS: list[dict] = []


@composers.register("tests.greeting")
def greeting(payload: dict) -> composers.Composed:
    CALLS.append(payload)
    if payload.get("gone"):
        raise OutboxMessage.DoesNotExist("the registration was deleted")
    if payload.get("bug"):
        raise RuntimeError(f"secret detail {payload['bug']}")
    return composers.Composed(
        body_text=f"{gettext('Cancel')}, {payload['name']}\n",
        body_html=f"<p>{payload['name']}</p>",
        attachments=[{"name": "a.ics", "content_type": "text/calendar", "content": "BEGIN"}],
    )


@pytest.fixture(autouse=True)
def _calls():
    CALLS.clear()
    yield
    CALLS.clear()


def composed(key="c1", **args):
    return enqueue_email(
        dedup_key=key,
        to=["anna@example.com"],
        subject="Ticket",
        composer="tests.greeting",
        composer_args={"name": "Anna", **args},
        language="en",
    )


def test_the_row_holds_no_body_until_delivery_then_what_was_sent():
    message, created = composed()
    assert created and message.body_text == "" and message.attachments == []
    assert message.payload == {"name": "Anna"}
    assert CALLS == []  # nothing rendered in the request
    assert deliver_due().sent == 1
    message.refresh_from_db()
    assert message.state == State.SENT
    assert message.body_text == "Cancel, Anna\n"  # rendered in the message's language
    assert message.attachments[0]["name"] == "a.ics"
    [sent] = mail.outbox
    assert sent.body == "Cancel, Anna\n"
    assert sent.alternatives[0][0] == "<p>Anna</p>"
    assert sent.attachments[0][0] == "a.ics"


def test_polish_message_is_composed_in_polish():
    enqueue_email(
        dedup_key="pl",
        to=["jan@example.com"],
        subject="Bilet",
        composer="tests.greeting",
        composer_args={"name": "Jan"},
        language="pl",
    )
    deliver_due()
    assert mail.outbox[0].body == "Anuluj, Jan\n"


def test_a_retry_sends_the_stored_content_without_composing_again(monkeypatch):
    outcomes = [transport.Outcome.retry("down"), transport.Outcome.sent()]
    bodies = []

    def send(message):
        bodies.append(message.body_text)
        return outcomes.pop(0)

    monkeypatch.setattr(transport, "send", send)
    message, _ = composed()
    deliver_due()
    message.refresh_from_db()
    assert message.state == State.PENDING and message.body_text == "Cancel, Anna\n"
    deliver_due(now=message.next_attempt_at)
    message.refresh_from_db()
    assert message.state == State.SENT
    assert bodies == ["Cancel, Anna\n", "Cancel, Anna\n"]
    assert len(CALLS) == 1


def test_what_the_e_mail_was_about_is_gone_fails_permanently():
    message, _ = composed(gone=True)
    deliver_due()
    message.refresh_from_db()
    assert message.state == State.FAILED
    assert "is gone" in message.last_error
    assert mail.outbox == []


def test_a_composer_bug_is_retried_and_its_data_stays_out_of_the_log(caplog):
    message, _ = composed(bug="PESEL 90010112345")
    with caplog.at_level(logging.ERROR, logger="ostoja.outbox.services"):
        deliver_due()
    message.refresh_from_db()
    assert message.state == State.PENDING and message.attempts == 1
    assert message.last_error == "Could not compose the e-mail: RuntimeError"
    assert "RuntimeError" in caplog.text
    assert "90010112345" not in caplog.text and "90010112345" not in message.last_error
    assert mail.outbox == []


def test_a_batch_delivery_composes_too():
    results = enqueue_many(
        [
            {
                "dedup_key": f"b{n}",
                "to": [f"p{n}@example.com"],
                "subject": "Ticket",
                "composer": "tests.greeting",
                "composer_args": {"name": f"P{n}"},
                "language": "en",
            }
            for n in range(3)
        ],
        deliver_on_commit=False,
    )
    report = deliver_many([m.pk for m, _ in results])
    assert report.sent == 3
    assert sorted(m.body for m in mail.outbox) == [f"Cancel, P{n}\n" for n in range(3)]


@pytest.mark.parametrize(
    "overrides, error",
    [
        ({"composer": "tests.nobody"}, "No composer"),
        ({"body_text": "Hello"}, "gets its body from the composer"),
        ({"attachments": [{"name": "x", "content_type": "text/plain", "content": "x"}]}, "gets"),
        ({"composer_args": {"when": object()}}, "not JSON-serialisable"),
        ({"composer_args": ["not", "an", "object"]}, "a JSON object"),
    ],
)
def test_bad_composed_e_mails_are_refused_and_nothing_is_written(overrides, error):
    fields = {
        "dedup_key": "bad",
        "to": ["anna@example.com"],
        "subject": "Ticket",
        "composer": "tests.greeting",
        "composer_args": {"name": "Anna"},
        **overrides,
    }
    with pytest.raises(OutboxError, match=error):
        enqueue_email(**fields)
    assert not OutboxMessage.objects.exists()


def test_two_composers_cannot_share_a_name():
    with pytest.raises(ValueError, match="Two composers"):
        composers.register("tests.greeting")(lambda payload: None)
