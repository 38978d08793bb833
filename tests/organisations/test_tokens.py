import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ostoja.organisations.models import ApiToken
from ostoja.organisations.services import hash_token, issue_api_token, revoke_api_token
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def test_command_prints_a_token_stored_only_hashed():
    org = OrganisationFactory(slug="platforma")
    out = io.StringIO()
    call_command(
        "issue_api_token",
        "platforma",
        "--scope",
        "reports",
        "--scope",
        "match",
        stdout=out,
        stderr=io.StringIO(),
    )
    secret = out.getvalue().strip()
    assert secret.startswith("ost_")
    token = ApiToken.objects.get(organisation=org)
    assert token.token_hash == hash_token(secret)
    assert secret not in str(ApiToken.objects.values_list(flat=False))
    assert token.scopes == ["match", "reports"]


def test_command_rejects_unknown_org_and_scope():
    with pytest.raises(CommandError, match="No organisation"):
        call_command("issue_api_token", "nope", stdout=io.StringIO())
    OrganisationFactory(slug="x")
    with pytest.raises(CommandError):
        call_command("issue_api_token", "x", "--scope", "everything", stdout=io.StringIO())


def test_bearer_token_authenticates_and_revocation_works(client):
    org = OrganisationFactory(slug="p1")
    token, secret = issue_api_token(actor=None, organisation=org, name="t")
    ok = client.get("/api/v1/whoami", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert ok.status_code == 200
    assert ok.json()["organisation"] == "p1"
    revoke_api_token(actor=None, token=token)
    gone = client.get("/api/v1/whoami", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert gone.status_code == 401
    assert gone.json()["detail"]


@pytest.mark.parametrize(
    "header",
    [
        "",
        "Bearer",
        "Bearer ",
        "Bearer ost_nope",
        "Basic abc",
        "Bearer " + "x" * 5000,
        "Bearer ost_\u202eabc",
    ],
)
def test_invalid_tokens_get_401_json(client, header):
    kwargs = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.get("/api/v1/whoami", **kwargs)
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")


def test_token_page_lists_without_secret_and_issues_once(coordinator_client):
    org = OrganisationFactory(slug="listed")
    _token, secret = issue_api_token(actor=None, organisation=org, name="existing")
    page = coordinator_client.get("/organisations/listed/tokens/")
    assert page.status_code == 200
    assert secret not in page.content.decode()
    created = coordinator_client.post(
        "/organisations/listed/tokens/", {"name": "new one", "scopes": ["urllist"]}
    )
    assert created.status_code == 200
    assert "ost_" in created.content.decode()
    assert ApiToken.objects.filter(organisation=org).count() == 2
    bad = coordinator_client.post("/organisations/listed/tokens/", {"name": "", "scopes": ["evil"]})
    assert bad.status_code == 422
    assert ApiToken.objects.filter(organisation=org).count() == 2


def test_queryset_scoping(user_factory):
    from ostoja.organisations.models import Organisation

    mine = OrganisationFactory()
    OrganisationFactory()
    user = user_factory("network_member", mine)
    assert list(Organisation.objects.visible_to(user)) == [mine]


def test_a_token_revoked_by_another_process_is_refused_on_the_next_request(client, monkeypatch):
    """Issue 11, item 4: this process's cache holds the token; another process (here: a
    direct UPDATE, which does not touch this process's cache) revokes it. The very next
    request is refused, well inside the cache window."""
    from ostoja.organisations import services

    org = OrganisationFactory(slug="p2")
    token, secret = issue_api_token(actor=None, organisation=org, name="t")
    other, other_secret = issue_api_token(actor=None, organisation=org, name="u")
    clock = [1000.0]
    monkeypatch.setattr(services.time, "monotonic", lambda: clock[0])
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    other_auth = {"HTTP_AUTHORIZATION": f"Bearer {other_secret}"}
    assert client.get("/api/v1/whoami", **auth).status_code == 200
    assert client.get("/api/v1/whoami", **other_auth).status_code == 200
    assert services.hash_token(secret) in services._token_cache
    ApiToken.objects.filter(pk=token.pk).update(revoked_at="2026-01-01T00:00:00Z")
    clock[0] += 0.001  # still cached
    assert client.get("/api/v1/whoami", **auth).status_code == 401
    assert client.get("/api/v1/whoami", **auth).status_code == 401
    # the other token of the same organisation is untouched and still served from the cache
    assert client.get("/api/v1/whoami", **other_auth).status_code == 200


def test_a_cached_token_costs_one_small_query_per_request(client, django_assert_num_queries):
    org = OrganisationFactory(slug="p3")
    _token, secret = issue_api_token(actor=None, organisation=org, name="t")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    assert client.get("/api/v1/whoami", **auth).status_code == 200
    with django_assert_num_queries(1) as captured:
        from ostoja.organisations.services import authenticate_token

        assert authenticate_token(secret) is not None
    assert "revoked_at IS NULL" in captured.captured_queries[0]["sql"]
