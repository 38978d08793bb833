"""Pact pages over HTTP: public pages and open data agree, tenants are kept apart."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client

from ostoja.organisations.roles import Role
from ostoja.pact import services
from ostoja.pact.models import Signatory
from tests.conftest import make_user
from tests.factories import OrganisationFactory

from .helpers import item, signatory

pytestmark = pytest.mark.django_db


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _officer(code="2261"):
    org = OrganisationFactory(kind="local_authority")
    user = make_user(Role.AUTHORITY_OFFICER, org)
    return user, org


def test_public_pages_open_data_and_api_show_the_same_signatories():
    gdansk = signatory("2261")
    item(gdansk, progress=40, measure=services.active_measures().get(code="PRE-3"))
    signatory("0606", verify=False)  # pending: not public
    rejected = signatory("0606022", verify=False)
    services.verify_signatory(rejected, actor=None, accept=False, reason="brak uchwały")
    left = signatory("12")
    services.leave_pact(left, actor=None, reason="decyzja sejmiku", left_on=left.signed_on)

    page = Client().get("/pact/").content.decode()
    rows = list(csv.DictReader(io.StringIO(Client().get("/pact/open-data.csv").content.decode())))
    api = Client().get("/api/v1/pact/signatories").json()
    assert {r["teryt"] for r in rows} == {a["teryt"] for a in api} == {"2261", "12"}
    for name in ("Gdańsk", "małopolskie"):
        assert name in page
    assert "Fajsławice" not in page and "krasnostawski" not in page
    gdansk_row = next(r for r in rows if r["teryt"] == "2261")
    assert gdansk_row["progress_prevention"] == "40" and gdansk_row["progress_protection"] == ""
    assert next(a for a in api if a["teryt"] == "2261")["progress"]["prevention"] == 40
    assert next(a for a in api if a["teryt"] == "12")["state"] == "left"
    # Non-public signatories have no public page.
    pending = Signatory.objects.get(teryt_code="0606")
    assert Client().get(f"/pact/s/{pending.slug}/").status_code == 404


def test_the_map_table_lists_all_sixteen_voivodeships():
    signatory("2261")
    html = Client().get("/en/pact/").content.decode()
    assert html.count('<th scope="row"><a href="?voivodeship=') == 16
    assert "<svg" in html and "pomorskie: 1" in html


def test_the_lanzarote_export_is_question_by_question_and_hides_private_evidence():
    s = signatory("2261")
    assessment = services.start_assessment(s, 2025, actor=None)
    a1 = assessment.answers.get(measure__code="PRE-4")
    services.save_answer(
        a1, actor=None, status="implemented", evidence_url="https://example.org/public"
    )
    a2 = assessment.answers.get(measure__code="PRE-5")
    services.save_answer(
        a2,
        actor=None,
        status="implemented",
        evidence_note="wewnętrzny rejestr",
        evidence_public=False,
    )
    assert Client().get(f"/pact/s/{s.slug}/lanzarote.csv").status_code == 404  # a draft
    services.submit_assessment(assessment, actor=None)
    body = Client().get(f"/pact/s/{s.slug}/lanzarote.csv").content.decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [r["question"] for r in rows] == [str(n) for n in range(1, len(rows) + 1)]
    by_code = {r["measure"].split()[0]: r for r in rows}
    assert by_code["PRE-4"]["evidence"] == "https://example.org/public"
    assert by_code["PRE-4"]["lanzarote_articles"] == "5"
    assert by_code["PRE-5"]["evidence"] == "" and "wewnętrzny" not in body
    page = Client().get(f"/pact/s/{s.slug}/").content.decode()
    assert "https://example.org/public" in page and "wewnętrzny" not in page


def test_an_officer_signs_for_a_gmina_picked_from_the_register():
    user, org = _officer()
    client = _client(user)
    found = client.get("/pact/sign/", {"q": "fajslaw"}).content.decode()
    assert "?code=0606022" in found
    response = client.post(
        "/pact/sign/?code=0606022",
        {
            "organisation": org.pk,
            "signed_by_name": "Wójt",
            "signed_by_function": "wójt gminy",
            "signed_on": "2026-01-10",
            "resolution_url": "https://example.org/u.pdf",
            "contact_name": "A",
            "contact_email": "a@example.test",
            "country": "PL",
        },
    )
    assert response.status_code == 302
    s = Signatory.objects.get()
    assert (s.teryt_code, s.organisation, s.state) == ("0606022", org, "pending")
    again = client.post(
        "/pact/sign/?code=0606022",
        {
            "signed_by_name": "Wójt",
            "signed_by_function": "wójt",
            "signed_on": "2026-01-10",
            "resolution_url": "https://example.org/u.pdf",
            "contact_name": "A",
            "contact_email": "a@example.test",
            "country": "PL",
        },
    )
    assert again.status_code == 400 and "już podpisał" in again.content.decode()
    assert Signatory.objects.count() == 1


def test_a_typed_code_outside_the_register_gets_a_message_not_a_form():
    user, _org = _officer()
    page = _client(user).get("/en/pact/sign/?code=0201044", follow=True).content.decode()
    assert "not a local authority in the register" in page
    assert 'name="signed_by_name"' not in page


def test_an_officer_cannot_reach_another_authoritys_plan_or_questionnaire():
    user, org = _officer()
    mine = signatory("2261", organisation=org)
    theirs = signatory("12", organisation=OrganisationFactory(kind="local_authority"))
    their_item = item(theirs)
    services.start_assessment(theirs, 2025, actor=None)
    client = _client(user)
    assert client.get(f"/pact/s/{mine.slug}/plan/").status_code == 200
    for url in (
        f"/pact/s/{theirs.slug}/plan/",
        f"/pact/s/{theirs.slug}/plan/{their_item.pk}/",
        f"/pact/s/{theirs.slug}/assessment/2025/",
        f"/pact/s/{theirs.slug}/assessment/2025/GOV-1/",
    ):
        assert client.get(url).status_code == 404, url
    response = client.post(
        f"/pact/s/{theirs.slug}/plan/{their_item.pk}/",
        {"item-title": "przejęte", "item-progress": 100},
    )
    assert response.status_code == 404
    their_item.refresh_from_db()
    assert their_item.title != "przejęte"


def test_only_the_assigned_reviewer_comments_and_officers_do_not():
    user, org = _officer()
    s = signatory("2261", organisation=org)
    assessment = services.start_assessment(s, 2025, actor=None)
    services.submit_assessment(assessment, actor=None)
    reviewer = make_user(Role.NETWORK_MEMBER)
    stranger = make_user(Role.NETWORK_MEMBER)
    url = f"/pact/s/{s.slug}/assessment/2025/GOV-1/"
    assert _client(stranger).post(url, {"action": "comment", "text": "x"}).status_code == 403
    services.assign_reviewer(s, actor=None, reviewer=reviewer)
    assert _client(stranger).get(url).status_code == 403
    response = _client(reviewer).post(
        url, {"action": "comment", "text": "Prosimy o dowód.", "requests_evidence": "on"}
    )
    assert response.status_code == 302
    # The officer may not comment on their own answers.
    assert _client(user).post(url, {"action": "comment", "text": "sam sobie"}).status_code == 403
    assessment.refresh_from_db()
    assert assessment.state == "changes"
    assert assessment.answers.get(measure__code="GOV-1").comments.count() == 1


def test_progress_out_of_range_is_a_form_error_and_nothing_is_written():
    user, org = _officer()
    s = signatory("2261", organisation=org)
    response = _client(user).post(
        f"/pact/s/{s.slug}/plan/",
        {
            "item-title": "Szkolenia",
            "item-responsible_unit": "UM",
            "item-progress": "140",
            "item-starts_on": "2026-01-01",
            "item-ends_on": "2026-12-31",
        },
    )
    assert response.status_code == 400
    assert not s.plan_items.exists()
