"""A help-seeker uses the directory: finds help by text, filter and postcode; leaves quickly;
no cookie, no request to another host, no serious accessibility problem."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from ostoja.directory.demo import load_helplines
from ostoja.directory.taxonomy import sync_taxonomy
from tests.directory.factories import ServiceFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEUTRAL = "https://www.google.com/search?q=pogoda"


@pytest.fixture
def directory(db):
    sync_taxonomy()
    load_helplines()
    return {
        "prevention": ServiceFactory(
            name={"pl": "Telefon Zanim Skrzywdzisz", "en": "Before You Harm line"},
            description={"pl": "Anonimowa rozmowa dla osób, które niepokoją ich myśli."},
            coverage="national",
            terms=["audience.worried-about-thoughts", "modality.phone", "anonymity.anonymous"],
            phones=["800 000 001"],
        ),
        "krakow": ServiceFactory(
            name={"pl": "Poradnia Krakowska dla Rodziców"},
            description={"pl": "Konsultacje dla rodziców i opiekunów."},
            coverage="local",
            terms=["audience.parents-and-carers", "modality.in-person"],
            locations=[{"city": "Kraków", "postal_code": "30-001", "address_1": "ul. Długa 1"}],
        ),
        "gdansk": ServiceFactory(
            name={"pl": "Poradnia Gdańska dla Rodziców"},
            description={"pl": "Konsultacje dla rodziców i opiekunów."},
            coverage="local",
            terms=["audience.parents-and-carers", "modality.in-person"],
            locations=[{"city": "Gdańsk", "postal_code": "80-001", "address_1": "ul. Morska 2"}],
        ),
    }


def result_titles(page):
    return page.locator(".result-card .card-title").all_inner_texts()


def test_find_by_text_then_open_the_service(page, directory):
    page.goto("/help/")
    page.get_by_label("Czego szukasz?").fill("zanim skrzywdzisz")
    page.get_by_role("button", name="Szukaj").click()
    page.wait_for_url("**/help/?q=*")
    # The service named for the words first (the words also find other help for people
    # worried about their thoughts: synonyms of the taxonomy).
    assert result_titles(page)[0] == "Telefon Zanim Skrzywdzisz"
    page.get_by_role("link", name="Telefon Zanim Skrzywdzisz").click()
    page.wait_for_url(f"**/help/{directory['prevention'].pk}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Telefon Zanim Skrzywdzisz"
    assert page.get_by_role("heading", name="Jak się skontaktować").is_visible()
    assert page.get_by_role("heading", name="Co dzieje się z tym, co powiesz").is_visible()
    assert page.locator('a[href="tel:800000001"]').count() == 1
    assert page.context.cookies() == []
    assert page.request_log.foreign() == []


def test_colloquial_words_and_a_town_in_one_box(page, directory):
    page.goto("/help/")
    page.get_by_label("Czego szukasz?").fill("pedofilia")
    page.get_by_role("button", name="Szukaj").click()
    page.wait_for_url("**/help/?q=*")
    assert result_titles(page)[0] == "Telefon Zanim Skrzywdzisz"
    page.get_by_label("Czego szukasz?").fill("rodzice w Gdańsku")
    page.get_by_role("button", name="Szukaj").click()
    page.wait_for_url("**/help/?q=rodzice*")
    assert page.get_by_text("jako miejscowość Gdańsk").is_visible()
    # Whole-country help first (by design), then the nearest: Gdańsk before Kraków.
    titles = result_titles(page)
    assert titles.index("Poradnia Gdańska dla Rodziców") < titles.index(
        "Poradnia Krakowska dla Rodziców"
    )


def test_nothing_found_shows_helplines_and_a_way_on(page, directory):
    page.goto("/help/?q=xyzzyq")
    box = page.locator("#no-results")
    assert box.get_by_role("link", name="116 111").is_visible()
    assert box.get_by_role("link", name="800 100 100").is_visible()
    box.get_by_role(
        "link", name="Pomoc dla osób, które obawiają się, że mogą skrzywdzić dziecko"
    ).click()
    page.wait_for_url("**/help/?audience=*")
    assert "Telefon Zanim Skrzywdzisz" in result_titles(page)


def test_find_by_filter(page, directory):
    page.goto("/help/")
    page.locator("summary", has_text="Więcej filtrów").click()
    page.get_by_label(
        "Osoby zaniepokojone swoimi myślami lub zachowaniami seksualnymi wobec dzieci"
    ).check()
    page.get_by_role("button", name="Szukaj").click()
    page.wait_for_url("**audience=*")
    titles = result_titles(page)
    assert "Telefon Zanim Skrzywdzisz" in titles
    assert not any("Poradnia" in t for t in titles)
    assert page.context.cookies() == []
    assert page.request_log.foreign() == []


def test_find_by_postcode_nearest_first(page, directory):
    page.goto("/help/")
    page.get_by_label("Czego szukasz?").fill("poradnia rodziców")
    page.get_by_label("Miejscowość, kod pocztowy lub województwo").fill("80-950")
    page.get_by_role("button", name="Szukaj").click()
    page.wait_for_url("**place=80-950*")
    assert result_titles(page) == [
        "Poradnia Gdańska dla Rodziców",
        "Poradnia Krakowska dla Rodziców",
    ]
    assert "W pobliżu: Gdańsk" in page.content()
    assert page.context.cookies() == []
    assert page.request_log.foreign() == []


def neutral_site(page):
    page.context.route(
        "https://www.google.com/**",
        lambda route: route.fulfill(
            status=200, content_type="text/html", body="<title>pogoda</title><p>pogoda</p>"
        ),
    )


def test_quick_exit_replaces_the_page_and_back_does_not_return(page, directory, live_server):
    neutral_site(page)
    page.goto("/")
    page.get_by_role("link", name="Znajdź pomoc").first.click()
    page.wait_for_url("**/help/")
    page.get_by_label("Czego szukasz?").fill("poradnia")
    page.get_by_role("button", name="Szukaj").click()
    page.wait_for_url("**/help/?q=poradnia")
    page.locator(".result-card a").first.click()
    page.wait_for_url("**/help/*-*/")
    page.get_by_role("link", name="Szybkie wyjście").click()
    page.wait_for_url(NEUTRAL)
    page.go_back()
    page.wait_for_load_state()
    assert "/help" not in page.url, page.url
    assert page.url.rstrip("/") == live_server.url


def test_shift_three_times_exits(page, directory):
    neutral_site(page)
    page.goto("/help/")
    assert page.locator("[data-quick-exit-hint]").is_visible()
    for _ in range(3):
        page.keyboard.press("Shift")
    page.wait_for_url(NEUTRAL)
    page.go_back()
    assert "/help" not in page.url


def test_quick_exit_works_without_javascript(browser, live_server, directory):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        page = context.new_page()
        neutral_site(page)
        page.goto("/help/")
        assert not page.locator("[data-quick-exit-hint]").is_visible()
        page.get_by_role("link", name="Szybkie wyjście").click()
        page.wait_for_url(NEUTRAL)
        # And the search itself works without JavaScript.
        page.goto("/help/")
        # ("gdańska" would now be read as the place Gdańsk: see the test above.)
        page.get_by_label("Czego szukasz?").fill("krakowska")
        page.get_by_role("button", name="Szukaj").click()
        page.wait_for_url("**q=*")
        assert result_titles(page) == ["Poradnia Krakowska dla Rodziców"]
    finally:
        context.close()


def serious(page):
    results = Axe().run(page)
    return [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("language", ["", "/en"])
def test_no_serious_accessibility_violations(page, directory, language):
    page.goto(f"{language}/help/")
    assert serious(page) == []
    page.goto(f"{language}/help/?q=poradnia&place=Kraków&audience=audience.parents-and-carers")
    page.locator("summary", has_text="filt").click()
    assert serious(page) == []
    page.goto(f"{language}/help/{directory['krakow'].pk}/")
    page.locator("summary").first.click()
    assert serious(page) == []
    assert page.request_log.foreign() == []
    assert page.context.cookies() == []
