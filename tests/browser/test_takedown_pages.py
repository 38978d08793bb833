"""Takedown in a real browser: the splash page and an appeal, a provider answering through
its signed link, a supervisor on the case and statistics pages. No third-party requests, no
cookies beyond CSRF where a form needs it, no serious accessibility violations."""

from __future__ import annotations

import pytest

from ostoja.takedown import notices
from ostoja.takedown.models import Appeal, CaseState, Notice
from tests.browser.conftest import serious_axe_violations
from tests.browser.test_hotline_assess import sign_in
from tests.hotline.factories import HotlineFactory
from tests.takedown.conftest import DNS, build_mmdb, configure, make_world, open_case, reset_dns

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def td(settings, tmp_path, user_factory):
    """The takedown tests' world (fixture .mmdb, fake DNS): the live server shares settings."""
    configure(settings, build_mmdb(tmp_path))
    reset_dns()
    yield make_world(user_factory)
    DNS.clear()


def test_splash_page_and_appeal(page, settings):
    hotline = HotlineFactory(slug="browser-td-hotline", verified=True, country="PL")
    settings.OSTOJA_PUBLIC_HOTLINE_SLUG = hotline.slug
    page.goto("/blocked/")
    assert page.locator("h1").inner_text() == "Dostęp do tej strony został zablokowany"
    assert page.context.cookies() == []  # no cookie at all on the splash page
    assert page.locator("img").count() == 0
    assert "tel:116123" in page.content()
    assert serious_axe_violations(page) == []
    page.goto("/en/blocked/")
    assert "Are you worried about your own thoughts" in page.content()
    assert page.context.cookies() == []
    assert serious_axe_violations(page) == []

    page.get_by_role("link", name="Appeal against the block").click()
    page.wait_for_url("**/en/blocked/appeal/")
    assert serious_axe_violations(page) == []
    page.get_by_label("The blocked address").fill("https://shop.example.com/product/1")
    page.get_by_label("Your e-mail address").fill("owner@shop.example")
    page.get_by_label("Why should the block be lifted?").fill("This is a shoe shop page.")
    page.get_by_role("button", name="Send the appeal").click()
    page.wait_for_selector("text=Appeal received")
    assert {c["name"] for c in page.context.cookies()} <= {"csrftoken"}
    assert page.request_log.foreign() == []
    appeal = Appeal.objects.get()
    assert appeal.hotline == hotline and appeal.url == "https://shop.example.com/product/1"


def test_provider_answers_through_the_link(page, td):
    case = open_case(td)
    notice = Notice.objects.get(case=case, kind="ntd")
    token = notices.make_link(notice).token
    page.goto(f"/ntd/{token}/")
    assert "Odpowiedz na wezwanie" in page.locator("h1").inner_text()
    assert "files.example.com/a/1" not in page.content()
    assert serious_axe_violations(page) == []
    page.get_by_label("Treść została usunięta lub dostęp do niej zablokowany").check()
    page.get_by_role("button", name="Wyślij odpowiedź").click()
    page.wait_for_selector("text=Odpowiedź zapisana")
    assert {c["name"] for c in page.context.cookies()} <= {"csrftoken"}
    assert page.request_log.foreign() == []
    case.refresh_from_db()
    assert case.state == CaseState.REMOVED


def test_supervisor_sees_the_case_and_the_statistics(page, td):
    case = open_case(td)
    sign_in(page, td.supervisor.email)
    page.goto(f"/takedown/items/{case.item_id}/")
    assert "Wezwano dostawcę" in page.content()
    assert page.locator("a[href^='http']").count() == 0  # no live link to the reported URL
    assert serious_axe_violations(page) == []
    page.get_by_label("Sprawdzono: usunięte").check()
    page.get_by_role("button", name="Zapisz sprawdzenie").click()
    page.wait_for_selector("text=Sprawdzenie zostało zapisane.")
    case.refresh_from_db()
    assert case.state == CaseState.REMOVED
    page.goto("/takedown/stats/")
    assert page.locator("svg[role=img]").count() == 3
    assert serious_axe_violations(page) == []
    assert page.request_log.foreign() == []


def test_analyst_gets_past_an_untraceable_host(page, td):
    """Issue 11 item 10: no DNS answer → an explanation, then the hosting entered by hand."""
    import socket

    DNS["files.example.com"] = socket.gaierror(-2, "Name or service not known")
    case = open_case(td)
    assert case.state == CaseState.HOSTING_UNKNOWN
    sign_in(page, td.analyst.email)
    page.goto(f"/en/takedown/items/{case.item_id}/")
    problem = page.locator("#trace-problem").inner_text()
    assert "The host name could not be resolved" in problem and "Errno" not in problem
    assert serious_axe_violations(page) == []
    page.get_by_label("Hosting country").fill("PL")
    page.get_by_label("Hosting provider").select_option(label=td.provider.name)
    page.get_by_label("Reason").fill("WHOIS names Hosting Testowy.")
    page.get_by_role("button", name="Set the hosting").click()
    page.wait_for_selector("text=The hosting was set")
    case.refresh_from_db()
    assert case.state == CaseState.NOTIFIED
    assert page.request_log.foreign() == []
