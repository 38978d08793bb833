"""Role × URL expectations of the partnership network (see tests/matrix.py).

Public: the partnership page, the charter (every version), coverage, the application form and
the applicant's pages behind their secret links. The member's home and accepting the charter:
people of partner organisations (in the world, the network member's and the organisation
manager's) and coordinators. Review, partners, charter versions, the target: coordinators.
"""

from tests.matrix import COORD, MANAGER, MEMBER, Case, everyone, only


def _charter(world):
    from tests.network.helpers import charter

    world.extra["charter"] = charter(1)


def _application(world):
    from ostoja.network import services
    from tests.network.helpers import data

    _charter(world)
    application, token = services.submit_application(data())
    world.extra["confirm_token"] = token
    # A second, confirmed application for the applicant's and the coordinator's pages.
    confirmed, secret = services.confirm_application(
        services.submit_application(
            data(nip="1234563218", regon="12345678500010", krs="", contact_email="b@example.org")
        )[1]
    )
    world.extra["application"] = confirmed
    world.extra["access_token"] = secret


def _partner_pk(world):
    from ostoja.network.models import Partner

    return {"pk": Partner.objects.get(organisation=world.orgs[MEMBER]).pk}


MEMBERS = [COORD, MEMBER, MANAGER]

MATRIX = {
    "network:partnership": Case(expect=everyone(200), setup=[_charter]),
    "network:charter": Case(expect=everyone(200), setup=[_charter]),
    "network:charter_version": Case(
        expect=everyone(200), setup=[_charter], kwargs=lambda w: {"number": 1}
    ),
    "network:coverage": Case(expect=everyone(200)),
    "network:apply": Case(expect=everyone(200), setup=[_charter]),
    "network:apply_sent": Case(expect=everyone(200)),
    "network:confirm": Case(
        expect=everyone(200),
        setup=[_application],
        kwargs=lambda w: {"token": w.extra["confirm_token"]},
    ),
    "network:application_status": Case(
        expect=everyone(200),
        setup=[_application],
        kwargs=lambda w: {"token": w.extra["access_token"]},
    ),
    "network:index": Case(expect=only(MEMBERS), setup=[_charter]),
    "network:charter_accept": Case(
        expect=only(MEMBERS), setup=[_charter], kwargs=lambda w: {"number": 1}
    ),
    "network:applications": Case(expect=only([COORD]), setup=[_application]),
    "network:application": Case(
        expect=only([COORD]),
        setup=[_application],
        kwargs=lambda w: {"pk": w.extra["application"].pk},
    ),
    "network:application_ask": Case(
        expect=only([COORD], ok=422),
        method="post",
        setup=[_application],
        kwargs=lambda w: {"pk": w.extra["application"].pk},
    ),
    "network:application_admit": Case(
        expect=only([COORD], ok=422),
        method="post",
        setup=[_application],
        kwargs=lambda w: {"pk": w.extra["application"].pk},
        data=lambda w: {"kind": "nonsense"},
    ),
    "network:application_refuse": Case(
        expect=only([COORD], ok=422),
        method="post",
        setup=[_application],
        kwargs=lambda w: {"pk": w.extra["application"].pk},
    ),
    "network:partners": Case(expect=only([COORD])),
    "network:partner": Case(expect=only([COORD]), kwargs=_partner_pk),
    "network:charter_manage": Case(expect=only([COORD]), setup=[_charter]),
    "network:charter_status": Case(
        expect=only([COORD]), setup=[_charter], kwargs=lambda w: {"number": 1}
    ),
    "network:coverage_target": Case(
        expect=only([COORD], ok=302),
        method="post",
        data=lambda w: {"minimum": 1, "goal": 2},
    ),
}
