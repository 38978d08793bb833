"""Coordinators curate the catalogue in the browser; answers keep the wording they answered."""

from __future__ import annotations

from html import escape

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation

from ostoja.audit.models import AuditEntry
from ostoja.audit.sentences import describe
from ostoja.organisations.roles import Role
from ostoja.pact import curation, services
from ostoja.pact.models import CatalogueVersion, Measure, MeasureRevision
from tests.conftest import login, make_user

from .helpers import signatory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_messages():
    """The services' messages are checked in English here (the pages in both languages are
    checked by the view and browser tests)."""
    with translation.override("en"):
        yield


def _wording(**overrides):
    fields = {
        "pillar": "prevention",
        "title": {"pl": "Nowy program profilaktyczny", "en": "A new preventive programme"},
        "description": {"pl": "Opis po polsku.", "en": "Description in English."},
        "good_practice": {"pl": "", "en": ""},
        "lanzarote": ["7", "5"],
        "legal_duties": [{"pl": "art. 22b ustawy", "en": "art. 22b of the Act"}],
        "source": "Ostoja team",
    }
    fields.update(overrides)
    return fields


def _form(**overrides):
    data = {
        "code": "PRE-90",
        "pillar": "prevention",
        "title_pl": "Mapa bezpiecznych miejsc",
        "title_en": "Map of safe places",
        "description_pl": "Dzieci wskazują miejsca, w których czują się bezpiecznie.",
        "description_en": "Children point out the places where they feel safe.",
        "good_practice_pl": "",
        "good_practice_en": "",
        "lanzarote": "6, 9",
        "legal_duties_pl": "",
        "legal_duties_en": "",
        "source": "Pakt Miast i Regionów, 4P",
    }
    data.update(overrides)
    return data


def test_a_submitted_self_assessment_keeps_the_wording_it_answered():
    s = signatory("2261")
    assessment = services.start_assessment(s, 2025, actor=None)
    answer = assessment.answers.select_related("measure").get(measure__code="PRE-4")
    old_title = answer.measure.title["en"]
    services.save_answer(answer, actor=None, status="planned", explanation="plan na 2026")
    services.submit_assessment(assessment, actor=None)
    coordinator = make_user(Role.COORDINATOR)
    version_before = curation.current_version()

    curation.change_measure(
        answer.measure,
        actor=coordinator,
        **_wording(
            pillar=answer.measure.pillar,
            title={"pl": "Zmieniony tytuł", "en": "Reworded title"},
        ),
    )

    measure = Measure.objects.get(code="PRE-4")
    assert measure.title["en"] == "Reworded title"
    assert measure.catalogue_version == version_before + 1 == curation.current_version()
    answer.refresh_from_db()
    assert answer.question.title["en"] == old_title  # the answer keeps its wording
    assert measure.revisions.count() == 2
    # Public page, Lanzarote export and the officer's view all show the answered wording.
    client = Client()
    body = client.get(f"/en/pact/s/{s.slug}/lanzarote.csv").content.decode()
    assert f"PRE-4 {old_title}" in body and "Reworded title" not in body
    page = client.get(f"/en/pact/s/{s.slug}/").content.decode()
    assert escape(old_title) in page and "Reworded title" not in page
    # A self-assessment started now answers the new wording.
    s2 = signatory("0606")
    fresh = services.start_assessment(s2, 2026, actor=None)
    assert fresh.answers.get(measure__code="PRE-4").question.title["en"] == "Reworded title"
    entry = AuditEntry.objects.get(action="pact.catalogue.measure_changed")
    assert "title" in entry.data["changed"] and entry.data["code"] == "PRE-4"
    assert entry.actor == coordinator


def test_saving_an_answer_in_a_draft_records_the_wording_in_force():
    s = signatory("2261")
    assessment = services.start_assessment(s, 2025, actor=None)
    answer = assessment.answers.select_related("measure").get(measure__code="PRE-4")
    started_with = answer.revision_id
    measure = curation.change_measure(
        answer.measure,
        actor=None,
        **_wording(pillar=answer.measure.pillar, title={"pl": "Nowy", "en": "New"}),
    )
    services.save_answer(answer, actor=None, status="planned")
    answer.refresh_from_db()
    assert answer.revision_id != started_with
    assert answer.revision == MeasureRevision.objects.get(
        measure=measure, catalogue_version=measure.catalogue_version
    )


def test_nothing_changed_makes_no_version_and_no_audit_entry():
    measure = services.active_measures().get(code="PRE-4")
    version = curation.current_version()
    curation.change_measure(
        measure,
        actor=None,
        pillar=measure.pillar,
        title=measure.title,
        description=measure.description,
        good_practice=measure.good_practice,
        lanzarote=measure.lanzarote,
        legal_duties=measure.legal_duties,
        source=measure.source,
    )
    assert curation.current_version() == version
    assert not AuditEntry.objects.filter(action="pact.catalogue.measure_changed").exists()


def test_add_move_retire_and_restore_each_make_an_audited_step():
    services.active_measures()
    added = curation.add_measure(actor=None, code="pre-91", **_wording())
    assert added.code == "PRE-91" and added.lanzarote == ["5", "7"]
    assert added.revisions.count() == 1
    group = list(
        Measure.objects.filter(pillar="prevention", retired_in__isnull=True).order_by("order")
    )
    assert group[-1] == added
    curation.move_measure(added, actor=None, up=True)
    group = list(
        Measure.objects.filter(pillar="prevention", retired_in__isnull=True).order_by("order")
    )
    assert group[-2] == added
    with pytest.raises(ValidationError, match="already first"):
        curation.move_measure(group[0], actor=None, up=True)

    curation.retire_measure(added, actor=None)
    added.refresh_from_db()
    assert added.retired_in == curation.current_version()
    assert "PRE-91" not in {m.code for m in services.active_measures()}
    with pytest.raises(ValidationError, match="already been retired"):
        curation.retire_measure(added, actor=None)
    curation.restore_measure(added, actor=None)
    assert "PRE-91" in {m.code for m in services.active_measures()}
    actions = list(
        AuditEntry.objects.filter(action__startswith="pact.catalogue.measure").values_list(
            "action", flat=True
        )
    )
    assert sorted(actions) == sorted(
        [
            "pact.catalogue.measure_added",
            "pact.catalogue.measure_moved",
            "pact.catalogue.measure_retired",
            "pact.catalogue.measure_restored",
        ]
    )
    for action in actions:  # each code reads as a sentence in the audit log
        assert "pact.catalogue" not in str(describe(action))


def test_a_retired_measure_keeps_its_answers_and_is_not_asked_again():
    s = signatory("2261")
    old = services.start_assessment(s, 2025, actor=None)
    measure = Measure.objects.get(code="PRE-4")
    curation.retire_measure(measure, actor=None)
    assert old.answers.filter(measure=measure).exists()
    new = services.start_assessment(s, 2026, actor=None)
    assert not new.answers.filter(measure=measure).exists()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"code": "PRE-4"}, "code", "already exists"),
        ({"code": "pre 4; drop"}, "code", "letters, a hyphen and a number"),
        ({"pillar": "punishment"}, "pillar", "four Ps"),
        ({"title": {"pl": "Tylko po polsku", "en": " "}}, "title", "Polish and in English"),
        ({"good_practice": {"pl": "tylko pl", "en": ""}}, "good_practice", "both languages"),
        ({"lanzarote": ["5", "99"]}, "lanzarote", "1 to 50"),
        ({"lanzarote": ["art.5"]}, "lanzarote", "1 to 50"),
        ({"legal_duties": [{"pl": "art. 22b", "en": ""}]}, "legal_duties", "same order"),
        ({"source": "  "}, "source", "where the measure comes from"),
        ({"description": {"pl": "x" * 3001, "en": "y"}}, "description", "longer than 3000"),
    ],
)
def test_bad_wording_is_refused_with_nothing_written(change, field, message):
    services.active_measures()
    before = (Measure.objects.count(), CatalogueVersion.objects.count(), AuditEntry.objects.count())
    fields = _wording()
    code = change.pop("code", "PRE-92")
    fields.update(change)
    with pytest.raises(ValidationError) as exc:
        curation.add_measure(actor=None, code=code, **fields)
    assert message in " ".join(exc.value.message_dict[field])
    after = (Measure.objects.count(), CatalogueVersion.objects.count(), AuditEntry.objects.count())
    assert after == before


def test_the_shipped_file_never_overwrites_the_coordinators_edits(tmp_path):
    measure = services.active_measures().get(code="PRE-4")
    curation.change_measure(
        measure, actor=None, **_wording(title={"pl": "Poprawione", "en": "Corrected"})
    )
    result = services.sync_catalogue(actor=None)  # the shipped file, version 1
    assert result["updated"] == 0
    assert Measure.objects.get(code="PRE-4").title["en"] == "Corrected"


# --- over HTTP --------------------------------------------------------------------------------


def test_a_coordinator_adds_edits_and_retires_a_measure_in_the_browser():
    coordinator = make_user(Role.COORDINATOR)
    client = login(Client(), coordinator)
    assert client.get("/pact/catalogue/edit/").status_code == 200
    response = client.post("/pact/catalogue/edit/new/", _form())
    assert response.status_code == 302
    measure = Measure.objects.get(code="PRE-90")
    assert measure.title == {"pl": "Mapa bezpiecznych miejsc", "en": "Map of safe places"}
    assert measure.lanzarote == ["6", "9"]
    # Polish and English both show on the public catalogue.
    assert "Mapa bezpiecznych miejsc" in Client().get("/pact/catalogue/").content.decode()
    assert "Map of safe places" in Client().get("/en/pact/catalogue/").content.decode()

    edit = _form(title_en="Map of safe places, with children")
    edit.pop("code")
    response = client.post("/pact/catalogue/edit/PRE-90/", edit)
    assert response.status_code == 302
    measure.refresh_from_db()
    assert measure.title["en"] == "Map of safe places, with children"
    page = client.get("/en/pact/catalogue/edit/PRE-90/").content.decode()
    assert "Earlier wordings" in page and "Map of safe places</td>" in page

    response = client.post("/pact/catalogue/edit/", {"code": "PRE-90", "action": "retire"})
    assert response.status_code == 302
    measure.refresh_from_db()
    assert measure.retired_in is not None
    assert "PRE-90" not in Client().get("/pact/catalogue/").content.decode()
    history = client.get("/en/pact/catalogue/edit/").content.decode()
    assert "PRE-90 retired" in history and "PRE-90 added" in history


def test_the_form_shows_translated_errors_and_writes_nothing():
    client = login(Client(), make_user(Role.COORDINATOR))
    client.get("/pact/catalogue/")  # the shipped catalogue
    count = Measure.objects.count()
    response = client.post(
        "/pact/catalogue/edit/new/",
        _form(code="PRE-4", lanzarote="5 77", legal_duties_pl="art. 22b", legal_duties_en=""),
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Działanie o tym kodzie już istnieje w katalogu." in html
    assert "od 1 do 50" in html
    assert Measure.objects.count() == count


def test_only_coordinators_edit_the_catalogue():
    officer = make_user(Role.AUTHORITY_OFFICER)
    client = login(Client(), officer)
    assert client.get("/pact/catalogue/edit/").status_code == 403
    assert client.post("/pact/catalogue/edit/new/", _form()).status_code == 403
    assert not Measure.objects.filter(code="PRE-90").exists()
    assert Client().get("/pact/catalogue/edit/").status_code == 302  # to the login page
