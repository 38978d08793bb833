import pytest
from django.conf import settings
from django.utils import translation

from ostoja.organisations.roles import Role
from tests.conftest import make_user
from tests.factories import OrganisationFactory

from .factories import signed_in


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the default language (Polish) and leaves the thread as found.

    A request to an English page (``/en/…``) activates English in the thread and Django does
    not deactivate it after the response: a later test in the same process (any app's, in any
    order ``-n 2`` deals them out) would then ``reverse()`` to ``/en/…`` URLs and read English
    pages. ``test_every_view_is_logged_and_only_officers_see_records`` failed that way when an
    English page had been requested before it in the same worker."""
    with translation.override(settings.LANGUAGE_CODE):
        yield


@pytest.fixture
def org(db):
    return OrganisationFactory(kind="ngo", slug="klub-orlik", name="Klub Sportowy Orlik")


@pytest.fixture
def other_org(db):
    return OrganisationFactory(kind="ngo", slug="fundacja-inna", name="Fundacja Inna")


@pytest.fixture
def officer(org):
    return make_user(Role.SAFEGUARDING_OFFICER, org, email="officer@orlik.example")


@pytest.fixture
def officer_client(officer):
    return signed_in(officer)


@pytest.fixture
def other_officer(other_org):
    return make_user(Role.SAFEGUARDING_OFFICER, other_org, email="officer@inna.example")


@pytest.fixture
def other_client(other_officer):
    return signed_in(other_officer)
