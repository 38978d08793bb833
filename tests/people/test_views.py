"""The people pages over HTTP: status codes, messages, scoping, nothing half-written."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from ostoja.organisations.models import Membership
from ostoja.outbox.models import OutboxMessage
from ostoja.people import services
from ostoja.people.models import Invitation
from tests.conftest import make_user
from tests.factories import TEST_PASSWORD, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "Zielony-kasztan-nad-Wisla-7"
User = get_user_model()


def _post_invite(client, org, role, email="kolega@example.test", prefix=""):
    return client.post(
        f"{prefix}/people/organisations/{org.slug}/invite/",
        {"email": email, "role": role, "language": "pl"},
    )


def test_manager_invites_a_network_member_but_not_coordinator_or_analyst(people):
    client = people.client(people.manager)
    page = client.get(f"/people/organisations/{people.ngo.slug}/")
    offered = [value for value, _label in page.context["invite_form"].fields["role"].widget.choices]
    assert "network_member" in offered
    assert not {"coordinator", "hotline_analyst", "hotline_supervisor"} & set(offered)
    for role in ("coordinator", "hotline_analyst", "hotline_supervisor"):
        r = _post_invite(client, people.ngo, role, prefix="/en")
        assert r.status_code == 403
        assert "it is above your own" in r.content.decode()
    assert not Invitation.objects.exists() and not OutboxMessage.objects.exists()
    r = _post_invite(client, people.ngo, "network_member")
    assert r.status_code == 302
    assert Invitation.objects.get().role == "network_member"


def test_unknown_role_is_a_form_error(people):
    r = _post_invite(people.client(people.coordinator), people.ngo, "king", prefix="/en")
    assert r.status_code == 422
    assert "There is no such role." in r.content.decode()
    assert not Invitation.objects.exists()


def test_no_role_chosen_is_a_form_error(people):
    r = _post_invite(people.client(people.coordinator), people.ngo, "", prefix="/en")
    assert r.status_code == 422 and "This field is required." in r.content.decode()
    assert not Invitation.objects.exists()


@pytest.mark.parametrize(
    "email",
    [
        "not-an-address",
        "a@b",
        "x" * 300 + "@example.test",
        "",
        "victim@example.test\nBcc: all@example.test",
        "ｎｏｗａ＠example.test",
        "<script>@example.test",
    ],
)
def test_bad_addresses_are_refused(people, email):
    r = _post_invite(people.client(people.coordinator), people.ngo, "network_member", email=email)
    assert r.status_code == 422
    assert not Invitation.objects.exists()


def test_foreign_organisation_is_a_404(people):
    client = people.client(people.manager)
    assert _post_invite(client, people.other, "network_member").status_code == 404
    assert client.get(f"/people/organisations/{people.other.slug}/").status_code == 404
    stranger = MembershipFactory(organisation=people.other, role="network_member")
    assert client.get(f"/people/{stranger.user_id}/").status_code == 404
    assert client.post(f"/people/memberships/{stranger.pk}/remove/").status_code == 404
    assert (
        client.post(
            f"/people/memberships/{stranger.pk}/role/", {"role": "service_editor"}
        ).status_code
        == 404
    )
    foreign, _token = services.invite(
        actor=people.coordinator,
        organisation=people.other,
        email="x@example.test",
        role="network_member",
    )
    assert client.post(f"/people/invitations/{foreign.pk}/revoke/").status_code == 404
    assert Membership.objects.filter(pk=stranger.pk).exists()
    assert Invitation.objects.get(pk=foreign.pk).status == "pending"


def _invitation(people, **kwargs):
    defaults = {
        "actor": people.coordinator,
        "organisation": people.ngo,
        "email": "nowa@example.test",
        "role": "network_member",
    }
    return services.invite(**{**defaults, **kwargs})


def test_accept_page_for_dead_links(people):
    client = Client()
    assert client.get("/en/invitations/not-a-real-token/").status_code == 404
    assert client.get("/en/invitations/" + "A" * 5000 + "/").status_code == 404
    assert client.get("/en/invitations/%C5%BC%C3%B3%C5%82w/").status_code == 404
    expired, token1 = _invitation(people, email="a@example.test")
    Invitation.objects.filter(pk=expired.pk).update(expires_at=timezone.now())
    r = client.get(f"/en/invitations/{token1}/")
    assert r.status_code == 410 and "has expired" in r.content.decode()
    revoked, token2 = _invitation(people, email="b@example.test")
    services.revoke_invitation(actor=people.coordinator, invitation=revoked)
    r = client.get(f"/en/invitations/{token2}/")
    assert r.status_code == 410 and "withdrawn" in r.content.decode()
    _used, token3 = _invitation(people, email="c@example.test")
    services.accept_with_new_account(token=token3, password=PASSWORD)
    r = client.post(f"/en/invitations/{token3}/", {"password1": PASSWORD, "password2": PASSWORD})
    assert r.status_code == 410 and "already been used" in r.content.decode()
    assert r["Cache-Control"].startswith("max-age=0") or "no-store" in r["Cache-Control"]


def test_accept_with_a_new_account_signs_in(people):
    _inv, token = _invitation(people)
    client = Client()
    r = client.get(f"/invitations/{token}/")
    assert r.status_code == 200 and people.ngo.name in r.content.decode()
    bad = client.post(
        f"/en/invitations/{token}/",
        {"password1": PASSWORD, "password2": PASSWORD + "x", "language": "pl"},
    )
    assert bad.status_code == 422 and "same password" in bad.content.decode()
    weak = client.post(
        f"/en/invitations/{token}/", {"password1": "12345", "password2": "12345", "language": "pl"}
    )
    assert weak.status_code == 422
    assert not User.objects.filter(email="nowa@example.test").exists()
    ok = client.post(
        f"/invitations/{token}/",
        {"full_name": "Ala Nowa", "password1": PASSWORD, "password2": PASSWORD, "language": "en"},
    )
    assert ok.status_code == 302
    user = User.objects.get(email="nowa@example.test")
    assert user.language == "en"
    assert client.get("/dashboard/").status_code == 200  # signed in through allauth


def test_accept_into_an_existing_account(people):
    existing = make_user("network_member", people.other, email="obecna@example.test")
    _inv, token = _invitation(people, email="obecna@example.test", role="service_editor")
    anonymous = Client()
    r = anonymous.get(f"/en/invitations/{token}/")
    assert r.status_code == 200 and "Sign in to it" in r.content.decode()
    assert f"next=%2Fen%2Finvitations%2F{token}%2F" in r.content.decode()
    # A hand-made POST without signing in does not create a second account.
    anonymous.post(f"/invitations/{token}/", {"password1": PASSWORD, "password2": PASSWORD})
    assert User.objects.filter(email="obecna@example.test").count() == 1
    other = Client()
    other.force_login(UserFactory())
    assert other.post(f"/invitations/{token}/").status_code == 403
    client = Client()
    client.force_login(existing)
    assert client.get(f"/invitations/{token}/").status_code == 200
    assert client.post(f"/invitations/{token}/").status_code == 302
    assert existing.memberships.filter(organisation=people.ngo, role="service_editor").exists()
    assert User.objects.filter(email="obecna@example.test").count() == 1


def test_resend_and_revoke_from_the_pages(people):
    invitation, old = _invitation(people)
    client = people.client(people.manager)
    r = client.post(f"/people/invitations/{invitation.pk}/resend/", {"next": "invitations"})
    assert r.status_code == 302 and r["Location"].endswith("/people/invitations/")
    assert services.find_invitation(old) is None
    listing = client.get("/people/invitations/")
    assert "nowa@example.test" in listing.content.decode()
    client.post(f"/people/invitations/{invitation.pk}/revoke/")
    assert Invitation.objects.get(pk=invitation.pk).status == "revoked"
    assert list(client.get("/people/invitations/").context["page"]) == []
    revoked = client.get("/people/invitations/?status=revoked").context["page"]
    assert [i.email for i in revoked] == ["nowa@example.test"]
    again = client.post(f"/en/people/invitations/{invitation.pk}/revoke/", follow=True)
    assert "already accepted or revoked" in again.content.decode()


def test_last_coordinator_is_told_and_nothing_changes(people):
    client = people.client(people.coordinator)
    own = people.coordinator.memberships.get()
    r = client.post(f"/en/people/memberships/{own.pk}/role/", {"role": "network_member"})
    assert r.status_code == 409 and "last coordinator" in r.content.decode()
    r = client.post(f"/en/people/memberships/{own.pk}/remove/")
    assert r.status_code == 409
    r = client.post(f"/en/people/{people.coordinator.pk}/deactivate/")
    assert r.status_code == 409
    own.refresh_from_db()
    assert own.role == "coordinator"
    assert client.get("/dashboard/").status_code == 200


def test_people_list_search_filters_and_scope(people):
    for n in range(55):
        make_user("network_member", people.ngo, email=f"czlonek{n:02d}@example.test")
    outsider = make_user("network_member", people.other, email="obcy@example.test")
    coordinator = people.client(people.coordinator)
    page1 = coordinator.get("/people/")
    assert page1.status_code == 200 and len(page1.context["page"]) == 50
    page2 = coordinator.get("/people/?page=2")
    assert len(page2.context["page"]) == User.objects.count() - 50
    found = coordinator.get("/people/?q=czlonek07")
    assert [u.email for u in found.context["page"]] == ["czlonek07@example.test"]
    by_org = coordinator.get(f"/people/?organisation={people.other.slug}")
    assert [u.email for u in by_org.context["page"]] == ["obcy@example.test"]
    by_role = coordinator.get("/people/?role=organisation_manager")
    assert [u.email for u in by_role.context["page"]] == ["kierownik@example.test"]
    outsider.is_active = False
    outsider.save()
    inactive = coordinator.get("/people/?active=0")
    assert [u.email for u in inactive.context["page"]] == ["obcy@example.test"]
    assert coordinator.get("/people/?role=king").status_code == 400
    manager = people.client(people.manager)
    seen = manager.get("/people/?q=obcy")
    assert list(seen.context["page"]) == []
    assert manager.get(f"/people/?organisation={people.other.slug}").status_code == 400


def test_dashboard_shows_each_membership(people):
    user = make_user("network_member", people.ngo)
    MembershipFactory(user=user, organisation=people.other, role="service_editor")
    MembershipFactory(user=user, organisation=people.ngo, role="organisation_manager")
    client = Client()
    client.force_login(user)
    body = client.get("/en/dashboard/").content.decode()
    assert people.other.name in body and people.ngo.name in body
    assert "Service editor" in body and "Network member" in body
    assert body.count("Organisation manager") >= 1
    assert f"/en/people/organisations/{people.ngo.slug}/" in body  # manages its people


def test_password_is_never_in_the_audit_log(people):
    from ostoja.audit.models import AuditEntry

    _inv, token = _invitation(people)
    Client().post(
        f"/invitations/{token}/",
        {"password1": PASSWORD, "password2": PASSWORD, "language": "pl"},
    )
    assert PASSWORD not in str(list(AuditEntry.objects.values_list("data", flat=True)))
    assert TEST_PASSWORD not in str(list(AuditEntry.objects.values_list("data", flat=True)))


def test_organisation_page_links_to_its_people_for_managers_only(people):
    link = f"/people/organisations/{people.ngo.slug}/"
    assert (
        link
        in people.client(people.manager).get(f"/organisations/{people.ngo.slug}/").content.decode()
    )
    member = make_user("network_member", people.ngo)
    assert (
        link not in people.client(member).get(f"/organisations/{people.ngo.slug}/").content.decode()
    )
