"""Charter versions (publish, accept, the list of who has not accepted, reminders) and the
coordinator's changes of partners' states."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from ostoja.audit.models import AuditEntry
from ostoja.network import membership, services
from ostoja.network.models import CharterAcceptance, Partner, PartnerState
from ostoja.outbox.models import OutboxMessage
from tests.conftest import make_user
from tests.factories import OrganisationFactory

from .helpers import charter, tomorrow_plus

pytestmark = pytest.mark.django_db


@pytest.fixture
def members(world):
    """Three member organisations, each with one manager; plus the world's two partners."""
    out = []
    for n in range(3):
        org = OrganisationFactory(kind="ngo", name=f"Członek {n}")
        manager = make_user("organisation_manager", org, email=f"szef{n}@example.org")
        membership.set_state(org, PartnerState.MEMBER, reason="test")
        out.append((org, manager))
    return out


def test_publish_asks_every_member_organisations_managers(world, members):
    coordinator = world.users["coordinator"]
    charter(1)
    version = services.publish_charter(
        actor=coordinator, charter="## Nowy", declaration="Tak.", accept_by=tomorrow_plus(14)
    )
    assert version.number == 2
    for _org, manager in members:
        (mail,) = [m for m in OutboxMessage.objects.all() if manager.email in m.recipients]
        assert "/network/charter/2/accept/" in mail.body_text
    # The world's manager's organisation is a partner: its manager is asked too; a non-partner's
    # manager is not.
    asked = {r for m in OutboxMessage.objects.all() for r in m.recipients}
    assert world.users["organisation_manager"].email in asked
    assert world.users["safeguarding_officer"].email not in asked
    assert AuditEntry.objects.filter(action="network.charter.published").count() == 1


def test_publish_rules(world, members):
    coordinator = world.users["coordinator"]
    for over, code in (
        ({"accept_by": None}, "no_deadline"),
        ({"accept_by": timezone.localdate()}, "past_deadline"),
        ({"charter": "  "}, "empty"),
    ):
        kwargs = {"charter": "x", "declaration": "y", "accept_by": tomorrow_plus(5), **over}
        with pytest.raises(services.NetworkError) as exc:
            services.publish_charter(actor=coordinator, **kwargs)
        assert exc.value.code == code
    with pytest.raises(services.NetworkError) as exc:
        services.publish_charter(
            actor=members[0][1], charter="x", declaration="y", accept_by=tomorrow_plus(5)
        )
    assert exc.value.status == 403


def test_members_accept_and_the_not_accepted_list_is_right(world, members):
    coordinator = world.users["coordinator"]
    version = services.publish_charter(
        actor=coordinator, charter="## Regulamin", declaration="Tak.", accept_by=tomorrow_plus(10)
    )
    everyone = set(membership.partner_organisations())
    assert set(services.not_accepted(version)) == everyone
    (org0, manager0), (org1, manager1), (org2, _m2) = members
    services.accept_charter(
        actor=manager0,
        organisation=org0,
        version=version,
        signatory_name="Anna Nowak",
        signatory_function="prezeska",
    )
    services.accept_charter(
        actor=manager1,
        organisation=org1,
        version=version,
        signatory_name="Piotr Lis",
        signatory_function="prezes",
    )
    assert set(services.not_accepted(version)) == everyone - {org0, org1}
    record = CharterAcceptance.objects.get(organisation=org0, version=version)
    assert record.accepted_by == manager0 and record.signatory_function == "prezeska"
    # Twice: refused, nothing doubled.
    with pytest.raises(services.NetworkError) as exc:
        services.accept_charter(
            actor=manager0,
            organisation=org0,
            version=version,
            signatory_name="Anna Nowak",
            signatory_function="prezeska",
        )
    assert exc.value.code == "already_accepted"
    # A manager of one organisation cannot accept for another (nor a plain member).
    for actor in (manager0, world.users["network_member"]):
        with pytest.raises(services.NetworkError) as exc:
            services.accept_charter(
                actor=actor,
                organisation=org2,
                version=version,
                signatory_name="X",
                signatory_function="Y",
            )
        assert exc.value.status == 403
    # A suspended member drops out of the list (it is not a member now).
    services.change_state(
        Partner.objects.get(organisation=org2), actor=coordinator, to_state="suspended", reason="x"
    )
    assert org2 not in set(services.not_accepted(version))


def test_an_old_version_cannot_be_accepted(world, members):
    coordinator = world.users["coordinator"]
    old = services.publish_charter(
        actor=coordinator, charter="a", declaration="b", accept_by=tomorrow_plus(3)
    )
    services.publish_charter(
        actor=coordinator, charter="c", declaration="d", accept_by=tomorrow_plus(30)
    )
    org, manager = members[0]
    with pytest.raises(services.NetworkError) as exc:
        services.accept_charter(
            actor=manager, organisation=org, version=old, signatory_name="A", signatory_function="B"
        )
    assert exc.value.code == "not_current"


def test_reminders_a_week_and_a_day_before_each_once(world, members):
    coordinator = world.users["coordinator"]
    version = services.publish_charter(
        actor=coordinator, charter="a", declaration="b", accept_by=tomorrow_plus(10)
    )
    org0, manager0 = members[0]
    services.accept_charter(
        actor=manager0,
        organisation=org0,
        version=version,
        signatory_name="A",
        signatory_function="B",
    )
    pending_orgs = services.not_accepted(version).count()
    now = timezone.now()
    assert services.send_reminders(now) == 0  # ten days left: too early
    week = now + dt.timedelta(days=3)  # seven days left
    sent = services.send_reminders(week)
    assert sent == pending_orgs  # one manager each (or the contact address)
    assert services.send_reminders(week) == 0  # each reminder once
    reminded = {
        r for m in OutboxMessage.objects.filter(dedup_key__contains="remind") for r in m.recipients
    }
    assert manager0.email not in reminded
    assert members[1][1].email in reminded
    assert services.send_reminders(now + dt.timedelta(days=9)) == pending_orgs  # the last day
    assert services.send_reminders(now + dt.timedelta(days=11)) == 0  # after the deadline


def test_reminder_job_command(world, members):
    services.publish_charter(
        actor=world.users["coordinator"], charter="a", declaration="b", accept_by=tomorrow_plus(1)
    )
    call_command("network_charter_reminders")
    assert OutboxMessage.objects.filter(dedup_key__contains="remind1").exists()


def test_state_changes_with_reason_date_actor(world):
    coordinator = world.users["coordinator"]
    org = world.orgs["network_member"]
    partner = Partner.objects.get(organisation=org)
    with pytest.raises(services.NetworkError) as exc:
        services.change_state(partner, actor=coordinator, to_state="suspended", reason="")
    assert exc.value.code == "no_reason"
    with pytest.raises(services.NetworkError) as exc:
        services.change_state(
            partner, actor=world.users["network_member"], to_state="left", reason="x"
        )
    assert exc.value.status == 403
    services.change_state(partner, actor=coordinator, to_state="suspended", reason="Brak opłat")
    assert not membership.is_partnership_member(world.users["network_member"])
    with pytest.raises(services.NetworkError) as exc:  # suspended → suspended is no change
        services.change_state(partner, actor=coordinator, to_state="suspended", reason="again")
    assert exc.value.code == "transition"
    services.change_state(partner, actor=coordinator, to_state="member", reason="Uregulowano")
    services.change_state(partner, actor=coordinator, to_state="left", reason="Rezygnacja")
    history = list(partner.history.all())
    assert [(h.from_state, h.to_state) for h in history][-3:] == [
        ("member", "suspended"),
        ("suspended", "member"),
        ("member", "left"),
    ]
    assert history[-1].actor == coordinator and history[-1].reason == "Rezygnacja"
    assert set(
        AuditEntry.objects.filter(action__startswith="network.partner.").values_list(
            "action", flat=True
        )
    ) == {"network.partner.suspended", "network.partner.readmitted", "network.partner.left"}
