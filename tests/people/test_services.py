"""The people services: invitations, role rules, removal, deactivation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.utils import timezone

from ostoja.audit.models import AuditEntry
from ostoja.organisations.models import ApiToken, Membership
from ostoja.organisations.roles import Role
from ostoja.organisations.services import issue_api_token
from ostoja.outbox.models import OutboxMessage
from ostoja.people import services
from ostoja.people.models import Invitation
from tests.conftest import make_user
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "Zielony-kasztan-nad-Wisla-7"
User = get_user_model()


def _invite(people, role="network_member", email="nowa@example.test", actor=None, org=None):
    return services.invite(
        actor=actor or people.coordinator,
        organisation=org or people.ngo,
        email=email,
        role=role,
    )


# --- invitations ----------------------------------------------------------------------------


def test_invitation_stores_only_a_hash_and_mails_the_link(people):
    invitation, token = _invite(people, email="  Nowa@Example.TEST ")
    assert invitation.email == "nowa@example.test"
    assert invitation.token_hash == services.hash_token(token)
    assert token not in str(Invitation.objects.filter(pk=invitation.pk).values().get())
    assert invitation.expires_at - invitation.sent_at == timedelta(days=7)
    message = OutboxMessage.objects.get(related_id=str(invitation.pk))
    assert message.recipients == ["nowa@example.test"]
    assert message.language == "pl" and message.sensitive
    assert f"/invitations/{token}/" in message.body_text
    assert "Zaproszenie" in message.subject  # Polish: the organisation's language
    entry = AuditEntry.objects.get(action="people.invitation.sent")
    assert entry.actor == people.coordinator and entry.organisation == people.ngo
    assert token not in str(entry.data)


def test_invitation_mail_in_the_existing_users_language(people):
    make_user(None, email="english@example.test", language="en")
    invitation, token = _invite(people, email="english@example.test")
    message = OutboxMessage.objects.get(related_id=str(invitation.pk))
    assert message.language == "en"
    assert message.subject.startswith("Invitation to")
    assert f"/en/invitations/{token}/" in message.body_text


def test_accepting_creates_the_account_once(people):
    invitation, token = _invite(people, role="network_member")
    user = services.accept_with_new_account(token=token, password=PASSWORD, full_name="Ala Nowa")
    assert user.check_password(PASSWORD) and user.full_name == "Ala Nowa"
    assert EmailAddress.objects.get(user=user).verified  # the link proved the address
    assert Membership.objects.filter(user=user, organisation=people.ngo, role="network_member")
    invitation.refresh_from_db()
    assert invitation.accepted_by == user and invitation.status == "accepted"
    assert AuditEntry.objects.filter(action="people.invitation.accepted", actor=user).exists()
    with pytest.raises(services.InvitationUnusable) as exc:
        services.accept_with_new_account(token=token, password=PASSWORD)
    assert exc.value.code == "used" and exc.value.status == 410
    assert User.objects.filter(email="nowa@example.test").count() == 1


@pytest.mark.parametrize("state", ["expired", "revoked"])
def test_dead_links_create_nothing(people, state):
    invitation, token = _invite(people)
    if state == "expired":
        Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    else:
        services.revoke_invitation(actor=people.coordinator, invitation=invitation)
    with pytest.raises(services.InvitationUnusable) as exc:
        services.accept_with_new_account(token=token, password=PASSWORD)
    assert exc.value.code == state and exc.value.status == 410
    assert not User.objects.filter(email="nowa@example.test").exists()
    assert not Membership.objects.filter(organisation=people.ngo, role="network_member")


def test_resend_kills_the_old_link(people):
    invitation, old = _invite(people)
    invitation, new = services.resend_invitation(actor=people.manager, invitation=invitation)
    assert invitation.send_count == 2 and new != old
    assert services.find_invitation(old) is None
    assert OutboxMessage.objects.filter(related_id=str(invitation.pk)).count() == 2
    with pytest.raises(services.InvitationUnusable):
        services.accept_with_new_account(token=old, password=PASSWORD)
    services.accept_with_new_account(token=new, password=PASSWORD)
    assert AuditEntry.objects.filter(action="people.invitation.resent").count() == 1


def test_one_open_invitation_per_address_but_an_expired_one_is_replaced(people):
    invitation, _token = _invite(people)
    with pytest.raises(services.PeopleError) as exc:
        _invite(people, role="service_editor")
    assert exc.value.code == "already_invited"
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    fresh, _token = _invite(people, role="service_editor")
    invitation.refresh_from_db()
    assert invitation.status == "revoked" and fresh.status == "pending"


def test_existing_account_is_attached_not_duplicated(people):
    existing = make_user("network_member", people.other, email="obecna@example.test")
    _invitation, token = _invite(people, email="obecna@example.test", role="service_editor")
    with pytest.raises(services.PeopleError) as exc:
        services.accept_with_new_account(token=token, password=PASSWORD)
    assert exc.value.code == "account_exists"
    stranger = UserFactory()
    with pytest.raises(services.NotAllowed):
        services.accept_with_existing_account(token=token, user=stranger)
    services.accept_with_existing_account(token=token, user=existing)
    assert User.objects.filter(email="obecna@example.test").count() == 1
    assert set(existing.memberships.values_list("organisation__slug", "role")) == {
        ("inna", "network_member"),
        ("fundacja", "service_editor"),
    }


# --- who may grant what ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "role",
    [
        "organisation_manager",
        "network_member",
        "authority_officer",
        "service_editor",
        "safeguarding_officer",
    ],
)
def test_manager_grants_the_roles_of_their_organisation(people, role):
    invitation, _token = _invite(people, role=role, actor=people.manager)
    assert invitation.role == role


@pytest.mark.parametrize("role", ["coordinator", "hotline_analyst", "hotline_supervisor"])
def test_manager_cannot_grant_a_role_above_their_own(people, role):
    with pytest.raises(services.NotAllowed) as exc:
        _invite(people, role=role, actor=people.manager)
    assert exc.value.code == "role_not_allowed" and exc.value.status == 403
    assert not Invitation.objects.exists() and not OutboxMessage.objects.exists()


def test_unknown_role_and_foreign_organisation(people):
    with pytest.raises(services.PeopleError) as exc:
        _invite(people, role="king")
    assert exc.value.code == "unknown_role"
    with pytest.raises(services.NotAllowed):
        _invite(people, actor=people.manager, org=people.other)
    assert not Invitation.objects.exists()


def test_manager_cannot_change_or_remove_a_higher_role(people):
    analyst_in_ngo = MembershipFactory(organisation=people.ngo, role="hotline_analyst")
    with pytest.raises(services.NotAllowed):
        services.change_role(actor=people.manager, membership=analyst_in_ngo, role="network_member")
    with pytest.raises(services.NotAllowed):
        services.remove_member(actor=people.manager, membership=analyst_in_ngo)
    member = MembershipFactory(organisation=people.ngo, role="network_member")
    with pytest.raises(services.NotAllowed):
        services.change_role(actor=people.manager, membership=member, role="coordinator")
    services.change_role(actor=people.manager, membership=member, role="service_editor")
    member.refresh_from_db()
    assert member.role == "service_editor"
    entry = AuditEntry.objects.get(action="people.membership.role_changed")
    assert entry.data == {"from": "network_member", "to": "service_editor"}


# --- the last coordinator -------------------------------------------------------------------


def test_last_coordinator_cannot_leave_be_demoted_or_deactivated(people):
    own = people.coordinator.memberships.get(role=Role.COORDINATOR)
    for attempt in (
        lambda: services.change_role(
            actor=people.coordinator, membership=own, role="network_member"
        ),
        lambda: services.remove_member(actor=people.coordinator, membership=own),
        lambda: services.deactivate_user(actor=people.coordinator, user=people.coordinator),
    ):
        with pytest.raises(services.PeopleError) as exc:
            attempt()
        assert exc.value.code == "last_coordinator" and exc.value.status == 409
    people.coordinator.refresh_from_db()
    assert people.coordinator.is_active and own.__class__.objects.filter(pk=own.pk).exists()
    second = make_user(Role.COORDINATOR)
    services.change_role(actor=second, membership=own, role="network_member")
    own.refresh_from_db()
    assert own.role == "network_member"


def test_an_inactive_coordinator_does_not_count(people):
    second = make_user(Role.COORDINATOR)
    second.is_active = False
    second.save()
    own = people.coordinator.memberships.get(role=Role.COORDINATOR)
    with pytest.raises(services.PeopleError):
        services.remove_member(actor=people.coordinator, membership=own)


# --- removal and deactivation ---------------------------------------------------------------


def _signed_in(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    assert client.get("/dashboard/").status_code == 200
    return client


def test_removal_ends_sessions_and_revokes_tokens_by_policy(
    people, django_capture_on_commit_callbacks
):
    member = make_user("network_member", people.ngo)
    client = _signed_in(member)
    token, _secret = issue_api_token(actor=member, organisation=people.ngo, name="t")
    kept, _secret = issue_api_token(actor=people.coordinator, organisation=people.ngo, name="k")
    with django_capture_on_commit_callbacks(execute=True):
        result = services.remove_member(actor=people.manager, membership=member.memberships.get())
    assert result.tokens_revoked == 1
    token.refresh_from_db()
    kept.refresh_from_db()
    assert token.revoked_at is not None and kept.revoked_at is None
    response = client.get("/dashboard/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert AuditEntry.objects.filter(action="people.membership.removed", target_id=str(member.pk))


def test_policy_can_keep_tokens(people):
    services.set_policy(
        actor=people.manager, organisation=people.ngo, revoke_tokens_on_removal=False
    )
    member = make_user("network_member", people.ngo)
    token, _secret = issue_api_token(actor=member, organisation=people.ngo, name="t")
    services.remove_member(actor=people.coordinator, membership=member.memberships.get())
    assert ApiToken.objects.active().filter(pk=token.pk).exists()
    assert AuditEntry.objects.filter(action="people.policy.changed").count() == 1


def test_deactivation_signs_out_everywhere(people):
    member = make_user("network_member", people.ngo)
    client = _signed_in(member)
    token, _secret = issue_api_token(actor=member, organisation=people.ngo, name="t")
    with pytest.raises(services.NotAllowed):
        services.deactivate_user(actor=people.manager, user=member)
    result = services.deactivate_user(actor=people.coordinator, user=member)
    assert result.tokens_revoked == 1
    member.refresh_from_db()
    assert not member.is_active and member.memberships.exists()  # history stays
    assert client.get("/dashboard/").status_code == 302
    services.reactivate_user(actor=people.coordinator, user=member)
    member.refresh_from_db()
    assert member.is_active


def test_new_organisation_kinds_do_not_matter_for_invites(people):
    # A coordinator may invite an analyst into a hotline created a moment ago.
    hotline = OrganisationFactory(kind="hotline")
    invitation, _token = _invite(people, role="hotline_analyst", org=hotline)
    assert invitation.organisation == hotline
