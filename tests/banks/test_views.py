"""The bank pages: what an analyst does, tenant scoping, hostile form input."""

import io
import zipfile

import pytest
from django.test import Client

from ostoja.audit.models import AuditEntry
from ostoja.banks import services, signing
from ostoja.banks.models import BankEntry, BankImport, HashBank
from tests.conftest import make_user
from tests.factories import OrganisationFactory

from .helpers import PDQ_A, add, make_bank

pytestmark = pytest.mark.django_db

MD5 = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def analyst(hotline_org):
    return make_user("hotline_analyst", hotline_org)


@pytest.fixture
def analyst_client(analyst):
    c = Client()
    c.force_login(analyst)
    return c


def csv_upload(text: str, name="list.csv"):
    f = io.BytesIO(text.encode())
    f.name = name
    return f


def test_analyst_creates_a_bank_for_own_hotline_only(analyst_client, hotline_org):
    foreign = OrganisationFactory(kind="hotline")
    page = analyst_client.get("/banks/new/")
    assert page.status_code == 200
    assert foreign.name not in page.content.decode()
    refused = analyst_client.post(
        "/banks/new/", {"name": "X", "owner": foreign.pk, "visibility": "private"}
    )
    assert refused.status_code == 422 and not HashBank.objects.exists()
    created = analyst_client.post(
        "/banks/new/",
        {"name": "Nasza lista", "owner": hotline_org.pk, "visibility": "private", "enabled": "on"},
    )
    assert created.status_code == 302
    bank = HashBank.objects.get()
    assert bank.slug == "nasza-lista" and bank.owner == hotline_org
    assert created["Location"] == "/banks/nasza-lista/"


@pytest.mark.parametrize("slug", ["new", "public-key", "from-item"])
def test_reserved_slugs(analyst_client, hotline_org, slug):
    response = analyst_client.post(
        "/banks/new/", {"name": "X", "slug": slug, "owner": hotline_org.pk, "visibility": "private"}
    )
    assert response.status_code == 422


def test_list_and_detail_show_counts_and_filters(analyst_client, bank):
    add(bank, "pdq", PDQ_A)
    gone = add(bank, "md5", MD5)
    services.remove_entry(actor=None, entry=gone, reason="mistake")
    listing = analyst_client.get("/banks/").content.decode()
    assert "Bank A" in listing
    page = analyst_client.get("/banks/bank-a/").content.decode()
    assert PDQ_A in page and MD5 not in page  # active entries by default
    removed = analyst_client.get("/banks/bank-a/?status=removed").content.decode()
    assert MD5 in removed and "mistake" in removed and PDQ_A not in removed
    prefix = analyst_client.get(f"/banks/bank-a/?status=all&q={PDQ_A[:6].upper()}")
    assert PDQ_A in prefix.content.decode() and MD5 not in prefix.content.decode()
    junk = analyst_client.get("/banks/bank-a/?status=all&q=%3Cscript%3E&signal_type=x")
    assert junk.status_code == 200 and "<script>" not in junk.content.decode()


def test_pagination(analyst_client, bank):
    services.add_hashes(
        actor=None,
        bank=bank,
        hashes=[("sha1", f"{i:040x}") for i in range(120)],
        classification="national",
    )
    first = analyst_client.get("/banks/bank-a/").content.decode()
    assert "Strona 1 z 3" in first
    english = analyst_client.get("/en/banks/bank-a/").content.decode()
    assert "Page 1 of 3" in english
    third = analyst_client.get("/banks/bank-a/?page=3").content.decode()
    assert third.count('<code class="data">') == 20


def test_add_and_remove_an_entry(analyst_client, analyst, bank):
    bad = analyst_client.post(
        "/banks/bank-a/entries/new/",
        {"signal_type": "pdq", "value": PDQ_A[:-2], "classification": "baseline"},
    )
    assert bad.status_code == 422 and not BankEntry.objects.exists()
    ok = analyst_client.post(
        "/banks/bank-a/entries/new/",
        {
            "signal_type": "pdq",
            "value": PDQ_A.upper(),
            "classification": "baseline",
            "category": "A",
            "age_band": "0-2",
        },
    )
    assert ok.status_code == 302
    entry = BankEntry.objects.get()
    assert entry.value == PDQ_A and entry.added_by == analyst
    again = analyst_client.post(
        "/banks/bank-a/entries/new/",
        {"signal_type": "pdq", "value": PDQ_A, "classification": "baseline"},
    )
    assert again.status_code == 422 and BankEntry.objects.count() == 1
    confirm = analyst_client.get(f"/banks/bank-a/entries/{entry.pk}/remove/")
    assert confirm.status_code == 200
    removed = analyst_client.post(f"/banks/bank-a/entries/{entry.pk}/remove/", {"reason": "dup"})
    assert removed.status_code == 302
    entry.refresh_from_db()
    assert entry.removed_by == analyst and entry.removal_reason == "dup"
    assert analyst_client.get(f"/banks/bank-a/entries/{entry.pk}/remove/").status_code == 404


def test_enable_disable(analyst_client, bank):
    analyst_client.post("/banks/bank-a/enabled/", {"enabled": "0"})
    assert not HashBank.objects.get().enabled
    analyst_client.post("/banks/bank-a/enabled/", {"enabled": "1"})
    assert HashBank.objects.get().enabled
    assert analyst_client.get("/banks/bank-a/enabled/").status_code == 405


def test_import_preview_then_confirm(analyst_client, bank):
    add(bank, "md5", "f" * 32)
    text = (
        "signal_type,signal_value,classification,status\n"
        f"pdq,{PDQ_A},baseline,\nmd5,{MD5},,\nmd5,{'f' * 32},,removed\n"
    )
    response = analyst_client.post(
        "/banks/bank-a/import/",
        {
            "file": csv_upload(text),
            "file_format": "auto",
            "classification": "national",
            "source": "Partner",
        },
    )
    assert response.status_code == 302
    imp = BankImport.objects.get()
    preview = analyst_client.get(response["Location"])
    html = preview.content.decode()
    assert preview.status_code == 200
    assert PDQ_A in html and BankEntry.objects.active().count() == 1  # nothing applied yet
    done = analyst_client.post(f"/banks/bank-a/import/{imp.pk}/confirm/")
    assert done.status_code == 302
    assert set(BankEntry.objects.active().values_list("value", flat=True)) == {PDQ_A, MD5}
    again = analyst_client.post(f"/banks/bank-a/import/{imp.pk}/confirm/")
    assert again.status_code == 302  # a message, not a second import
    assert BankEntry.objects.active().count() == 2


def test_invalid_import_shows_errors_and_changes_nothing(analyst_client, bank):
    text = f"signal_type,signal_value\nmd5,{MD5}\npdq,{'Z' * 64}\nmd5,{MD5[:5]}\n"
    response = analyst_client.post(
        "/banks/bank-a/import/",
        {"file": csv_upload(text), "file_format": "auto", "classification": "national"},
    )
    report = analyst_client.get(response["Location"])
    html = report.content.decode()
    assert report.status_code == 422
    assert "nie jest cyfrą szesnastkową" in html
    assert ">3<" in html and ">4<" in html  # both line numbers
    assert not BankEntry.objects.exists()
    imp = BankImport.objects.get()
    assert analyst_client.post(f"/banks/bank-a/import/{imp.pk}/confirm/").status_code == 302
    assert not BankEntry.objects.exists()


def test_import_discard(analyst_client, bank):
    analyst_client.post(
        "/banks/bank-a/import/",
        {
            "file": csv_upload(f"signal_type,signal_value\nmd5,{MD5}\n"),
            "file_format": "auto",
            "classification": "national",
        },
    )
    imp = BankImport.objects.get()
    analyst_client.post(f"/banks/bank-a/import/{imp.pk}/discard/")
    imp.refresh_from_db()
    assert imp.status == "discarded" and not BankEntry.objects.exists()


def test_import_form_refuses_oversized_and_missing_files(analyst_client, bank, monkeypatch):
    from ostoja.banks import forms

    monkeypatch.setattr(forms, "MAX_IMPORT_BYTES", 100)
    big = analyst_client.post(
        "/banks/bank-a/import/",
        {
            "file": csv_upload("signal_type,signal_value\n" + "md5,x\n" * 50),
            "file_format": "auto",
            "classification": "national",
        },
    )
    assert big.status_code == 422 and not BankImport.objects.exists()
    none = analyst_client.post(
        "/banks/bank-a/import/", {"file_format": "auto", "classification": "national"}
    )
    assert none.status_code == 422


def test_export_download_is_a_verifiable_zip(analyst_client, bank, signing_key):
    add(bank, "pdq", PDQ_A)
    page = analyst_client.get("/banks/bank-a/export/")
    assert page.status_code == 200 and signing.key_id(signing_key) in page.content.decode()
    response = analyst_client.get("/banks/bank-a/export/?format=ostoja")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert 'filename="bank-a-v' in response["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(response.content)) as z:
        names = sorted(z.namelist())
        csv_name = next(n for n in names if n.endswith(".csv"))
        data, sig = z.read(csv_name), z.read(csv_name + ".sig")
    verified = signing.verify_export(data, sig, signing.public_key_pem(signing_key))
    assert verified.statement["rows"] == 1
    assert AuditEntry.objects.filter(action="banks.bank.exported").count() == 1
    delta = analyst_client.get("/banks/bank-a/export/?format=ostoja&since=2999-01-01T00:00")
    with zipfile.ZipFile(io.BytesIO(delta.content)) as z:
        csv_name = next(n for n in z.namelist() if n.endswith(".csv"))
        assert z.read(csv_name).decode().count("\n") == 1  # header only
    assert analyst_client.get("/banks/bank-a/export/?format=xml").status_code == 422
    assert (
        analyst_client.get("/banks/bank-a/export/?format=ostoja&since=yesterday").status_code == 422
    )


def test_export_without_key_explains(analyst_client, bank, settings, tmp_path):
    settings.OSTOJA_BANK_SIGNING_KEY_FILE = str(tmp_path / "missing.pem")
    response = analyst_client.get("/banks/bank-a/export/?format=ostoja")
    assert response.status_code == 503
    assert "banks_keygen" in response.content.decode()


def test_public_key_page(client, signing_key):
    html = client.get("/banks/public-key/").content.decode()
    assert signing.key_id(signing_key) in html
    assert "BEGIN PUBLIC KEY" in html
    assert "PRIVATE" not in html
    assert not client.cookies  # a public page without a form sets no cookie


def test_other_hotlines_private_bank_is_404_shared_is_read_only(analyst_client):
    other = OrganisationFactory(kind="hotline", slug="other-hotline")
    private = make_bank(other, slug="their-private")
    shared = make_bank(other, slug="their-shared", visibility="shared")
    entry = add(private, "md5", MD5)
    shared_entry = add(shared, "md5", MD5)
    for url in (
        "/banks/their-private/",
        "/banks/their-private/export/",
        "/banks/their-private/import/",
        f"/banks/their-private/entries/{entry.pk}/remove/",
    ):
        assert analyst_client.get(url).status_code == 404, url
    assert analyst_client.post("/banks/their-private/enabled/", {"enabled": "0"}).status_code == 404
    listing = analyst_client.get("/banks/").content.decode()
    assert "their-shared" in listing and "their-private" not in listing
    assert analyst_client.get("/banks/their-shared/").status_code == 200
    assert analyst_client.get("/banks/their-shared/export/").status_code == 200
    assert analyst_client.get("/banks/their-shared/import/").status_code == 403
    assert (
        analyst_client.get(f"/banks/their-shared/entries/{shared_entry.pk}/remove/").status_code
        == 403
    )
    assert analyst_client.post("/banks/their-shared/enabled/", {"enabled": "0"}).status_code == 403
    assert HashBank.objects.get(slug="their-shared").enabled


def test_an_entry_of_another_bank_is_404(analyst_client, bank, hotline_org):
    mine_too = make_bank(hotline_org, slug="second")
    entry = add(mine_too, "md5", MD5)
    assert analyst_client.get(f"/banks/bank-a/entries/{entry.pk}/remove/").status_code == 404
    imp = services.preview_import(
        actor=None, bank=mine_too, data=f"signal_type,signal_value\nmd5,{'a' * 32}\n".encode()
    )
    assert analyst_client.get(f"/banks/bank-a/import/{imp.pk}/").status_code == 404
    assert analyst_client.post(f"/banks/bank-a/import/{imp.pk}/confirm/").status_code == 404


def test_coordinator_manages_any_bank(coordinator_client):
    other = OrganisationFactory(kind="hotline")
    make_bank(other, slug="any")
    assert coordinator_client.get("/banks/any/import/").status_code == 200
    assert coordinator_client.get("/en/banks/any/").status_code == 200


def test_import_preview_shows_classification_and_age_band_as_translated_labels(
    analyst_client, bank
):
    text = (
        "signal_type,signal_value,classification,category,age_band\n"
        f"md5,{MD5},baseline,,3-13\n"
        f"pdq,{PDQ_A},,,\n"
    )
    response = analyst_client.post(
        "/banks/bank-a/import/",
        {"file": csv_upload(text), "file_format": "auto", "classification": "national"},
    )
    html = analyst_client.get(response["Location"]).content.decode()
    # Polish by default: labels, not the stored codes
    assert "<td>Międzynarodowy standard (baseline) · 3–13 lat</td>" in html
    assert "<td>Krajowa</td>" in html  # the upload's default classification
    assert ">baseline<" not in html and ">national<" not in html and "3-13" not in html
    english = analyst_client.get("/en" + response["Location"]).content.decode()
    assert "<td>International baseline · 3–13 years</td>" in english
    assert "<td>National</td>" in english
