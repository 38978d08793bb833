"""Role × URL expectations of training, supervision and consultations (see tests/matrix.py).

In the test world the network member's and the organisation manager's organisations are
partners: they are the professionals who enrol, ask for consultations and (once graduated)
book supervision. Coordinators run training and supervision, see statistics, never a
consultation or a note. Trainers, supervisors and experts are practitioner profiles, not
roles: their own pages are covered in test_training/test_supervision/test_consultations.py.
A guessed id of somebody else's consultation, enrolment or booking is a 404.
"""

from __future__ import annotations

from tests.matrix import ALL_ROLES, ANON, COORD, MANAGER, MEMBER, Case, only

LEARNERS = [COORD, MEMBER, MANAGER]
PROFESSIONALS = [MEMBER, MANAGER]


def _edition(world):
    from tests.learning.helpers import edition

    world.extra["edition"] = edition()


def _enrolled(world):
    from ostoja.learning import services

    _edition(world)
    user = world.users[MEMBER]
    world.extra["enrolment"] = services.enrol(world.extra["edition"], user, actor=user)


def _offered(world):
    """The network member waits in a full cohort of one; the place frees and is offered."""
    from ostoja.learning import services
    from tests.learning.helpers import edition, professional

    world.extra["edition"] = ed = edition(capacity=1)
    first = professional()
    services.enrol(ed, first, actor=first)
    user = world.users[MEMBER]
    world.extra["enrolment"] = services.enrol(ed, user, actor=user)
    services.withdraw(ed.enrolments.get(user=first), actor=first)


def _graduate(world):
    from tests.learning.helpers import graduate

    _edition(world)
    _, world.extra["enrolment"] = graduate(world.extra["edition"], world.users[MEMBER])


def _group(world):
    from tests.learning.helpers import group

    world.extra["group"] = group()


def _booked(world):
    from ostoja.learning import services

    _graduate(world)
    _group(world)
    user = world.users[MEMBER]
    services.book_group(world.extra["group"], user, actor=user)


def _consultations(world):
    from ostoja.learning import services
    from tests.learning.helpers import expert

    ex = expert(areas=["diagnosis"])
    user = world.users[MEMBER]
    org = world.orgs[MEMBER]
    common = {"actor": user, "organisation": org, "topic": "diagnosis", "urgency": "normal"}
    phone = services.ask_consultation(channel="phone", subject="Rozmowa z rodzicem", **common)
    written = services.ask_consultation(
        channel="email", subject="Pytanie pisemne", message="Treść pytania.", **common
    )
    world.extra.update(expert=ex, consultation=phone, written=written)
    world.extra["slot"] = services.expert_slots(ex)[0]


def _booked_consultation(world):
    from ostoja.learning import services

    _consultations(world)
    services.book_consultation(
        world.extra["consultation"],
        actor=world.users[MEMBER],
        expert=world.extra["expert"],
        starts_at=world.extra["slot"].starts_at,
    )


def _pk(key):
    return lambda w: {"pk": w.extra[key].pk}


def _edition_pk(w):
    return {"pk": w.extra["edition"].pk}


def _expect(**by_role) -> dict:
    """Anonymous → login; the listed roles get their status; every other role 403."""
    result = dict.fromkeys(ALL_ROLES, 403)
    result[ANON] = 302
    result.update(by_role)
    return result


def _roles(**named):
    mapping = {"COORD": COORD, "MEMBER": MEMBER, "MANAGER": MANAGER}
    return _expect(**{mapping[k]: v for k, v in named.items()})


MATRIX = {
    "learning:index": Case(expect=only(LEARNERS)),
    "learning:practitioners": Case(expect=only([COORD])),
    "learning:edition_new": Case(expect=only([COORD])),
    "learning:edition": Case(expect=only(LEARNERS), setup=[_edition], kwargs=_edition_pk),
    # The coordinator runs the training but is not a trainee (not a partner's professional).
    "learning:enrol": Case(
        expect=only(PROFESSIONALS, ok=302), method="post", setup=[_edition], kwargs=_edition_pk
    ),
    "learning:withdraw": Case(
        expect=_roles(MEMBER=302, MANAGER=404, COORD=404),
        method="post",
        setup=[_enrolled],
        kwargs=_edition_pk,
    ),
    # The sessions as .ics: the cohort's participants and those who run the edition; another
    # professional (not in the cohort) gets 404.
    "learning:edition_ics": Case(
        expect=_roles(MEMBER=200, MANAGER=404, COORD=200), setup=[_enrolled], kwargs=_edition_pk
    ),
    "learning:accept_offer": Case(
        expect=_roles(MEMBER=302, MANAGER=404, COORD=404),
        method="post",
        setup=[_offered],
        kwargs=_edition_pk,
    ),
    "learning:edition_manage": Case(expect=only([COORD]), setup=[_edition], kwargs=_edition_pk),
    "learning:edition_edit": Case(expect=only([COORD]), setup=[_edition], kwargs=_edition_pk),
    "learning:session_add": Case(
        expect=only([COORD], ok=302),
        method="post",
        setup=[_edition],
        kwargs=_edition_pk,
        data=lambda w: {
            "module_title": "Moduł",
            "title": "Sesja dodatkowa",
            "starts_at": "2027-05-10T09:00",
            "ends_at": "2027-05-10T12:00",
        },
    ),
    "learning:attendance": Case(
        expect=only([COORD], ok=302),
        method="post",
        setup=[_enrolled],
        kwargs=lambda w: {"pk": w.extra["edition"].sessions.first().pk},
        data=lambda w: {"present": [w.extra["enrolment"].pk]},
    ),
    "learning:assessment": Case(
        expect=only([COORD], ok=302),
        method="post",
        setup=[_enrolled],
        kwargs=_edition_pk,
        data=lambda w: {"enrolment": w.extra["enrolment"].pk, "passed": "yes"},
    ),
    "learning:edition_close": Case(
        expect=only([COORD], ok=302), method="post", setup=[_enrolled], kwargs=_edition_pk
    ),
    "learning:certificate_pdf": Case(
        expect=_roles(MEMBER=200, MANAGER=404, COORD=404), setup=[_graduate], kwargs=_edition_pk
    ),
    "learning:supervision": Case(expect=only(LEARNERS)),
    "learning:group_new": Case(expect=only([COORD])),
    # Dates and attendance: coordinators (and the group's supervisor).
    "learning:group": Case(expect=only([COORD]), setup=[_group], kwargs=_pk("group")),
    # Only a graduate books: the member completed a training, the manager did not.
    "learning:group_book": Case(
        expect=_roles(MEMBER=302, MANAGER=403, COORD=403),
        method="post",
        setup=[_graduate, _group],
        kwargs=_pk("group"),
    ),
    "learning:group_cancel": Case(
        expect=_roles(MEMBER=302, MANAGER=404, COORD=404),
        method="post",
        setup=[_booked],
        kwargs=_pk("group"),
    ),
    # The supervisor's notes: nobody in the world is the supervisor (a coordinator never reads
    # notes: 404).
    "learning:meeting": Case(
        expect=_roles(MEMBER=404, MANAGER=404, COORD=404),
        setup=[_group],
        kwargs=lambda w: {"pk": w.extra["group"].meetings.first().pk},
    ),
    "learning:consultations": Case(expect=only(PROFESSIONALS)),
    "learning:consultation_new": Case(expect=only(PROFESSIONALS)),
    "learning:consultation": Case(
        expect=_roles(MEMBER=200, MANAGER=404),
        setup=[_consultations],
        kwargs=_pk("consultation"),
    ),
    "learning:consultation_book": Case(
        expect=_roles(MEMBER=302, MANAGER=404),
        method="post",
        setup=[_consultations],
        kwargs=_pk("consultation"),
        data=lambda w: {
            "expert": w.extra["expert"].pk,
            "starts_at": w.extra["slot"].starts_at.isoformat(),
        },
    ),
    "learning:consultation_reply": Case(
        expect=_roles(MEMBER=302, MANAGER=404),
        method="post",
        setup=[_consultations],
        kwargs=_pk("written"),
        data=lambda w: {"body": "Dziękuję, doprecyzuję pytanie."},
    ),
    "learning:consultation_close": Case(
        expect=_roles(MEMBER=302, MANAGER=404),
        method="post",
        setup=[_consultations],
        kwargs=_pk("written"),
    ),
    "learning:consultation_ics": Case(
        expect=_roles(MEMBER=200, MANAGER=404),
        setup=[_booked_consultation],
        kwargs=_pk("consultation"),
    ),
    # Experts are practitioner profiles; nobody in the world is one.
    "learning:availability": Case(expect=_expect()),
    "learning:statistics": Case(expect=only([COORD])),
}
