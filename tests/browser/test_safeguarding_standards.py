"""An organisation builds its child-protection standards: the checklist blocks adoption until
every required element is there, the standards are adopted, the children's version is public
(no cookie, no third-party request, no serious accessibility violation) and two members of
staff acknowledge them."""

from __future__ import annotations

import pytest

from ostoja.safeguarding import elements
from ostoja.safeguarding.models import Acknowledgement, StandardsDocument
from tests.browser.conftest import serious_axe_violations
from tests.browser.test_safeguarding_register import sign_in, submit
from tests.conftest import make_user
from tests.factories import TEST_PASSWORD, OrganisationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TEXT = "Zasady obowiązujące w naszym klubie, opisane tak, by każdy je zrozumiał i stosował."


def sign_in_plain(page, email):
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url("**/dashboard/")


def test_standards_built_adopted_published_and_acknowledged(browser, live_server, page):
    org = OrganisationFactory(slug="klub-sokol", name="Klub Sportowy Sokół")
    officer = make_user("safeguarding_officer", org, email="oficer@sokol.example")
    staff = [
        make_user("network_member", org, email=f"trener{i}@sokol.example", mfa=False)
        for i in (1, 2)
    ]

    sign_in(page, officer.email)
    page.goto("/safeguarding/klub-sokol/standards/")
    submit(page, "Rozpocznij projekt")
    page.wait_for_url("**/standards/draft/")
    # Fill every element but one, and the parents' version, not the children's.
    for element in elements.ELEMENTS[:-1]:
        page.fill(f"#id_{element.key}", f"{TEXT} ({element.key})")
    page.fill("#id_parents_text", "Drodzy rodzice, " + TEXT)
    submit(page, "Zapisz projekt")
    checklist = page.locator("ul.checklist")
    assert "✗ Przegląd i aktualizacja standardów" in checklist.inner_text()
    assert "✗ Skrócona wersja dla dzieci" in checklist.inner_text()

    page.goto("/safeguarding/klub-sokol/standards/adopt/")
    page.fill("#id_adopted_by_body", "Zarząd klubu")
    page.fill("#id_decision_reference", "Uchwała nr 3/2026")
    submit(page, "Przyjmij")
    alert = page.get_by_role("alert").inner_text()
    assert "Przegląd i aktualizacja standardów" in alert
    assert "Skrócona wersja dla dzieci" in alert
    assert not StandardsDocument.objects.filter(status="adopted").exists()

    page.goto("/safeguarding/klub-sokol/standards/draft/")
    page.fill("#id_review", f"{TEXT} (przegląd co dwa lata)")
    page.fill(
        "#id_children_text",
        "Tu jesteś bezpieczny. Jeśli ktoś Cię skrzywdzi, "
        "powiedz trenerce Ani albo zadzwoń pod 116 111.",
    )
    submit(page, "Zapisz projekt")
    assert "✗" not in page.locator("ul.checklist").inner_text()
    page.goto("/safeguarding/klub-sokol/standards/adopt/")
    page.fill("#id_adopted_by_body", "Zarząd klubu")
    page.fill("#id_decision_reference", "Uchwała nr 3/2026")
    submit(page, "Przyjmij")
    assert "Standardy przyjęto" in page.content()
    document = StandardsDocument.objects.get(status="adopted")

    # The children's version is public: no account, no cookie, nothing from elsewhere.
    visitor = browser.new_context(base_url=live_server.url, locale="pl-PL")
    try:
        pub = visitor.new_page()
        requests = []
        pub.on("request", lambda r: requests.append(r.url))
        pub.goto("/standards/klub-sokol/children/")
        assert "Jak dbamy o Twoje bezpieczeństwo" in pub.content()
        assert "Tu jesteś bezpieczny." in pub.locator(".children-version").inner_text()
        assert visitor.cookies() == []
        assert all(url.startswith(live_server.url) for url in requests)
        assert serious_axe_violations(pub) == []
    finally:
        visitor.close()

    # Two members of staff sign in and confirm.
    for member in staff:
        ctx = browser.new_context(base_url=live_server.url, locale="pl-PL")
        try:
            pg = ctx.new_page()
            sign_in_plain(pg, member.email)
            pg.goto("/safeguarding/klub-sokol/standards/acknowledge/")
            assert "Bezpieczna rekrutacja personelu" in pg.content()
            submit(pg, "Zapoznałam/zapoznałem się z tymi standardami i będę je stosować")
            assert "Dziękujemy: potwierdzenie zapisano." in pg.content()
        finally:
            ctx.close()
    assert set(
        Acknowledgement.objects.filter(document=document).values_list("user__email", flat=True)
    ) == {"trener1@sokol.example", "trener2@sokol.example"}
    page.goto("/safeguarding/klub-sokol/standards/")
    table = page.get_by_role("table").first.inner_text()
    # The status column of each row (a generated name may itself contain "tak", e.g. "Motak").
    statuses = [line.rsplit("\t", 1)[-1] for line in table.splitlines() if "\t" in line][1:]
    assert sorted(statuses) == ["jeszcze nie", "tak", "tak"]  # the officer has not confirmed
