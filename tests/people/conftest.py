"""Fixtures of the people tests: a coordinator, a manager of an NGO, a hotline."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from ostoja.organisations.roles import Role
from tests.conftest import make_user
from tests.factories import OrganisationFactory


@dataclass
class People:
    coordinator: object
    manager: object
    ngo: object
    hotline: object
    other: object  # an organisation the manager does not manage

    def client(self, user) -> Client:
        c = Client()
        c.force_login(user)
        return c


@pytest.fixture
def people(db):
    ngo = OrganisationFactory(kind="ngo", slug="fundacja")
    hotline = OrganisationFactory(kind="hotline", slug="dyzurnet-test")
    other = OrganisationFactory(kind="ngo", slug="inna")
    coordinator = make_user(Role.COORDINATOR, email="koordynator@example.test")
    manager = make_user(Role.ORGANISATION_MANAGER, ngo, email="kierownik@example.test")
    return People(coordinator, manager, ngo, hotline, other)
