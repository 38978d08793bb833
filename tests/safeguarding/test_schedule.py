"""Scheduled work under a controlled clock: reminders, due dates, retention, key rotation."""

import base64
from datetime import timedelta

import pytest
from django.db import connection

from ostoja.audit.models import AuditEntry
from ostoja.outbox.models import OutboxMessage
from ostoja.safeguarding import crypto, jobs, schedule, services, vetting
from ostoja.safeguarding.models import Check, CheckAttachment, Person
from tests.conftest import make_user

from . import factories

pytestmark = pytest.mark.django_db
TODAY = services.today()


def test_jobs_are_declared_as_plain_data():
    names = {job["command"] for job in jobs.JOBS}
    assert names == {"safeguarding_daily", "safeguarding_retention"}
    for job in jobs.JOBS:
        assert len(job["cron"].split()) == 5


def test_recheck_reminder_comes_due_under_a_controlled_clock(org, officer):
    p = factories.admitted(
        org, actor=officer, name="Halina Przypominana", on=TODAY - timedelta(days=2)
    )
    due = p.recheck_due
    assert due == vetting.add_months(TODAY - timedelta(days=2), 24)
    day_before_window = due - timedelta(days=31)
    factories.run("safeguarding_daily", today=day_before_window)
    assert not OutboxMessage.objects.exists()
    in_window = due - timedelta(days=30)
    factories.run("safeguarding_daily", today=in_window)
    message = OutboxMessage.objects.get()
    assert message.recipients == [officer.email]
    # In the officer's language (Polish), and it says only that a record needs attention.
    assert message.subject == "Ostoja: wpis wymaga Twojej uwagi"
    assert "wymaga Twojej uwagi" in message.body_text
    text = message.subject + message.body_text
    assert "Halina" not in text and "Przypominana" not in text and p.pesel not in text
    assert "?status=due" in message.body_text
    # Not sent twice for the same due date.
    factories.run("safeguarding_daily", today=in_window + timedelta(days=1))
    assert OutboxMessage.objects.count() == 1
    # Re-checked: a new due date, and a new reminder when that one approaches.
    factories.complete_checks(p, actor=officer, on=TODAY)
    assert p.recheck_due == vetting.add_months(TODAY, 24)


def test_reminders_go_to_every_officer_of_that_organisation_only(
    org, officer, other_org, other_officer
):
    second = make_user("safeguarding_officer", org, email="second@orlik.example")
    factories.admitted(org, actor=officer, on=TODAY - timedelta(days=2))
    factories.run("safeguarding_daily", today=TODAY + timedelta(days=800))
    assert sorted(m.recipients[0] for m in OutboxMessage.objects.all()) == sorted(
        [officer.email, second.email]
    )


def test_due_dates_recomputed_in_bulk(org, officer):
    p = factories.admitted(org, actor=officer, on=TODAY - timedelta(days=2))
    Person.objects.filter(pk=p.pk).update(recheck_due=None)  # e.g. edited outside the services
    factories.run("safeguarding_daily")
    p.refresh_from_db()
    assert p.recheck_due is None  # the nightly run trusts the services…
    out = factories.run("safeguarding_daily", recompute=True)  # …the repair recomputes
    p.refresh_from_db()
    assert p.recheck_due == vetting.add_months(TODAY - timedelta(days=2), 24)
    assert "Due dates changed: 1" in out


def test_records_past_retention_are_deleted_by_the_command(org, officer):
    from django.core.files.uploadedfile import SimpleUploadedFile

    old = factories.admitted(
        org,
        actor=officer,
        name="Stary",
        on=TODAY - timedelta(days=40),
        start=TODAY - timedelta(days=30),
    )
    factories.register_check(
        old,
        actor=officer,
        on=TODAY,
        attachment=SimpleUploadedFile("a.pdf", b"%PDF-1.4 x", content_type="application/pdf"),
    )
    engagement = old.engagements.get()
    services.end_engagement(actor=officer, engagement=engagement, end_date=TODAY)
    current = factories.admitted(org, actor=officer, name="Obecny", on=TODAY - timedelta(days=2))
    later = vetting.add_months(TODAY, 36)
    factories.run("safeguarding_retention", today=later - timedelta(days=1))
    assert Person.objects.filter(pk=old.pk).exists()
    out = factories.run("safeguarding_retention", today=later)
    assert "Deleted 1 record" in out
    assert not Person.objects.filter(pk=old.pk).exists()
    assert Person.objects.filter(pk=current.pk).exists()
    assert not CheckAttachment.objects.exists()
    assert not Check.objects.filter(person_id=old.pk).exists()


def test_candidate_never_engaged_is_deleted_after_the_period_from_creation(org, officer):
    p = factories.person(org, actor=officer)
    factories.run("safeguarding_retention", today=vetting.add_months(TODAY, 36))
    assert not Person.objects.filter(pk=p.pk).exists()


def test_retention_deletes_across_organisations_with_one_audit_entry_each(
    org, officer, other_org, other_officer, monkeypatch
):
    """Records of several organisations are deleted in shared chunks; the audit log still
    names, per organisation, which of its records went (and no one else's)."""
    monkeypatch.setattr(schedule, "RETENTION_CHUNK", 2)  # a chunk spans both organisations
    ours = [factories.person(org, actor=officer).pk for _ in range(3)]
    theirs = [factories.person(other_org, actor=other_officer).pk for _ in range(2)]
    kept = factories.admitted(org, actor=officer, on=TODAY - timedelta(days=2))
    out = factories.run("safeguarding_retention", today=vetting.add_months(TODAY, 36))
    assert "Deleted 5 record" in out
    assert list(Person.objects.values_list("pk", flat=True)) == [kept.pk]
    by_org: dict[int, list[int]] = {}
    for entry in AuditEntry.objects.filter(action="safeguarding.retention.deleted"):
        by_org.setdefault(entry.organisation_id, []).extend(entry.data["people"])
    assert {k: sorted(v) for k, v in by_org.items()} == {
        org.pk: sorted(ours),
        other_org.pk: sorted(theirs),
    }


def test_key_rotation_reencrypts_every_value(org, officer, monkeypatch):
    p = factories.person(org, actor=officer)
    old = crypto.keyring()
    new_key = base64.b64encode(b"n" * 32).decode()
    old_spec = f"{old.current_id}:{base64.b64encode(old.keys[old.current_id]).decode()}"
    monkeypatch.setenv("OSTOJA_SAFEGUARDING_KEYS", f"k2:{new_key},{old_spec}")
    monkeypatch.setenv("OSTOJA_SAFEGUARDING_INDEX_KEY", base64.b64encode(old.index_key).decode())
    crypto.reset_keyring()
    try:
        assert Person.objects.get(pk=p.pk).pesel == p.pesel  # old values still readable
        factories.run("safeguarding_rotate_keys")
        with connection.cursor() as cursor:
            cursor.execute("SELECT pesel FROM safeguarding_person WHERE id = %s", [p.pk])
            assert cursor.fetchone()[0].startswith("v1.k2.")
        monkeypatch.setenv("OSTOJA_SAFEGUARDING_KEYS", f"k2:{new_key}")  # old key dropped
        crypto.reset_keyring()
        assert Person.objects.get(pk=p.pk).pesel == p.pesel
    finally:
        monkeypatch.undo()
        crypto.reset_keyring()


def test_ciphertext_bound_to_its_column():
    token = crypto.encrypt_text("44051401359", context="safeguarding.person.pesel")
    assert crypto.decrypt_text(token, context="safeguarding.person.pesel") == "44051401359"
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt_text(token, context="safeguarding.person.foreign_id")


def test_production_settings_refuse_to_run_without_keys(settings, monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    settings.OSTOJA_SAFEGUARDING_DEV_KEYS = False
    monkeypatch.delenv("OSTOJA_SAFEGUARDING_KEYS", raising=False)
    crypto.reset_keyring()
    try:
        with pytest.raises(ImproperlyConfigured):
            crypto.keyring()
    finally:
        crypto.reset_keyring()
