"""Role × URL expectations of notice and takedown (see tests/matrix.py).

Hotline staff work on their hotline's cases; supervisors alone override hosting, decide
disputes/escalations and appeals; the provider directory is for supervisors and coordinators;
statistics for coordinators and hotline staff. Public: the splash page, the appeal form and
a provider's signed link. Another hotline's case is a 404 (tested in test_app_views.py).

No setup here ever traces a host: cases are opened without processing (state "new") or
closed, so the matrix runs without DNS.
"""

from tests.matrix import ANALYST, ANON, COORD, SUPER, Case, everyone, only

STAFF = [ANALYST, SUPER]


def _illegal_item(world):
    from ostoja.hotline import services as hotline_services
    from tests.hotline.factories import item

    it = item(world.orgs[ANALYST], "https://files.example.com/matrix")
    analyst = world.users[ANALYST]
    hotline_services.claim_item(it, actor=analyst)
    hotline_services.assess_item(
        it,
        actor=analyst,
        outcome="illegal_baseline",
        content_type="image",
        site_type="image_host",
        age_band="3-13",
        gender="girl",
        severity="high",
    )
    world.extra["item"] = it


def _case(world):
    from ostoja.takedown import services

    _illegal_item(world)
    world.extra["case"] = services.handle_illegal_assessment(
        actor=world.users[ANALYST], item=world.extra["item"]
    )


def _removed_case(world):
    from ostoja.takedown import services

    _case(world)
    services.record_check(actor=world.users[ANALYST], case=world.extra["case"], result="removed")


def _notice(world):
    from ostoja.takedown.models import Notice
    from ostoja.takedown.notices import make_link
    from tests.factories import OrganisationFactory

    _case(world)
    partner = OrganisationFactory(kind="hotline", country="DE", slug="matrix-partner")
    notice = Notice.objects.create(
        case=world.extra["case"], kind="referral", recipient=partner, email="p@partner.example"
    )
    world.extra["notice"] = notice
    world.extra["token"] = make_link(notice).token


def _appeal(world):
    from ostoja.takedown.models import Appeal

    world.extra["appeal"] = Appeal.objects.create(
        hotline=world.orgs[ANALYST],
        url="https://files.example.com/appeal",
        email="owner@site.example",
        message="Please check again.",
    )


def _rule(world):
    from ostoja.takedown import services
    from tests.factories import OrganisationFactory

    provider = OrganisationFactory(kind="hosting_provider", slug="matrix-provider")
    world.extra["rule"] = services.add_provider_rule(
        actor=None, organisation=provider, spec="AS64999"
    )


def _item_kwargs(world):
    return {"pk": world.extra["item"].pk}


MATRIX = {
    # Public.
    "takedown:blocked": Case(expect=everyone(200)),
    "takedown:appeal_form": Case(expect=everyone(200)),
    "takedown:respond": Case(
        setup=[_notice], kwargs=lambda w: {"token": w.extra["token"]}, expect=everyone(200)
    ),
    # Hotline staff.
    "takedown:cases": Case(expect=only(STAFF)),
    "takedown:item": Case(setup=[_case], kwargs=_item_kwargs, expect=only(STAFF)),
    "takedown:act": Case(
        setup=[_illegal_item], kwargs=_item_kwargs, method="post", expect=only(STAFF, ok=302)
    ),
    "takedown:retrace": Case(
        setup=[_removed_case], kwargs=_item_kwargs, method="post", expect=only(STAFF, ok=302)
    ),
    # An empty form is refused (400) and changes nothing.
    "takedown:check": Case(
        setup=[_case], kwargs=_item_kwargs, method="post", expect=only(STAFF, ok=400)
    ),
    "takedown:referral_export": Case(setup=[_notice], kwargs=_item_kwargs, expect=only(STAFF)),
    # Supervisors only (analysts of the same hotline get 403).
    "takedown:override": Case(
        setup=[_case], kwargs=_item_kwargs, method="post", expect=only([SUPER], ok=400)
    ),
    "takedown:resolve": Case(
        setup=[_case], kwargs=_item_kwargs, method="post", expect=only([SUPER], ok=400)
    ),
    "takedown:supervision": Case(expect=only([SUPER])),
    "takedown:appeal": Case(
        setup=[_appeal], kwargs=lambda w: {"pk": w.extra["appeal"].pk}, expect=only([SUPER])
    ),
    # Provider directory: supervisors and coordinators.
    "takedown:providers": Case(expect=only([COORD, SUPER])),
    "takedown:provider_rule_delete": Case(
        setup=[_rule],
        kwargs=lambda w: {"pk": w.extra["rule"].pk},
        method="post",
        expect=only([COORD, SUPER], ok=302),
    ),
    # Statistics: figures for coordinators and hotline staff.
    "takedown:stats": Case(expect=only([COORD, *STAFF])),
    "takedown:stats_csv": Case(expect=only([COORD, *STAFF])),
    "takedown:stats_json": Case(expect=only([COORD, *STAFF])),
}
assert ANON is None
