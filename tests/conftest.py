"""Shared fixtures: users per role, logged-in clients, the world of the permission matrix."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.test import Client

from ostoja.organisations.permissions import requires_mfa
from ostoja.organisations.roles import Role

from .background import _fresh_rq_queue, pytest_collection_modifyitems  # noqa: F401
from .factories import MembershipFactory, OrganisationFactory, UserFactory

TEST_TOTP_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

ROLE_ORG_KIND = {
    Role.COORDINATOR: "ngo",
    Role.HOTLINE_ANALYST: "hotline",
    Role.HOTLINE_SUPERVISOR: "hotline",
    Role.NETWORK_MEMBER: "ngo",
    Role.AUTHORITY_OFFICER: "local_authority",
    Role.SERVICE_EDITOR: "service_provider",
    Role.ORGANISATION_MANAGER: "ngo",
    Role.SAFEGUARDING_OFFICER: "ngo",
}


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the default language (Polish) and leaves the thread as found.

    A request to an English page (``/en/…``) activates English in the thread and Django does
    not deactivate it after the response: a later test in the same process (any app's, in any
    order ``-n 2`` deals them out) would then ``reverse()`` to ``/en/…`` URLs and read English
    pages. ``test_every_view_is_logged_and_only_officers_see_records`` failed that way when an
    English page had been requested before it in the same worker."""
    from django.conf import settings
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        yield


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits and throttling live in the cache: no test inherits another's counters
    (nor the tokens and the receiving hotline this process remembers)."""
    from django.core.cache import cache

    from ostoja.hotline.services import forget_receiving_hotline
    from ostoja.organisations.services import forget_cached_tokens

    def forget():
        cache.clear()
        forget_cached_tokens()
        forget_receiving_hotline()

    forget()
    yield
    forget()


def make_user(role: str | None = None, organisation=None, *, mfa: bool = True, **kwargs):
    user = UserFactory(**kwargs)
    if role:
        organisation = organisation or OrganisationFactory(kind=ROLE_ORG_KIND[role])
        MembershipFactory(user=user, organisation=organisation, role=role)
    if mfa and requires_mfa(user):
        TOTP.activate(user, TEST_TOTP_SECRET)
    return user


def login(client: Client, user) -> Client:
    client.force_login(user)
    return client


@pytest.fixture
def user_factory(db):
    return make_user


@pytest.fixture
def coordinator(db):
    return make_user(Role.COORDINATOR)


@pytest.fixture
def coordinator_client(coordinator):
    return login(Client(), coordinator)


@dataclass
class World:
    """One user per role, each in an organisation of its own (analyst and supervisor share one)."""

    users: dict = field(default_factory=dict)
    orgs: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)

    def client(self, role):
        c = Client()
        if role is not None:
            c.force_login(self.users[role])
        return c


@pytest.fixture
def world(db):
    w = World()
    hotline_org = OrganisationFactory(kind="hotline", slug="world-hotline")
    for role in Role.values:
        org = hotline_org if role in (Role.HOTLINE_ANALYST, Role.HOTLINE_SUPERVISOR) else None
        if org is None:
            org = OrganisationFactory(
                kind=ROLE_ORG_KIND[role], slug=f"world-{role.replace('_', '-')}"
            )
        w.users[role] = make_user(role, org)
        w.orgs[role] = org
    # The network member's and the organisation manager's organisations are partners of the
    # national partnership (ostoja.network); the other organisations are not.
    from ostoja.network.membership import set_state
    from ostoja.network.models import PartnerState

    for role in (Role.NETWORK_MEMBER, Role.ORGANISATION_MANAGER):
        set_state(w.orgs[role], PartnerState.MEMBER, reason="test world")
    return w
