"""Races on PostgreSQL (threads, one connection each): two coordinators demoting each other at
once leave one coordinator; one invitation link used twice at once makes one account."""

from __future__ import annotations

import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from ostoja.organisations.models import Membership
from ostoja.people import services
from tests.conftest import make_user
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _race(*calls):
    if connection.vendor != "postgresql":
        pytest.skip("threads share one in-memory SQLite database (writes are serialised)")
    start = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(i, call):
        try:
            start.wait()
            call()
            outcomes[i] = "ok"
        except services.PeopleError as exc:
            outcomes[i] = exc.code
        except Exception as exc:  # noqa: BLE001 - e.g. a deadlock: shown in the assertion
            outcomes[i] = repr(exc)
        finally:
            from django.db import connection as thread_connection

            thread_connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return outcomes


def test_two_coordinators_demoting_each_other_leave_one():
    a, b = make_user("coordinator"), make_user("coordinator")
    ma, mb = a.memberships.get(), b.memberships.get()
    outcomes = _race(
        lambda: services.change_role(actor=a, membership=mb, role="network_member"),
        lambda: services.change_role(actor=b, membership=ma, role="network_member"),
    )
    assert sorted(outcomes) == ["last_coordinator", "ok"]
    assert Membership.objects.filter(role="coordinator").count() == 1


def test_one_link_used_twice_at_once_makes_one_account():
    coordinator = make_user("coordinator")
    _inv, token = services.invite(
        actor=coordinator,
        organisation=OrganisationFactory(),
        email="wyscig@example.test",
        role="network_member",
    )
    password = "Zielony-kasztan-nad-Wisla-7"
    outcomes = _race(
        *[lambda: services.accept_with_new_account(token=token, password=password)] * 3
    )
    assert sorted(outcomes) == ["ok", "used", "used"]
    assert get_user_model().objects.filter(email="wyscig@example.test").count() == 1
