"""Links to the network, the directory and the units' standards; stored progress; the
biennial review; reminders under a controlled clock; public texts checked for child data."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client

from ostoja.network.membership import set_state
from ostoja.network.models import Partner, PartnerState
from ostoja.outbox.models import OutboxMessage
from ostoja.pact import links, public, reminders, services
from ostoja.pact.models import Signatory
from ostoja.safeguarding.models import StandardsDocument
from tests.conftest import make_user
from tests.directory.factories import ServiceFactory
from tests.factories import OrganisationFactory

from .helpers import item, signatory

pytestmark = pytest.mark.django_db


def _partner(name, voivodeships):
    org = OrganisationFactory(kind="ngo", name=name)
    set_state(org, PartnerState.MEMBER, reason="test")
    Partner.objects.filter(organisation=org).update(voivodeships=voivodeships)
    return org


def test_a_plan_item_links_partners_and_services_of_its_voivodeship_only():
    s = signatory("2261")  # Gdańsk, pomorskie (22)
    plan_item = item(s)
    here = _partner("Fundacja Pomorska", ["22", "28"])
    elsewhere = _partner("Fundacja Śląska", ["24"])
    applicant = OrganisationFactory(kind="ngo", name="Kandydatka")
    set_state(applicant, PartnerState.APPLICANT, reason="test")
    Partner.objects.filter(organisation=applicant).update(voivodeships=["22"])
    regional = ServiceFactory(coverage="regional", voivodeships=["22"])
    other_region = ServiceFactory(coverage="regional", voivodeships=["12"])
    unpublished = ServiceFactory(coverage="regional", voivodeships=["22"], published=False)
    assert list(links.partner_choices(s)) == [here]
    assert set(links.service_choices(s)) == {regional}

    for bad in ({"organisations": [elsewhere]}, {"organisations": [applicant]}):
        with pytest.raises(ValidationError) as exc:
            services.link_plan_item(plan_item, actor=None, **bad)
        assert "partner_organisations" in exc.value.message_dict
    for bad in (other_region, unpublished):
        with pytest.raises(ValidationError) as exc:
            services.link_plan_item(plan_item, actor=None, services=[bad])
        assert "services" in exc.value.message_dict
    assert not plan_item.partner_organisations.exists() and not plan_item.services.exists()

    services.link_plan_item(plan_item, actor=None, organisations=[here], services=[regional])
    html = Client().get(f"/pact/s/{s.slug}/").content.decode()
    assert "Fundacja Pomorska" in html and f"/help/{regional.pk}/" in html
    # An authority abroad is offered nothing.
    abroad = signatory("", country="DE", name="Rostock", foreign_kind="foreign_town", teryt_code="")
    assert not links.partner_choices(abroad).exists()
    assert not links.service_choices(abroad).exists()


def test_units_show_their_standards_on_the_public_page():
    s = signatory("2261")
    school = OrganisationFactory(kind="ngo", name="Szkoła Podstawowa nr 1", slug="sp1")
    club = OrganisationFactory(kind="ngo", name="Klub Sportowy", slug="klub")
    StandardsDocument.objects.create(
        organisation=school,
        status=StandardsDocument.Status.ADOPTED,
        adopted_on=dt.date(2025, 9, 1),
    )
    with pytest.raises(ValidationError):  # an authority is not another's unit
        services.set_units(s, actor=None, units=[OrganisationFactory(kind="local_authority")])
    services.set_units(s, actor=None, units=[school, club])
    html = Client().get(f"/pact/s/{s.slug}/").content.decode()
    assert "/standards/sp1/" in html and "Klub Sportowy" in html
    assert "/standards/klub/" not in html


def test_stored_progress_follows_the_plan_and_matches_the_plan_items():
    s = signatory("2261")
    fresh = Signatory.objects.get(pk=s.pk)
    assert (fresh.progress, fresh.overall_progress) == ({}, None)  # nothing planned yet
    measure = services.active_measures().get(code="PRE-3")
    parent = item(s, progress=0, measure=measure)
    item(s, progress=40, parent=parent)
    child = item(s, progress=80, parent=parent)
    stored = Signatory.objects.get(pk=s.pk).progress
    assert stored == {"prevention": 60} == public.plan_progress([s.pk])[s.pk]
    services.save_plan_item(s, actor=None, item=child, **{**_fields(child), "progress": 100})
    assert Signatory.objects.get(pk=s.pk).progress == {"prevention": 70}
    assert Signatory.objects.get(pk=s.pk).overall_progress == 70
    [row] = [r for r in public.public_signatories() if r.signatory.pk == s.pk]
    assert row.progress == {"prevention": 70}


def _fields(plan_item):
    names = [
        "title",
        "measure",
        "parent",
        "responsible_unit",
        "partners",
        "budget_pln",
        "indicator",
        "progress",
        "children_participation",
        "starts_on",
        "ends_on",
    ]
    return {n: getattr(plan_item, n) for n in names}


def test_peer_comparison_gives_place_median_and_neighbours():
    mine = None
    for n, code in enumerate(["2261", "1261", "0661", "3064", "0264"]):  # cities
        s = signatory(code)
        item(s, progress=n * 20)
        if code == "0661":
            mine = s
    result = public.peer_comparison(mine, top=1, around=1)
    assert (result.rank, result.size, result.median) == (3, 5, 40)
    assert [n for n, _p in result.rows] == [1, 2, 3, 4]


def test_public_texts_are_checked_for_child_data():
    s = signatory("2261")
    with pytest.raises(ValidationError) as exc:
        item(s, children_participation="Ania Kowalska ur. 12.03.2014 prowadziła warsztaty")
    assert "children_participation" in exc.value.message_dict
    assessment = services.start_assessment(s, 2025, actor=None)
    answer = assessment.answers.first()
    with pytest.raises(ValidationError) as exc:
        services.save_answer(
            answer, actor=None, status="planned", explanation="Kontakt: 601 234 567"
        )
    assert "explanation" in exc.value.message_dict


def test_biennial_review_report_is_signed_off_once_and_public():
    s = signatory("2261")  # signed 2025-03-01
    start, end = services.review_period(s, dt.date(2027, 5, 1))
    assert (start, end) == (dt.date(2027, 3, 1), dt.date(2029, 3, 1))
    with pytest.raises(ValidationError):
        services.save_review_report(
            s, actor=None, period_start=end, period_end=start, report="Raport"
        )
    with pytest.raises(ValidationError):
        services.save_review_report(
            s,
            actor=None,
            period_start=start,
            period_end=end,
            report="Tel. 601 234 567",
        )
    review = services.save_review_report(
        s, actor=None, period_start=start, period_end=end, report="**Zrobiliśmy** dużo."
    )
    assert "Zrobiliśmy" not in Client().get(f"/pact/s/{s.slug}/").content.decode()
    services.sign_off_review(review, actor=None, signed_off_by_name="Jan Wójt")
    with pytest.raises(ValidationError):
        services.sign_off_review(review, actor=None, signed_off_by_name="Jan Wójt")
    with pytest.raises(ValidationError):
        services.save_review_report(
            s, actor=None, period_start=start, period_end=end, report="Zmiana"
        )
    html = Client().get(f"/pact/s/{s.slug}/").content.decode()
    assert "<strong>Zrobiliśmy</strong> dużo." in html and "Jan Wójt" in html


def _run(day):
    call_command("pact_reminders", today=day.isoformat(), stdout=StringIO())


def test_reminders_come_due_under_a_controlled_clock():
    org = OrganisationFactory(kind="local_authority")
    officer = make_user("authority_officer", org, email="urzednik@example.test")
    s = signatory("2261", organisation=org)
    plan_item = item(s)
    services.add_milestone(plan_item, actor=None, title="Warsztaty", due_on=dt.date(2026, 6, 30))
    _run(dt.date(2026, 6, 15))  # 15 days before: nothing yet
    assert not OutboxMessage.objects.exists()
    _run(dt.date(2026, 6, 16))
    message = OutboxMessage.objects.get()
    assert message.recipients == [officer.email]
    assert "2026-06-30: Warsztaty" in message.body_text
    _run(dt.date(2026, 6, 17))  # reminded once
    assert OutboxMessage.objects.count() == 1

    # The self-assessment of 2025 is due by 31 March 2026: a reminder from 1 March, once.
    OutboxMessage.objects.all().delete()
    _run(dt.date(2026, 2, 28))
    assert not OutboxMessage.objects.exists()
    _run(dt.date(2026, 3, 1))
    _run(dt.date(2026, 3, 2))
    [message] = OutboxMessage.objects.all()
    assert "2025" in message.body_text and "2026-03-31" in message.body_text
    # Submitted: no reminder the next year's window would repeat it.
    assessment = services.start_assessment(s, 2025, actor=None)
    services.submit_assessment(assessment, actor=None)
    assert reminders.send_reminders(today=dt.date(2026, 3, 3))["emails"] == 0


def test_expiring_evidence_is_reminded_of():
    s = signatory("2261")  # no organisation: the contact person is told
    assessment = services.start_assessment(s, 2025, actor=None)
    answer = assessment.answers.get(measure__code="PRE-4")
    today = dt.date.today()
    services.save_answer(
        answer,
        actor=None,
        status="implemented",
        evidence_url="https://example.org/rejestr",
        evidence_valid_until=today + dt.timedelta(days=20),
    )
    result = reminders.send_reminders(today=today)
    assert result["emails"] >= 1
    message = OutboxMessage.objects.filter(body_text__contains="PRE-4").get()
    assert message.recipients == ["pakt@example.test"]
    assert reminders.send_reminders(today=today)["emails"] == 0


def test_the_overview_counts_and_filters_in_the_database():
    s = signatory("2261")
    item(s, progress=30, measure=services.active_measures().get(code="PRE-3"))
    left = signatory("12")
    item(left, progress=91, measure=services.active_measures().get(code="PRO-1"))
    services.leave_pact(left, actor=None, reason="decyzja sejmiku", left_on=left.signed_on)
    signatory("0606", verify=False)  # pending: counted nowhere
    table = {row["code"]: row for row in public.voivodeship_table()}
    assert (table["22"]["signatories"], table["22"]["progress"]) == (1, 30)
    # One that left is no longer a signatory, but its plan stays in the mean.
    assert (table["12"]["signatories"], table["12"]["progress"]) == (0, 91)
    assert (table["06"]["signatories"], table["06"]["progress"]) == (0, None)
    assert public.totals() == {"total": 1, "abroad": 0}
    page = public.overview_page(pillar="prevention")
    assert [p.signatory.pk for p in page.object_list] == [s.pk]
    assert list(public.overview_page(pillar="participation").object_list) == []
    assert public.overview_page(voivodeship="12").paginator.count == 1
