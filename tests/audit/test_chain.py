import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from ostoja.audit.models import AppendOnlyError, AuditEntry
from ostoja.audit.services import Action, log_action, log_actions, verify_chain
from ostoja.core.request_context import current_request_id

pytestmark = pytest.mark.django_db


def test_entries_form_a_chain_and_verify():
    a = log_action("tests.thing.created", data={"n": 1})
    b = log_action("tests.thing.changed", data={"n": 2, "nested": {"ok": True}})
    assert (a.seq, b.seq) == (1, 2)
    assert b.prev_hash == a.entry_hash
    assert verify_chain() is None
    call_command("audit_verify")


def test_several_entries_appended_at_once_chain_in_order_between_single_ones():
    first = log_action("tests.thing.created", data={"n": 0})
    token = current_request_id.set("req-a")
    try:
        a = Action("tests.thing.created", data={"n": 1})
    finally:
        current_request_id.reset(token)
    token = current_request_id.set("req-b")
    try:
        b = Action("tests.thing.changed", data={"n": 2})
    finally:
        current_request_id.reset(token)
    group = log_actions([a, b])
    last = log_action("tests.thing.deleted")
    assert [e.seq for e in (first, *group, last)] == [1, 2, 3, 4]
    assert group[0].prev_hash == first.entry_hash
    assert group[1].prev_hash == group[0].entry_hash
    assert last.prev_hash == group[1].entry_hash
    # Each entry keeps the request it came from, not the writer's.
    stored = dict(AuditEntry.objects.values_list("seq", "request_id"))
    assert (stored[2], stored[3]) == ("req-a", "req-b")
    assert verify_chain() is None
    assert log_actions([]) == []


def test_secrets_are_masked_recursively():
    entry = log_action(
        "tests.thing.created",
        data={"password": "hunter2", "nested": [{"api_token": "ost_x"}], "name": "visible"},
    )
    entry.refresh_from_db()
    assert entry.data == {"password": "***", "nested": [{"api_token": "***"}], "name": "visible"}


def test_action_codes_must_be_namespaced():
    with pytest.raises(ValueError, match="namespaced"):
        log_action("created")
    with pytest.raises(ValueError, match="namespaced"):
        Action("")
    assert AuditEntry.objects.count() == 0


def test_entries_cannot_be_changed_or_deleted_through_the_orm():
    entry = log_action("tests.thing.created")
    entry.action = "tests.thing.forged"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()


def test_edited_row_is_caught_and_named():
    for i in range(5):
        log_action("tests.thing.created", data={"i": i})
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET data = %s WHERE seq = 3", ['{"i": 999}'])
    problem = verify_chain()
    assert problem is not None and problem.seq == 3
    with pytest.raises(CommandError, match="entry #3"):
        call_command("audit_verify")


def test_deleted_row_is_caught():
    for i in range(4):
        log_action("tests.thing.created", data={"i": i})
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE seq = 2")
    problem = verify_chain()
    assert problem is not None and problem.seq == 2


def test_request_id_is_recorded(client, coordinator):
    client.force_login(coordinator)
    client.get("/dashboard/", HTTP_X_REQUEST_ID="req-abcdef123456")
    # the login above was recorded without a request; a service call inside a request is:
    from ostoja.core.request_context import current_request_id
    from ostoja.organisations.services import issue_api_token

    token = current_request_id.set("req-abcdef123456")
    try:
        issue_api_token(
            actor=coordinator, organisation=coordinator.memberships.first().organisation, name="x"
        )
    finally:
        current_request_id.reset(token)
    entry = AuditEntry.objects.get(action="organisations.api_token.issued")
    assert entry.request_id == "req-abcdef123456"
    assert entry.actor_label == coordinator.email


def test_audit_page_filters(coordinator_client):
    log_action("tests.alpha.created")
    log_action("tests.beta.created")
    response = coordinator_client.get("/audit/", {"action": "tests.beta"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "tests.beta.created" in content and "tests.alpha.created" not in content
    bad = coordinator_client.get("/audit/", {"date_from": "not-a-date"})
    assert bad.status_code == 400


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_fork_the_chain():
    """Four threads append at once (PostgreSQL: real row locks); the chain stays one line."""
    import threading

    if connection.vendor != "postgresql":
        pytest.skip("threads share one in-memory SQLite database; covered on PostgreSQL")
    from django.db import connections

    errors = []

    def writer(n):
        try:
            for i in range(15):
                log_action("tests.thread.wrote", data={"thread": n, "i": i})
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert AuditEntry.objects.count() == 60
    assert verify_chain() is None
