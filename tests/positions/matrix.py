"""Role × URL expectations of joint positions, standards and campaigns (see tests/matrix.py).

Public: the list of published texts, a published position's page and PDF, the calendar, the
.ics feed and campaign pages. Drafts are for partnership members (the network member's and
organisation manager's organisations are partners; coordinators); co-signing, joining and
local events for managers of partner organisations; the address book, sending and stages that
only coordinators take, for coordinators.
"""

import datetime as dt

from ostoja.organisations.roles import Role
from tests.matrix import ALL_ROLES, ANON, COORD, MANAGER, MEMBER, Case, everyone, only

PARTNERS = [COORD, MEMBER, MANAGER]


def _docs(world):
    from django.utils import timezone

    from ostoja.positions import services
    from tests.positions.helpers import document, signing

    coordinator = world.users[Role.COORDINATOR]
    draft = document(coordinator, title="Projekt stanowiska")
    published = document(coordinator, title="Stanowisko opublikowane")
    signing(coordinator, published)
    services.sign(
        actor=world.users[Role.ORGANISATION_MANAGER],
        document=published,
        organisation=world.orgs[Role.ORGANISATION_MANAGER],
    )
    services.publish(actor=coordinator, document=published)
    standard = document(coordinator, kind="standard", title="Standard pomocy")
    services.publish(actor=coordinator, document=standard)
    services.add_version(
        actor=coordinator, document=draft, body="Nowy tekst.\n\nDrugi akapit.", note="n"
    )
    today = timezone.localdate()
    world.extra["campaign"] = services.create_campaign(
        actor=coordinator,
        title="Kampania X-1",
        scope="national",
        starts_on=today,
        ends_on=today + dt.timedelta(days=10),
        goal="Cel X-1",
    )
    world.extra.update(draft=draft, published=published, standard=standard)


def _slug(key):
    return lambda w: {"slug": w.extra[key].slug}


def _post(allowed, ok=302, others=403):
    return {
        role: ok if role in allowed else (302 if role is ANON else others) for role in ALL_ROLES
    }


MATRIX = {
    "positions:index": Case(expect=everyone(200), setup=[_docs]),
    "positions:new": Case(expect=only([COORD])),
    "positions:addressees": Case(expect=only([COORD])),
    "positions:document": Case(expect=only(PARTNERS), setup=[_docs], kwargs=_slug("draft")),
    "positions:edit": Case(expect=only([COORD]), setup=[_docs], kwargs=_slug("draft")),
    "positions:diff": Case(
        expect=only(PARTNERS),
        setup=[_docs],
        kwargs=lambda w: {"slug": w.extra["draft"].slug, "a": 1, "b": 2},
    ),
    "positions:comment": Case(
        expect=_post(PARTNERS),
        method="post",
        data=lambda w: {"body": "Uwaga", "paragraph": "0000000000000000"},
        setup=[_docs],
        kwargs=_slug("draft"),
    ),
    "positions:stage": Case(
        expect=_post(PARTNERS),
        method="post",
        data=lambda w: {"action": "publish"},
        setup=[_docs],
        kwargs=_slug("draft"),
    ),
    "positions:sign": Case(
        expect=_post([MANAGER], ok=404),
        method="post",
        data=lambda w: {"organisation": "999999"},
        setup=[_docs],
        kwargs=_slug("draft"),
    ),
    "positions:withdraw": Case(
        expect=_post([MANAGER], ok=404),
        method="post",
        data=lambda w: {"signature": "999999"},
        setup=[_docs],
        kwargs=_slug("draft"),
    ),
    "positions:dispatches": Case(expect=only([COORD]), setup=[_docs], kwargs=_slug("published")),
    "positions:adoption": Case(expect=only(PARTNERS), setup=[_docs], kwargs=_slug("standard")),
    "positions:public": Case(expect=everyone(200), setup=[_docs], kwargs=_slug("published")),
    "positions:pdf": Case(expect=everyone(200), setup=[_docs], kwargs=_slug("published")),
    "positions:events": Case(expect=everyone(200), setup=[_docs]),
    "positions:ics": Case(expect=everyone(200), setup=[_docs]),
    "positions:event_new": Case(expect=only([MANAGER])),
    "positions:campaign_new": Case(expect=only([COORD])),
    "positions:campaign": Case(expect=everyone(200), setup=[_docs], kwargs=_slug("campaign")),
    "positions:campaign_join": Case(
        expect=_post([MANAGER], ok=404),
        method="post",
        data=lambda w: {"organisation": "999999", "contribution": "x"},
        setup=[_docs],
        kwargs=_slug("campaign"),
    ),
}
