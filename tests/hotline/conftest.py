import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _clear_cache():
    # The public form's rate limit lives in the cache; every test starts with a clean one.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def hotline(db):
    from tests.hotline.factories import HotlineFactory

    return HotlineFactory(slug="hotline-a")


@pytest.fixture
def partner(db):
    from tests.hotline.factories import PartnerFactory

    return PartnerFactory(slug="platform-a")


@pytest.fixture
def api_client(partner, hotline):
    """A client whose requests carry a 'reports' token of a platform."""
    from django.test import Client

    from ostoja.organisations.services import issue_api_token

    _token, secret = issue_api_token(
        actor=None, organisation=partner, name="test", scopes=["reports"]
    )
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    client.organisation = partner
    return client
