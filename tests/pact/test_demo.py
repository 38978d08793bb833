"""The Pact's demo data: authorities of different kinds in several voivodeships, plans in
different states, a town abroad, a signed-off biennial review; seeding twice adds nothing."""

from __future__ import annotations

from io import StringIO

import pytest

from ostoja.pact import demo
from ostoja.pact.models import ReviewCycle, Signatory

pytestmark = pytest.mark.django_db


def test_demo_data():
    demo.seed_demo(StringIO())
    signatories = Signatory.objects.all()
    assert len({s.kind for s in signatories}) >= 4
    assert len({s.voivodeship for s in signatories if s.is_polish}) >= 3
    assert signatories.filter(country="EE").exists()
    assert {"pending", "verified"} <= {s.state for s in signatories}
    assert ReviewCycle.objects.filter(state="signed_off").count() == 1
    count = signatories.count()
    demo.seed_demo(StringIO())
    assert Signatory.objects.count() == count
