"""Applying, confirming, the conversation, admission and refusal — through the services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from ostoja.audit.models import AuditEntry
from ostoja.network import membership, services
from ostoja.network.models import (
    Application,
    ApplicationState,
    CharterAcceptance,
    Partner,
    PartnerState,
)
from ostoja.organisations.models import Membership, Organisation
from ostoja.outbox.models import OutboxMessage
from ostoja.people.models import Invitation

from .helpers import VALID_NIP, VALID_REGON, charter, confirmed, data

pytestmark = pytest.mark.django_db


@pytest.fixture
def current():
    return charter(1)


def _mails(address):
    return [m for m in OutboxMessage.objects.order_by("pk") if address in m.recipients]


def test_submit_sends_only_the_confirmation_and_nothing_to_the_coordinator(current, coordinator):
    application, token = services.submit_application(data())
    assert application.state == ApplicationState.UNCONFIRMED
    assert application.nip == VALID_NIP and application.krs == "0000012345"
    assert application.charter == current
    (mail,) = _mails("ewa@example.org")
    assert token in mail.body_text and mail.sensitive
    assert _mails(coordinator.email) == []
    assert application.confirm_hash != token  # only the hash is stored


def test_numbers_are_normalised(current):
    application, _ = services.submit_application(
        data(nip="PL 526-025-02-74", regon="12 345 678 5", krs="0000 012 345")
    )
    assert (application.nip, application.regon, application.krs) == (
        VALID_NIP,
        VALID_REGON,
        "0000012345",
    )


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"nip": "5260250275"}, "nip"),
        ({"regon": "123456786"}, "regon"),
        ({"regon": "12345678500011"}, "regon"),
        ({"krs": "12345"}, "krs"),
        ({"voivodeships": []}, "voivodeships"),
        ({"voivodeships": ["99"]}, "voivodeships"),
        ({"areas": ["hacking"]}, "areas"),
        ({"accepted": False}, "accepted"),
        ({"contact_email": "not-an-address"}, "contact_email"),
        ({"name": "   "}, "name"),
        ({"website": "javascript:alert(1)"}, "website"),
        ({"description": "Dziecko Jan Kowalski ur. 3.05.2015 jest pod opieką."}, "description"),
        ({"description": "PESEL 44051401359"}, "description"),
    ],
)
def test_bad_input_is_refused_and_nothing_written(current, over, field):
    with pytest.raises(ValidationError) as exc:
        services.submit_application(data(**over))
    assert field in exc.value.error_dict
    assert Application.objects.count() == 0
    assert OutboxMessage.objects.count() == 0


def test_wrong_check_digit_message_is_clear(current):
    with pytest.raises(ValidationError) as exc:
        services.submit_application(data(nip="5260250275"))
    message = exc.value.error_dict["nip"][0].message
    with translation.override("en"):
        assert "check digit" in str(message)
    with translation.override("pl"):
        assert "cyfra kontrolna" in str(message)


def test_a_phone_number_in_the_description_is_allowed(current):
    application, _ = services.submit_application(data(description="Telefon zaufania 800 100 100."))
    assert application.pk


def test_no_charter_no_applications():
    with pytest.raises(services.NetworkError) as exc:
        services.submit_application(data(charter_number=1))
    assert exc.value.code == "no_charter"


def test_charter_changed_while_filling_in(current):
    charter(2)
    with pytest.raises(services.NetworkError) as exc:
        services.submit_application(data(charter_number=1))
    assert exc.value.code == "charter_changed"


def test_applied_twice_is_refused_by_any_number(current):
    services.submit_application(data())
    for over in ({}, {"nip": "1234563218"}, {"regon": "12345678500010", "krs": ""}):
        with pytest.raises(services.NetworkError) as exc:
            services.submit_application(data(**over))
        assert exc.value.code == "already_applied"
        assert "ewa@example.org" not in str(exc.value.message)
    assert Application.objects.count() == 1


def test_a_lapsed_unconfirmed_application_does_not_block(current):
    first, _ = services.submit_application(data())
    Application.objects.filter(pk=first.pk).update(confirm_expires_at=timezone.now())
    second, _ = services.submit_application(data(contact_email="other@example.org"))
    first.refresh_from_db()
    assert first.state == ApplicationState.EXPIRED
    assert second.state == ApplicationState.UNCONFIRMED


def test_already_a_member_is_refused(current, world):
    Partner.objects.filter(organisation=world.orgs["network_member"]).update(
        nip=VALID_NIP, regon="987654321"
    )
    with pytest.raises(services.NetworkError) as exc:
        services.submit_application(data(regon="123456785"))
    assert exc.value.code == "already_member"
    # The message names nobody: neither the organisation nor its people.
    assert world.orgs["network_member"].name not in str(exc.value.message)


def test_confirmation_moves_it_to_the_coordinator_once(current, coordinator):
    application, token = services.submit_application(data())
    confirmed_app, secret = services.confirm_application(token)
    assert confirmed_app.state == ApplicationState.SUBMITTED
    assert services.find_by_access_token(secret) == confirmed_app
    assert len(_mails(coordinator.email)) == 1
    with pytest.raises(services.LinkUnusable) as exc:
        services.confirm_application(token)
    assert exc.value.code == "used"
    assert len(_mails(coordinator.email)) == 1


def test_expired_confirmation_link(current, coordinator):
    application, token = services.submit_application(data())
    Application.objects.filter(pk=application.pk).update(
        confirm_expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    with pytest.raises(services.LinkUnusable) as exc:
        services.confirm_application(token)
    assert exc.value.code == "expired"
    application.refresh_from_db()
    assert application.state == ApplicationState.EXPIRED
    assert _mails(coordinator.email) == []


def test_unknown_confirmation_token(current):
    with pytest.raises(services.NetworkError) as exc:
        services.confirm_application("nope")
    assert exc.value.status == 404


def test_access_tokens_cannot_be_guessed_or_reused_across_applications(current):
    a, secret_a = confirmed()
    b, secret_b = confirmed(nip="1234563218", regon="12345678500010", krs="")
    assert services.find_by_access_token(secret_a) == a
    digest_a = secret_a.partition("-")[2]
    assert services.find_by_access_token(f"{b.pk}-{digest_a}") is None
    assert services.find_by_access_token(f"{a.pk}-0000") is None
    assert services.find_by_access_token("garbage") is None


def test_question_and_answer_thread(current, coordinator):
    application, secret = confirmed()
    services.ask_applicant(application, actor=coordinator, body="Ile osób zatrudniacie?")
    application.refresh_from_db()
    assert application.state == ApplicationState.INFO_REQUESTED
    question_mail = _mails("ewa@example.org")[-1]
    assert "Ile osób zatrudniacie?" in question_mail.body_text
    assert secret in question_mail.body_text
    services.answer_application(application, body="Dwanaście.")
    application.refresh_from_db()
    assert application.state == ApplicationState.SUBMITTED
    assert [m.author_kind for m in application.messages.all()] == ["coordinator", "applicant"]


def test_only_a_coordinator_asks_admits_or_refuses(current, world):
    application, _ = confirmed()
    member = world.users["network_member"]
    for call in (
        lambda: services.ask_applicant(application, actor=member, body="?"),
        lambda: services.admit_application(application, actor=member),
        lambda: services.refuse_application(application, actor=member, reason="x"),
    ):
        with pytest.raises(services.NetworkError) as exc:
            call()
        assert exc.value.status == 403


def test_admission_creates_the_member_and_invites_the_contact(current, coordinator):
    application, _ = confirmed()
    org = services.admit_application(application, actor=coordinator)
    application.refresh_from_db()
    assert application.state == ApplicationState.ADMITTED and application.organisation == org
    assert org.kind == Organisation.Kind.NGO and org.name == "Fundacja Próbna"
    partner = Partner.objects.get(organisation=org)
    assert partner.state == PartnerState.MEMBER and partner.member_since
    assert partner.nip == VALID_NIP and partner.voivodeships == ["10", "14"]
    assert org in membership.partner_organisations()
    (change,) = partner.history.all()
    assert change.actor == coordinator and "1" in change.reason
    acceptance = CharterAcceptance.objects.get(organisation=org)
    assert acceptance.version == current and acceptance.signatory_name == "Jan Prezes"
    invitation = Invitation.objects.get(organisation=org)
    assert invitation.email == "ewa@example.org" and invitation.role == "organisation_manager"
    assert set(
        AuditEntry.objects.filter(action__startswith="network.").values_list("action", flat=True)
    ) == {
        "network.application.submitted",
        "network.application.confirmed",
        "network.application.admitted",
    }
    with pytest.raises(services.NetworkError):  # decided once
        services.refuse_application(application, actor=coordinator, reason="late")


def test_admission_with_another_kind(current, coordinator):
    application, _ = confirmed()
    org = services.admit_application(application, actor=coordinator, kind="public_body")
    assert org.kind == "public_body"
    with pytest.raises(services.NetworkError):
        services.admit_application(application, actor=coordinator, kind="nonsense")


def test_an_organisation_that_left_comes_back_as_the_same_organisation(current, coordinator):
    application, _ = confirmed()
    org = services.admit_application(application, actor=coordinator)
    services.change_state(
        Partner.objects.get(organisation=org),
        actor=coordinator,
        to_state="left",
        reason="Rezygnacja",
    )
    again, _ = confirmed(contact_email="nowa@example.org")
    org2 = services.admit_application(again, actor=coordinator)
    assert org2 == org
    partner = Partner.objects.get(organisation=org)
    assert [c.to_state for c in partner.history.all()] == ["member", "left", "member"]
    assert Organisation.objects.filter(name="Fundacja Próbna").count() == 1


def test_refusal_needs_a_reason_and_tells_the_applicant(current, coordinator):
    application, _ = confirmed()
    with pytest.raises(services.NetworkError) as exc:
        services.refuse_application(application, actor=coordinator, reason="  ")
    assert exc.value.code == "no_reason"
    services.refuse_application(application, actor=coordinator, reason="Poza zakresem.")
    application.refresh_from_db()
    assert application.state == ApplicationState.REFUSED
    assert "Poza zakresem." in _mails("ewa@example.org")[-1].body_text
    assert not Organisation.objects.filter(name="Fundacja Próbna").exists()
    # A refused organisation may apply again later.
    services.submit_application(data())


def test_answer_after_the_decision_is_refused(current, coordinator):
    application, _ = confirmed()
    services.refuse_application(application, actor=coordinator, reason="Nie.")
    with pytest.raises(services.NetworkError) as exc:
        services.answer_application(application, body="Ale…")
    assert exc.value.code == "closed"


def test_the_invitation_makes_the_contact_a_manager_of_a_partner(current, coordinator):
    from ostoja.people import services as people_services

    application, _ = confirmed()
    org = services.admit_application(application, actor=coordinator)
    invitation = Invitation.objects.get(organisation=org)
    # The token is only in the e-mail: take it from the outbox as the browser test does.
    mail = next(m for m in _mails("ewa@example.org") if "/invitations/" in m.body_text)
    token = mail.body_text.split("/invitations/")[1].split("/")[0]
    assert people_services.find_invitation(token) == invitation
    user = people_services.accept_with_new_account(
        token=token, full_name="Ewa Kontaktowa", password="Zielony-kasztan-nad-Wisla-7"
    )
    assert Membership.objects.filter(user=user, organisation=org).exists()
    assert membership.is_organisation_manager_of(user, org)
    assert membership.is_partnership_member(user)
