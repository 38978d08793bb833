"""A safeguarding officer records a new volunteer: register check and KRK information, a year
lived in Germany (the register asks for the German record and admits only after it is
recorded), and a re-check reminder that comes due under a controlled clock."""

from __future__ import annotations

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from ostoja.accounts.demo import current_code
from ostoja.outbox.models import OutboxMessage
from ostoja.safeguarding import pesel, vetting
from ostoja.safeguarding.models import AccessLogEntry, Person
from tests.conftest import TEST_TOTP_SECRET, make_user
from tests.factories import TEST_PASSWORD, OrganisationFactory

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


def submit(page, label):
    with page.expect_navigation():
        page.get_by_role("button", name=label).click()


def test_officer_vets_a_volunteer_who_lived_in_germany(page, live_server):
    org = OrganisationFactory(slug="klub-orzel", name="Klub Sportowy Orzeł")
    officer = make_user("safeguarding_officer", org, email="oficer@orzel.example")
    today = date.today()
    born = date(1998, 4, 12)
    number = pesel.make(born, 4321)

    sign_in(page, officer.email)
    page.goto("/safeguarding/")
    page.wait_for_url("**/safeguarding/klub-orzel/")
    page.get_by_role("link", name="Dodaj osobę").click()
    page.get_by_label("Imię i nazwisko").fill("Weronika Wolontariuszka")
    page.get_by_label("Data urodzenia").fill(born.isoformat())
    page.fill("#id_pesel", number)
    submit(page, "Zapisz")
    assert "Osobę dodano do rejestru." in page.content()
    person = Person.objects.get(organisation=org)

    # The register check (both registers) and the KRK information.
    page.locator("tr", has_text="Rejestr Sprawców").get_by_role(
        "link", name="Zapisz sprawdzenie"
    ).click()
    page.get_by_label("Data sprawdzenia").fill(today.isoformat())
    page.get_by_label("Sygnatura wydruku (nieobowiązkowo)").fill("RSPTS/2026/001")
    page.get_by_label("Sprawdziłam(-em) oba rejestry", exact=False).check()
    submit(page, "Zapisz sprawdzenie")
    assert "Sprawdzenie zostało zapisane." in page.content()
    page.locator("tr", has_text="Krajowego Rejestru Karnego").get_by_role(
        "link", name="Zapisz sprawdzenie"
    ).click()
    page.get_by_label("Data przedłożenia").fill(today.isoformat())
    page.get_by_label("Data wydania").fill((today - timedelta(days=3)).isoformat())
    page.get_by_label("Informacja obejmuje przestępstwa", exact=False).check()
    submit(page, "Zapisz sprawdzenie")

    # The 20-year declaration: a year in Germany.
    page.get_by_role("link", name="Zapisz oświadczenie").click()
    page.fill("#id_decl-declared_on", today.isoformat())
    submit(page, "Zapisz oświadczenie")
    page.select_option("#id_period-country", "DE")
    page.fill("#id_period-start_date", "2021-01-01")
    page.fill("#id_period-end_date", "2021-12-31")
    submit(page, "Dodaj okres")
    assert "Dodano okres." in page.content()
    # An overlapping period is refused.
    page.select_option("#id_period-country", "AT")
    page.fill("#id_period-start_date", "2021-06-01")
    page.fill("#id_period-end_date", "2022-03-31")
    submit(page, "Dodaj okres")
    assert "nakłada się" in page.content()
    with page.expect_navigation():  # the next look-up must read the person's page, not this one
        page.get_by_role("link", name="Wróć do wpisu").click()

    # The register now asks for the German record.
    german = page.locator("tr", has_text="Informacja z rejestru karnego: Niemcy")
    assert "brak" in german.inner_text()

    page.get_by_role("link", name="Dodaj formę współpracy").click()
    page.get_by_label("Funkcja").fill("Wychowawczyni na obozie")
    page.get_by_label("Rodzaj działalności z małoletnimi", exact=False).select_option("recreation")
    page.get_by_label("Podstawa").select_option("volunteer")
    page.get_by_label("Początek").fill((today + timedelta(days=7)).isoformat())
    submit(page, "Zapisz")

    # Admission is refused while the German record is missing, with the list.
    page.get_by_label("Data dopuszczenia").fill(today.isoformat())
    submit(page, "Dopuść do pracy z dziećmi")
    alert = page.get_by_role("alert")
    assert "brakuje tych sprawdzeń" in alert.inner_text()
    assert "Niemcy" in alert.inner_text()
    person.refresh_from_db()
    assert not person.is_admitted

    page.locator("tr", has_text="Informacja z rejestru karnego: Niemcy").get_by_role(
        "link", name="Zapisz sprawdzenie"
    ).click()
    page.get_by_label("Data przedłożenia").fill(today.isoformat())
    page.get_by_label("Data wydania").fill((today - timedelta(days=20)).isoformat())
    submit(page, "Zapisz sprawdzenie")
    page.get_by_label("Data dopuszczenia").fill(today.isoformat())
    submit(page, "Dopuść do pracy z dziećmi")
    assert "Osoba została dopuszczona do pracy z dziećmi." in page.content()
    assert "dopuszczona(-y) do pracy z dziećmi" in page.locator("#admission").inner_text()
    person.refresh_from_db()
    assert person.is_admitted and person.complete
    assert AccessLogEntry.objects.filter(person_id_ref=person.pk, kind="viewed").exists()
    assert not page.request_log.foreign()

    # A re-check reminder comes due under a controlled clock (the job's --today).
    due = person.recheck_due
    assert due == vetting.add_months(today, 24)
    call_command(
        "safeguarding_daily", today=(due - timedelta(days=31)).isoformat(), stdout=StringIO()
    )
    assert not OutboxMessage.objects.exists()
    call_command(
        "safeguarding_daily", today=(due - timedelta(days=30)).isoformat(), stdout=StringIO()
    )
    message = OutboxMessage.objects.get()
    assert message.recipients == [officer.email]
    assert "Weronika" not in message.body_text + message.subject
    assert number not in message.body_text
    # The officer follows the link from the e-mail to the register.
    link = next(line for line in message.body_text.splitlines() if "/safeguarding/" in line)
    path = link[link.index("/safeguarding/") :]
    page.goto(path)
    assert "Rejestr weryfikacji kadry" in page.content()
    page.goto(f"/safeguarding/klub-orzel/people/{person.pk}/")
    assert due.isoformat() in page.locator("dl.facts").inner_text()
