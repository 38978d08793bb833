"""What a person does first: open the home page, switch language, sign in with TOTP."""

import pytest

from ostoja.accounts.demo import current_code
from tests.conftest import TEST_TOTP_SECRET, make_user
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_home_in_polish_then_english_without_foreign_requests(page):
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "pl"
    assert "Razem chronimy dzieci" in page.title()
    page.get_by_role("link", name="English").click()
    page.wait_for_url("**/en/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text().startswith("Ostoja")
    assert page.request_log.foreign() == []
    assert page.context.cookies() == []


def test_skip_link_is_first_focusable(page):
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert "Przejdź do treści" in focused


def test_supervisor_signs_in_with_totp_code(page):
    make_user("hotline_supervisor", email="sup-browser@example.test")
    page.goto("/accounts/login/")
    page.fill("input[name=login]", "sup-browser@example.test")
    page.fill("input[name=password]", TEST_PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url("**/accounts/2fa/authenticate/**")
    page.fill("input[name=code]", current_code(TEST_TOTP_SECRET))
    page.locator("form:has(input[name=code]) button[type=submit]").first.click()
    page.wait_for_url("**/dashboard/")
    assert "Witaj" in page.get_by_role("heading", level=1).inner_text()
    assert page.request_log.foreign() == []


def test_analyst_is_taken_through_mfa_setup(page):
    make_user("hotline_analyst", email="new-analyst-browser@example.test", mfa=False)
    page.goto("/accounts/login/")
    page.fill("input[name=login]", "new-analyst-browser@example.test")
    page.fill("input[name=password]", TEST_PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url("**/accounts/2fa/totp/activate/")
    secret = page.locator("#authenticator_secret").input_value()
    page.fill("input[name=code]", current_code(secret))
    page.locator("form:has(input[name=code]) button[type=submit]").first.click()
    page.goto("/dashboard/")
    assert page.url.endswith("/dashboard/")
    assert "Witaj" in page.get_by_role("heading", level=1).inner_text()


@pytest.mark.parametrize("path", ["/", "/en/", "/accounts/login/", "/no-such-page/"])
def test_public_pages_have_no_serious_accessibility_violations(page, path):
    from tests.browser.conftest import serious_axe_violations

    page.goto(path)
    assert serious_axe_violations(page) == []
