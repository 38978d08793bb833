"""``enqueue_many``: the bulk enqueue has the semantics of a loop of ``enqueue_email`` calls."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction

from ostoja.outbox import services
from ostoja.outbox.models import OutboxMessage, idempotency_key
from ostoja.outbox.services import OutboxError, enqueue_email, enqueue_many
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db
State = OutboxMessage.State

#: Fields a caller controls or the outbox derives from them (not ids or timestamps).
COMPARED = [
    "kind",
    "dedup_key",
    "recipients",
    "from_email",
    "subject",
    "body_text",
    "body_html",
    "attachments",
    "headers",
    "language",
    "organisation_id",
    "sensitive",
    "related_type_id",
    "related_id",
    "state",
    "attempts",
    "max_attempts",
    "lease_token",
]


def spec(key: str, **overrides) -> dict:
    fields = {
        "dedup_key": key,
        "to": [f"{key.replace(':', '-')}@example.org"],
        "subject": f"Subject {key}",
        "body_text": f"Body of {key}",
    }
    fields.update(overrides)
    return fields


def snapshot(message: OutboxMessage) -> dict:
    row = OutboxMessage.objects.filter(pk=message.pk).values(*COMPARED).get()
    row["message_id"] = message.message_id
    row["idempotency_key"] = message.idempotency_key
    return row


def test_rows_are_the_same_as_one_by_one():
    org = OrganisationFactory()
    varied = [
        spec("a"),
        spec(
            "b",
            body_html="<p>Hi</p>",
            headers={"X-Ostoja-Reference": "R-1"},
            attachments=[{"name": "a.json", "content_type": "application/json", "content": "{}"}],
            from_email="Ostoja <no-reply@example.org>",
            language="en",
            related=org,
            organisation=org,
            sensitive=True,
            max_attempts=3,
        ),
        spec("c", to="single@example.org", subject="  Trimmed  "),
    ]
    single = [enqueue_email(**{**s, "dedup_key": "one:" + s["dedup_key"]}) for s in varied]
    bulk = enqueue_many([{**s, "dedup_key": "many:" + s["dedup_key"]} for s in varied])
    assert [created for _m, created in bulk] == [True, True, True]
    for (one, _), (many, _) in zip(single, bulk, strict=True):
        a, b = snapshot(one), snapshot(many)
        # Only the key (and what derives from it) differs.
        for derived in ("dedup_key", "message_id", "idempotency_key"):
            assert a.pop(derived) != b.pop(derived)
        assert a == b
    # The returned instances are the stored rows, not unsaved copies.
    for message, _ in bulk:
        assert message.pk is not None
        assert snapshot(message)["max_attempts"] == message.max_attempts
        assert message.next_attempt_at is not None and message.state == State.PENDING


def test_message_id_and_idempotency_key_follow_the_dedup_key_alone():
    ((one, _),) = enqueue_many([spec("takedown:notice:42")])
    assert one.message_id == OutboxMessage(dedup_key="takedown:notice:42").message_id
    assert one.idempotency_key == idempotency_key("takedown:notice:42")
    # A second enqueue of the same key (single or bulk) returns the same message and id.
    again, created = enqueue_email(**spec("takedown:notice:42", subject="Other"))
    assert not created and again.pk == one.pk and again.message_id == one.message_id


def test_keys_already_stored_are_returned_unchanged():
    stored, _ = enqueue_email(**spec("k1"))
    results = enqueue_many(
        [spec("k0"), spec("k1", subject="Changed", to=["x@example.org"]), spec("k2")]
    )
    assert [created for _m, created in results] == [True, False, True]
    assert results[1][0].pk == stored.pk
    stored.refresh_from_db()
    assert stored.subject == "Subject k1" and stored.recipients == ["k1@example.org"]
    assert OutboxMessage.objects.count() == 3


def test_a_key_repeated_in_the_batch_is_stored_once_from_its_first_occurrence(monkeypatch):
    # Across chunk boundaries too: chunks of two, the repeat of "d1" in the third chunk.
    monkeypatch.setattr(services, "ENQUEUE_MANY_CHUNK", 2)
    results = enqueue_many(
        [spec("d1"), spec("d1", subject="second"), spec("d2"), spec("d3"), spec("d1", subject="x")]
    )
    assert [created for _m, created in results] == [True, False, True, True, False]
    first = results[0][0]
    assert results[1][0] is first and results[4][0].pk == first.pk
    assert OutboxMessage.objects.get(dedup_key="d1").subject == "Subject d1"
    assert OutboxMessage.objects.count() == 3
    # The same as one by one: a second run changes nothing and creates nothing.
    again = enqueue_many([spec("d1"), spec("d2"), spec("d3")])
    assert [created for _m, created in again] == [False, False, False]
    assert [m.pk for m, _ in again] == [m.pk for m, _ in results[:1] + results[2:4]]


def test_results_and_ids_follow_the_input_order(monkeypatch):
    monkeypatch.setattr(services, "ENQUEUE_MANY_CHUNK", 3)
    keys = [f"order:{n}" for n in (5, 1, 4, 2, 3, 9, 0)]
    results = enqueue_many([spec(k) for k in keys])
    assert [m.dedup_key for m, _ in results] == keys
    pks = [m.pk for m, _ in results]
    assert pks == sorted(pks)
    # The outbox's listing order (newest first) is the reverse of the input, as one by one.
    assert list(OutboxMessage.objects.values_list("dedup_key", flat=True)) == keys[::-1]


def test_a_rolled_back_business_change_leaves_no_message(django_capture_on_commit_callbacks):
    enqueue_email(**spec("kept"))
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        enqueue_many([spec("gone:1"), spec("gone:2"), spec("kept")])
        assert OutboxMessage.objects.count() == 3  # visible inside the transaction
        raise RuntimeError("the business change failed")
    assert list(OutboxMessage.objects.values_list("dedup_key", flat=True)) == ["kept"]
    assert callbacks == [] and mail.outbox == []


def test_messages_are_delivered_after_commit_and_only_the_new_ones(
    django_capture_on_commit_callbacks,
):
    old, _ = enqueue_email(**spec("old"))
    OutboxMessage.objects.filter(pk=old.pk).update(state=State.SENT)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        results = enqueue_many([spec("n1"), spec("old"), spec("n2"), spec("n1")])
        assert mail.outbox == []  # nothing leaves before the commit
    assert sorted(m.to[0] for m in mail.outbox) == ["n1@example.org", "n2@example.org"]
    sent_ids = {m.message()["Message-ID"] for m in mail.outbox}
    assert sent_ids == {results[0][0].message_id, results[2][0].message_id}
    assert set(OutboxMessage.objects.values_list("state", flat=True)) == {State.SENT}


def test_a_caller_that_delivers_the_batch_itself_gets_no_task_per_message(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        results = enqueue_many([spec("batch:1"), spec("batch:2")], deliver_on_commit=False)
    assert callbacks == [] and mail.outbox == []
    # Stored and due: the caller's deliver_many (or the sweep) sends them.
    report = services.deliver_many([m.pk for m, _ in results])
    assert report.sent == 2 and len(mail.outbox) == 2


def test_one_invalid_item_refuses_the_batch_and_nothing_is_written():
    with pytest.raises(OutboxError):
        enqueue_many([spec("fine:1"), spec("bad", to=["not an address"]), spec("fine:2")])
    with pytest.raises(OutboxError):
        enqueue_many([spec("fine:3"), spec("bad", headers={"Message-ID": "<forged@x>"})])
    with pytest.raises(OutboxError):
        enqueue_many([spec("fine:4"), "not a mapping"])
    assert OutboxMessage.objects.count() == 0
    assert enqueue_many([]) == []


def test_a_few_statements_per_chunk_not_per_message(django_assert_max_num_queries, monkeypatch):
    monkeypatch.setattr(services, "ENQUEUE_MANY_CHUNK", 50)
    enqueue_email(**spec("bulk:7"))
    # Per chunk: a SELECT of the keys, a savepoint, the INSERT (SQLite's limit of bound
    # parameters splits 50 rows into two statements), its release; plus the savepoint around
    # the whole call. One by one, 100 messages cost 400 statements.
    with django_assert_max_num_queries(12) as captured:
        results = enqueue_many([spec(f"bulk:{n}") for n in range(100)])
    selects = [q for q in captured.captured_queries if q["sql"].startswith("SELECT")]
    assert len(selects) == 2
    assert sum(created for _m, created in results) == 99
    assert OutboxMessage.objects.count() == 100


def test_a_key_stored_concurrently_after_the_select_falls_back_to_one_by_one(monkeypatch):
    """Another transaction commits a key between our SELECT and our INSERT: the INSERT fails
    on the unique key, the chunk is stored one at a time and the caller's transaction goes on."""
    theirs, _ = enqueue_email(**spec("race:2", subject="Theirs"))
    monkeypatch.setattr(services, "_stored", lambda keys: {})  # the SELECT did not see it
    with transaction.atomic():
        results = enqueue_many([spec("race:1"), spec("race:2"), spec("race:3")])
        assert OutboxMessage.objects.count() == 3  # the transaction is still usable
    assert [created for _m, created in results] == [True, False, True]
    assert results[1][0].pk == theirs.pk and results[1][0].subject == "Theirs"
    assert results[0][0].pk < results[2][0].pk  # the new ones in input order
    assert OutboxMessage.objects.count() == 3
