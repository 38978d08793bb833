"""A platform uploads a bank export from another Ostoja and matches against it.

Site A (a hotline) exports its bank, signed. Site B (another Ostoja, here: another
organisation with its own bank) verifies the export with A's published public key, imports
it, and a platform matches through B's API. Later A removes a hash and sends a delta export:
B imports the tombstone and the hash stops matching.
"""

import io
import json

import pytest
from django.core.management import call_command
from django.test import Client

from ostoja.banks import services, signing
from ostoja.organisations.services import issue_api_token
from tests.factories import OrganisationFactory

from .helpers import PDQ_A, add, flip_bits, make_bank

pytestmark = pytest.mark.django_db

MD5 = "0123456789abcdef0123456789abcdef"


def match(client, hashes):
    response = client.post(
        "/api/v1/match",
        json.dumps({"hashes": [{"signal_type": t, "value": v} for t, v in hashes]}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return response.json()["results"]


@pytest.mark.parametrize("file_format", ["ostoja", "threatexchange-csv"])
def test_export_from_one_ostoja_imported_and_matched_in_another(
    signing_key, tmp_path, settings, file_format
):
    site_a = OrganisationFactory(kind="hotline", slug="site-a-hotline")
    bank_a = make_bank(site_a, slug="a-list", name="A list", visibility="shared")
    add(bank_a, "pdq", PDQ_A, classification="baseline", category="A", age_band="3-13")
    doomed = add(bank_a, "md5", MD5, classification="national")
    signed = services.export_bank(actor=None, bank=bank_a, file_format=file_format)
    bundle = tmp_path / "a-list.zip"
    bundle.write_bytes(services.export_zip(signed))
    published_key = tmp_path / "site-a.pem"
    published_key.write_text(Client().get("/api/v1/banks/signing-key").json()["public_key_pem"])
    # Site A's own bank is switched off: from here on only site B's copy can match.
    services.set_bank_enabled(actor=None, bank=bank_a, enabled=False)

    site_b = OrganisationFactory(kind="hotline", slug="site-b-hotline")
    bank_b = make_bank(site_b, slug="copy-of-a", name="Copy of A", visibility="shared")
    call_command(
        "banks_import",
        "copy-of-a",
        str(bundle),
        "--public-key",
        str(published_key),
        stdout=io.StringIO(),
    )

    platform = OrganisationFactory(kind="online_platform", slug="platform")
    _t, secret = issue_api_token(actor=None, organisation=platform, name="p", scopes=["match"])
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    pdq, md5 = match(api, [("pdq", flip_bits(PDQ_A, 9)), ("md5", MD5)])
    assert [(m["bank"], m["organisation"], m["distance"]) for m in pdq["matches"]] == [
        ("copy-of-a", "site-b-hotline", 9)
    ]
    assert pdq["matches"][0]["classification"] == {
        "classification": "baseline",
        "category": "A",
        "age_band": "3-13",
    }
    assert md5["matches"][0]["bank"] == "copy-of-a"

    # A removes the MD5 hash and sends the changes since the first export.
    services.set_bank_enabled(actor=None, bank=bank_a, enabled=True)
    services.remove_entry(actor=None, entry=doomed, reason="withdrawn")
    since = doomed.added_at
    delta = services.export_bank(actor=None, bank=bank_a, file_format=file_format, since=since)
    services.set_bank_enabled(actor=None, bank=bank_a, enabled=False)
    services.import_list(
        actor=None,
        bank=bank_b,
        data=services.export_zip(delta),
        public_key_pem=published_key.read_text(),
    )
    pdq, md5 = match(api, [("pdq", PDQ_A), ("md5", MD5)])
    assert len(pdq["matches"]) == 1 and md5["matches"] == []
    assert bank_b.entries.removed().get().value == MD5


def test_a_tampered_export_is_not_imported(signing_key, tmp_path):
    site_a = OrganisationFactory(kind="hotline")
    bank_a = make_bank(site_a, slug="a")
    add(bank_a, "md5", MD5)
    signed = services.export_bank(actor=None, bank=bank_a)
    bank_b = make_bank(OrganisationFactory(kind="hotline"), slug="b")
    evil = signed.data.replace(MD5.encode(), b"e" * 32)
    with pytest.raises(services.ImportRejected, match="does not verify"):
        services.import_list(
            actor=None,
            bank=bank_b,
            data=evil,
            signature=signed.signature,
            public_key_pem=signing.public_key_pem(signing_key),
        )
    assert not bank_b.entries.exists()
