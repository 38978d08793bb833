import pytest

from ostoja.organisations.roles import Role
from tests.conftest import make_user
from tests.factories import OrganisationFactory

from .factories import signed_in


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
