"""Issue 11 item 11: the queue and "next item" agree with their label "most urgent first".

Order: priority class (P1 before P2 before P3), then score (highest first), then deadline
(earliest first). An item scored 197 ("a child may be in danger now") must not stand behind
P1 items scored 64 that merely have an earlier deadline.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from ostoja.hotline.models import Item
from tests.hotline.factories import item

pytestmark = pytest.mark.django_db


def _set(it, level, score, deadline):
    Item.objects.filter(pk=it.pk).update(
        priority_level=level, priority_score=score, priority_deadline=deadline
    )


@pytest.fixture
def ranked(hotline):
    """Six P1 items scored 64 with early deadlines, one P1 scored 197 due later, one P2."""
    now = timezone.now()
    low = []
    for n in range(6):
        it = item(hotline)
        _set(it, "P1", 64, now + timedelta(minutes=10 + n))
        low.append(it)
    urgent = item(hotline)
    _set(urgent, "P1", 197, now + timedelta(hours=2))
    p2 = item(hotline)
    _set(p2, "P2", 500, now + timedelta(minutes=1))  # a P2 never jumps a P1
    return {"urgent": urgent, "low": low, "p2": p2}


def test_queue_lists_highest_score_first_within_the_priority_class(hotline, ranked, user_factory):
    analyst = user_factory("hotline_analyst", hotline)
    c = Client()
    c.force_login(analyst)
    page = c.get("/en/hotline/")
    assert page.status_code == 200
    order = [it.pk for it in page.context["page"].object_list]
    assert order[0] == ranked["urgent"].pk
    # Equal class and score: the earlier deadline first.
    assert order[1:7] == [it.pk for it in ranked["low"]]
    assert order[7] == ranked["p2"].pk
    assert "most urgent first" in page.content.decode()


def test_next_item_takes_the_first_item_of_the_queue_order(hotline, ranked, user_factory):
    analyst = user_factory("hotline_analyst", hotline)
    c = Client()
    c.force_login(analyst)
    first_in_queue = c.get("/en/hotline/").context["page"].object_list[0]
    response = c.post("/hotline/next/")
    assert response.status_code == 302
    assert response["Location"].endswith(f"/items/{first_in_queue.pk}/")
    assert first_in_queue.pk == ranked["urgent"].pk
