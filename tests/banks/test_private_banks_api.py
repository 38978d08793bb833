"""Private banks through the API, with two organisations' tokens (issue 11, item 5).

A platform lists only its own and shared banks; a match against another organisation's
private bank says only what that bank's owner allows.
"""

import hashlib
import json

import pytest
from django.test import Client

from ostoja.banks import services
from ostoja.organisations.services import issue_api_token
from tests.factories import OrganisationFactory

from .helpers import PDQ_A, add, flip_bits, make_bank, synthetic_image

pytestmark = pytest.mark.django_db

MD5 = "0123456789abcdef0123456789abcdef"
MD5_B = "fedcba9876543210fedcba9876543210"


def token_client(org) -> Client:
    _token, secret = issue_api_token(actor=None, organisation=org, name="t", scopes=["match"])
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


@pytest.fixture
def orgs(db):
    return {
        "a": OrganisationFactory(kind="hotline", slug="hotline-a", name="Hotline A"),
        "b": OrganisationFactory(kind="hotline", slug="hotline-b", name="Hotline B"),
        "x": OrganisationFactory(kind="online_platform", slug="platform-x"),
    }


@pytest.fixture
def banks(orgs):
    return {
        "a_private": make_bank(orgs["a"], slug="a-private", name="A private"),
        "a_shared": make_bank(orgs["a"], slug="a-shared", name="A shared", visibility="shared"),
        "b_known": services.create_bank(
            actor=None,
            owner=orgs["b"],
            name="B known",
            slug="b-known",
            match_disclosure="known",
        ),
        "b_hidden": services.create_bank(
            actor=None,
            owner=orgs["b"],
            name="B hidden",
            slug="b-hidden",
            match_disclosure="hidden",
        ),
    }


def match(client, *hashes):
    body = {"hashes": [{"signal_type": t, "value": v} for t, v in hashes]}
    response = client.post("/api/v1/match", json.dumps(body), content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()


def test_bank_list_shows_only_own_and_shared_banks(orgs, banks):
    for bank in banks.values():
        add(bank, "md5", MD5)
    listed = {
        who: {b["bank"] for b in token_client(orgs[who]).get("/api/v1/banks").json()}
        for who in ("a", "b", "x")
    }
    assert listed["x"] == {"a-shared"}
    assert listed["a"] == {"a-private", "a-shared"}
    assert listed["b"] == {"a-shared", "b-known", "b-hidden"}
    body = token_client(orgs["x"]).get("/api/v1/banks").content.decode()
    assert "A private" not in body and "B known" not in body and "hotline-b" not in body


def test_private_match_names_only_the_owner_when_the_owner_allows_it(orgs, banks):
    add(banks["a_private"], "pdq", PDQ_A, classification="baseline", category="A1", age_band="3-13")
    near = flip_bits(PDQ_A, 5)
    other = match(token_client(orgs["x"]), ("pdq", near))
    assert other["matched"] == 1
    assert other["results"][0]["matches"] == [
        {
            "bank": None,
            "bank_name": None,
            "organisation": "hotline-a",
            "distance": 5,
            "classification": {"classification": "baseline", "category": "", "age_band": ""},
            "disclosure": "owner",
        }
    ]
    assert "A private" not in json.dumps(other) and "a-private" not in json.dumps(other)
    # The owner's own token sees its bank in full.
    own = match(token_client(orgs["a"]), ("pdq", near))
    assert own["results"][0]["matches"][0] == {
        "bank": "a-private",
        "bank_name": "A private",
        "organisation": "hotline-a",
        "distance": 5,
        "classification": {"classification": "baseline", "category": "A1", "age_band": "3-13"},
        "disclosure": "full",
    }


def test_known_only_and_hidden_banks(orgs, banks):
    add(banks["b_known"], "md5", MD5, classification="national", category="B2")
    add(banks["b_hidden"], "md5", MD5_B)
    body = match(token_client(orgs["x"]), ("md5", MD5), ("md5", MD5_B))
    known, hidden = body["results"]
    assert known["matches"] == [
        {
            "bank": None,
            "bank_name": None,
            "organisation": None,
            "distance": 0,
            "classification": {"classification": "national", "category": "", "age_band": ""},
            "disclosure": "known",
        }
    ]
    assert hidden["matches"] == []
    assert body["matched"] == 1
    # Hotline A is another organisation for B's banks, too; B's own token sees both.
    assert match(token_client(orgs["a"]), ("md5", MD5_B))["matched"] == 0
    own = match(token_client(orgs["b"]), ("md5", MD5), ("md5", MD5_B))
    assert [r["matches"][0]["bank"] for r in own["results"]] == ["b-known", "b-hidden"]


def test_shared_banks_are_named_to_everyone(orgs, banks):
    add(banks["a_shared"], "md5", MD5, category="A1")
    m = match(token_client(orgs["x"]), ("md5", MD5))["results"][0]["matches"][0]
    assert (m["bank"], m["organisation"], m["disclosure"]) == ("a-shared", "hotline-a", "full")
    assert m["classification"]["category"] == "A1"


def test_several_withheld_banks_do_not_reveal_how_many_hold_the_hash(orgs, banks):
    second = services.create_bank(
        actor=None, owner=orgs["b"], name="B known 2", slug="b-known-2", match_disclosure="known"
    )
    add(banks["b_known"], "md5", MD5)
    add(second, "md5", MD5)
    add(banks["a_shared"], "md5", MD5)
    matches = match(token_client(orgs["x"]), ("md5", MD5))["results"][0]["matches"]
    assert [(m["bank"], m["disclosure"]) for m in matches] == [
        ("a-shared", "full"),
        (None, "known"),
    ]


def test_image_matches_follow_the_same_rule(orgs, banks):
    data = synthetic_image(seed=3)
    add(banks["a_private"], "md5", hashlib.md5(data).hexdigest())
    response = token_client(orgs["x"]).post(
        "/api/v1/match/image", {"image": _upload(data)}, format="multipart"
    )
    assert response.status_code == 200, response.content
    md5_result = next(r for r in response.json()["results"] if r["signal_type"] == "md5")
    assert md5_result["matches"][0]["bank"] is None
    assert md5_result["matches"][0]["organisation"] == "hotline-a"
    assert "A private" not in response.content.decode()


def test_disclosure_can_be_changed_by_service_and_is_audited(orgs, banks):
    from ostoja.audit.models import AuditEntry

    add(banks["a_private"], "md5", MD5)
    services.set_match_disclosure(actor=None, bank=banks["a_private"], match_disclosure="hidden")
    assert match(token_client(orgs["x"]), ("md5", MD5))["matched"] == 0
    assert AuditEntry.objects.filter(action="banks.bank.disclosure_changed").count() == 1
    with pytest.raises(services.BankError):
        services.set_match_disclosure(actor=None, bank=banks["a_private"], match_disclosure="all")


def test_the_hotline_checker_still_names_every_bank(orgs, banks):
    add(banks["b_hidden"], "md5", MD5)
    found = services.check_known_for_hotline([("md5", MD5)])
    assert [m.classification["bank"] for m in found] == ["b-hidden"]


def _upload(data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("x.png", data, content_type="image/png")
