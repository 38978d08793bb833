"""Seed data: the real helplines, marked real; fictitious demo services, clearly marked."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from ostoja.directory import data
from ostoja.directory.demo import load_helplines, seed_demo
from ostoja.directory.models import Attribute, Metadata, Service, ServiceChange, Source
from ostoja.directory.search import SearchFilters, search
from ostoja.directory.taxonomy import term_id
from tests.conftest import make_user
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def poradnia():
    org = OrganisationFactory(
        slug="demo-poradnia", name="Poradnia Bezpieczna Przystań (demo)", kind="service_provider"
    )
    make_user("service_editor", org, email="redaktor@demo.ostoja.invalid")
    return org


def test_seed_is_idempotent_and_covers_every_audience(poradnia):
    seed_demo(None)
    counts = (Service.objects.count(), Attribute.objects.count(), Metadata.objects.count())
    seed_demo(None)
    assert (Service.objects.count(), Attribute.objects.count(), Metadata.objects.count()) == counts

    demo = Service.objects.filter(source=Source.DEMO)
    assert demo.count() >= 10
    assert all(s.name["pl"].endswith("(demo)") and s.name["en"].endswith("(demo)") for s in demo)
    assert demo.filter(provider__owner=poradnia).count() >= 3
    voivodeships = {
        loc.voivodeship
        for s in demo
        for sal in s.service_at_locations.all()
        for loc in [sal.location]
    }
    assert len(voivodeships) >= 5
    for audience in data.terms("audience"):
        tid = term_id(audience["code"])
        assert Attribute.objects.filter(
            link_id__in=demo.values("pk"), taxonomy_term_id=tid
        ).exists(), audience["code"]
    # A waiting proposal for the demo coordinator, and one service shown as out of date.
    assert ServiceChange.objects.pending().count() == 1
    assert any(s.is_outdated for s in demo)


def test_helplines_are_real_and_national():
    load_helplines()
    helplines = Service.objects.filter(source=Source.HELPLINE)
    assert helplines.count() == len(data.load_helplines())
    numbers = {p.number for s in helplines for p in s.phones.all()}
    assert {"112", "116 111", "116 123", "800 100 100"} <= numbers
    assert all(s.coverage == "national" and s.published for s in helplines)
    assert load_helplines() == 0
    # People worried about their thoughts find general crisis help at least.
    worried = search(SearchFilters(terms={"audience": ("audience.worried-about-thoughts",)}))
    assert worried.total >= 1


def test_the_load_command():
    out = StringIO()
    call_command("directory_load_helplines", stdout=out)
    assert "national helpline(s) loaded" in out.getvalue()
