"""The check-in API (pretix-like): token scope, tenant scope, every answer, nonce replay,
offline upload."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from ostoja.events.models import Checkin
from ostoja.events.services import register
from ostoja.organisations.services import issue_api_token
from tests.factories import OrganisationFactory

from .helpers import conference, lists

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    organiser = OrganisationFactory()
    event, category, (w1, _w2) = conference(organiser=organiser, seats=5)
    day1, day2, workshops = lists(event)
    _, token = issue_api_token(
        actor=None, organisation=organiser, name="skaner", scopes=["checkin"]
    )
    registration, secret = register(
        event=event, category=category, name="Anna Nowak", email="anna@example.com", workshops=[w1]
    )
    return {
        "event": event,
        "day1": day1,
        "day2": day2,
        "workshops": workshops,
        "token": token,
        "secret": secret,
        "registration": registration,
        "organiser": organiser,
    }


def call(token, method, path, body=None):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    if method == "get":
        return client.get(path)
    return client.post(path, data=json.dumps(body), content_type="application/json")


def test_redeem_ok_then_already_redeemed(setup):
    url = f"/api/v1/checkin/lists/{setup['day1'].pk}/redeem"
    r = call(
        setup["token"], "post", url, {"secret": setup["secret"], "nonce": "a", "gate": "Wejście 1"}
    )
    assert r.status_code == 200 and r.json()["status"] == "ok"
    r = call(
        setup["token"], "post", url, {"secret": setup["secret"], "nonce": "b", "gate": "Wejście 2"}
    )
    assert r.status_code == 400
    body = r.json()
    assert body["reason"] == "already_redeemed" and body["first_checkin"]["gate"] == "Wejście 1"


def test_nonce_replay_returns_the_first_answer(setup):
    url = f"/api/v1/checkin/lists/{setup['day1'].pk}/redeem"
    first = call(setup["token"], "post", url, {"secret": setup["secret"], "nonce": "same"})
    again = call(setup["token"], "post", url, {"secret": setup["secret"], "nonce": "same"})
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()


def test_invalid_and_wrong_list(setup):
    url = f"/api/v1/checkin/lists/{setup['workshops']['Warsztat B'].pk}/redeem"
    r = call(setup["token"], "post", url, {"secret": setup["secret"]})
    assert r.status_code == 400 and r.json()["reason"] == "wrong_list"
    r = call(setup["token"], "post", url, {"secret": "Z" * 32})
    assert r.json()["reason"] == "invalid"


def test_unapproved(setup):
    event, category, _ = conference(organiser=setup["organiser"], approval=True)
    day1, _, _ = lists(event)
    _, secret = register(event=event, category=category, name="B", email="b@example.com")
    r = call(setup["token"], "post", f"/api/v1/checkin/lists/{day1.pk}/redeem", {"secret": secret})
    assert r.json()["reason"] == "unapproved"


def test_offline_upload_in_scan_order(setup):
    now = timezone.now()
    url = f"/api/v1/checkin/lists/{setup['day1'].pk}/redeem/batch"
    scans = [
        {
            "secret": setup["secret"],
            "nonce": "o2",
            "datetime": (now - dt.timedelta(minutes=2)).isoformat(),
            "gate": "B",
        },
        {
            "secret": setup["secret"],
            "nonce": "o1",
            "datetime": (now - dt.timedelta(minutes=9)).isoformat(),
            "gate": "A",
        },
    ]
    r = call(setup["token"], "post", url, {"scans": scans})
    assert r.status_code == 200
    assert [a["status"] for a in r.json()] == ["error", "ok"]
    assert Checkin.objects.get().gate == "A"
    # the same upload again (the scanner retried): the same answers, nothing new
    again = call(setup["token"], "post", url, {"scans": scans})
    assert again.json() == r.json()


def test_offline_upload_without_time_is_refused(setup):
    r = call(
        setup["token"],
        "post",
        f"/api/v1/checkin/lists/{setup['day1'].pk}/redeem/batch",
        {"scans": [{"secret": setup["secret"]}]},
    )
    assert r.status_code == 422
    assert not Checkin.objects.exists()


def test_positions_search(setup):
    r = call(
        setup["token"], "get", f"/api/v1/checkin/lists/{setup['day1'].pk}/positions?search=Nowak"
    )
    assert r.status_code == 200
    [row] = r.json()
    assert row["attendee_name"] == "Anna Nowak" and row["checked_in"] is False
    assert "secret" not in row and "email" not in row


def test_token_without_the_scope_gets_403(setup):
    _, token = issue_api_token(
        actor=None, organisation=setup["organiser"], name="x", scopes=["reports"]
    )
    r = call(
        token,
        "post",
        f"/api/v1/checkin/lists/{setup['day1'].pk}/redeem",
        {"secret": setup["secret"]},
    )
    assert r.status_code == 403
    assert not Checkin.objects.exists()


def test_no_token_401_and_another_organisations_list_404(setup):
    r = Client().post(
        f"/api/v1/checkin/lists/{setup['day1'].pk}/redeem",
        data="{}",
        content_type="application/json",
    )
    assert r.status_code == 401
    other = OrganisationFactory()
    _, token = issue_api_token(actor=None, organisation=other, name="x", scopes=["checkin"])
    r = call(
        token,
        "post",
        f"/api/v1/checkin/lists/{setup['day1'].pk}/redeem",
        {"secret": setup["secret"]},
    )
    assert r.status_code == 404
    r = call(token, "get", f"/api/v1/checkin/lists/{setup['day1'].pk}/positions")
    assert r.status_code == 404
    assert not Checkin.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"secret": 5},
        {"secret": "x" * 201},
        {"secret": "A", "nonce": "n" * 191},
        {"secret": "A", "datetime": "yesterday"},
    ],
)
def test_malformed_bodies_get_422(setup, body):
    r = call(setup["token"], "post", f"/api/v1/checkin/lists/{setup['day1'].pk}/redeem", body)
    assert r.status_code == 422
    assert not Checkin.objects.exists()
