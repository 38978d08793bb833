"""Role × URL expectations of the organisations pages.

Each role sees its own organisation; another organisation is a 404 (never a 403). Managing
organisations is for coordinators; an organisation manager manages its own organisation's API
tokens (members: the ``people`` app). A member of the organisation without that role gets 403.
"""

from ostoja.organisations.models import Membership
from ostoja.organisations.services import issue_api_token
from tests.matrix import COORD, MANAGER, MEMBER, SIGNED_IN, Case, only


def _member_also_in_managers_org(world):
    # A plain member of the manager's organisation: sees it, may not manage its tokens.
    Membership.objects.create(
        user=world.users[MEMBER], organisation=world.orgs[MANAGER], role=MEMBER
    )


def _token_of_managers_org(world):
    world.extra["manager_token"], _ = issue_api_token(
        actor=None, organisation=world.orgs[MANAGER], name="matrix"
    )


def _managers_org(world):
    return {"slug": world.orgs[MANAGER].slug}


def _members_org(world):
    return {"slug": world.orgs[MEMBER].slug}


MATRIX = {
    "organisations:list": Case(expect=only(SIGNED_IN)),
    "organisations:create": Case(expect=only([COORD])),
    "organisations:teryt_search": Case(expect=only([COORD])),
    "organisations:detail": Case(kwargs=_members_org, expect=only([COORD, MEMBER], denied=404)),
    "organisations:edit": Case(
        kwargs=_members_org, expect={**only([COORD], denied=404), MEMBER: 403}
    ),
    "organisations:deactivate": Case(
        kwargs=_members_org, expect={**only([COORD], denied=404), MEMBER: 403}
    ),
    "organisations:reactivate": Case(
        kwargs=_members_org, expect={**only([COORD], denied=404), MEMBER: 403}
    ),
    "organisations:tokens": Case(
        kwargs=_managers_org,
        setup=[_member_also_in_managers_org],
        expect={**only([COORD, MANAGER], denied=404), MEMBER: 403},
    ),
    "organisations:token_revoke": Case(
        method="post",
        kwargs=lambda w: {"slug": w.orgs[MANAGER].slug, "pk": w.extra["manager_token"].pk},
        setup=[_member_also_in_managers_org, _token_of_managers_org],
        expect={**only([COORD, MANAGER], ok=302, denied=404), MEMBER: 403},
    ),
}
