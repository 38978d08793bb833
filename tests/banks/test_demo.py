"""Demo data: synthetic hashes only, idempotent, and the demo picture matches."""

import io

import pytest
from django.core.management import call_command

from ostoja.banks import demo, services
from ostoja.banks.models import BankEntry, HashBank
from ostoja.matching import pdq_from_image

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent_and_labelled():
    call_command("seed_demo", "--quiet-logins", stdout=io.StringIO())
    bank = HashBank.objects.get(slug=demo.DEMO_BANK_SLUG)
    assert "DEMO" in bank.name and "synthetic" in bank.description
    assert bank.owner.slug == "demo-dyzurny-punkt"
    n = BankEntry.objects.filter(bank=bank).count()
    assert n == demo.DEMO_IMAGES + 2 * demo.DEMO_EXACT
    assert set(bank.entries.values_list("category", flat=True)) == {"DEMO"}
    call_command("seed_demo", "--quiet-logins", stdout=io.StringIO())
    assert BankEntry.objects.filter(bank=bank).count() == n


def test_demo_picture_matches():
    call_command("seed_demo", "--quiet-logins", stdout=io.StringIO())
    picture = demo.demo_image(5)
    (result,) = services.match_hashes([("pdq", pdq_from_image(picture).hash)])
    assert result.matches[0].bank == demo.DEMO_BANK_SLUG
    assert pdq_from_image(picture).quality >= 50
