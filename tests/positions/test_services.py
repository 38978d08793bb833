"""Joint texts through their services: comments anchored to paragraphs (outdated when the
paragraph goes), versions with a readable diff, co-signing by organisations through their
managers (refused otherwise), publication, sending through the outbox, answers, adoption."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from ostoja.network.membership import set_state
from ostoja.network.models import PartnerState
from ostoja.organisations.roles import Role
from ostoja.outbox.models import OutboxMessage
from ostoja.positions import drafting, services
from ostoja.positions.errors import PositionsError
from ostoja.positions.models import Signature, Stage
from tests.conftest import make_user
from tests.factories import OrganisationFactory

from .helpers import BODY, document, signing

pytestmark = pytest.mark.django_db


def test_diff_is_paragraph_and_word_level():
    blocks = drafting.diff(BODY, BODY.replace("szkolenia", "szkolenia i superwizje") + "\n\nNowy.")
    kinds = [b.kind for b in blocks]
    assert kinds == ["same", "changed", "same", "added"]
    assert ("added", "i superwizje") in [(op, w.strip()) for op, w in blocks[1].parts]


def test_comment_on_a_removed_paragraph_is_kept_and_outdated(world):
    coordinator = world.users[Role.COORDINATOR]
    member = world.users[Role.NETWORK_MEMBER]
    doc = document(coordinator)
    services.open_comments(actor=coordinator, document=doc, until=timezone.localdate())
    keys = [k for k, _p in drafting.keyed(BODY)]
    kept = services.add_comment(actor=member, document=doc, paragraph_key=keys[0], body="Dobrze.")
    gone = services.add_comment(actor=member, document=doc, paragraph_key=keys[2], body="Za mało.")
    reply = services.add_comment(actor=coordinator, document=doc, body="Dopiszemy.", parent=gone)
    services.add_version(
        actor=coordinator, document=doc, body=BODY.rsplit("\n\n", 1)[0], note="bez postulatu 2"
    )
    current, outdated = services.comments_by_paragraph(doc)
    assert current[keys[0]] == [kept]
    assert outdated == [gone]
    assert list(outdated[0].replies.all()) == [reply]
    assert outdated[0].quote == "Postulat 2: standardy w każdej szkole."
    # A comment on the removed paragraph is refused now, with a clear message.
    with pytest.raises(PositionsError):
        services.add_comment(actor=member, document=doc, paragraph_key=keys[2], body="?")


def test_comments_only_by_members_and_while_open(world):
    coordinator = world.users[Role.COORDINATOR]
    doc = document(coordinator)
    key = drafting.keyed(BODY)[0][0]
    with pytest.raises(PositionsError):  # round not open
        services.add_comment(
            actor=world.users[Role.NETWORK_MEMBER], document=doc, paragraph_key=key, body="x"
        )
    services.open_comments(actor=coordinator, document=doc, until=timezone.localdate())
    with pytest.raises(PositionsError) as exc:
        services.add_comment(
            actor=world.users[Role.HOTLINE_ANALYST], document=doc, paragraph_key=key, body="x"
        )
    assert exc.value.status == 403
    with pytest.raises(PositionsError):
        services.add_comment(
            actor=world.users[Role.NETWORK_MEMBER],
            document=doc,
            paragraph_key=key,
            body="PESEL 44051401458",
        )


def test_cosigning_rules(world):
    coordinator = world.users[Role.COORDINATOR]
    manager = world.users[Role.ORGANISATION_MANAGER]
    manager_org = world.orgs[Role.ORGANISATION_MANAGER]
    member = world.users[Role.NETWORK_MEMBER]
    member_org = world.orgs[Role.NETWORK_MEMBER]
    doc = document(coordinator)
    with pytest.raises(PositionsError):  # not called yet
        services.sign(actor=manager, document=doc, organisation=manager_org)
    signing(coordinator, doc)
    # A network member (not the manager) may not sign for their organisation.
    with pytest.raises(PositionsError) as exc:
        services.sign(actor=member, document=doc, organisation=member_org)
    assert exc.value.status == 403
    # A manager may not sign for another organisation.
    with pytest.raises(PositionsError):
        services.sign(actor=manager, document=doc, organisation=member_org)
    signature = services.sign(actor=manager, document=doc, organisation=manager_org)
    with pytest.raises(PositionsError) as exc:  # twice
        services.sign(actor=manager, document=doc, organisation=manager_org)
    assert exc.value.status == 409
    services.withdraw(actor=manager, signature=signature)
    assert not services.signatories(doc).exists()
    services.sign(actor=manager, document=doc, organisation=manager_org)  # signs again
    doc.signing_deadline = timezone.now() - dt.timedelta(minutes=1)
    doc.save()
    live = Signature.objects.get(withdrawn_at__isnull=True)
    with pytest.raises(PositionsError):  # withdrawal after the deadline
        services.withdraw(actor=manager, signature=live)
    other = OrganisationFactory(kind="ngo", slug="inna")
    set_state(other, PartnerState.MEMBER)
    other_manager = make_user("organisation_manager", other)
    with pytest.raises(PositionsError):  # after the deadline
        services.sign(actor=other_manager, document=doc, organisation=other)
    assert Signature.objects.count() == 2


def test_a_manager_of_an_organisation_that_left_cannot_sign(world):
    coordinator = world.users[Role.COORDINATOR]
    doc = document(coordinator)
    signing(coordinator, doc)
    set_state(world.orgs[Role.ORGANISATION_MANAGER], PartnerState.LEFT)
    with pytest.raises(PositionsError):
        services.sign(
            actor=world.users[Role.ORGANISATION_MANAGER],
            document=doc,
            organisation=world.orgs[Role.ORGANISATION_MANAGER],
        )


def test_publish_send_and_record_answer(client, world):
    coordinator = world.users[Role.COORDINATOR]
    manager = world.users[Role.ORGANISATION_MANAGER]
    org = world.orgs[Role.ORGANISATION_MANAGER]
    doc = document(coordinator)
    signing(coordinator, doc)
    with pytest.raises(PositionsError):  # nobody signed
        services.publish(actor=coordinator, document=doc)
    services.sign(actor=manager, document=doc, organisation=org)
    services.publish(actor=coordinator, document=doc)
    doc.refresh_from_db()
    assert doc.stage == Stage.PUBLISHED
    page = client.get(reverse("positions:public", args=[doc.slug]))
    assert org.name in page.content.decode()
    assert not page.cookies
    pdf = client.get(reverse("positions:pdf", args=[doc.slug]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    ministry = services.add_addressee(
        actor=coordinator,
        name="Ministerstwo Edukacji",
        kind="ministry",
        email="kancelaria@men.example.gov.pl",
    )
    [dispatch] = services.send(actor=coordinator, document=doc, addressees=[ministry])
    assert services.send(actor=coordinator, document=doc, addressees=[ministry]) == []  # once
    message = OutboxMessage.objects.get(pk=dispatch.message_id)
    assert message.recipients == ["kancelaria@men.example.gov.pl"]
    assert org.name in message.body_text
    with pytest.raises(PositionsError):
        services.record_reply(
            actor=coordinator,
            dispatch=dispatch,
            kind="answer",
            on=timezone.localdate() + dt.timedelta(days=3),
            summary="x",
        )
    services.record_reply(
        actor=coordinator,
        dispatch=dispatch,
        kind="answer",
        on=timezone.localdate(),
        summary="Ministerstwo odpowiada.",
    )
    assert dispatch.replies.count() == 1


def test_standard_adoption_by_voivodeship(world):
    coordinator = world.users[Role.COORDINATOR]
    manager = world.users[Role.ORGANISATION_MANAGER]
    org = world.orgs[Role.ORGANISATION_MANAGER]
    org.voivodeship = "14"
    org.save()
    doc = document(coordinator, kind="standard", title="Standard pomocy dziecku")
    with pytest.raises(PositionsError):
        services.declare_adoption(
            actor=manager,
            document=doc,
            organisation=org,
            adopted=True,
            adopted_on=timezone.localdate(),
        )
    services.publish(actor=coordinator, document=doc)
    doc.refresh_from_db()
    with pytest.raises(PositionsError):
        services.declare_adoption(
            actor=manager, document=doc, organisation=org, adopted=True, adopted_on=None
        )
    services.declare_adoption(
        actor=manager, document=doc, organisation=org, adopted=True, adopted_on=timezone.localdate()
    )
    rows = {r["code"]: r for r in services.adoption_by_voivodeship(doc)}
    assert rows["14"]["adopted"] == 1
    with pytest.raises(PositionsError):
        services.declare_adoption(
            actor=world.users[Role.NETWORK_MEMBER],
            document=doc,
            organisation=org,
            adopted=False,
            adopted_on=None,
        )
