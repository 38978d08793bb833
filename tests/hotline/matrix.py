"""Role × URL expectations of the hotline (see tests/matrix.py).

Coordinators see statistics only: the queue sends them there (302), item pages are 403.
Another hotline's item is a 404 (tested in test_views.py: one case per URL name here).
"""

from tests.matrix import ANALYST, ANON, COORD, SUPER, Case, everyone, only


def _item(world):
    from tests.hotline.factories import item

    world.extra["item"] = item(world.orgs[ANALYST])


def _item_kwargs(world):
    return {"pk": world.extra["item"].pk}


def _slug(world):
    return {"slug": world.orgs[ANALYST].slug}


HOTLINE_STAFF = [ANALYST, SUPER]

MATRIX = {
    "hotline:report": Case(expect=everyone(200)),
    "hotline:status": Case(expect=everyone(200)),
    # The once-only receipt after a report (without one in the session: "already shown").
    "hotline:received": Case(expect=everyone(200)),
    "hotline:queue": Case(expect={**only(HOTLINE_STAFF), COORD: 302}),
    "hotline:stats": Case(expect=only([COORD, *HOTLINE_STAFF])),
    "hotline:next": Case(method="post", expect=only(HOTLINE_STAFF, ok=302)),
    "hotline:item": Case(setup=[_item], kwargs=_item_kwargs, expect=only(HOTLINE_STAFF)),
    "hotline:claim": Case(
        setup=[_item], kwargs=_item_kwargs, method="post", expect=only(HOTLINE_STAFF, ok=302)
    ),
    "hotline:release": Case(
        setup=[_item], kwargs=_item_kwargs, method="post", expect=only(HOTLINE_STAFF, ok=302)
    ),
    # An empty assessment is refused with the form's errors (400), never saved.
    "hotline:assess": Case(
        setup=[_item], kwargs=_item_kwargs, method="post", expect=only(HOTLINE_STAFF, ok=400)
    ),
    "hotline:reveal": Case(
        setup=[_item], kwargs=_item_kwargs, method="post", expect=only(HOTLINE_STAFF)
    ),
    "hotline:rules": Case(kwargs=_slug, expect=only(HOTLINE_STAFF)),
    "hotline:settings": Case(kwargs=_slug, expect=only([SUPER])),
}
assert ANON is None
