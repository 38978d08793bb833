"""A coordinator adds organisations in a real browser: a local authority picked from the TERYT
register (with the script, and without JavaScript) and a hotline."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ostoja.accounts.demo import current_code
from ostoja.organisations import services
from ostoja.organisations.models import Organisation
from tests.browser.conftest import RequestLog, serious_axe_violations
from tests.conftest import TEST_TOTP_SECRET, make_user
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Screenshots to look at (not compared): OSTOJA_SCREENSHOTS=/some/dir to keep them.
SHOTS = os.environ.get("OSTOJA_SCREENSHOTS")


def shot(page, name):
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def sign_in(page, email):
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url("**/accounts/2fa/authenticate/**")
    page.fill("input[name=code]", current_code(TEST_TOTP_SECRET))
    page.locator("form:has(input[name=code]) button[type=submit]").first.click()
    page.wait_for_url("**/dashboard/")


def test_coordinator_picks_a_gmina_and_adds_a_hotline(page):
    make_user("coordinator", email="koordynatorka@example.test")
    sign_in(page, "koordynatorka@example.test")

    page.goto("/organisations/")
    page.get_by_role("link", name="Dodaj organizację").click()
    page.wait_for_url("**/organisations/new/")
    picker = page.locator(".teryt-picker")
    assert picker.is_hidden()  # an NGO by default: no register
    page.select_option("select[name=kind]", "local_authority")
    assert picker.is_visible()
    page.fill("input[name=teryt_query]", "Bolesław")  # the script lists matches as you type
    option = page.get_by_label("Bolesławiec (gmina wiejska), pow. bolesławiecki", exact=False)
    option.check()
    assert page.input_value("input[name=name]") == "Gmina Bolesławiec"
    assert page.input_value("select[name=voivodeship]") == "02"
    page.fill("input[name=contact_email]", "urzad@boleslawiec.example.test")
    page.fill("input[name=website]", "https://boleslawiec.example.test/")
    shot(page, "form-authority-pl")
    assert serious_axe_violations(page) == []
    page.get_by_role("button", name="Zapisz").last.click()
    page.wait_for_url("**/organisations/gmina-boleslawiec/")
    assert "Organizacja została dodana." in page.content()
    assert "Bolesławiec (gmina wiejska), pow. bolesławiecki, woj. dolnośląskie" in page.content()
    shot(page, "detail-authority-pl")
    org = Organisation.objects.get(slug="gmina-boleslawiec")
    assert (org.teryt_code, org.voivodeship, org.kind) == ("0201022", "02", "local_authority")

    # A hotline organisation.
    page.goto("/organisations/new/")
    page.fill("input[name=name]", "Punkt Kontaktowy Północ")
    page.select_option("select[name=kind]", "hotline")
    page.select_option("select[name=voivodeship]", "22")
    page.fill("input[name=contact_email]", "zespol@punkt.example.test")
    page.get_by_role("button", name="Zapisz").last.click()
    page.wait_for_url("**/organisations/punkt-kontaktowy-polnoc/")
    hotline = Organisation.objects.get(slug="punkt-kontaktowy-polnoc")
    assert (hotline.kind, hotline.teryt_code, hotline.voivodeship) == ("hotline", "", "22")

    # Both languages look right: the list, a form, a page.
    page.goto("/organisations/?q=bolesław")
    assert "Gmina Bolesławiec" in page.content()
    shot(page, "list-pl")
    assert serious_axe_violations(page) == []
    page.goto("/en/organisations/")
    assert "Add an organisation" in page.content() and "Punkt Kontaktowy Północ" in page.content()
    shot(page, "list-en")
    page.goto("/en/organisations/gmina-boleslawiec/")
    assert "Correspondence language" in page.content()
    shot(page, "detail-authority-en")
    page.goto("/en/organisations/gmina-boleslawiec/edit/")
    assert "Polish local authority: pick it from the TERYT register" in page.content()
    assert page.locator("input[name=teryt_code]:checked").input_value() == "0201022"
    shot(page, "form-authority-en")
    assert serious_axe_violations(page) == []
    # Meanwhile another coordinator changes the e-mail address: this editor is told.
    services.update_organisation(
        actor=None, organisation=org, version=org.version, contact_email="nowy@example.test"
    )
    page.fill("input[name=website]", "https://gmina.example.test/")
    page.get_by_role("button", name="Save").last.click()
    assert "Someone else saved changes to this organisation" in page.content()
    assert page.input_value("input[name=website]") == "https://gmina.example.test/"
    assert page.input_value("input[name=contact_email]") == "nowy@example.test"  # taken over
    shot(page, "conflict-en")
    assert serious_axe_violations(page) == []
    page.get_by_role("button", name="Save").last.click()
    page.wait_for_url("**/organisations/gmina-boleslawiec/")
    org.refresh_from_db()
    assert org.website == "https://gmina.example.test/" and org.version == 3
    assert org.contact_email == "nowy@example.test"  # nothing lost
    page.goto("/en/organisations/gmina-boleslawiec/deactivate/")
    shot(page, "deactivate-en")
    assert page.request_log.foreign() == []


def test_the_picker_works_without_javascript(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, locale="pl-PL", java_script_enabled=False
    )
    page = context.new_page()
    page.request_log = RequestLog(live_server.url)
    page.set_default_timeout(15000)
    try:
        make_user("coordinator", email="bez-js@example.test")
        sign_in(page, "bez-js@example.test")
        page.goto("/organisations/new/")
        page.select_option("select[name=kind]", "local_authority")
        page.select_option("select[name=voivodeship]", "")
        page.fill("input[name=teryt_query]", "lipno")
        page.get_by_role("button", name="Szukaj w rejestrze").click()
        page.get_by_label("Lipno (gmina wiejska), pow. leszczyński", exact=False).check()
        shot(page, "form-nojs-pl")
        page.get_by_role("button", name="Zapisz").last.click()
        page.wait_for_url("**/organisations/gmina-lipno/")
        org = Organisation.objects.get(slug="gmina-lipno")
        assert (org.teryt_code, org.voivodeship) == ("3013022", "30")
    finally:
        context.close()
