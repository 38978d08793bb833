from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from ostoja.audit.models import AuditEntry
from ostoja.people import services
from ostoja.people.models import Invitation
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def test_operator_invites_the_first_coordinator():
    org = OrganisationFactory(slug="koalicja")
    out = StringIO()
    call_command(
        "people_invite",
        "Anna@Example.test",
        organisation="koalicja",
        role="coordinator",
        stdout=out,
    )
    invitation = Invitation.objects.get()
    assert invitation.email == "anna@example.test" and invitation.role == "coordinator"
    token = out.getvalue().rstrip().rsplit("/invitations/", 1)[1].strip("/")
    assert services.find_invitation(token) == invitation
    user = services.accept_with_new_account(token=token, password="Zielony-kasztan-nad-Wisla-7")
    assert user.memberships.get().organisation == org
    entry = AuditEntry.objects.get(action="people.invitation.sent")
    assert entry.actor is None and entry.data["operator"] is True


def test_command_refuses_bad_input():
    OrganisationFactory(slug="koalicja")
    with pytest.raises(CommandError):
        call_command("people_invite", "a@example.test", organisation="nope", role="coordinator")
    with pytest.raises(CommandError):
        call_command("people_invite", "not-an-address", organisation="koalicja", role="coordinator")
    with pytest.raises(CommandError):
        call_command("people_invite", "a@example.test", organisation="koalicja", role="king")
    assert not Invitation.objects.exists()
