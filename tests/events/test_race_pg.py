"""Races on PostgreSQL: many people for the last seats, one ticket at two entrances, one nonce
sent twice at once. Skipped on SQLite (its database lock serialises every writer anyway)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from ostoja.events.models import Checkin, Registration, TicketCategory
from ostoja.events.services import register
from ostoja.events.services.checkin import redeem

from .helpers import conference, lists

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL)"),
]


def _race(n, work):
    barrier = threading.Barrier(n)
    results, errors = [None] * n, []

    def run(i):
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors


def test_thirty_people_for_five_seats_and_a_workshop_of_three():
    event, category, (w1, _) = conference(seats=5, workshop_seats=3)
    results, errors = _race(
        30,
        lambda i: register(
            event=event, category=category, name=f"P{i}", email=f"p{i}@example.com", workshops=[w1]
        )[0],
    )
    assert not errors, errors
    assert Registration.objects.filter(event=event, status="confirmed").count() == 5
    assert Registration.objects.filter(event=event, status="waiting").count() == 25
    assert TicketCategory.objects.get(pk=category.pk).taken == 5
    w1.refresh_from_db()
    assert w1.taken == 3
    assert w1.bookings.filter(status="confirmed").count() == 3


def test_same_address_at_once_gives_one_registration():
    event, category, _ = conference(seats=50)
    results, errors = _race(
        8, lambda i: register(event=event, category=category, name="X", email="same@example.com")
    )
    assert len([r for r in results if r]) == 1
    assert all(getattr(e, "code", "") == "already_registered" for e in errors) and len(errors) == 7
    assert TicketCategory.objects.get(pk=category.pk).taken == 1


def test_one_ticket_at_two_entrances_at_the_same_moment():
    event, category, _ = conference(seats=5)
    _, secret = register(event=event, category=category, name="A", email="a@example.com")
    day1, _, _ = lists(event)
    for _round in range(3):
        Checkin.objects.all().delete()
        results, errors = _race(4, lambda i: redeem(day1, secret=secret, gate=f"Wejście {i}"))
        assert not errors, errors
        assert sorted(r["status"] for r in results) == ["error", "error", "error", "ok"]
        assert Checkin.objects.count() == 1


def test_one_nonce_sent_twice_at_once_gets_one_answer():
    event, category, _ = conference(seats=5)
    _, secret = register(event=event, category=category, name="A", email="a@example.com")
    day1, _, _ = lists(event)
    results, errors = _race(4, lambda i: redeem(day1, secret=secret, nonce="one"))
    assert not errors, errors
    assert all(r == results[0] for r in results) and results[0]["status"] == "ok"


def test_lowering_the_seats_while_people_register_never_oversells():
    """The organiser lowers a category from 20 seats to 8 while 20 people register: the quota
    change is refused if more than 8 are taken at that moment, otherwise at most 8 confirm —
    never more seats taken than the quota, and the counter matches the registrations."""
    from ostoja.events.services import EventError, editing

    event, category, _ = conference(seats=20)

    def work(i):
        if i == 0:
            try:
                return editing.update_category(category, actor=None, version=0, quota=8)
            except EventError as exc:
                return exc.code
        return register(event=event, category=category, name=f"P{i}", email=f"p{i}@example.com")[0]

    results, errors = _race(21, work)
    assert not errors, errors
    category.refresh_from_db()
    confirmed = Registration.objects.filter(category=category, status="confirmed").count()
    assert category.taken == confirmed <= category.quota
    if results[0] == "quota_below_taken":
        assert category.quota == 20
    else:
        assert category.quota == 8 and confirmed == 8
        assert Registration.objects.filter(category=category, status="waiting").count() == 12


def test_two_organisers_save_the_same_version_once():
    from ostoja.events.services import editing

    event, _, (w1, _) = conference()
    results, errors = _race(
        2, lambda i: editing.update_session(w1, actor=None, version=0, room=f"Sala {i}")
    )
    assert len(errors) == 1 and isinstance(errors[0], editing.Stale), errors
    w1.refresh_from_db()
    assert w1.version == 1 and w1.room in ("Sala 0", "Sala 1")
