"""A coordinator changes an edition after creating it: the same checks as creating, a cohort
that cannot shrink below the places taken, added places offered to the waiting list, the
completion rules frozen once people were judged, and no silent overwrite of someone else's
save (optimistic concurrency on ``Edition.version``)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from ostoja.audit.models import AuditEntry
from ostoja.learning import services
from ostoja.learning.models import Edition, Enrolment
from ostoja.learning.services import Conflict, LearningError, NotAllowed
from ostoja.outbox.models import OutboxMessage

from .helpers import edition, graduate, practitioner, professional

pytestmark = pytest.mark.django_db


def _fields(ed: Edition, **changes) -> dict:
    """The edit form's fields as the service takes them: the edition as it is, plus changes."""
    ed.refresh_from_db()
    values = {
        "version": ed.version,
        "name": ed.name,
        "starts_on": ed.starts_on,
        "ends_on": ed.ends_on,
        "capacity": ed.capacity,
        "min_attendance_percent": ed.min_attendance_percent,
        "requires_assessment": ed.requires_assessment,
        "offer_hours": ed.offer_hours,
        "trainers": list(ed.trainers.all()),
    }
    values.update(changes)
    return values


def _post_data(ed: Edition, **changes) -> dict:
    values = _fields(ed, **changes)
    data = {
        k: (v.isoformat() if isinstance(v, dt.date) else v)
        for k, v in values.items()
        if k != "trainers"
    }
    data["trainers"] = [t.pk for t in values["trainers"]]
    if data.pop("requires_assessment"):
        data["requires_assessment"] = "on"
    return data


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _edit_url(ed: Edition) -> str:
    return f"/learning/editions/{ed.pk}/edit/"


def test_the_coordinator_edits_the_edition_on_its_page_and_it_is_audited(coordinator):
    ed = edition(capacity=10)
    new_trainer = practitioner(trainer=True)
    client = _client(coordinator)
    manage = client.get(f"/learning/editions/{ed.pk}/manage/").content.decode()
    assert _edit_url(ed) in manage  # linked from the manage page
    page = client.get(_edit_url(ed))
    assert page.status_code == 200
    assert 'name="version"' in page.content.decode()
    later = ed.ends_on + dt.timedelta(days=7)
    r = client.post(
        _edit_url(ed),
        _post_data(ed, name="Edycja jesienna", ends_on=later, capacity=12, trainers=[new_trainer]),
    )
    assert r.status_code == 302 and r["Location"].endswith(f"/learning/editions/{ed.pk}/manage/")
    ed.refresh_from_db()
    assert (ed.name, ed.ends_on, ed.capacity, ed.version) == ("Edycja jesienna", later, 12, 2)
    assert list(ed.trainers.all()) == [new_trainer]
    entry = AuditEntry.objects.get(action="learning.edition.updated")
    assert entry.actor_id == coordinator.pk and entry.target_id == str(ed.pk)
    assert entry.data["fields"] == ["capacity", "ends_on", "name", "trainers"]
    assert entry.data["changes"]["capacity"] == [10, 12]
    assert entry.data["changes"]["name"] == ["Edycja testowa", "Edycja jesienna"]


def test_saving_without_changes_writes_nothing(coordinator):
    ed = edition()
    result = services.update_edition(ed, actor=coordinator, **_fields(ed))
    assert result.changed == []
    ed.refresh_from_db()
    assert ed.version == 1
    assert not AuditEntry.objects.filter(action="learning.edition.updated").exists()


def test_the_cohort_cannot_shrink_below_the_places_taken(coordinator):
    ed = edition(capacity=3)
    for _ in range(3):
        user = professional()
        services.enrol(ed, user, actor=user)
    with translation.override("en"), pytest.raises(LearningError) as exc:
        services.update_edition(ed, actor=coordinator, **_fields(ed, capacity=2))
    assert exc.value.code == "capacity_below_taken"
    assert "Places already taken" in str(exc.value) and "3" in str(exc.value)
    ed.refresh_from_db()
    assert ed.capacity == 3 and ed.version == 1
    # Through the page: the form says why, in the user's language, and nothing is saved.
    r = _client(coordinator).post(
        "/en" + _edit_url(ed), _post_data(ed, capacity=2), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert r.status_code == 422
    assert "The cohort cannot have fewer places than that." in r.content.decode()
    ed.refresh_from_db()
    assert ed.capacity == 3
    # Down to exactly the places taken is fine.
    services.update_edition(ed, actor=coordinator, **_fields(ed, capacity=3, name="Inna"))


def test_more_places_are_offered_to_the_waiting_list_in_order(coordinator):
    ed = edition(capacity=1)
    first = professional()
    services.enrol(ed, first, actor=first)
    queue = [professional() for _ in range(3)]
    for user in queue:
        assert services.enrol(ed, user, actor=user).state == "waiting"
    before = timezone.now()
    result = services.update_edition(ed, actor=coordinator, **_fields(ed, capacity=3))
    assert [e.user for e in result.offered] == queue[:2]
    states = {u: Enrolment.objects.get(edition=ed, user=u) for u in queue}
    assert states[queue[0]].state == "offered" and states[queue[1]].state == "offered"
    assert states[queue[2]].state == "waiting"
    hours = (states[queue[0]].offer_expires_at - before).total_seconds() / 3600
    assert 47.9 < hours <= 48.01
    mail = OutboxMessage.objects.get(recipients=[queue[0].email])
    assert f"/learning/editions/{ed.pk}/" in mail.body_text
    assert not OutboxMessage.objects.filter(recipients=[queue[2].email]).exists()
    assert AuditEntry.objects.filter(action="learning.enrolment.offered").count() == 2


def test_completion_rules_are_frozen_once_certificates_are_issued(coordinator):
    ed = edition(min_percent=80)
    graduate(ed)  # a certificate issued under "80 %"
    for change in ({"min_attendance_percent": 50}, {"requires_assessment": False}):
        with translation.override("en"), pytest.raises(LearningError) as exc:
            services.update_edition(ed, actor=coordinator, **_fields(ed, **change))
        assert exc.value.code == "rules_settled" and exc.value.status == 409
        assert "completion rules" in str(exc.value)
    ed.refresh_from_db()
    assert ed.min_attendance_percent == 80 and ed.requires_assessment and ed.version == 1
    # The rest of the edition still can change (a typo in the name).
    services.update_edition(ed, actor=coordinator, **_fields(ed, name="Edycja poprawiona"))
    ed.refresh_from_db()
    assert ed.name == "Edycja poprawiona"


def test_completion_rules_are_frozen_after_closing_but_free_before(coordinator):
    ed = edition(min_percent=80)
    services.update_edition(ed, actor=coordinator, **_fields(ed, min_attendance_percent=70))
    ed.refresh_from_db()
    assert ed.min_attendance_percent == 70
    services.close_edition(ed, actor=coordinator)
    with pytest.raises(LearningError) as exc:
        services.update_edition(ed, actor=coordinator, **_fields(ed, min_attendance_percent=60))
    assert exc.value.code == "rules_settled"
    # The page says so and shows the rules without letting them change; the rest still saves.
    client = _client(coordinator)
    page = client.get(_edit_url(ed)).content.decode()
    assert "message-warning" in page
    assert re.search(r'<input[^>]*name="min_attendance_percent"[^>]*disabled', page)
    r = client.post(_edit_url(ed), _post_data(ed, min_attendance_percent=60, name="Po zmianie"))
    assert r.status_code == 302
    ed.refresh_from_db()
    assert (ed.min_attendance_percent, ed.name) == (70, "Po zmianie")


def test_closing_while_the_form_is_open_refuses_the_rule_change_on_the_page(coordinator):
    ed = edition(min_percent=80)
    client = _client(coordinator)
    page = client.get(_edit_url(ed)).content.decode()
    assert 'name="rules_editable" value="True"' in page  # the rules were editable when loaded
    data = {**_post_data(ed, min_attendance_percent=60), "rules_editable": "True"}
    services.close_edition(ed, actor=coordinator)  # closing does not change the version
    r = client.post("/en" + _edit_url(ed), data, HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 409
    assert "The completion rules (attendance and final assessment) cannot change" in (
        r.content.decode()
    )
    ed.refresh_from_db()
    assert ed.min_attendance_percent == 80


def test_only_people_flagged_as_trainers_lead_an_edition(coordinator):
    ed = edition()
    not_a_trainer = professional()
    with pytest.raises(LearningError) as exc:
        services.update_edition(
            ed, actor=coordinator, **_fields(ed, trainers=[not_a_trainer], name="Nowa")
        )
    assert exc.value.code == "not_trainer"
    ed.refresh_from_db()
    assert ed.name == "Edycja testowa" and not_a_trainer not in ed.trainers.all()
    # The page does not even offer them.
    r = _client(coordinator).post(_edit_url(ed), _post_data(ed, trainers=[not_a_trainer]))
    assert r.status_code == 422
    assert not ed.trainers.filter(pk=not_a_trainer.pk).exists()


def test_the_same_checks_as_creating(coordinator):
    ed = edition()
    cases = [
        ({"ends_on": ed.starts_on - dt.timedelta(days=1)}, "end before"),
        ({"capacity": 0}, "places"),
        ({"min_attendance_percent": 101}, "percentage"),
        ({"offer_hours": 0}, "hours"),
        ({"name": "  "}, "name"),
    ]
    for change, fragment in cases:
        with translation.override("en"), pytest.raises(LearningError) as exc:
            services.update_edition(ed, actor=coordinator, **_fields(ed, **change))
        assert fragment in str(exc.value)
    ed.refresh_from_db()
    assert ed.version == 1


def test_a_trainer_a_participant_or_a_visitor_cannot_edit(coordinator):
    ed = edition()
    trainer = ed.trainers.first()
    participant = professional()
    services.enrol(ed, participant, actor=participant)
    for user in (trainer, participant):
        client = _client(user)
        assert client.get(_edit_url(ed)).status_code == 403
        assert client.post(_edit_url(ed), _post_data(ed, name="Przejęta")).status_code == 403
        with pytest.raises(NotAllowed):
            services.update_edition(ed, actor=user, **_fields(ed, name="Przejęta"))
    r = Client().post(_edit_url(ed), _post_data(ed, name="Przejęta"))
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]
    ed.refresh_from_db()
    assert ed.name == "Edycja testowa"
    # The trainer runs the edition but is not offered the edit link.
    manage = _client(trainer).get(f"/learning/editions/{ed.pk}/manage/").content.decode()
    assert _edit_url(ed) not in manage


def test_a_stale_edit_is_refused_and_writes_nothing(coordinator):
    from tests.conftest import make_user

    ed = edition(capacity=10)
    other = make_user("coordinator")
    mine = _post_data(ed, name="Moja nazwa", capacity=15)  # both loaded version 1
    theirs = _post_data(ed, name="Ich nazwa")
    assert _client(other).post(_edit_url(ed), theirs).status_code == 302
    audit_before = AuditEntry.objects.count()
    r = _client(coordinator).post(_edit_url(ed), mine)
    assert r.status_code == 409
    body = r.content.decode()
    assert "Moja nazwa" in body  # what this editor typed stays on the page
    assert f'href="{_edit_url(ed)}"' in body  # with a way to reload the current edition
    ed.refresh_from_db()
    assert (ed.name, ed.capacity, ed.version) == ("Ich nazwa", 10, 2)
    assert AuditEntry.objects.count() == audit_before
    with pytest.raises(Conflict) as exc:
        services.update_edition(ed, actor=coordinator, **_fields(ed, version=1, capacity=15))
    assert exc.value.code == "stale"


def test_the_page_is_translated():
    from tests.conftest import make_user

    ed = edition()
    client = _client(make_user("coordinator"))
    with translation.override("en"):
        url = reverse("learning:edition_edit", args=[ed.pk])
    assert url.startswith("/en/")
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for label in ("Edit the edition", "Places in the cohort", "Save the changes", "Trainers"):
        assert label in english
    polish = client.get(_edit_url(ed)).content.decode()
    for label in ("Zapisz zmiany", "Edytuj edycję"):
        assert label in polish
    assert "Save the changes" not in polish


def test_a_trainer_no_longer_flagged_is_not_dropped_silently(coordinator):
    ed = edition()
    old = ed.trainers.first()
    services.set_practitioner(
        old, actor=None, is_trainer=False, is_supervisor=False, is_expert=False, areas=[]
    )
    client = _client(coordinator)
    page = client.get(_edit_url(ed)).content.decode()
    assert re.search(rf'<input[^>]*value="{old.pk}"[^>]*checked', page)  # still shown, ticked
    with translation.override("en"):
        r = client.post(
            "/en" + _edit_url(ed), _post_data(ed, name="Nowa"), HTTP_ACCEPT_LANGUAGE="en"
        )
    assert r.status_code == 422
    assert "Only people flagged as trainers can lead an edition." in r.content.decode()
    r = client.post(_edit_url(ed), _post_data(ed, name="Nowa", trainers=[]))
    assert r.status_code == 302
    ed.refresh_from_db()
    assert ed.name == "Nowa" and not ed.trainers.exists()
