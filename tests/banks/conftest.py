"""Fixtures of the bank tests: a fresh index per test, a signing key, API clients."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation

from ostoja.banks import signing
from ostoja.banks.index_cache import default_cache
from ostoja.organisations.services import issue_api_token
from tests.factories import OrganisationFactory

from .helpers import make_bank


@pytest.fixture(autouse=True)
def _fresh_index(settings):
    # The per-process index outlives a test's rolled-back database: start each test afresh
    # and check the change sequence on every call (the freshness tests use their own caches).
    settings.OSTOJA_BANKS_REFRESH_SECONDS = 0
    default_cache.reset()
    # Service messages in English (the source language); pages follow the URL's language.
    with translation.override("en"):
        yield
    default_cache.reset()


@pytest.fixture
def signing_key(tmp_path, settings):
    path = tmp_path / "keys" / "signing.pem"
    key = signing.generate_key(path)
    settings.OSTOJA_BANK_SIGNING_KEY_FILE = str(path)
    return key


@pytest.fixture
def hotline_org(db):
    return OrganisationFactory(kind="hotline", slug="hotline-a", name="Hotline A")


@pytest.fixture
def bank(hotline_org):
    return make_bank(hotline_org, slug="bank-a", name="Bank A")


@pytest.fixture
def platform_token(db):
    org = OrganisationFactory(kind="online_platform", slug="platform-x")
    _token, secret = issue_api_token(actor=None, organisation=org, name="t", scopes=["match"])
    return secret


@pytest.fixture
def api(platform_token):
    return Client(HTTP_AUTHORIZATION=f"Bearer {platform_token}", HTTP_ACCEPT_LANGUAGE="en")
