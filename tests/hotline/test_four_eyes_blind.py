"""Issue 11 item 12: the second assessment of a four-eyes item is blind.

Nothing on the item page tells the second analyst what the first analyst decided (no banner
saying it was found illegal, no outcome, no "add to hash list" link that only illegal items
get) until the second assessment is recorded. The supervisor, who oversees the hotline, sees
the first outcome.
"""

from __future__ import annotations

import pytest
from django.test import Client

from ostoja.hotline import services
from ostoja.hotline.models import ItemState
from tests.hotline.factories import item

pytestmark = pytest.mark.django_db

FIRST = {
    "outcome": "illegal_national",
    "legal_articles": ["202.4"],
    "content_type": "video",
    "site_type": "file_host",
    "age_band": "0-2",
    "gender": "unknown",
    "severity": "high",
    "notes": "pierwsza ocena",
}

REVEALING = [
    "found illegal",
    "pierwsza ocena",
    "Add these hashes to a hash list",
]


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def second_opinion(hotline, user_factory):
    supervisor = user_factory("hotline_supervisor", hotline)
    services.update_settings(actor=supervisor, hotline=hotline, four_eyes_required=True)
    first = user_factory("hotline_analyst", hotline)
    it = item(hotline, hashes=[("md5", "0" * 32)])
    services.claim_item(it, actor=first)
    services.assess_item(it, actor=first, **FIRST)
    it.refresh_from_db()
    assert it.state == ItemState.SECOND_OPINION
    return {"item": it, "first": first, "supervisor": supervisor}


def test_second_analyst_sees_nothing_of_the_first_outcome(hotline, second_opinion, user_factory):
    it = second_opinion["item"]
    second = _client(user_factory("hotline_analyst", hotline))
    for page in (second.get(f"/en/hotline/items/{it.pk}/"),):
        html = page.content.decode()
        assert page.status_code == 200
        for text in REVEALING:
            assert text not in html, text
        assert "Illegal under Polish law" not in html  # no outcome (and no form yet)
        assert "needs a second, independent assessment" in html
    # Also while holding the claim, with the assessment form open.
    second.post(f"/hotline/items/{it.pk}/claim/")
    html = second.get(f"/en/hotline/items/{it.pk}/").content.decode()
    assert "Save the assessment" in html
    for text in REVEALING:
        assert text not in html, text
    # Once the second assessment is recorded, both are shown.
    response = second.post(f"/hotline/items/{it.pk}/assess/", {**FIRST, "notes": "druga"})
    assert response.status_code == 302
    html = second.get(f"/en/hotline/items/{it.pk}/").content.decode()
    assert "pierwsza ocena" in html and "druga" in html


def test_supervisor_and_first_analyst_see_the_first_outcome(second_opinion):
    it = second_opinion["item"]
    for user in (second_opinion["supervisor"], second_opinion["first"]):
        html = _client(user).get(f"/en/hotline/items/{it.pk}/").content.decode()
        assert "pierwsza ocena" in html
        assert "Illegal under Polish law" in html
