import io

import pytest
from django.core.management import call_command
from django.test import Client

from ostoja.organisations import teryt
from ostoja.organisations.models import Organisation
from ostoja.organisations.permissions import can_manage_tokens, roles_of

pytestmark = pytest.mark.django_db


def test_demo_authorities_and_manager():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_demo", "--quiet-logins", stdout=io.StringIO())  # idempotent
    authorities = Organisation.objects.exclude(teryt_code="")
    assert sorted(authorities.values_list("teryt_code", flat=True)) == ["0201022", "0663"]
    for org in authorities:
        unit = teryt.get(org.teryt_code)
        assert unit.is_authority and org.voivodeship == unit.voivodeship_code
        assert org.name.endswith("(demo)") and org.verified
    assert "menedzer@demo.ostoja.invalid" in out.getvalue()
    client = Client()
    assert client.login(email="menedzer@demo.ostoja.invalid", password="ostoja-demo-2026")
    ngo = Organisation.objects.get(slug="demo-fundacja-polnoc")
    from django.contrib.auth import get_user_model

    manager = get_user_model().objects.get(email="menedzer@demo.ostoja.invalid")
    assert roles_of(manager) == {"organisation_manager"}
    assert can_manage_tokens(manager, ngo)
    assert client.get("/organisations/demo-fundacja-polnoc/tokens/").status_code == 200
    assert client.get("/organisations/demo-koalicja/").status_code == 404
