"""An analyst signs in, takes the next item, sees why it is urgent and assesses it."""

import pytest

from ostoja.accounts.demo import current_code
from ostoja.audit.models import AuditEntry
from ostoja.hotline.models import Assessment, Item
from tests.browser.conftest import serious_axe_violations
from tests.conftest import TEST_TOTP_SECRET, make_user
from tests.factories import TEST_PASSWORD, OrganisationFactory
from tests.hotline.factories import item

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, email):
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url("**/accounts/2fa/authenticate/**")
    page.fill("input[name=code]", current_code(TEST_TOTP_SECRET))
    page.locator("form:has(input[name=code]) button[type=submit]").first.click()
    page.wait_for_url("**/dashboard/")


def test_analyst_assesses_an_item_end_to_end(page):
    hotline = OrganisationFactory(kind="hotline", slug="browser-hotline-2", country="PL")
    make_user("hotline_analyst", hotline, email="analyst-e2e@example.test")
    urgent = item(
        hotline,
        "https://img.example.net/pilne/7",
        escalate_reason="Dziecko pisze, że to dzieje się teraz (test).",
    )
    item(hotline, "https://example.com/mniej-pilne")

    sign_in(page, "analyst-e2e@example.test")
    page.goto("/hotline/")
    queue_text = page.locator("table.queue").inner_text()
    assert "Bezpośrednie zagrożenie dziecka" in queue_text
    assert "hxxps://img[.]example[.]net/pilne/7" in queue_text
    assert page.locator("table.queue a[href^='http']").count() == 0
    assert page.locator("img").count() == 0
    assert serious_axe_violations(page) == []

    page.get_by_role("button", name="Następna pozycja").click()
    page.wait_for_url(f"**/hotline/items/{urgent.pk}/")
    assert "Dlaczego taki priorytet" in page.content()
    assert "Bezpośrednie zagrożenie dziecka" in page.locator("ul.reasons").inner_text()
    assert "P1" in page.locator("h1").inner_text()
    assert serious_axe_violations(page) == []

    page.get_by_role("button", name="Pokaż oryginalny adres do skopiowania").click()
    original = page.locator("#original-url")
    assert original.input_value() == "https://img.example.net/pilne/7"
    assert original.get_attribute("readonly") is not None

    page.get_by_label("Nielegalne w świetle prawa polskiego").check()
    page.get_by_label("Kodeks karny art. 202 § 4", exact=True).check()
    page.get_by_label("Rodzaj treści").select_option("image")
    page.get_by_label("Rodzaj serwisu").select_option("image_host")
    page.get_by_label("Wiek najmłodszej ofiary").select_option("3-13")
    page.get_by_label("Płeć").select_option("unknown")
    page.get_by_label("Waga").select_option("high")
    page.get_by_label("Notatki").fill("Ocena testowa.")
    page.get_by_role("button", name="Zapisz ocenę").click()
    page.wait_for_url("**/hotline/")
    assert "Ocenę zapisano." in page.content()
    assert "Oceniono dziś 1 pozycję." in page.content()

    urgent = Item.objects.get(pk=urgent.pk)
    assert urgent.state == "actionable"
    assessment = Assessment.objects.get(item=urgent)
    assert assessment.legal_articles == ["202.4"] and assessment.notes == "Ocena testowa."
    actions = set(
        AuditEntry.objects.filter(
            target_id=str(urgent.pk), action__startswith="hotline.item"
        ).values_list("action", flat=True)
    )
    assert actions == {"hotline.item.claimed", "hotline.item.url_revealed", "hotline.item.assessed"}
    assert page.request_log.foreign() == []
