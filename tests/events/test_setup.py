"""The organiser sets an event up: details, sessions and workshops, categories, questions and
check-in staff (services/editing.py and the pages of views_setup.py)."""

from __future__ import annotations

import pytest
from django.test import Client

from ostoja.audit.models import AuditEntry
from ostoja.events.models import (
    CheckinList,
    Event,
    Registration,
    RegistrationStatus,
    Session,
    TicketCategory,
    WorkshopBooking,
)
from ostoja.events.services import EventError, editing, register
from tests.conftest import make_user

from .helpers import at, conference

pytestmark = pytest.mark.django_db

FMT = "%Y-%m-%dT%H:%M"


def _local(value):
    from django.utils import timezone

    return timezone.localtime(value).strftime(FMT)


# --- services --------------------------------------------------------------------------------


def test_session_outside_the_event_dates_is_refused():
    event, _, _ = conference()
    with pytest.raises(EventError) as err:
        editing.create_session(
            event,
            actor=None,
            title="Za wcześnie",
            kind="plenary",
            starts_at=at(9, 9),
            ends_at=at(9, 10),
        )
    assert err.value.code == "session_outside"
    assert not Session.objects.filter(title="Za wcześnie").exists()


def test_workshop_is_added_with_its_check_in_list_and_audited():
    event, _, _ = conference()
    speaker = editing.create_speaker(event, actor=None, name="Dr Anna Nowak", affiliation="UW")
    workshop = editing.create_session(
        event,
        actor=None,
        title="Warsztat C",
        kind="workshop",
        starts_at=at(11, 13),
        ends_at=at(11, 15),
        capacity=12,
        hours=2,
        speakers=[speaker.pk],
    )
    assert workshop.day.date == at(11, 13).date()
    assert list(workshop.speakers.all()) == [speaker]
    assert CheckinList.objects.filter(session=workshop, day=workshop.day).exists()
    assert AuditEntry.objects.filter(action="events.session.created").exists()


def test_a_speaker_of_another_event_cannot_be_attached():
    event, _, _ = conference()
    other, _, _ = conference()
    stranger = editing.create_speaker(other, actor=None, name="Ktoś Inny")
    with pytest.raises(EventError) as err:
        editing.create_session(
            event,
            actor=None,
            title="Panel",
            kind="plenary",
            starts_at=at(10, 10),
            ends_at=at(10, 11),
            speakers=[stranger.pk],
        )
    assert err.value.field == "speakers"


def test_capacity_below_the_seats_taken_is_refused_and_nothing_changes():
    event, category, (w1, _) = conference(seats=5, workshop_seats=2)
    for n in range(2):
        register(
            event=event, category=category, name=f"O{n}", email=f"o{n}@example.com", workshops=[w1]
        )
    w1.refresh_from_db()
    assert w1.taken == 2
    with pytest.raises(EventError) as err:
        editing.update_session(w1, actor=None, version=w1.version, capacity=1)
    assert err.value.code == "capacity_below_taken"
    w1.refresh_from_db()
    assert (w1.capacity, w1.version) == (2, 0)


def test_more_workshop_seats_go_to_the_waiting_list_first():
    event, category, (w1, _) = conference(seats=5, workshop_seats=1)
    register(event=event, category=category, name="A", email="a@example.com", workshops=[w1])
    second, _ = register(
        event=event, category=category, name="B", email="b@example.com", workshops=[w1]
    )
    assert second.bookings.get().status == "waiting"
    w1.refresh_from_db()
    editing.update_session(w1, actor=None, version=w1.version, capacity=3)
    booking = WorkshopBooking.objects.get(registration=second)
    assert booking.status == "offered" and booking.offer_expires_at is not None
    w1.refresh_from_db()
    assert (w1.capacity, w1.taken) == (3, 2)  # the offered seat is held for the person


def test_a_stale_session_edit_is_refused():
    event, _, (w1, _) = conference()
    editing.update_session(w1, actor=None, version=0, room="Sala 1")
    with pytest.raises(editing.Stale) as err:
        editing.update_session(w1, actor=None, version=0, room="Sala 2")
    assert err.value.current.room == "Sala 1"
    w1.refresh_from_db()
    assert w1.room == "Sala 1" and w1.version == 1


def test_a_booked_workshop_cannot_become_a_plenary():
    event, category, (w1, _) = conference()
    register(event=event, category=category, name="A", email="a@example.com", workshops=[w1])
    with pytest.raises(EventError) as err:
        editing.update_session(w1, actor=None, version=0, kind="plenary")
    assert err.value.code == "has_bookings"


def test_a_booked_session_cannot_be_removed_an_empty_one_can():
    event, category, (w1, w2) = conference()
    register(event=event, category=category, name="A", email="a@example.com", workshops=[w1])
    with pytest.raises(EventError):
        editing.delete_session(w1, actor=None)
    editing.delete_session(w2, actor=None)
    assert not Session.objects.filter(pk=w2.pk).exists()
    assert not CheckinList.objects.filter(session_id=w2.pk).exists()


def test_event_dates_cannot_leave_a_session_outside():
    event, _, _ = conference()  # sessions on both days
    with pytest.raises(EventError) as err:
        editing.update_event(event, actor=None, version=0, ends_at=at(10, 18))
    assert err.value.code == "session_outside"
    event.refresh_from_db()
    assert event.days.count() == 2


def test_longer_event_gets_a_new_day_with_its_check_in_list_and_an_audit_entry():
    event, _, _ = conference()
    fresh = editing.update_event(
        event, actor=None, version=0, ends_at=at(12, 17), venue="Warszawa, PGE Narodowy"
    )
    assert fresh.version == 1 and fresh.days.count() == 3
    assert CheckinList.objects.filter(event=event, day__date=at(12, 9).date()).exists()
    entry = AuditEntry.objects.get(action="events.event.updated")
    assert entry.data["changes"]["venue"] == ["Warszawa", "Warszawa, PGE Narodowy"]
    with pytest.raises(editing.Stale):
        editing.update_event(event, actor=None, version=0, title="Inny tytuł")


def test_event_description_with_a_pesel_is_refused():
    event, _, _ = conference()
    with pytest.raises(EventError) as err:
        editing.update_event(event, actor=None, version=0, description="Dziecko PESEL 44051401359")
    assert err.value.code == "child_data"


def test_category_quota_below_taken_is_refused_and_more_seats_are_offered():
    event, category, _ = conference(seats=1)
    register(event=event, category=category, name="A", email="a@example.com")
    waiting, _ = register(event=event, category=category, name="B", email="b@example.com")
    assert waiting.status == RegistrationStatus.WAITING
    with pytest.raises(EventError) as err:
        editing.update_category(category, actor=None, version=0, quota=0)
    assert err.value.code == "bad_quota"
    fresh = editing.update_category(category, actor=None, version=0, quota=2)
    waiting.refresh_from_db()
    assert waiting.status == RegistrationStatus.OFFERED
    assert (fresh.quota, fresh.taken) == (2, 2)
    with pytest.raises(EventError) as err:
        editing.update_category(fresh, actor=None, version=fresh.version, quota=1)
    assert err.value.code == "quota_below_taken"


def test_per_organisation_limit_below_what_an_organisation_holds_is_refused():
    from tests.factories import OrganisationFactory

    event, category, _ = conference(seats=10)
    org = OrganisationFactory(kind="ngo")
    for n in range(3):
        register(
            event=event,
            category=category,
            name=f"O{n}",
            email=f"o{n}@example.com",
            organisation=org,
        )
    with pytest.raises(EventError) as err:
        editing.update_category(category, actor=None, version=0, per_organisation_limit=2)
    assert err.value.code == "limit_below_taken"
    fresh = editing.update_category(category, actor=None, version=0, per_organisation_limit=3)
    # The seats taken before the limit now count: the fourth of this organisation waits.
    fourth, _ = register(
        event=event, category=fresh, name="O4", email="o4@example.com", organisation=org
    )
    assert fourth.status == RegistrationStatus.WAITING


def test_questions_need_options_and_a_purpose_and_answered_ones_stay():
    event, category, _ = conference()
    with pytest.raises(EventError) as err:
        editing.create_question(event, actor=None, label="Posiłek", kind="choice", options=["x"])
    assert err.value.code == "options_required"
    with pytest.raises(EventError) as err:
        editing.create_question(event, actor=None, label="Dieta", sensitive=True)
    assert err.value.code == "purpose_required"
    question = editing.create_question(
        event,
        actor=None,
        label="Posiłek",
        kind="choice",
        options=["mięsny", "wegetariański", "mięsny", " "],
        purpose="Zamawiamy catering.",
        sensitive=True,
    )
    assert question.options == ["mięsny", "wegetariański"]
    register(
        event=event,
        category=category,
        name="A",
        email="a@example.com",
        answers={question.pk: "mięsny"},
    )
    with pytest.raises(EventError) as err:
        editing.delete_question(question, actor=None)
    assert err.value.status == 409


def test_check_in_staff_added_by_address_may_check_in_only_there():
    from ostoja.events import permissions

    event, _, _ = conference()
    other, _, _ = conference()
    person = make_user(email="bramka@example.com")
    with pytest.raises(EventError) as err:
        editing.add_checkin_staff(event, actor=None, email="nikt@example.com")
    assert err.value.code == "no_account"
    editing.add_checkin_staff(event, actor=None, email="BRAMKA@example.com")
    assert list(permissions.checkin_events(person)) == [event]
    assert other not in permissions.checkin_events(person)
    editing.remove_checkin_staff(event, actor=None, user=person)
    assert not permissions.can_check_in(person)
    assert AuditEntry.objects.filter(action="events.staff.removed").exists()


# --- pages -----------------------------------------------------------------------------------


def _manager(world):
    return world.client("organisation_manager")


def test_edit_page_saves_and_a_concurrent_save_gets_409_with_the_other_change(world):
    event, _, _ = conference(organiser=world.orgs["organisation_manager"])
    client = _manager(world)
    page = client.get(f"/events/manage/{event.slug}/edit/")
    assert page.status_code == 200
    form = page.context["form"]
    data = {
        k: v
        for k, v in {
            **form.initial,
            "starts_at": _local(event.starts_at),
            "ends_at": _local(event.ends_at),
            "registration_open": "on",
        }.items()
        if v is not None
    }
    first = {**data, "venue": "Warszawa, sala A"}
    assert client.post(f"/events/manage/{event.slug}/edit/", first).status_code == 302
    # A second editor with the form loaded before the first save.
    second = {**data, "title": "Nowy tytuł"}
    r = client.post(f"/events/manage/{event.slug}/edit/", second)
    assert r.status_code == 409
    assert "Warszawa, sala A" in r.content.decode()
    event.refresh_from_db()
    assert event.title != "Nowy tytuł" and event.venue == "Warszawa, sala A"
    # Saving the merged form keeps both changes.
    merged = r.context["form"].data.dict()
    assert client.post(f"/events/manage/{event.slug}/edit/", merged).status_code == 302
    event.refresh_from_db()
    assert (event.title, event.venue) == ("Nowy tytuł", "Warszawa, sala A")


def test_edit_page_refuses_end_before_start_with_a_translated_message(world):
    event, _, _ = conference(organiser=world.orgs["organisation_manager"])
    client = _manager(world)
    form = client.get(f"/events/manage/{event.slug}/edit/").context["form"]
    data = {**form.initial, "starts_at": _local(event.ends_at), "ends_at": _local(event.starts_at)}
    r = client.post(f"/events/manage/{event.slug}/edit/", data)
    assert r.status_code == 422
    assert "Wydarzenie nie może się skończyć przed rozpoczęciem." in r.content.decode()


def test_programme_page_adds_a_workshop_and_refuses_one_outside_the_dates(world):
    event, _, _ = conference(organiser=world.orgs["organisation_manager"])
    client = _manager(world)
    url = f"/events/manage/{event.slug}/programme/"
    assert client.get(url).status_code == 200
    base = {"action": "session", "kind": "workshop", "capacity": "15", "hours": "1.5"}
    r = client.post(
        url,
        {
            **base,
            "title": "Warsztat poza terminem",
            "starts_at": (at(10, 7)).strftime(FMT),
            "ends_at": (at(10, 8)).strftime(FMT),
        },
    )
    assert r.status_code == 422
    assert "Sesja musi się odbyć w terminie wydarzenia" in r.content.decode()
    r = client.post(
        url,
        {
            **base,
            "title": "Warsztat D",
            "starts_at": at(11, 13).strftime(FMT),
            "ends_at": at(11, 15).strftime(FMT),
        },
    )
    assert r.status_code == 302
    workshop = Session.objects.get(title="Warsztat D")
    assert workshop.capacity == 15 and str(workshop.hours) == "1.5"
    r = client.post(url, {"action": "speaker", "name": "Prof. Jan Zieliński", "country": "pol"})
    assert r.status_code == 422
    r = client.post(url, {"action": "speaker", "name": "Prof. Jan Zieliński", "country": "de"})
    assert r.status_code == 302 and event.speakers.get().country == "DE"


def test_session_page_refuses_a_capacity_below_the_seats_taken(world):
    event, category, (w1, _) = conference(
        organiser=world.orgs["organisation_manager"], workshop_seats=2
    )
    for n in range(2):
        register(
            event=event, category=category, name=f"O{n}", email=f"o{n}@example.com", workshops=[w1]
        )
    client = _manager(world)
    url = f"/events/manage/{event.slug}/sessions/{w1.pk}/"
    form = client.get(url).context["form"]
    data = {
        **{k: v for k, v in form.initial.items() if k != "speakers"},
        "starts_at": _local(w1.starts_at),
        "ends_at": _local(w1.ends_at),
        "capacity": "1",
        "action": "save",
    }
    r = client.post(url, data)
    assert r.status_code == 422
    assert "Zajętych miejsc na tym warsztacie: 2" in r.content.decode()
    r = client.post(f"/en{url}", data)
    assert r.status_code == 422
    assert "2 seats of this workshop are already taken" in r.content.decode()
    w1.refresh_from_db()
    assert w1.capacity == 2
    r = client.post(url, {**data, "capacity": "4"})
    assert r.status_code == 302
    w1.refresh_from_db()
    assert w1.capacity == 4


def test_categories_and_questions_and_staff_pages(world):
    event, _, _ = conference(organiser=world.orgs["organisation_manager"])
    client = _manager(world)
    url = f"/events/manage/{event.slug}/categories/"
    assert client.get(url).status_code == 200
    r = client.post(url, {"name": "Prasa", "quota": "20", "per_organisation_limit": "30"})
    assert r.status_code == 422  # the limit exceeds the seats
    r = client.post(
        url,
        {"name": "Prasa", "quota": "20", "per_organisation_limit": "2", "requires_approval": "on"},
    )
    assert r.status_code == 302
    press = TicketCategory.objects.get(event=event, name="Prasa")
    assert press.requires_approval and press.per_organisation_limit == 2
    cat_url = f"/events/manage/{event.slug}/categories/{press.pk}/"
    assert client.get(cat_url).status_code == 200
    assert client.post(cat_url, {"action": "delete"}).status_code == 302
    assert not TicketCategory.objects.filter(pk=press.pk).exists()

    q_url = f"/events/manage/{event.slug}/questions/"
    r = client.post(q_url, {"action": "add", "label": "Dieta", "kind": "text", "sensitive": "on"})
    assert r.status_code == 422
    r = client.post(
        q_url,
        {
            "action": "add",
            "label": "Dieta",
            "kind": "text",
            "sensitive": "on",
            "purpose": "Catering",
        },
    )
    assert r.status_code == 302 and event.questions.get().sensitive
    assert client.post(q_url, {"action": "delete", "question": "x'1"}).status_code == 404

    s_url = f"/events/manage/{event.slug}/staff/"
    make_user(email="wolontariusz@example.com")
    r = client.post(s_url, {"action": "add", "email": "wolontariusz@example.com"})
    assert r.status_code == 302
    assert event.checkin_staff.get().email == "wolontariusz@example.com"
    r = client.post(s_url, {"action": "add", "email": "nieznany@example.com"})
    assert r.status_code == 422


def test_another_organisations_event_is_404_on_every_setup_page(world):
    event, category, (w1, _) = conference()  # organised by someone else
    client = _manager(world)
    for path in (
        "edit/",
        "programme/",
        f"sessions/{w1.pk}/",
        "categories/",
        f"categories/{category.pk}/",
        "questions/",
        "staff/",
    ):
        assert client.get(f"/events/manage/{event.slug}/{path}").status_code == 404, path
        assert client.post(f"/events/manage/{event.slug}/{path}", {}).status_code == 404, path
    assert Client().get(f"/events/manage/{event.slug}/edit/").status_code == 302


def test_a_session_of_another_event_is_404_through_my_event(world):
    mine, _, _ = conference(organiser=world.orgs["organisation_manager"])
    _, _, (theirs, _) = conference()
    r = _manager(world).get(f"/events/manage/{mine.slug}/sessions/{theirs.pk}/")
    assert r.status_code == 404


def test_hostile_input_is_422_and_nothing_is_written(world):
    event, _, _ = conference(organiser=world.orgs["organisation_manager"])
    client = _manager(world)
    before = (Session.objects.count(), Event.objects.get(pk=event.pk).version)
    url = f"/events/manage/{event.slug}/programme/"
    for data in (
        {"action": "session", "title": "x" * 5000, "kind": "plenary"},
        {"action": "session", "title": "\u202etxet", "kind": "workshop", "capacity": "-3"},
        {"action": "session", "title": "A", "kind": "<script>", "starts_at": "jutro"},
    ):
        assert client.post(url, data).status_code == 422
    assert client.post(url, {"action": "explode"}).status_code == 400
    assert (Session.objects.count(), Event.objects.get(pk=event.pk).version) == before
    assert Registration.objects.count() == 0
