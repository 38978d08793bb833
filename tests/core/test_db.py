"""The hand-built multi-row INSERTs store exactly what the ORM would."""

import datetime as dt

import pytest
from django.db import connection

from ostoja.audit.models import AuditEntry
from ostoja.core import db
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

FIELDS = [
    "seq",
    "created_at",
    "organisation_id",
    "action",
    "target_type",
    "target_id",
    "target_label",
    "data",
    "request_id",
    "prev_hash",
    "entry_hash",
]


def entry(seq, org):
    return AuditEntry(
        seq=seq,
        created_at=dt.datetime(2026, 3, 29, 1, 30, 15, 123456, tzinfo=dt.UTC),
        organisation=org,
        action="tests.thing.created",
        target_type="tests.thing",
        target_id=str(seq),
        target_label="zażółć <b>gęślą</b> 'jaźń'",
        data={"nested": [1, {"ü": None, "ok": True}], "n": 2.5},
        request_id="r",
        prev_hash="0" * 64,
        entry_hash=f"{seq:064x}",
    )


def test_insert_objects_sets_keys_and_stores_what_the_orm_stores():
    org = OrganisationFactory()
    by_orm = entry(1, org)
    by_orm.save(force_insert=True)
    ours = [entry(2, org), entry(3, org)]
    db.insert_objects(ours)
    assert all(o.pk and not o._state.adding for o in ours)
    rows = {r["seq"]: r for r in AuditEntry.objects.values(*FIELDS)}
    for made in ours:
        stored = {
            k: v for k, v in rows[made.seq].items() if k not in ("seq", "target_id", "entry_hash")
        }
        expected = {k: v for k, v in rows[1].items() if k not in ("seq", "target_id", "entry_hash")}
        assert stored == expected
        assert AuditEntry.objects.get(pk=made.pk).seq == made.seq
    # The same text in the database, not only the same Python values after reading.
    with connection.cursor() as cursor:
        cursor.execute("SELECT seq, created_at, data FROM audit_auditentry ORDER BY seq")
        raw = cursor.fetchall()
    assert raw[0][1:] == raw[1][1:] == raw[2][1:]


def test_insert_objects_and_rows_split_into_statements(monkeypatch):
    monkeypatch.setattr(db, "CHUNK_ROWS", 2)
    org = OrganisationFactory()
    objs = [entry(i, org) for i in range(1, 6)]
    db.insert_objects(objs)
    assert len({o.pk for o in objs}) == 5
    assert [AuditEntry.objects.get(pk=o.pk).seq for o in objs] == [1, 2, 3, 4, 5]
    assert db.insert_objects([]) is None


def test_insert_rows_writes_plain_values():
    org = OrganisationFactory()
    when = connection.ops.adapt_datetimefield_value(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    columns = [*FIELDS, "actor_label"]
    row = (7, when, org.pk, "tests.a.b", "", "", "", "{}", "", "0" * 64, "7" * 64, "")
    db.insert_rows(AuditEntry, columns, [row])
    stored = AuditEntry.objects.get(seq=7)
    assert stored.organisation_id == org.pk
    assert stored.data == {}
    assert stored.created_at == dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
