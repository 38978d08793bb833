"""Role × URL expectations of events (see tests/matrix.py).

The event is organised by the organisation manager's organisation (a partner): its manager
and coordinators manage it and check people in; anyone else signed in gets 404 for its
organiser pages (tenant scope), 403 for pages that need an organiser role at all.
"""

from tests.matrix import ALL_ROLES, ANON, COORD, MANAGER, Case, everyone, only


def _event(world):
    from ostoja.events.services import register

    from .helpers import conference, lists

    event, category, _ = conference(organiser=world.orgs[MANAGER])
    registration, secret = register(
        event=event, category=category, name="Osoba Testowa", email="matrix@example.com"
    )
    world.extra.update(event=event, registration=registration, secret=secret, day1=lists(event)[0])


def _slug(world):
    return {"slug": world.extra["event"].slug}


def _list(world):
    return {"list_id": world.extra["day1"].pk}


def _organisers(ok: int = 200) -> dict:
    expect = dict.fromkeys(ALL_ROLES, 404)
    expect[ANON] = 302
    expect[COORD] = ok
    expect[MANAGER] = ok
    return expect


def _session(world):
    event = world.extra["event"]
    return {"slug": event.slug, "session_id": event.days.first().sessions.first().pk}


def _category(world):
    event = world.extra["event"]
    return {"slug": event.slug, "category_id": event.categories.first().pk}


def _correction(world):
    return {
        "registration": world.extra["registration"].pk,
        "list": world.extra["day1"].pk,
        "present": "1",
        "reason": "Lista papierowa",
    }


MATRIX = {
    "events:list": Case(expect=everyone(200), setup=[_event]),
    "events:feed": Case(expect=everyone(200), setup=[_event]),
    "events:detail": Case(expect=everyone(200), setup=[_event], kwargs=_slug),
    "events:ticket": Case(
        expect=everyone(200), setup=[_event], kwargs=lambda w: {"secret": w.extra["secret"]}
    ),
    "events:manage_list": Case(expect=only([COORD, MANAGER]), setup=[_event]),
    "events:create": Case(expect=only([COORD, MANAGER])),
    "events:manage": Case(expect=_organisers(), setup=[_event], kwargs=_slug),
    "events:participants": Case(expect=_organisers(), setup=[_event], kwargs=_slug),
    "events:waiting": Case(expect=_organisers(), setup=[_event], kwargs=_slug),
    "events:message": Case(expect=_organisers(), setup=[_event], kwargs=_slug),
    "events:badges": Case(expect=_organisers(), setup=[_event], kwargs=_slug),
    "events:correct": Case(
        expect=_organisers(302), setup=[_event], kwargs=_slug, method="post", data=_correction
    ),
    "events:edit": Case(expect=_organisers(), setup=[_event], kwargs=_slug),
    "events:programme": Case(expect=_organisers(), setup=[_event], kwargs=_slug),
    "events:session": Case(expect=_organisers(), setup=[_event], kwargs=_session),
    "events:categories": Case(expect=_organisers(), setup=[_event], kwargs=_slug),
    "events:category": Case(expect=_organisers(), setup=[_event], kwargs=_category),
    "events:questions": Case(expect=_organisers(), setup=[_event], kwargs=_slug),
    "events:staff": Case(expect=_organisers(), setup=[_event], kwargs=_slug),
    "events:checkin_index": Case(expect=only([COORD, MANAGER]), setup=[_event]),
    "events:checkin": Case(expect=_organisers(), setup=[_event], kwargs=_list),
    "events:checkin_counts": Case(expect=_organisers(), setup=[_event], kwargs=_list),
    "events:checkin_scan": Case(
        expect=_organisers(),
        setup=[_event],
        kwargs=_list,
        method="post",
        data=lambda w: {"code": w.extra["registration"].code},
    ),
}
