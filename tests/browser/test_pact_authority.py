"""The Pact end to end: the coordinator invites an authority officer through "Platform II";
the officer signs the Pact for a gmina picked from the TERYT register, fills and submits the
self-assessment; the reviewer the coordinator assigned asks for evidence on one question; the
officer adds it; the action plan with a milestone and children's participation appears on
the authority's public page and on the national map."""

from __future__ import annotations

import os
import re
from datetime import date, timedelta

import pytest

from ostoja.outbox.models import OutboxMessage
from ostoja.pact.models import Assessment, Measure, Signatory
from tests.browser.conftest import serious_axe_violations
from tests.browser.test_hotline_assess import sign_in
from tests.conftest import make_user
from tests.factories import TEST_PASSWORD, OrganisationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Zielony-kasztan-nad-Wieprzem-7"
SHOTS = os.environ.get("OSTOJA_SCREENSHOTS", "")


def submit(page, label):
    with page.expect_navigation():
        page.get_by_role("button", name=label, exact=True).click()


def test_officer_signs_assesses_and_publishes_a_plan(page, browser, live_server, settings):
    settings.SITE_URL = live_server.url
    gmina = OrganisationFactory(
        kind="local_authority", slug="gmina-fajslawice", name="Urząd Gminy Fajsławice"
    )
    make_user("coordinator", email="koordynatorka-pakt@example.test")
    reviewer_org = OrganisationFactory(kind="ngo", slug="fundacja-recenzje")
    reviewer = make_user("network_member", reviewer_org, email="recenzent@example.test")
    year = date.today().year

    # The coordinator invites the officer into the authority's organisation (Platform II).
    sign_in(page, "koordynatorka-pakt@example.test")
    page.goto(f"/people/organisations/{gmina.slug}/")
    page.fill("input[name=email]", "urzedniczka@example.test")
    page.select_option("select[name=role]", "authority_officer")
    page.locator("form[action$='/invite/'] button[type=submit]").click()
    page.wait_for_url(f"**/people/organisations/{gmina.slug}/")
    mail = OutboxMessage.objects.get(recipients=["urzedniczka@example.test"])
    link = re.search(r"http://\S+/invitations/[A-Za-z0-9_\-]+/", mail.body_text).group(0)

    context = browser.new_context(base_url=live_server.url, locale="pl-PL")
    officer = context.new_page()
    officer.set_default_timeout(15000)
    officer.goto(link)
    officer.fill("input[name=full_name]", "Olga Urzędniczka")
    officer.fill("input[name=password1]", PASSWORD)
    officer.fill("input[name=password2]", PASSWORD)
    officer.locator("main form button[type=submit]").click()
    officer.wait_for_url("**/dashboard/")

    # She signs for the gmina, found in the TERYT register by name.
    officer.goto("/pact/sign/")
    officer.fill("#q", "Fajsławice")
    submit(officer, "Szukaj")
    officer.get_by_role("link", name=re.compile("Fajsławice")).first.click()
    officer.wait_for_url("**/pact/sign/?code=*")
    officer.select_option("#id_organisation", str(gmina.pk))
    officer.fill("#id_signed_by_name", "Jan Wójt")
    officer.fill("#id_signed_by_function", "wójt gminy")
    officer.fill("#id_resolution_url", "https://bip.example.org/uchwala-12-2026")
    officer.fill("#id_contact_name", "Olga Urzędniczka")
    officer.fill("#id_contact_email", "urzedniczka@example.test")
    submit(officer, "Podpisz")
    assert "koordynator" in officer.locator(".messages").inner_text().lower()
    signatory = Signatory.objects.get(organisation=gmina)
    assert signatory.kind == "gmina_rural" and signatory.voivodeship == "06"

    # The coordinator verifies the signature and assigns the reviewer.
    page.goto(f"/pact/manage/{signatory.slug}/")
    page.select_option("#id_d-decision", "verify")
    page.locator("form:has(input[value=decide]) button[type=submit]").click()
    page.wait_for_url(f"**/pact/manage/{signatory.slug}/")
    page.select_option("#id_r-reviewer", str(reviewer.pk))
    page.locator("form:has(input[value=reviewer]) button[type=submit]").click()
    page.wait_for_url(f"**/pact/manage/{signatory.slug}/")
    signatory.refresh_from_db()
    assert signatory.state == "verified" and signatory.reviewer == reviewer

    # The officer fills the self-assessment question by question and submits it.
    officer.goto(f"/pact/s/{signatory.slug}/assessment/{year}/")
    submit(officer, "Rozpocznij samoocenę")
    officer.get_by_role("link", name=re.compile(r"^PRE-4 ")).click()
    officer.select_option("#id_status", "in_progress")
    officer.fill("#id_explanation", "Szkolenia dla kadry szkół gminnych trwają.")
    submit(officer, "Zapisz odpowiedź")
    officer.get_by_role("link", name=re.compile(r"^GOV-1 ")).click()
    officer.select_option("#id_status", "planned")
    submit(officer, "Zapisz odpowiedź")
    submit(officer, "Przekaż do recenzji")
    assert Assessment.objects.get(signatory=signatory).state == "submitted"

    # The reviewer asks for evidence on one question.
    reviewer_context = browser.new_context(base_url=live_server.url, locale="pl-PL")
    rev = reviewer_context.new_page()
    rev.set_default_timeout(15000)
    rev.goto("/accounts/login/")
    rev.fill("input[name=login]", reviewer.email)
    rev.fill("input[name=password]", TEST_PASSWORD)
    rev.locator("form button[type=submit]").last.click()
    rev.wait_for_url("**/dashboard/")
    rev.goto(f"/pact/s/{signatory.slug}/assessment/{year}/PRE-4/")
    rev.fill("#id_text", "Proszę o program szkoleń i listę obecności.")
    rev.check("#id_requests_evidence")
    submit(rev, "Wyślij komentarz")
    assert Assessment.objects.get(signatory=signatory).state == "changes"

    # The officer sees the request and adds the evidence; the request is resolved.
    officer.goto(f"/pact/s/{signatory.slug}/assessment/{year}/")
    row = officer.locator("tr", has_text="PRE-4")
    assert "poproszono o dowód" in row.inner_text().lower()
    row.get_by_role("link").click()
    assert "Proszę o program szkoleń" in officer.content()
    officer.fill("#id_evidence_url", "https://bip.example.org/szkolenia-2026.pdf")
    officer.fill("#id_evidence_valid_until", (date.today() + timedelta(days=365)).isoformat())
    submit(officer, "Zapisz odpowiedź")
    assert "poproszono o dowód" not in officer.locator("tr", has_text="PRE-4").inner_text()
    submit(officer, "Przekaż do recenzji")

    # The action plan: an item with children's participation, and a milestone.
    officer.goto(f"/pact/s/{signatory.slug}/plan/")
    title = "Rada Dzieci i Młodzieży opiniuje program profilaktyki"
    officer.fill("#id_item-title", title)
    officer.select_option("#id_item-measure", str(Measure.objects.get(code="PAR-1").pk))
    officer.fill("#id_item-responsible_unit", "Referat Oświaty")
    officer.fill("#id_item-progress", "30")
    officer.fill(
        "#id_item-children_participation",
        "Uczniowie klas 5–8 wybrali tematy warsztatów w ankiecie i na spotkaniu rady.",
    )
    officer.fill("#id_item-starts_on", date(year, 1, 1).isoformat())
    officer.fill("#id_item-ends_on", date(year + 1, 12, 31).isoformat())
    submit(officer, "Dodaj")
    officer.get_by_role("link", name=title).click()
    # A milestone after the item's end is refused, one inside is added.
    officer.fill("#id_m-title", "Warsztaty w trzech szkołach")
    officer.fill("#id_m-due_on", date(year + 2, 6, 30).isoformat())
    submit(officer, "Dodaj kamień milowy")
    assert "musi mieścić się" in officer.content()
    officer.fill("#id_m-due_on", date(year + 1, 6, 30).isoformat())
    submit(officer, "Dodaj kamień milowy")

    # The public page shows the plan, the milestone, how children took part, the evidence.
    public = browser.new_context(base_url=live_server.url, locale="pl-PL")
    visitor = public.new_page()
    visitor.request_log = []
    visitor.on("request", lambda r: visitor.request_log.append(r.url))
    visitor.goto(f"/pact/s/{signatory.slug}/")
    text = visitor.locator("main").inner_text()
    assert title in text
    assert "Warsztaty w trzech szkołach" in text
    assert "Uczniowie klas 5–8 wybrali tematy warsztatów" in text
    assert "Udział dzieci" in text and "30%" in text
    assert serious_axe_violations(visitor) == []
    if SHOTS:
        visitor.screenshot(path=f"{SHOTS}/pact-signatory.png", full_page=True)
    # ... and the national map counts it in its voivodeship (lubelskie, 06).
    visitor.goto("/pact/")
    assert "lubelskie: 1" in visitor.locator("svg").inner_html()
    row = visitor.locator("tr", has=visitor.locator('a[href="?voivodeship=06"]'))
    assert "1" in row.inner_text() and "30%" in row.inner_text()
    assert visitor.context.cookies() == []
    assert all(u.startswith(live_server.url) for u in visitor.request_log)
    assert serious_axe_violations(visitor) == []
    if SHOTS:
        visitor.screenshot(path=f"{SHOTS}/pact-overview.png", full_page=True)
        visitor.goto(f"/en/pact/s/{signatory.slug}/")
        visitor.screenshot(path=f"{SHOTS}/pact-signatory-en.png", full_page=True)
        officer.goto(f"/en/pact/s/{signatory.slug}/plan/")
        officer.get_by_role("link", name=title).click()
        officer.screenshot(path=f"{SHOTS}/pact-plan-item-en.png", full_page=True)
        officer.goto(f"/pact/s/{signatory.slug}/review/")
        officer.screenshot(path=f"{SHOTS}/pact-review.png", full_page=True)
    for ctx in (context, reviewer_context, public):
        ctx.close()


def test_coordinator_curates_the_catalogue_and_answers_keep_their_wording(
    page, live_server, settings
):
    """The coordinator rewords a measure an authority has already answered, adds one in both
    languages and retires it; the submitted self-assessment still shows the old wording. She
    downloads the authority's declaration of signing as a PDF."""
    import io
    from pathlib import Path

    from pypdf import PdfReader

    from ostoja.pact import services
    from tests.pact.helpers import signatory as sign

    settings.SITE_URL = live_server.url
    make_user("coordinator", email="koordynator-katalog@example.test")
    s = sign("0606022")
    assessment = services.start_assessment(s, s.signed_on.year, actor=None)
    services.submit_assessment(assessment, actor=None)
    answered = Measure.objects.get(code="PRE-4")
    old_title = answered.title["pl"]

    sign_in(page, "koordynator-katalog@example.test")
    page.goto("/pact/catalogue/edit/")
    assert serious_axe_violations(page) == []
    page.get_by_role("link", name=re.compile("PRE-4")).click()
    page.wait_for_url("**/pact/catalogue/edit/PRE-4/")
    page.fill("#id_title_pl", "Bezpieczna rekrutacja — nowe brzmienie")
    page.fill("#id_title_en", "Safe recruitment, reworded")
    submit(page, "Zapisz")
    assert "Zapisano" in page.locator(".messages").inner_text()

    # A new measure: a wrong article first (a translated message, nothing saved), then right.
    page.goto("/pact/catalogue/edit/new/")
    assert serious_axe_violations(page) == []
    page.fill("#id_code", "PAR-90")
    page.select_option("#id_pillar", "participation")
    page.fill("#id_title_pl", "Młodzieżowa rada przy burmistrzu")
    page.fill("#id_title_en", "Youth council advising the mayor")
    page.fill("#id_description_pl", "Rada opiniuje plan działań.")
    page.fill("#id_description_en", "The council comments on the action plan.")
    page.fill("#id_lanzarote", "9 77")
    page.fill("#id_source", "Pakt Miast i Regionów: udział dzieci")
    submit(page, "Zapisz")
    assert "od 1 do 50" in page.content()
    assert not Measure.objects.filter(code="PAR-90").exists()
    page.fill("#id_lanzarote", "9")
    submit(page, "Zapisz")
    page.wait_for_url("**/pact/catalogue/edit/#PAR-90")
    row = page.locator("tr#PAR-90")
    with page.expect_navigation():
        row.get_by_role("button", name="Wycofaj").click()
    assert Measure.objects.get(code="PAR-90").retired_in is not None
    assert "PAR-90 retired" in page.content()

    # The public page shows the answered wording; the catalogue the new one.
    page.goto(f"/pact/s/{s.slug}/")
    assert old_title in page.content()
    assert "nowe brzmienie" not in page.content()
    page.goto("/pact/catalogue/")
    assert "Bezpieczna rekrutacja — nowe brzmienie" in page.content()

    # The declaration of signing, as the coordinator gets it from the authority's card.
    page.goto(f"/pact/manage/{s.slug}/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Deklaracja przystąpienia (PDF)").click()
    reader = PdfReader(io.BytesIO(Path(download.value.path()).read_bytes()))
    text = "".join(p.extract_text() for p in reader.pages)
    assert "Fajsławice" in text
