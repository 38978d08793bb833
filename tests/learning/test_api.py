"""The editions API: organisation token required; places and waiting list, never names."""

from __future__ import annotations

import pytest
from django.test import Client

from ostoja.learning import services
from ostoja.organisations.services import issue_api_token
from tests.factories import OrganisationFactory

from .helpers import edition, partner_org, professional

pytestmark = pytest.mark.django_db


def test_open_editions_need_a_token_and_name_nobody():
    ed = edition(capacity=1)
    people = [professional(full_name=f"Osoba Testowa {n}") for n in range(3)]
    for p in people:
        services.enrol(ed, p, actor=p)
    assert Client().get("/api/v1/learning/editions").status_code == 401
    _, token = issue_api_token(actor=None, organisation=partner_org(), name="site")
    response = Client(HTTP_AUTHORIZATION=f"Bearer {token}").get("/api/v1/learning/editions")
    assert response.status_code == 200
    [row] = response.json()
    assert (row["id"], row["capacity"], row["places_taken"], row["waiting"]) == (ed.pk, 1, 1, 2)
    assert "Osoba" not in response.content.decode()
    _, outsider = issue_api_token(actor=None, organisation=OrganisationFactory(), name="x")
    response = Client(HTTP_AUTHORIZATION=f"Bearer {outsider}").get("/api/v1/learning/editions")
    assert response.status_code == 403
