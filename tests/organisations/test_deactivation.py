"""Deactivating an organisation: its people lose access at once, its tokens stop, its history
stays; organisation managers manage their own organisation's tokens and nothing else."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from ostoja.audit.models import AuditEntry
from ostoja.organisations import services
from ostoja.organisations.models import ApiToken, Membership, Organisation
from ostoja.organisations.permissions import (
    can_manage_members,
    can_manage_tokens,
    roles_of,
)
from ostoja.organisations.roles import Role
from ostoja.organisations.services import issue_api_token
from tests.conftest import login, make_user
from tests.factories import OrganisationFactory
from tests.matrix import ALL_ROLES
from tests.test_permission_matrix import MATRIX

pytestmark = pytest.mark.django_db


def test_deactivation_takes_access_away_at_once_and_keeps_history(coordinator, client):
    hotline = OrganisationFactory(kind="hotline", slug="punkt")
    analyst = make_user(Role.HOTLINE_ANALYST, hotline)
    login(client, analyst)
    assert client.get("/hotline/").status_code == 200
    assert client.get("/organisations/punkt/").status_code == 200

    services.deactivate_organisation(
        actor=coordinator, organisation=hotline, reason="Umowa wygasła"
    )

    # The same session, the next request: no role, no page.
    assert client.get("/hotline/").status_code == 403
    assert client.get("/organisations/punkt/").status_code == 404
    assert roles_of(type(analyst).objects.get(pk=analyst.pk)) == set()
    # History stays: the organisation, the membership and the audit entries are all there.
    hotline.refresh_from_db()
    assert not hotline.is_active and hotline.deactivation_reason == "Umowa wygasła"
    assert Membership.objects.filter(organisation=hotline, user=analyst).exists()
    entry = AuditEntry.objects.get(action="organisations.organisation.deactivated")
    assert entry.data == {"reason": "Umowa wygasła"} and entry.organisation_id == hotline.pk
    # Coordinators still see it (marked) and can bring it back.
    coord = login(Client(), coordinator)
    page = coord.get("/en/organisations/punkt/").content.decode()
    assert "This organisation is deactivated." in page and "Umowa wygasła" in page
    services.reactivate_organisation(actor=coordinator, organisation=hotline, reason="Nowa umowa")
    assert client.get("/hotline/").status_code == 200
    assert AuditEntry.objects.filter(action="organisations.organisation.reactivated").exists()


def test_tokens_of_a_deactivated_organisation_stop_at_once(coordinator, client):
    org = OrganisationFactory(slug="platforma")
    _token, secret = issue_api_token(actor=None, organisation=org, name="t")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    assert client.get("/api/v1/whoami", **auth).status_code == 200  # now cached
    services.deactivate_organisation(actor=coordinator, organisation=org, reason="x")
    assert client.get("/api/v1/whoami", **auth).status_code == 401
    # Another process never cached it: the look-up itself requires an active organisation.
    from ostoja.organisations.services import authenticate_token, forget_cached_tokens

    forget_cached_tokens()
    assert authenticate_token(secret) is None
    # No new token for it, and its old ones work again after reactivation (not revoked).
    with pytest.raises(ValidationError, match="Dezaktywowana organizacja"):
        issue_api_token(
            actor=coordinator, organisation=Organisation.objects.get(pk=org.pk), name="n"
        )
    services.reactivate_organisation(actor=coordinator, organisation=org, reason="y")
    assert client.get("/api/v1/whoami", **auth).status_code == 200
    assert ApiToken.objects.filter(organisation=org).count() == 1


def test_deactivation_form_needs_a_reason(coordinator_client):
    OrganisationFactory(slug="target")
    empty = coordinator_client.post("/en/organisations/target/deactivate/", {"reason": "  "})
    assert empty.status_code == 422 and "This field is required." in empty.content.decode()
    long = coordinator_client.post("/organisations/target/deactivate/", {"reason": "x" * 1001})
    assert long.status_code == 422
    assert Organisation.objects.get(slug="target").is_active
    done = coordinator_client.post("/organisations/target/deactivate/", {"reason": "powód"})
    assert done.status_code == 302
    again = coordinator_client.post("/en/organisations/target/deactivate/", {"reason": "powód"})
    assert again.status_code == 422
    assert AuditEntry.objects.filter(action="organisations.organisation.deactivated").count() == 1
    back = coordinator_client.post("/organisations/target/reactivate/", {"reason": "pomyłka"})
    assert back.status_code == 302 and Organisation.objects.get(slug="target").is_active


def _outsider_status(world, name, outsider):
    case = MATRIX[name]
    kwargs = case.kwargs(world) if case.kwargs else {}
    client = login(Client(), outsider)
    data = case.data(world) if case.data else {}
    return getattr(client, case.method)(reverse(name, kwargs=kwargs), data).status_code


# Every URL of every app: a role whose organisation is deactivated gets exactly what a signed-in
# person with no membership gets (GET pages only: a POST that one of them is allowed to make
# would change what the other sees).
GET_URLS = sorted(n for n, c in MATRIX.items() if c.method == "get")


@pytest.mark.parametrize("name", GET_URLS)
def test_a_deactivated_organisation_grants_nothing_anywhere(world, name):
    case = MATRIX[name]
    world.extra["token"], _ = issue_api_token(
        actor=None, organisation=world.orgs["network_member"], name="matrix"
    )
    for hook in case.setup or []:
        hook(world)
    outsider = make_user(None)
    roles = [r for r in ALL_ROLES if r is not None and case.expect[r] not in (403, 404)]
    for role in roles:
        org = world.orgs[role]
        Organisation.objects.filter(pk=org.pk).update(is_active=False)
        kwargs = case.kwargs(world) if case.kwargs else {}
        got = getattr(world.client(role), case.method)(reverse(name, kwargs=kwargs)).status_code
        expected = _outsider_status(world, name, outsider)
        Organisation.objects.filter(pk=org.pk).update(is_active=True)
        assert got == expected, f"{role} of a deactivated organisation: {got} on {name}"


# --- organisation managers -----------------------------------------------------------------


def test_a_manager_manages_the_own_organisations_tokens_only(client):
    mine = OrganisationFactory(slug="moja")
    other = OrganisationFactory(slug="cudza")
    manager = make_user(Role.ORGANISATION_MANAGER, mine)
    login(client, manager)
    assert can_manage_tokens(manager, mine) and not can_manage_tokens(manager, other)
    issued = client.post("/organisations/moja/tokens/", {"name": "CMS", "scopes": ["reports"]})
    assert issued.status_code == 200 and "ost_" in issued.content.decode()
    token = ApiToken.objects.get(organisation=mine)
    assert token.created_by == manager
    entry = AuditEntry.objects.get(action="organisations.api_token.issued")
    assert entry.actor == manager and entry.organisation_id == mine.pk
    revoked = client.post(f"/organisations/moja/tokens/{token.pk}/revoke/")
    assert revoked.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    # Another organisation does not exist for them.
    other_token, _ = issue_api_token(actor=None, organisation=other, name="x")
    assert client.get("/organisations/cudza/").status_code == 404
    assert client.get("/organisations/cudza/tokens/").status_code == 404
    assert client.post(f"/organisations/cudza/tokens/{other_token.pk}/revoke/").status_code == 404
    assert (
        client.post(
            "/organisations/cudza/tokens/", {"name": "x", "scopes": ["reports"]}
        ).status_code
        == 404
    )
    # A token of another organisation through their own organisation's URL: 404 too.
    assert client.post(f"/organisations/moja/tokens/{other_token.pk}/revoke/").status_code == 404
    other_token.refresh_from_db()
    assert other_token.revoked_at is None
    assert ApiToken.objects.filter(organisation=other).count() == 1
    # Their own organisation's page, but not its editing (that is for coordinators).
    assert client.get("/organisations/moja/").status_code == 200
    assert client.get("/organisations/moja/edit/").status_code == 403


def test_can_manage_members():
    mine, other = OrganisationFactory(), OrganisationFactory()
    manager = make_user(Role.ORGANISATION_MANAGER, mine)
    member = make_user(Role.NETWORK_MEMBER, mine)
    coordinator = make_user(Role.COORDINATOR)
    assert can_manage_members(manager, mine) and not can_manage_members(manager, other)
    assert not can_manage_members(member, mine)
    assert can_manage_members(coordinator, other)
    Organisation.objects.filter(pk=mine.pk).update(is_active=False)
    manager = type(manager).objects.get(pk=manager.pk)  # a new request
    assert not can_manage_members(manager, mine)


def test_scope_descriptions_are_in_the_pages_language(coordinator_client):
    OrganisationFactory(slug="zakresy")
    polish = coordinator_client.get("/organisations/zakresy/tokens/").content.decode()
    english = coordinator_client.get("/en/organisations/zakresy/tokens/").content.decode()
    assert "Download the URL block list" in english
    assert "Download the URL block list" not in polish
    assert "Pobieranie listy adresów do blokowania" in polish
    assert "Pobieranie listy adresów do blokowania" not in english
