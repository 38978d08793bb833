"""Child-protection standards: checklist, adoption, public pages, acknowledgements, reviews,
questionnaires, reminders."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from ostoja.outbox.models import OutboxMessage
from ostoja.safeguarding import elements, services, standards, vetting
from ostoja.safeguarding.errors import SafeguardingError
from ostoja.safeguarding.models import Acknowledgement, QuestionnaireAnswer, StandardsDocument
from tests.conftest import make_user

from . import factories
from .factories import signed_in

pytestmark = pytest.mark.django_db
TODAY = services.today()
TEXT = "Tekst tego elementu standardów, wystarczająco długi, by liczył się jako treść."


def full_sections():
    return {key: f"{TEXT} ({key})" for key in elements.KEYS}


def adopt(officer, doc, decision_reference: str):
    """Adopt ``doc`` today by the board's resolution ``decision_reference``."""
    return standards.adopt(
        actor=officer,
        document=doc,
        adopted_on=TODAY,
        adopted_by_body="Zarząd",
        decision_reference=decision_reference,
    )


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def adopted(org, officer):
    doc = standards.start_draft(actor=officer, organisation=org)
    standards.update_draft(
        actor=officer,
        document=doc,
        sections=full_sections(),
        children_text="Tu jesteś bezpieczny. " * 5,
        parents_text="Informacja dla rodziców. " * 5,
    )
    return adopt(officer, doc, "Uchwała 1/2026")


def test_adoption_refused_with_the_list_until_every_element_is_there(org, officer):
    doc = standards.start_draft(actor=officer, organisation=org)
    sections = full_sections()
    del sections["images"]
    sections["internet"] = "too short"
    standards.update_draft(
        actor=officer,
        document=doc,
        sections=sections,
        children_text="",
        parents_text="Informacja dla rodziców. " * 5,
    )
    with pytest.raises(SafeguardingError) as exc:
        adopt(officer, doc, "1/2026")
    assert exc.value.items == [
        "Devices with internet access and harmful content",
        "Protection of children's images",
        "The short version for children",
    ]
    doc.refresh_from_db()
    assert doc.status == "draft" and doc.adopted_on is None


def test_adoption_supersedes_and_sets_the_review_due(org, officer, adopted):
    assert adopted.status == "adopted"
    assert adopted.review_due == vetting.add_months(TODAY, 24)
    revision = standards.start_draft(actor=officer, organisation=org)
    assert revision.version == 2 and revision.sections == adopted.sections
    adopt(officer, revision, "2/2026")
    adopted.refresh_from_db()
    assert adopted.status == "superseded" and standards.current(org) == revision


def test_template_from_the_coordinator_starts_a_draft(org, officer, coordinator_client):
    response = coordinator_client.post(
        reverse("safeguarding:template_new"),
        {
            "name": "Standardy modelowe sieci",
            "organisation_type": "club",
            "published": "on",
            **full_sections(),
            "children_text": "Dla dzieci " * 10,
            "parents_text": "Dla rodziców " * 10,
        },
    )
    assert response.status_code == 302
    from ostoja.safeguarding.models import StandardsTemplate

    template = StandardsTemplate.objects.get()
    doc = standards.start_draft(actor=officer, organisation=org, template=template)
    assert standards.missing(doc) == []


def test_public_pages_set_no_cookie_and_show_the_children_version(org, adopted):
    client = Client()
    for name, expected in [
        ("standards_public", TEXT),
        ("standards_public_children", "Tu jesteś bezpieczny."),
        ("standards_public_parents", "Informacja dla rodziców."),
    ]:
        response = client.get(reverse(f"safeguarding:{name}", kwargs={"slug": org.slug}))
        assert response.status_code == 200 and expected in response.content.decode()
        assert not response.cookies
    pdf = client.get(reverse("safeguarding:standards_pdf", kwargs={"slug": org.slug}))
    assert pdf.content.startswith(b"%PDF-") and not pdf.cookies


def test_no_public_page_before_adoption(org, officer):
    standards.start_draft(actor=officer, organisation=org)
    url = reverse("safeguarding:standards_public", kwargs={"slug": org.slug})
    assert Client().get(url).status_code == 404


def test_staff_acknowledge_online_and_on_paper(org, officer, adopted):
    staff = make_user("network_member", org, email="staff@orlik.example")
    client = signed_in(staff)
    url = reverse("safeguarding:standards_acknowledge", kwargs={"slug": org.slug})
    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 302
    assert client.post(url).status_code == 200  # already confirmed: shown, not stored again
    assert Acknowledgement.objects.filter(user=staff).count() == 1
    standards.acknowledge(actor=officer, document=adopted, name="Jan Papierowy")
    with pytest.raises(SafeguardingError):
        standards.acknowledge(actor=officer, document=adopted, name="")
    assert adopted.acknowledgements.count() == 2
    outsider = make_user("network_member", email="outsider@example.test")
    other = signed_in(outsider)
    assert other.get(url).status_code == 404


def test_review_and_reminders_under_a_controlled_clock(org, officer, adopted):
    staff = make_user("network_member", org, email="staff@orlik.example")
    factories.run("safeguarding_daily", today=TODAY)
    # Everyone who has not confirmed (officer and staff) is reminded once this week.
    assert sorted(m.recipients[0] for m in OutboxMessage.objects.all()) == sorted(
        [officer.email, staff.email]
    )
    factories.run("safeguarding_daily", today=TODAY)
    assert OutboxMessage.objects.count() == 2
    OutboxMessage.objects.all().delete()
    standards.acknowledge(actor=staff, document=adopted, user=staff)
    standards.acknowledge(actor=officer, document=adopted, user=officer)
    due = adopted.review_due
    factories.run("safeguarding_daily", today=due - timedelta(days=31))
    assert not OutboxMessage.objects.exists()
    factories.run("safeguarding_daily", today=due - timedelta(days=30))
    [message] = OutboxMessage.objects.all()
    assert message.recipients == [officer.email]
    assert "/standards/" in message.body_text
    with pytest.raises(SafeguardingError):
        standards.record_review(
            actor=officer, document=adopted, reviewed_on=TODAY, conclusions="short"
        )
    standards.record_review(
        actor=officer,
        document=adopted,
        reviewed_on=TODAY,
        conclusions="Nothing changes: the questionnaires showed no gaps.",
    )
    adopted.refresh_from_db()
    assert adopted.review_due == vetting.add_months(TODAY, 24)


def test_questionnaire_is_anonymous_and_shown_only_from_five_answers(org, officer, officer_client):
    q = standards.open_questionnaire(actor=officer, organisation=org, audience="children")
    url = reverse("safeguarding:questionnaire", kwargs={"token": q.token})
    anonymous = Client(enforce_csrf_checks=True)
    page = anonymous.get(url)
    assert page.status_code == 200 and not page.cookies
    results_url = reverse(
        "safeguarding:questionnaire_results", kwargs={"slug": org.slug, "pk": q.pk}
    )
    for i in range(4):
        response = anonymous.post(url, {"safe": "3", "adult": str(1 + i % 3)})
        assert response.status_code == 200 and not response.cookies
    body = officer_client.get(results_url).content.decode()
    assert "at least 5 answers" in body or "co najmniej 5" in body
    assert anonymous.post(url, {"safe": "7"}).status_code == 422  # out of the scale
    assert anonymous.post(url, {}).status_code == 422  # nothing answered
    anonymous.post(url, {"safe": "1", "adult": "3"})
    assert QuestionnaireAnswer.objects.count() == 5
    results = standards.results(q)
    assert results["shown"] and results["questions"][0]["average"] == 2.6
    assert results["questions"][2]["average"] is None  # unanswered question: too few
    answer = QuestionnaireAnswer.objects.first()
    assert set(answer.scores) <= {"safe", "adult", "rules", "believe"}
    standards.close_questionnaire(actor=officer, questionnaire=q)
    assert anonymous.get(url).status_code == 410


def test_other_organisations_officer_gets_404(org, adopted, other_client):
    for name in ["standards", "standards_review", "standards_paper", "procedures"]:
        url = reverse(f"safeguarding:{name}", kwargs={"slug": org.slug})
        assert other_client.get(url).status_code == 404


def test_hostile_text_is_escaped_on_the_public_page(org, officer):
    doc = standards.start_draft(actor=officer, organisation=org)
    sections = full_sections()
    sections["images"] = "<script>alert(1)</script> " + TEXT
    standards.update_draft(
        actor=officer,
        document=doc,
        sections=sections,
        children_text="Dla dzieci " * 10,
        parents_text="Dla rodziców " * 10,
    )
    adopt(officer, doc, "1")
    body = Client().get(reverse("safeguarding:standards_public", kwargs={"slug": org.slug}))
    assert "<script>alert" not in body.content.decode()
    with pytest.raises(SafeguardingError):
        standards.update_draft(
            actor=officer,
            document=standards.start_draft(actor=officer, organisation=org),
            sections={"images": "a\x00b"},
            children_text="",
            parents_text="",
        )
    assert StandardsDocument.objects.filter(organisation=org).count() == 2
