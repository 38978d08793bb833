"""Fixtures of the directory tests.

The taxonomy comes with a data migration, but transactional tests elsewhere flush every table,
so each database test here loads it again (idempotent, a few queries).
"""

from __future__ import annotations

import pytest

from ostoja.directory.taxonomy import sync_taxonomy
from tests.conftest import make_user
from tests.factories import OrganisationFactory

_DB_FIXTURES = {"db", "transactional_db", "live_server", "django_db_setup"}


@pytest.fixture(autouse=True)
def _directory_taxonomy(request):
    marker = request.node.get_closest_marker("django_db")
    names = set(request.fixturenames)
    if marker is None and not names & _DB_FIXTURES:
        return
    transactional = (marker is not None and marker.kwargs.get("transaction")) or bool(
        names & {"transactional_db", "live_server"}
    )
    request.getfixturevalue("transactional_db" if transactional else "db")
    sync_taxonomy()


@pytest.fixture
def provider_org(db):
    return OrganisationFactory(kind="service_provider", slug="poradnia-testowa", language="pl")


@pytest.fixture
def editor(provider_org):
    return make_user("service_editor", provider_org, email="redaktor@example.test")
