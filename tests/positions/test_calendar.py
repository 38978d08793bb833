"""A campaign with its kit and two organisations' local events appear on the public
calendar, the voivodeship map and the .ics feed; recurring dates are suggested ahead."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from ostoja.organisations.roles import Role
from ostoja.outbox.models import OutboxMessage
from ostoja.positions import recurring, services
from ostoja.positions.errors import PositionsError
from ostoja.positions.reminders import suggest_recurring_dates
from tests.conftest import make_user
from tests.library.helpers import material

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _files(settings, tmp_path):
    settings.OSTOJA_LIBRARY_DIR = tmp_path


def _campaign_with_events(world):
    coordinator = world.users[Role.COORDINATOR]
    kit = material(access="public", title="Plakat 18 listopada", link="https://example.org/plakat")
    today = timezone.localdate()
    campaign = services.create_campaign(
        actor=coordinator,
        title="Kampania 18 listopada",
        scope="national",
        starts_on=today,
        ends_on=today + dt.timedelta(days=30),
        goal="Mówimy dzieciom, gdzie szukać pomocy.",
        kit=[kit],
    )
    orgs = [world.orgs[Role.NETWORK_MEMBER], world.orgs[Role.ORGANISATION_MANAGER]]
    managers = [make_user("organisation_manager", orgs[0]), world.users[Role.ORGANISATION_MANAGER]]
    events = []
    for org, manager, voivodeship, town in zip(
        orgs, managers, ["14", "12"], ["Warszawa", "Kraków"], strict=True
    ):
        services.join_campaign(
            actor=manager, campaign=campaign, organisation=org, contribution="Warsztaty"
        )
        events.append(
            services.add_event(
                actor=manager,
                organisation=org,
                campaign=campaign,
                title=f"Warsztaty w mieście {town}",
                starts_at=timezone.now() + dt.timedelta(days=5),
                town=town,
                voivodeship=voivodeship,
            )
        )
    return campaign, kit, events


def test_campaign_and_events_on_calendar_map_and_ics(client, world):
    campaign, kit, events = _campaign_with_events(world)
    page = client.get(reverse("positions:events")).content.decode()
    assert campaign.title in page
    for event in events:
        assert event.title in page
    # The map: Mazowieckie and Małopolskie tiles say one event each.
    assert "mazowieckie: 1" in page and "małopolskie: 1" in page
    assert "dolnośląskie: 0" in page
    filtered = client.get(reverse("positions:events") + "?voivodeship=12").content.decode()
    assert events[1].title in filtered and events[0].title not in filtered
    detail = client.get(reverse("positions:campaign", args=[campaign.slug])).content.decode()
    assert kit.title in detail
    assert world.orgs[Role.NETWORK_MEMBER].name in detail
    response = client.get(reverse("positions:ics"))
    assert response["Content-Type"].startswith("text/calendar")
    feed = Calendar.from_ical(response.content)
    uids = {str(c["uid"]) for c in feed.walk("VEVENT")}
    assert uids == {f"campaign-{campaign.pk}@ostoja", *(f"event-{e.pk}@ostoja" for e in events)}
    assert not response.cookies


def test_only_managers_of_partners_add_events(world):
    with pytest.raises(PositionsError):
        services.add_event(
            actor=world.users[Role.NETWORK_MEMBER],
            organisation=world.orgs[Role.NETWORK_MEMBER],
            title="X",
            starts_at=timezone.now(),
            town="Łódź",
            voivodeship="10",
        )
    with pytest.raises(PositionsError):
        services.add_event(
            actor=world.users[Role.SAFEGUARDING_OFFICER],
            organisation=world.orgs[Role.SAFEGUARDING_OFFICER],
            title="X",
            starts_at=timezone.now(),
            town="Łódź",
            voivodeship="10",
        )


def test_18_november_is_suggested_ahead_once(world):
    org = world.orgs[Role.NETWORK_MEMBER]
    org.contact_email = "biuro@fundacja.example"
    org.save()
    assert [d.key for d, _on in recurring.due(dt.date(2026, 8, 1))] == []
    due = recurring.due(dt.date(2026, 10, 20))
    assert ("eu-day-18-november", dt.date(2026, 11, 18)) in [(d.key, on) for d, on in due]
    first = suggest_recurring_dates(dt.date(2026, 10, 20))
    again = suggest_recurring_dates(dt.date(2026, 10, 21))
    assert first >= 1 and again == 0
    message = OutboxMessage.objects.get(
        dedup_key=f"positions:date:eu-day-18-november:2026:{org.pk}"
    )
    assert message.recipients == ["biuro@fundacja.example"]
