"""Bank service functions: every change audited, versioned, all-or-nothing."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from ostoja.audit.models import AuditEntry
from ostoja.audit.services import verify_chain
from ostoja.banks import services
from ostoja.banks.models import BankChangeSequence, BankEntry, BankImport, HashBank
from tests.conftest import make_user

from .helpers import PDQ_A, add, flip_bits, make_bank

pytestmark = pytest.mark.django_db

MD5 = "0123456789abcdef0123456789abcdef"


def seq() -> int:
    return BankChangeSequence.objects.get(pk=1).seq


def actions() -> list[str]:
    return list(AuditEntry.objects.order_by("seq").values_list("action", flat=True))


def test_create_bank_is_audited_and_validated(hotline_org):
    user = make_user("hotline_analyst", hotline_org)
    bank = make_bank(hotline_org, slug="b1", name="B1", actor=user)
    assert bank.created_by == user and bank.version == 1 and bank.enabled
    assert actions()[-1] == "banks.bank.created"
    with pytest.raises(services.BankError, match="exists"):
        make_bank(hotline_org, slug="b1")
    for slug in ("new", "public-key", "from-item"):
        with pytest.raises(services.BankError):
            make_bank(hotline_org, slug=slug)
    with pytest.raises(services.BankError):
        services.create_bank(actor=None, owner=hotline_org, name="  ")
    auto = services.create_bank(actor=None, owner=hotline_org, name="Żółta Lista")
    assert auto.slug == "zota-lista"


def test_add_entry_normalises_and_records_provenance(bank):
    user = make_user("hotline_analyst", bank.owner)
    before = seq()
    entry = services.add_entry(
        actor=user,
        bank=bank,
        signal_type="PDQ",
        value=" " + PDQ_A.upper() + " ",
        classification="baseline",
        category="A",
        age_band="3-13",
        source_date=dt.date(2024, 1, 5),
    )
    assert entry.value == PDQ_A and entry.signal_type == "pdq"
    assert entry.source == "Hotline A"  # defaults to the owner
    assert entry.added_by == user and entry.change_seq == before + 1 == seq()
    bank.refresh_from_db()
    assert bank.version == 2
    audit = AuditEntry.objects.order_by("-seq").first()
    assert audit.action == "banks.entry.added"
    assert audit.data["value"] == PDQ_A and audit.data["classification"] == "baseline"
    assert audit.organisation_id == bank.owner_id
    assert verify_chain() is None


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"signal_type": "md4", "value": MD5}, "Unknown signal type"),
        ({"signal_type": "md5", "value": MD5[:-1]}, "32 hexadecimal digits"),
        ({"signal_type": "md5", "value": "x" * 32}, "not hexadecimal"),
        ({"signal_type": "md5", "value": MD5, "classification": "secret"}, "classification"),
        ({"signal_type": "md5", "value": MD5, "age_band": "old"}, "age band"),
        ({"signal_type": "md5", "value": MD5, "category": "=cmd"}, "formulas"),
        ({"signal_type": "md5", "value": MD5, "note": "a\u202eb"}, "direction"),
    ],
)
def test_add_entry_refuses_bad_input_without_writing(bank, kwargs, fragment):
    kwargs = {"classification": "national", **kwargs}
    before = (BankEntry.objects.count(), AuditEntry.objects.count(), seq())
    with pytest.raises(services.BankError, match=fragment):
        services.add_entry(actor=None, bank=bank, **kwargs)
    assert (BankEntry.objects.count(), AuditEntry.objects.count(), seq()) == before


def test_duplicate_active_entry_refused_but_readding_after_removal_works(bank):
    entry = add(bank, "md5", MD5)
    with pytest.raises(services.BankError, match="already"):
        add(bank, "md5", MD5.upper())
    services.remove_entry(actor=None, entry=entry, reason="false positive")
    entry.refresh_from_db()
    assert entry.removed_at is not None and entry.removal_reason == "false positive"
    assert actions()[-1] == "banks.entry.removed"
    with pytest.raises(services.BankError, match="already removed"):
        services.remove_entry(actor=None, entry=entry)
    again = add(bank, "md5", MD5)
    assert again.pk != entry.pk
    assert BankEntry.objects.filter(bank=bank, value=MD5).count() == 2  # tombstone kept


def test_database_refuses_two_active_copies(bank):
    add(bank, "md5", MD5)
    with pytest.raises(IntegrityError), transaction.atomic():
        BankEntry.objects.create(bank=bank, signal_type="md5", value=MD5)


def test_database_refuses_malformed_values(bank):
    for signal_type, value in [("md5", MD5.upper()), ("pdq", MD5), ("sha1", "z" * 40)]:
        with pytest.raises(IntegrityError), transaction.atomic():
            BankEntry.objects.create(bank=bank, signal_type=signal_type, value=value)


def test_enable_disable_is_audited_once(bank):
    version = bank.version
    services.set_bank_enabled(actor=None, bank=bank, enabled=False)
    services.set_bank_enabled(actor=None, bank=bank, enabled=False)  # no change, no entry
    bank.refresh_from_db()
    assert not bank.enabled and bank.version == version + 1
    assert actions().count("banks.bank.disabled") == 1
    services.set_bank_enabled(actor=None, bank=bank, enabled=True)
    assert actions()[-1] == "banks.bank.enabled"


def test_add_hashes_counts_duplicates(bank):
    add(bank, "md5", MD5)
    result = services.add_hashes(
        actor=None,
        bank=bank,
        hashes=[("md5", MD5), ("pdq", PDQ_A), ("pdq", PDQ_A.upper())],
        classification="national",
    )
    assert len(result.added) == 1 and result.already_present == 1
    assert actions().count("banks.entry.added") == 2
    too_many = [("sha1", f"{i:040x}") for i in range(services.MAX_DIRECT_ADD + 1)]
    with pytest.raises(services.BankError, match="import longer lists"):
        services.add_hashes(actor=None, bank=bank, hashes=too_many, classification="national")


# -- import -------------------------------------------------------------------------------------


def _csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def test_preview_changes_nothing_and_apply_does_everything(bank):
    old = add(bank, "md5", "f" * 32)
    data = _csv(
        "signal_type,signal_value,classification,status",
        f"pdq,{PDQ_A},baseline,",
        f"md5,{MD5},,",
        f"md5,{'f' * 32},,removed",
        f"md5,{'e' * 32},,removed",
    )
    before = (BankEntry.objects.count(), seq())
    imp = services.preview_import(
        actor=None, bank=bank, data=data, file_name="l.csv", source="Partner"
    )
    assert imp.status == BankImport.Status.PENDING
    assert (BankEntry.objects.count(), seq()) == before
    s = imp.summary
    assert (s["to_add"], s["already_present"], s["to_remove"], s["absent"]) == (2, 0, 1, 1)
    assert s["signature"] == {"status": "unsigned"}
    result = services.apply_import(actor=None, bank_import=imp)
    assert (len(result.added), result.removed, result.absent) == (2, 1, 1)
    imp.refresh_from_db()
    assert imp.status == "applied" and imp.rows == []
    md5 = BankEntry.objects.active().get(value=MD5)
    assert md5.classification == "national" and md5.source == "Partner"
    assert md5.imported_from == imp
    old.refresh_from_db()
    assert old.removed_at is not None and "import" in old.removal_reason
    assert actions()[-2:] == ["banks.import.uploaded", "banks.import.applied"]
    with pytest.raises(services.BankError):
        services.apply_import(actor=None, bank_import=imp)


def test_invalid_file_is_recorded_without_rows_and_imports_nothing(bank):
    data = _csv("signal_type,signal_value", f"md5,{MD5}", "md5,nothex")
    imp = services.preview_import(actor=None, bank=bank, data=data)
    assert imp.status == BankImport.Status.INVALID
    assert imp.rows == [] and imp.errors[0]["line"] == 3
    with pytest.raises(services.BankError):
        services.apply_import(actor=None, bank_import=imp)
    assert not BankEntry.objects.exists()
    with pytest.raises(services.ImportRejected, match="line 3"):
        services.import_list(actor=None, bank=bank, data=data)


def test_apply_is_all_or_nothing_when_the_database_refuses(bank, monkeypatch):
    imp = services.preview_import(
        actor=None, bank=bank, data=_csv("signal_type,signal_value", f"md5,{MD5}", f"pdq,{PDQ_A}")
    )
    original = BankEntry.objects.bulk_create

    def boom(objs, **kw):
        original(objs[:1], **kw)
        raise IntegrityError("simulated")

    monkeypatch.setattr(BankEntry.objects, "bulk_create", boom)
    with pytest.raises(services.BankError, match="try again"):
        services.apply_import(actor=None, bank_import=imp)
    assert not BankEntry.objects.exists()
    imp.refresh_from_db()
    assert imp.status == "pending"


def test_discard_and_stale_imports(bank):
    imp = services.preview_import(
        actor=None, bank=bank, data=_csv("signal_type,signal_value", f"md5,{MD5}")
    )
    services.discard_import(actor=None, bank_import=imp)
    imp.refresh_from_db()
    assert imp.status == "discarded" and imp.rows == []
    old = services.preview_import(
        actor=None, bank=bank, data=_csv("signal_type,signal_value", f"md5,{MD5}")
    )
    BankImport.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=2))
    assert services.discard_stale_pending_imports() == 1


def test_zip_bombs_and_odd_zips_are_refused(bank):
    import io
    import zipfile

    def zipped(files):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for name, content in files.items():
                z.writestr(name, content)
        return buf.getvalue()

    bomb = zipped({"a.csv": b"0" * (services.MAX_BUNDLE_UNCOMPRESSED + 1)})
    imp = services.preview_import(actor=None, bank=bank, data=bomb)
    assert imp.status == "invalid" and "allowed size" in imp.errors[0]["message"]
    two = zipped({"a.csv": b"x", "b.csv": b"y"})
    imp = services.preview_import(actor=None, bank=bank, data=two)
    assert "exactly one .csv" in imp.errors[0]["message"]
    broken = b"PK\x03\x04" + b"\x00" * 50
    imp = services.preview_import(actor=None, bank=bank, data=broken)
    assert "damaged" in imp.errors[0]["message"]


# -- export -------------------------------------------------------------------------------------


def test_export_rows_latest_state_with_tombstones_and_since(bank):
    a = add(bank, "md5", MD5)
    b = add(bank, "pdq", PDQ_A)
    services.remove_entry(actor=None, entry=a)
    services.remove_entry(actor=None, entry=b)
    add(bank, "pdq", PDQ_A)  # re-added: exported as active, not as a tombstone
    rows = services.export_rows(bank)
    state = {(r.signal_type, r.value): r.removed_at is None for r in rows}
    assert state == {("md5", MD5): False, ("pdq", PDQ_A): True}

    later = timezone.now()
    assert services.export_rows(bank, since=later) == []
    c = add(bank, "sha1", "1" * 40)
    services.remove_entry(actor=None, entry=c)
    delta = services.export_rows(bank, since=later)
    assert [(r.signal_type, r.removed_at is not None) for r in delta] == [("sha1", True)]


def test_export_is_signed_and_audited(bank, signing_key):
    from ostoja.banks import signing

    add(bank, "md5", MD5)
    signed = services.export_bank(actor=None, bank=bank)
    verified = signing.verify_export(
        signed.data, signed.signature, signing.public_key_pem(signing_key)
    )
    assert verified.statement["bank"] == "bank-a"
    assert verified.statement["rows"] == 1
    assert verified.statement["bank_version"] == HashBank.objects.get(pk=bank.pk).version
    assert signed.file_name == f"bank-a-v{verified.statement['bank_version']}.csv"
    assert actions()[-1] == "banks.bank.exported"
    te = services.export_bank(actor=None, bank=bank, file_format="threatexchange-csv")
    assert te.file_name.endswith("-threatexchange.csv")
    assert te.data.startswith(b"signal_type,signal_str,collab,category,tags")
    lines = services.export_bank(actor=None, bank=bank, file_format="threatexchange")
    assert lines.file_name.endswith("-threatexchange.txt")
    assert lines.data == f"video_md5 {MD5}\n".encode()


def test_export_in_both_formats_imports_back_identically(bank, hotline_org, signing_key):
    add(bank, "pdq", PDQ_A, classification="baseline", category="A", age_band="0-2")
    gone = add(bank, "md5", MD5)
    services.remove_entry(actor=None, entry=gone)
    for fmt in ("ostoja", "threatexchange-csv"):
        other = make_bank(hotline_org, slug=f"copy-{fmt}")
        add(other, "md5", MD5)  # the partner still has it: the tombstone removes it
        signed = services.export_bank(actor=None, bank=bank, file_format=fmt)
        _imp, result = services.import_list(actor=None, bank=other, data=signed.data)
        assert (len(result.added), result.removed) == (1, 1)
        entry = other.entries.active().get()
        assert (entry.value, entry.classification, entry.category, entry.age_band) == (
            PDQ_A,
            "baseline",
            "A",
            "0-2",
        )


def test_signed_import_verifies_or_refuses(bank, hotline_org, signing_key):
    from ostoja.banks import signing

    add(bank, "md5", MD5)
    signed = services.export_bank(actor=None, bank=bank)
    pem = signing.public_key_pem(signing_key)
    target = make_bank(hotline_org, slug="target")
    imp = services.preview_import(
        actor=None, bank=target, data=services.export_zip(signed), public_key_pem=pem
    )
    assert imp.status == "pending"
    assert imp.summary["signature"]["status"] == "verified"
    assert imp.summary["signature"]["bank"] == "bank-a"
    tampered = signed.data.replace(MD5.encode(), b"f" * 32)
    imp = services.preview_import(
        actor=None, bank=target, data=tampered, signature=signed.signature, public_key_pem=pem
    )
    assert imp.status == "invalid" and "does not verify" in imp.errors[0]["message"]
    imp = services.preview_import(actor=None, bank=target, data=signed.data, public_key_pem=pem)
    assert imp.status == "invalid" and "no signature" in imp.errors[0]["message"]
    unchecked = services.preview_import(actor=None, bank=target, data=services.export_zip(signed))
    assert unchecked.summary["signature"]["status"] == "not_checked"


# -- matching -----------------------------------------------------------------------------------


def test_match_hashes_pdq_and_exact(bank):
    add(bank, "pdq", PDQ_A, classification="baseline", category="A")
    add(bank, "md5", MD5, classification="national")
    queries = [
        ("pdq", flip_bits(PDQ_A, 31)),
        ("pdq", flip_bits(PDQ_A, 32)),
        ("md5", MD5.upper()),
        ("md5", "f" * 32),
    ]
    results = services.match_hashes(queries)
    assert [len(r.matches) for r in results] == [1, 0, 1, 0]
    m = results[0].matches[0]
    assert (m.bank, m.organisation, m.distance) == ("bank-a", "hotline-a", 31)
    assert m.classification == {"classification": "baseline", "category": "A", "age_band": ""}
    assert results[2].value == MD5
    strict = services.match_hashes([("pdq", flip_bits(PDQ_A, 10))], pdq_threshold=9)
    assert strict[0].matches == []
    with pytest.raises(ValueError):
        services.match_hashes([("pdq", PDQ_A)], pdq_threshold=32)
    with pytest.raises(ValueError):
        services.match_hashes([("md4", MD5)])


def test_match_across_banks_and_owners(bank, hotline_org):
    from tests.factories import OrganisationFactory

    other = make_bank(OrganisationFactory(slug="hotline-b"), slug="bank-b")
    add(bank, "pdq", PDQ_A)
    add(other, "pdq", flip_bits(PDQ_A, 4))
    (result,) = services.match_hashes([("pdq", PDQ_A)])
    assert [(m.bank, m.distance) for m in result.matches] == [("bank-a", 0), ("bank-b", 4)]


def test_too_many_matches_are_truncated(bank, monkeypatch):
    monkeypatch.setattr(services, "MAX_MATCHES_PER_HASH", 3)
    services.add_hashes(
        actor=None,
        bank=bank,
        hashes=[("pdq", flip_bits(PDQ_A, 2, seed=i)) for i in range(5)],
        classification="national",
    )
    (result,) = services.match_hashes([("pdq", PDQ_A)])
    assert len(result.matches) == 3 and result.truncated
