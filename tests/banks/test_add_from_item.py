"""From a hotline item, an analyst puts the reported hashes into a bank."""

import pytest
from django.test import Client

from ostoja.audit.models import AuditEntry
from ostoja.banks.models import BankEntry
from tests.conftest import make_user
from tests.factories import OrganisationFactory
from tests.hotline.factories import item as make_item

from .helpers import PDQ_A, add, make_bank

pytestmark = pytest.mark.django_db

MD5 = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def analyst_client(hotline_org):
    c = Client()
    c.force_login(make_user("hotline_analyst", hotline_org))
    return c


def test_add_item_hashes_to_a_bank(analyst_client, hotline_org, bank):
    add(bank, "md5", MD5)
    item = make_item(hotline_org, hashes=[("pdq", PDQ_A.upper()), ("md5", MD5)])
    page = analyst_client.get(f"/banks/from-item/{item.pk}/")
    assert page.status_code == 200
    assert PDQ_A in page.content.decode()
    response = analyst_client.post(
        f"/banks/from-item/{item.pk}/",
        {"bank": bank.pk, "classification": "baseline", "category": "A", "age_band": "3-13"},
    )
    assert response.status_code == 302
    entry = BankEntry.objects.get(signal_type="pdq")
    assert (entry.value, entry.classification, entry.age_band) == (PDQ_A, "baseline", "3-13")
    assert entry.source == hotline_org.name and entry.note == f"Ze zgłoszenia nr {item.pk}"
    audit = AuditEntry.objects.filter(action="banks.entry.added").order_by("-seq").first()
    assert audit.data["hotline_item"] == item.pk
    assert BankEntry.objects.filter(value=MD5).count() == 1  # already there, not doubled


def test_only_own_items_and_own_banks(analyst_client, hotline_org, bank):
    other = OrganisationFactory(kind="hotline")
    foreign_item = make_item(other, hashes=[("md5", MD5)])
    assert analyst_client.get(f"/banks/from-item/{foreign_item.pk}/").status_code == 404
    foreign_bank = make_bank(other, slug="foreign", visibility="shared")
    item = make_item(hotline_org, hashes=[("md5", MD5)])
    response = analyst_client.post(
        f"/banks/from-item/{item.pk}/", {"bank": foreign_bank.pk, "classification": "national"}
    )
    assert response.status_code == 422  # not among the choices
    assert not BankEntry.objects.exists()


def test_item_without_hashes(analyst_client, hotline_org, bank):
    item = make_item(hotline_org)
    page = analyst_client.get(f"/banks/from-item/{item.pk}/")
    assert page.status_code == 200
    response = analyst_client.post(
        f"/banks/from-item/{item.pk}/", {"bank": bank.pk, "classification": "national"}
    )
    assert response.status_code == 422 and not BankEntry.objects.exists()
