"""No slot, place or seat given twice when people press the button at the same moment.

On PostgreSQL the competitors are threads with their own connections, released together by a
barrier, many rounds in a row. (On the in-memory SQLite test database threads would be
serialised by its table lock and prove nothing, so these tests need PostgreSQL:
``DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_learning``.) A second guard is tested on
every database: the unique constraint refuses a second active booking of the same slot even
when the service's lock is bypassed.
"""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connection, transaction

from ostoja.learning import services
from ostoja.learning.models import ConsultationBooking, Enrolment, SupervisionBooking
from ostoja.learning.services import Conflict

from .helpers import edition, expert, graduate, group, professional

N = 6  # competitors per round


def _compete(fn, args_list):
    barrier = threading.Barrier(len(args_list))
    outcomes, errors = [None] * len(args_list), []

    def run(i):
        try:
            barrier.wait(timeout=60)
            fn(*args_list[i])
            outcomes[i] = "ok"
        except Conflict as exc:
            outcomes[i] = exc.code
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(args_list))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    return outcomes


def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (threads on in-memory SQLite are serialised)")


@pytest.mark.django_db(transaction=True)
def test_one_expert_slot_many_bookers_at_once_on_postgresql():
    _postgres_only()
    ex = expert(areas=["diagnosis"])
    people = [professional() for _ in range(N)]
    requests = [
        services.ask_consultation(
            actor=p,
            organisation=p.memberships.first().organisation,
            topic="diagnosis",
            urgency="normal",
            channel="phone",
            subject="Pytanie",
        )
        for p in people
    ]
    for round_ in range(3):
        slot = services.expert_slots(ex)[0]
        waiting = [r for r in requests if not r.bookings.filter(active=True).exists()]
        outcomes = _compete(
            lambda r, slot=slot: services.book_consultation(
                r, actor=r.requester, expert=ex, starts_at=slot.starts_at
            ),
            [(r,) for r in waiting],
        )
        assert outcomes.count("ok") == 1, (round_, outcomes)
        assert set(outcomes) == {"ok", "slot_taken"}
        assert (
            ConsultationBooking.objects.filter(
                expert=ex, starts_at=slot.starts_at, active=True
            ).count()
            == 1
        )


@pytest.mark.django_db(transaction=True)
def test_last_place_in_a_supervision_group_goes_once_on_postgresql():
    _postgres_only()
    g = group(max_size=2)
    graduates = [graduate()[0] for _ in range(N)]
    outcomes = _compete(lambda u: services.book_group(g, u, actor=u), [(u,) for u in graduates])
    assert outcomes.count("ok") == 2 and outcomes.count("full") == N - 2
    assert SupervisionBooking.objects.filter(group=g, active=True).count() == 2


@pytest.mark.django_db(transaction=True)
def test_enrolment_rush_fills_exactly_the_cohort_on_postgresql():
    _postgres_only()
    ed = edition(capacity=3)
    people = [professional() for _ in range(N)]
    outcomes = _compete(lambda u: services.enrol(ed, u, actor=u), [(u,) for u in people])
    assert outcomes == ["ok"] * N
    states = list(Enrolment.objects.filter(edition=ed).values_list("state", flat=True))
    assert states.count("enrolled") == 3 and states.count("waiting") == N - 3
    positions = list(Enrolment.objects.filter(edition=ed).values_list("position", flat=True))
    assert sorted(positions) == list(range(1, N + 1))  # a strict arrival order


@pytest.mark.django_db(transaction=True)
def test_coordinators_saving_the_same_edition_at_once_one_wins_on_postgresql():
    """All loaded version 1: exactly one save is written, the others are told it is stale."""
    from ostoja.audit.models import AuditEntry
    from ostoja.learning.models import Edition
    from tests.conftest import make_user

    _postgres_only()
    ed = edition(capacity=5)
    coordinators = [make_user("coordinator") for _ in range(N)]
    common = {
        "version": 1,
        "starts_on": ed.starts_on,
        "ends_on": ed.ends_on,
        "min_attendance_percent": ed.min_attendance_percent,
        "requires_assessment": ed.requires_assessment,
        "offer_hours": ed.offer_hours,
        "trainers": list(ed.trainers.all()),
    }
    outcomes = _compete(
        lambda c, n: services.update_edition(
            ed, actor=c, name=f"Edycja {n}", capacity=5 + n, **common
        ),
        [(c, n) for n, c in enumerate(coordinators, start=1)],
    )
    assert outcomes.count("ok") == 1 and outcomes.count("stale") == N - 1
    ed = Edition.objects.get(pk=ed.pk)
    winner = outcomes.index("ok") + 1
    assert (ed.name, ed.capacity, ed.version) == (f"Edycja {winner}", 5 + winner, 2)
    assert AuditEntry.objects.filter(action="learning.edition.updated").count() == 1


@pytest.mark.django_db
def test_the_database_refuses_a_second_active_booking_of_a_slot():
    ex = expert(areas=["diagnosis"])
    a, b = professional(), professional()
    kwargs = {"topic": "diagnosis", "urgency": "normal", "channel": "phone", "subject": "x"}
    ra = services.ask_consultation(
        actor=a, organisation=a.memberships.first().organisation, **kwargs
    )
    rb = services.ask_consultation(
        actor=b, organisation=b.memberships.first().organisation, **kwargs
    )
    slot = services.expert_slots(ex)[0]
    ConsultationBooking.objects.create(
        request=ra, expert=ex, starts_at=slot.starts_at, ends_at=slot.ends_at
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        ConsultationBooking.objects.create(
            request=rb, expert=ex, starts_at=slot.starts_at, ends_at=slot.ends_at
        )
