"""Role × URL expectations of the library (see tests/matrix.py).

The catalogue is public; a members-only material is for partnership members (the network
member's and organisation manager's organisations are partners in the test world) and
coordinators; orders are placed by people of partner organisations; stock, issues and the
distribution list are the coordinator's; a subscription is changed by its organisation's
manager (or a coordinator).
"""

from ostoja.organisations.roles import Role
from tests.matrix import ALL_ROLES, ANON, COORD, MANAGER, MEMBER, Case, everyone, only

PARTNERS = [COORD, MEMBER, MANAGER]


def _material(world):
    from django.conf import settings

    from tests.library.helpers import material

    settings.OSTOJA_LIBRARY_DIR = settings.VAR_DIR / "test-library"
    world.extra["material"] = material(access="members")
    world.extra["public"] = material(access="public", title="Poradnik")
    from ostoja.library import services

    world.extra["issue"] = services.add_issue(actor=None, year=2026, number=1, contents="A — B")
    world.extra["order"] = services.place_order(
        actor=None,
        material=world.extra["public"],
        organisation=world.orgs[Role.NETWORK_MEMBER],
        copies=1,
        delivery_address="ul. Testowa 1, Kraków",
    )


def _pk(w):
    return {"pk": w.extra["material"].pk}


def _edit_expect():
    return only([COORD])


def _post_denied(allowed, ok=302):
    result = {}
    for role in ALL_ROLES:
        result[role] = ok if role in allowed else (302 if role is ANON else 403)
    return result


MATRIX = {
    "library:index": Case(expect=everyone(200), setup=[_material]),
    "library:add": Case(expect=only([COORD, MANAGER])),
    "library:material": Case(expect=only(PARTNERS), setup=[_material], kwargs=_pk),
    "library:download": Case(expect=only(PARTNERS), setup=[_material], kwargs=_pk),
    "library:edit": Case(expect=_edit_expect(), setup=[_material], kwargs=_pk),
    "library:order": Case(expect=only([MEMBER, MANAGER]), setup=[_material], kwargs=_pk),
    "library:stock": Case(
        expect=_post_denied([COORD]),
        method="post",
        data=lambda w: {"copies": 5},
        setup=[_material],
        kwargs=_pk,
    ),
    "library:orders": Case(expect=only(PARTNERS), setup=[_material]),
    "library:order_action": Case(
        expect={**_post_denied([COORD]), MEMBER: 302, MANAGER: 404},
        method="post",
        data=lambda w: {"action": "cancel"},
        setup=[_material],
        kwargs=lambda w: {"pk": w.extra["order"].pk},
    ),
    "library:journal": Case(expect=only([COORD, MANAGER]), setup=[_material]),
    "library:subscription": Case(
        expect={**only([COORD, MANAGER]), MANAGER: 200},
        kwargs=lambda w: {"slug": w.orgs[Role.ORGANISATION_MANAGER].slug},
    ),
    "library:distribution": Case(
        expect=only([COORD]), setup=[_material], kwargs=lambda w: {"pk": w.extra["issue"].pk}
    ),
}
