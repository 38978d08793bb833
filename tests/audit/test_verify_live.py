"""Issue 11, items 2 and 3: verification under write load, tail truncation, signed checkpoints."""

import json
import threading
import time

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections

from ostoja.audit import checkpoint as checkpoints
from ostoja.audit.chain import GENESIS_HASH, entry_digest
from ostoja.audit.models import AuditChainHead, AuditEntry
from ostoja.audit.services import _hashed_fields, log_action, verify_chain
from ostoja.banks import signing
from ostoja.outbox.models import OutboxMessage


def _entries(n):
    return [log_action("tests.thing.created", data={"n": k}) for k in range(n)]


def _sql(query, params=()):
    with connection.cursor() as cursor:
        cursor.execute(query, params)


def _rewrite_chain():
    """What an attacker with database access does after editing: recompute every hash."""
    prev = GENESIS_HASH
    for entry in AuditEntry.objects.order_by("seq"):
        digest = entry_digest(prev_hash=prev, fields=_hashed_fields(entry))
        AuditEntry.objects.filter(pk=entry.pk).update(prev_hash=prev, entry_hash=digest)
        prev = digest
    AuditChainHead.objects.filter(pk=1).update(seq=AuditEntry.objects.count(), last_hash=prev)


# -- item 3: tail truncation ----------------------------------------------------------------


@pytest.mark.django_db
def test_removing_the_last_entry_and_setting_the_head_back_is_detected():
    _entries(3)
    assert verify_chain() is None
    _sql(f"DELETE FROM {AuditEntry._meta.db_table} WHERE seq = 3")  # noqa: S608
    _sql(f"UPDATE {AuditChainHead._meta.db_table} SET seq = 2 WHERE id = 1")  # noqa: S608
    problem = verify_chain()
    assert problem is not None and problem.seq == 2
    assert "head's hash" in problem.reason
    with pytest.raises(CommandError, match="broken at entry #2"):
        call_command("audit_verify")


@pytest.mark.django_db
def test_an_entry_beyond_the_head_is_detected():
    _entries(2)
    _sql(f"UPDATE {AuditChainHead._meta.db_table} SET seq = 1 WHERE id = 1")  # noqa: S608
    assert verify_chain() is not None


# -- item 3: signed checkpoints -----------------------------------------------------------------


@pytest.fixture
def keys(tmp_path, settings):
    settings.OSTOJA_AUDIT_CHECKPOINT_KEY_FILE = str(tmp_path / "keys" / "audit.pem")
    settings.OSTOJA_AUDIT_CHECKPOINT_DIR = str(tmp_path / "checkpoints")
    return tmp_path


def _checkpoint(keys):
    call_command("audit_checkpoint")
    [path] = sorted((keys / "checkpoints").glob("audit-checkpoint-*.json"))
    return path


def _verify(path, **kw):
    call_command("audit_verify", checkpoint=str(path), **kw)


@pytest.mark.django_db
def test_checkpoint_is_signed_written_mailed_and_verifies(keys, capsys):
    from tests.factories import MembershipFactory

    coordinator = MembershipFactory(role="coordinator").user
    _entries(5)
    path = _checkpoint(keys)
    assert (keys / "keys" / "audit.pem").exists()
    assert (keys / "keys" / "audit.pem.pub").exists()
    statement = json.loads(path.read_bytes())["statement"]
    assert statement["seq"] == 5
    mail = OutboxMessage.objects.get(recipients=[coordinator.email])
    assert mail.attachments[0]["content"] == path.read_text()
    _entries(2)  # the log goes on after the checkpoint
    _verify(path)
    assert "Entries #1–#5" in capsys.readouterr().out


@pytest.mark.django_db
@pytest.mark.parametrize("attack", ["alter", "delete", "reorder", "truncate"])
def test_every_rewrite_before_the_checkpoint_is_detected(keys, attack):
    _entries(6)
    path = _checkpoint(keys)  # signs #6, then logs #7 (audit.checkpoint.signed)
    table = AuditEntry._meta.db_table
    if attack == "alter":
        AuditEntry.objects.filter(seq=3).update(data={"n": 999})
    elif attack == "delete":
        _sql(f"DELETE FROM {table} WHERE seq = 3")  # noqa: S608
        for seq in range(4, 8):
            AuditEntry.objects.filter(seq=seq).update(seq=seq - 1)
    elif attack == "reorder":
        a = AuditEntry.objects.get(seq=2)
        b = AuditEntry.objects.get(seq=3)
        AuditEntry.objects.filter(pk=a.pk).update(data=b.data, action="tests.swapped.a")
        AuditEntry.objects.filter(pk=b.pk).update(data=a.data, action="tests.swapped.b")
    elif attack == "truncate":
        _sql(f"DELETE FROM {table} WHERE seq >= 5")  # noqa: S608
    _rewrite_chain()
    assert verify_chain() is None  # the rewritten chain is consistent in itself...
    with pytest.raises(CommandError, match="broken at entry"):
        _verify(path)  # ...but not with the signed checkpoint


@pytest.mark.django_db
def test_forged_checkpoints_are_refused(keys, tmp_path):
    _entries(3)
    path = _checkpoint(keys)
    envelope = json.loads(path.read_bytes())
    # an edited statement (e.g. to cover a rewritten chain)
    envelope["statement"]["entry_hash"] = "0" * 64
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(envelope))
    with pytest.raises(CommandError, match="Checkpoint refused: the signature does not match"):
        _verify(forged)
    # a checkpoint signed with another key
    other = signing.generate_key(tmp_path / "other.pem")
    data, _cp = checkpoints.sign_head(other)
    forged.write_bytes(data)
    with pytest.raises(CommandError, match="Checkpoint refused: the checkpoint was signed with"):
        _verify(forged)
    # not a checkpoint at all
    forged.write_text("{}")
    with pytest.raises(CommandError, match="Checkpoint refused"):
        _verify(forged)


@pytest.mark.django_db
def test_no_checkpoint_is_signed_for_a_broken_chain(keys):
    _entries(3)
    AuditEntry.objects.filter(seq=2).update(data={"n": "edited"})
    with pytest.raises(CommandError, match="broken at entry #2"):
        call_command("audit_checkpoint")
    assert not list((keys / "checkpoints").glob("*.json"))


def test_checkpoint_job_is_declared():
    from ostoja.audit.jobs import JOBS

    by_name = {job["command"]: job for job in JOBS}
    assert len(by_name["audit_checkpoint"]["cron"].split()) == 5
    assert "audit_verify" in by_name


# -- item 2: verification under concurrent writes -------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_verify_never_cries_wolf_under_concurrent_writes():
    if connection.vendor != "postgresql":
        pytest.skip("thread test of snapshot isolation: PostgreSQL")
    _entries(200)
    stop = threading.Event()
    errors = []

    def writer():
        try:
            while not stop.is_set():
                log_action("tests.load.written", data={"t": time.monotonic()})
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        problems = [verify_chain(batch_size=50) for _ in range(15)]
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert not errors
    assert AuditEntry.objects.count() > 200  # the writers did write meanwhile
    assert problems == [None] * 15
    assert verify_chain() is None
