"""A provider edits a service, a coordinator approves it (seeing the diff), and the change
appears in the public search and in the HSDS API."""

from __future__ import annotations

import pytest

from ostoja.accounts.demo import current_code
from ostoja.directory.services import provider_for
from ostoja.directory.taxonomy import sync_taxonomy
from tests.conftest import TEST_TOTP_SECRET, make_user
from tests.directory.factories import ServiceFactory
from tests.factories import TEST_PASSWORD, OrganisationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, email, totp=False):
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.locator("form button[type=submit]").last.click()
    if totp:
        page.wait_for_url("**/accounts/2fa/authenticate/**")
        page.fill("input[name=code]", current_code(TEST_TOTP_SECRET))
        page.locator("form:has(input[name=code]) button[type=submit]").first.click()
    page.wait_for_url("**/dashboard/")


def test_provider_edit_approved_by_coordinator_goes_live(browser, live_server, page):
    sync_taxonomy()
    org = OrganisationFactory(kind="service_provider", name="Poradnia Przeglądarkowa (test)")
    make_user("service_editor", org, email="editor-browser@example.test")
    make_user("coordinator", email="coordinator-browser@example.test")
    service = ServiceFactory(
        provider=provider_for(org),
        name={"pl": "Poradnia Stara Nazwa"},
        coverage="local",
        locations=[{"city": "Toruń", "postal_code": "87-100", "address_1": "ul. Szeroka 1"}],
    )

    # The provider proposes a change.
    editor = browser.new_context(base_url=live_server.url, locale="pl-PL")
    try:
        ed = editor.new_page()
        sign_in(ed, "editor-browser@example.test")
        ed.goto("/directory/manage/")
        ed.get_by_role("row", name="Poradnia Stara Nazwa").get_by_role(
            "link", name="Edytuj"
        ).click()
        ed.wait_for_url(f"**/directory/manage/services/{service.pk}/edit/")
        ed.get_by_label("Nazwa (PL)", exact=True).fill("Poradnia Toruńska Kotwica")
        ed.get_by_label("Co oferuje (EN)", exact=True).fill("Counselling by the river.")
        ed.get_by_role("button", name="Wyślij do zatwierdzenia").click()
        ed.wait_for_url("**/directory/manage/changes/*/")
        assert "Koordynator sprawdzi propozycję" in ed.content()
    finally:
        editor.close()

    # Nothing is public yet.
    page.goto("/help/?q=kotwica")
    assert page.locator(".result-card").count() == 0

    # The coordinator sees the difference and approves.
    reviewer = browser.new_context(base_url=live_server.url, locale="pl-PL")
    try:
        co = reviewer.new_page()
        sign_in(co, "coordinator-browser@example.test", totp=True)
        co.goto("/directory/manage/")
        co.get_by_role("link", name="Poradnia Toruńska Kotwica").click()
        co.wait_for_url("**/directory/manage/changes/*/")
        assert co.locator("td.old del").first.inner_text() == "Poradnia Stara Nazwa"
        assert co.locator("td.new ins").first.inner_text() == "Poradnia Toruńska Kotwica"
        assert "Counselling by the river." in co.locator("table.diff").inner_text()
        co.get_by_role("button", name="Zatwierdź i opublikuj").click()
        co.wait_for_url("**/directory/manage/")
        assert "Zatwierdzono" in co.content()
    finally:
        reviewer.close()

    # The help-seeker finds it, and the HSDS API serves it.
    page.goto("/help/?q=kotwica")
    assert page.locator(".result-card .card-title").all_inner_texts() == [
        "Poradnia Toruńska Kotwica"
    ]
    page.goto("/en/help/?q=river")
    assert page.locator(".result-card").count() == 1
    response = page.request.get(f"/hsds/services/{service.pk}")
    assert response.ok
    body = response.json()
    assert body["name"] == "Poradnia Toruńska Kotwica"
    assert page.request.get(f"/hsds/services/{service.pk}?lang=en").json()["description"] == (
        "Counselling by the river."
    )
    assert page.request_log.foreign() == []
