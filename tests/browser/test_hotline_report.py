"""A person reports through the public form in a real browser, then looks up the status."""

import pytest

from ostoja.hotline.models import Item, Report
from tests.browser.conftest import serious_axe_violations
from tests.factories import OrganisationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def hotline(db):
    return OrganisationFactory(kind="hotline", slug="browser-hotline", country="PL")


def test_report_then_check_status_without_javascript_needs(page, hotline):
    page.goto("/report/")
    assert "Nie pobieraj" in page.locator(".notice").inner_text()
    assert serious_axe_violations(page) == []
    page.get_by_label("Adresy internetowe").fill(
        "https://example.com/zgloszenie/1\njavascript:alert(1)"
    )
    page.get_by_label("Materiały przedstawiające wykorzystywanie seksualne dzieci").check()
    page.get_by_label("Strona internetowa").check()
    page.get_by_label("Opis (nieobowiązkowo)").fill("Trzeci odnośnik od góry.")
    page.get_by_role("button", name="Wyślij zgłoszenie").click()
    page.wait_for_selector("#status-code")
    code = page.locator("#status-code code").inner_text().strip()
    assert len(code.replace("-", "")) == 16
    assert "Wiersz 2" in page.content()
    assert serious_axe_violations(page) == []

    # POST/redirect/GET: the code is in no URL, and a reload neither shows it nor sends again.
    assert page.url.endswith("/report/received/") and code not in page.url
    page.reload()
    assert page.locator("#status-code").count() == 0
    assert "Odświeżenie strony nie wysyła zgłoszenia ponownie" in page.content()

    report = Report.objects.get()
    assert report.channel == "web_form" and report.accepted_count == 1
    assert Item.objects.get().canonical_url == "https://example.com/zgloszenie/1"

    # Later: the status page, with the code typed by hand (lower case, spaces).
    page.goto("/report/status/")
    page.get_by_label("Kod statusu").fill(code.lower().replace("-", " "))
    page.get_by_role("button", name="Sprawdź").click()
    page.wait_for_selector(".status-result")
    assert "Adres 1: Przyjęte: czeka na ocenę" in page.locator(".status-result").inner_text()
    assert serious_axe_violations(page) == []

    assert page.request_log.foreign() == []
    cookies = page.context.cookies()
    assert {c["name"] for c in cookies} <= {"csrftoken"}
    assert all(c["expires"] == -1 for c in cookies), "only browser-session cookies"


def test_english_form_with_javascript_disabled(browser, live_server, hotline):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    pg = context.new_page()
    try:
        pg.goto("/en/report/")
        pg.get_by_label("Web addresses").fill("img.example.net/a")
        pg.get_by_label("Grooming or online enticement of a child").check()
        pg.get_by_label("Messenger or chat").check()
        pg.get_by_role("button", name="Send the report").click()
        pg.wait_for_selector("#status-code")
        assert "Thank you" in pg.content()
    finally:
        context.close()
    assert Report.objects.get().incident_type == "grooming"
