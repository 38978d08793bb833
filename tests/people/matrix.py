"""Role × URL expectations of the people pages (invitations, members, accounts)."""

from ostoja.organisations.models import Membership
from ostoja.people import services
from tests.factories import MembershipFactory, UserFactory
from tests.matrix import ANON, COORD, MANAGER, SIGNED_IN, Case, only


def _member(world):
    """A network member of the organisation the world's manager manages."""
    world.extra["member"] = MembershipFactory(
        organisation=world.orgs[MANAGER], role="network_member"
    )


def _stranger(world):
    world.extra["stranger"] = UserFactory()


def _invitation(world):
    invitation, token = services.invite(
        actor=world.users[COORD],
        organisation=world.orgs[MANAGER],
        email="invited-person@example.test",
        role="network_member",
    )
    world.extra["invitation"], world.extra["invitation_token"] = invitation, token


MANAGERS = [COORD, MANAGER]
manager_org = lambda w: {"slug": w.orgs[MANAGER].slug}  # noqa: E731

MATRIX = {
    "people:list": Case(expect=only(MANAGERS)),
    "people:invitations": Case(expect=only(MANAGERS)),
    # The matrix uses the manager's own organisation; another organisation is a 404 for a
    # manager (tests/people/test_views.py).
    "people:organisation": Case(kwargs=manager_org, expect=only(MANAGERS)),
    "people:invite": Case(kwargs=manager_org, expect=only(MANAGERS)),
    "people:policy": Case(
        method="post",
        kwargs=manager_org,
        data=lambda w: {"revoke_tokens_on_removal": ""},
        expect=only(MANAGERS, ok=302),
    ),
    "people:person": Case(
        setup=[_member],
        kwargs=lambda w: {"pk": w.extra["member"].user_id},
        expect=only(MANAGERS),
    ),
    "people:membership_role": Case(
        method="post",
        setup=[_member],
        kwargs=lambda w: {"pk": w.extra["member"].pk},
        data=lambda w: {"role": "service_editor"},
        expect=only(MANAGERS, ok=302),
    ),
    "people:membership_remove": Case(
        method="post",
        setup=[_member],
        kwargs=lambda w: {"pk": w.extra["member"].pk},
        expect=only(MANAGERS, ok=302),
    ),
    "people:deactivate": Case(
        method="post",
        setup=[_stranger],
        kwargs=lambda w: {"pk": w.extra["stranger"].pk},
        expect=only([COORD], ok=302),
    ),
    "people:reactivate": Case(
        method="post",
        setup=[_stranger],
        kwargs=lambda w: {"pk": w.extra["stranger"].pk},
        expect=only([COORD], ok=302),
    ),
    "people:invitation_resend": Case(
        method="post",
        setup=[_invitation],
        kwargs=lambda w: {"pk": w.extra["invitation"].pk},
        expect=only(MANAGERS, ok=302),
    ),
    "people:invitation_revoke": Case(
        method="post",
        setup=[_invitation],
        kwargs=lambda w: {"pk": w.extra["invitation"].pk},
        expect=only(MANAGERS, ok=302),
    ),
    # The link from the e-mail: public; a person signed in to another account is told to sign
    # out first (403), never attached to the wrong account.
    "people:accept": Case(
        setup=[_invitation],
        kwargs=lambda w: {"token": w.extra["invitation_token"]},
        expect={ANON: 200, **dict.fromkeys(SIGNED_IN, 403)},
    ),
    # allauth's own page: each person's signed-in sessions (ends them too).
    "usersessions_list": Case(expect=only(SIGNED_IN)),
}
assert Membership  # the memberships changed above live in organisations
