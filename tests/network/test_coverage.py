"""Coverage: all 16 voivodeships with the right counts, gaps against the target, the trend
from the state history."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from ostoja.network import coverage, membership, services
from ostoja.network.models import Partner, PartnerState, PartnerStateChange
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def _member(voivodeships, seat="14", state=PartnerState.MEMBER):
    org = OrganisationFactory(kind="ngo", voivodeship=seat)
    Partner.objects.create(organisation=org, voivodeships=voivodeships)
    membership.set_state(org, state, reason="test")
    return org


@pytest.fixture
def spread(db):
    _member(["14"])
    _member(["14", "12"])
    _member(["02"])
    _member(["24"], state=PartnerState.SUSPENDED)
    _member(["30"], state=PartnerState.LEFT)
    inactive = _member(["06"])
    inactive.is_active = False
    inactive.save()
    _member([], seat="22")  # no list: counts where its seat is


def test_rows_cover_all_16_with_the_right_counts(spread):
    rows = {r.code: r for r in coverage.current_rows()}
    assert len(rows) == 16
    counts = {code: r.members for code, r in rows.items() if r.members}
    assert counts == {"14": 2, "12": 1, "02": 1, "22": 1}
    assert rows["14"].status == "ok" and rows["12"].status == "below_goal"
    assert rows["24"].status == "gap" and rows["30"].status == "gap"


def test_target_is_configurable(spread, coordinator):
    services.set_target(actor=coordinator, minimum=2, goal=3)
    rows = {r.code: r for r in coverage.current_rows()}
    assert rows["14"].status == "below_goal" and rows["12"].status == "gap"
    with pytest.raises(services.NetworkError):
        services.set_target(actor=coordinator, minimum=3, goal=2)


def test_coverage_page_shows_all_16_voivodeships_with_counts(client, spread):
    response = client.get(reverse("network:coverage"))
    assert response.status_code == 200
    html = response.content.decode()
    import re

    cells = dict(
        re.findall(r'<tr data-code="(\d\d)"><th scope="row">[^<]+</th><td>(\d+)</td>', html)
    )
    assert len(cells) == 16
    assert cells["14"] == "2" and cells["12"] == "1" and cells["22"] == "1" and cells["24"] == "0"
    assert html.count("<rect") == 16  # the tile map: one tile per voivodeship
    assert "gap: below the minimum" in client.get("/en/partnership/coverage/").content.decode()


def test_trend_from_the_history():
    now = timezone.now()
    org = _member(["10"])
    partner = Partner.objects.get(organisation=org)
    PartnerStateChange.objects.filter(partner=partner).update(at=now - dt.timedelta(days=100))
    membership.set_state(org, PartnerState.SUSPENDED, reason="x")
    PartnerStateChange.objects.filter(partner=partner, to_state="suspended").update(
        at=now - dt.timedelta(days=40)
    )
    ends, rows = coverage.trend("month", 6)
    assert len(ends) == 6 and ends[-1] == timezone.localdate()
    lodz = next(r for r in rows if r["code"] == "10")["counts"]
    expected = [
        1
        if (now - dt.timedelta(days=100)).date() <= end < (now - dt.timedelta(days=40)).date()
        else 0
        for end in ends
    ]
    assert lodz == expected and 1 in expected
    assert rows[-1]["counts"] == expected  # the total row


def test_period_ends_month_and_quarter():
    today = dt.date(2026, 5, 17)
    assert coverage.period_ends("month", 3, today) == [
        dt.date(2026, 3, 31),
        dt.date(2026, 4, 30),
        today,
    ]
    assert coverage.period_ends("quarter", 3, today) == [
        dt.date(2025, 12, 31),
        dt.date(2026, 3, 31),
        today,
    ]
    assert coverage.period_ends("month", 2, dt.date(2026, 1, 5)) == [
        dt.date(2025, 12, 31),
        dt.date(2026, 1, 5),
    ]
