"""Training, supervision and consultations end to end in a browser.

1. A trainee enrols, the trainer marks attendance and the final assessment, the trainee gets
   a completion certificate (checked on the public verification page) — and only then can
   book a supervision group.
2. A professional books a phone consultation in an expert's free slot; both receive the
   e-mail through the outbox and a loopback SMTP server, each with a valid ``.ics``.
3. A written consultation runs inside the platform; the e-mails only notify.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from email.header import decode_header, make_header

import pytest
from icalendar import Calendar

from ostoja.learning.models import ConsultationRequest, SupervisionBooking
from ostoja.outbox.services import deliver_due
from tests.browser.conftest import serious_axe_violations
from tests.browser.test_people_invite import smtp  # noqa: F401 - the loopback SMTP fixture
from tests.factories import TEST_PASSWORD
from tests.learning.helpers import at, expert, group, practitioner, professional

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("OSTOJA_SCREENSHOTS", "")


def sign_in(pg, email):
    pg.goto("/accounts/login/")
    pg.fill("input[name=login]", email)
    pg.fill("input[name=password]", TEST_PASSWORD)
    pg.locator("form button[type=submit]").last.click()
    pg.wait_for_url("**/dashboard/")


def new_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="pl-PL")
    pg = context.new_page()
    pg.set_default_timeout(15000)
    return pg


def shot(pg, name):
    if SHOTS:
        pg.screenshot(path=f"{SHOTS}/learning-{name}.png", full_page=True)


def test_trainee_completes_an_edition_gets_a_certificate_then_books_supervision(
    page, browser, live_server
):
    from ostoja.learning import services

    trainer = practitioner(
        trainer=True, email="trenerka-e2e@example.test", full_name="Teresa Trenerka"
    )
    trainee = professional(email="kursantka-e2e@example.test", full_name="Kamila Kursantka")
    edition = services.create_edition(
        actor=None,
        course_title="Diagnoza i interwencja",
        certificate_valid_months=24,
        name="Edycja próbna",
        starts_on=dt.date.today() - dt.timedelta(days=10),
        ends_on=dt.date.today(),
        capacity=5,
        trainers=[trainer],
    )
    for n in range(2):
        services.add_session(
            edition,
            actor=trainer,
            module_title="Diagnoza",
            title=f"Warsztat {n + 1}",
            starts_at=at(-5 + n, 9),
            ends_at=at(-5 + n, 13),
        )
    supervision = group()

    # Before the training: no booking possible.
    sign_in(page, trainee.email)
    page.goto("/learning/supervision/")
    assert "Rezerwacja będzie możliwa po ukończeniu" in page.locator("#eligibility").inner_text()
    assert page.locator(f"form[action$='/supervision/{supervision.pk}/book/']").count() == 0
    # A forged booking request is refused as well.
    csrf = page.context.cookies()
    answer = page.request.post(
        f"/learning/supervision/{supervision.pk}/book/",
        headers={"X-CSRFToken": next(c["value"] for c in csrf if c["name"] == "csrftoken")},
    )
    assert answer.status == 403
    assert "ukończyły szkolenie" in answer.text()

    # Enrolment.
    page.goto(f"/learning/editions/{edition.pk}/")
    assert serious_axe_violations(page) == []
    page.get_by_role("button", name="Zapisz się").click()
    page.wait_for_url(f"**/learning/editions/{edition.pk}/")
    assert "w grupie szkoleniowej" in page.locator("#my-state").inner_text()

    # The trainer marks attendance and the assessment.
    tp = new_page(browser, live_server)
    sign_in(tp, trainer.email)
    tp.goto(f"/learning/editions/{edition.pk}/manage/")
    assert serious_axe_violations(tp) == []
    for n in range(2):
        form = tp.locator("form[action$='/attendance/']").nth(n)
        form.get_by_label("Kamila Kursantka").check()
        form.get_by_role("button", name="Zapisz obecność").click()
        tp.wait_for_url(f"**/learning/editions/{edition.pk}/manage/")
    tp.get_by_label("zaliczony", exact=True).check()
    tp.get_by_role("button", name="Zapisz wynik sprawdzianu: Kamila Kursantka").click()
    tp.wait_for_url(f"**/learning/editions/{edition.pk}/manage/")
    assert "100 %" in tp.locator("table").first.inner_text()
    shot(tp, "manage")

    # The trainee sees the certificate, downloads it and checks it publicly.
    page.goto(f"/learning/editions/{edition.pk}/")
    certificate = page.locator("#certificate")
    code = certificate.locator("code").inner_text()
    assert re.fullmatch(r"[A-Z0-9-]{10,}", code)
    shot(page, "edition")
    with page.expect_download() as download:
        page.get_by_role("link", name="Pobierz zaświadczenie (PDF)").click()
    with open(download.value.path(), "rb") as fh:
        assert fh.read(5) == b"%PDF-"
    anonymous = new_page(browser, live_server)
    anonymous.goto(f"/certificates/verify/?code={code}")
    result = anonymous.locator("#result").inner_text()
    assert "Kamila Kursantka" in result and "Diagnoza i interwencja" in result

    # Now supervision opens.
    page.goto("/learning/supervision/")
    page.get_by_role("button", name=f"Zarezerwuj miejsce: {supervision.title}").click()
    page.wait_for_url("**/learning/supervision/")
    assert "Masz miejsce w tej grupie" in page.content()
    assert SupervisionBooking.objects.filter(user=trainee, group=supervision, active=True).exists()
    assert serious_axe_violations(page) == []
    shot(page, "supervision")


def test_coordinator_edits_an_edition_from_its_manage_page(page):
    from ostoja.accounts.demo import current_code
    from ostoja.learning import services
    from ostoja.learning.models import Edition
    from tests.conftest import TEST_TOTP_SECRET, make_user

    make_user("coordinator", email="koordynatorka-e2e@example.test")
    trainer = practitioner(trainer=True, full_name="Teresa Trenerka")
    edition = services.create_edition(
        actor=None,
        course_title="Diagnoza i interwencja",
        name="Edycja z literówką",
        starts_on=dt.date.today(),
        ends_on=dt.date.today() + dt.timedelta(days=30),
        capacity=5,
        trainers=[trainer],
    )
    page.goto("/accounts/login/")
    page.fill("input[name=login]", "koordynatorka-e2e@example.test")
    page.fill("input[name=password]", TEST_PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url("**/accounts/2fa/authenticate/**")
    page.fill("input[name=code]", current_code(TEST_TOTP_SECRET))
    page.locator("form:has(input[name=code]) button[type=submit]").first.click()
    page.wait_for_url("**/dashboard/")

    page.goto(f"/learning/editions/{edition.pk}/manage/")
    page.get_by_role("link", name="Edytuj edycję").click()
    page.wait_for_url(f"**/learning/editions/{edition.pk}/edit/")
    assert serious_axe_violations(page) == []
    page.locator("#id_name").fill("Edycja wiosenna")
    page.locator("#id_capacity").fill("8")
    page.get_by_role("button", name="Zapisz zmiany").click()
    page.wait_for_url(f"**/learning/editions/{edition.pk}/manage/")
    assert "Edycja została zapisana." in page.content()
    shot(page, "edition-edited")
    edition = Edition.objects.get(pk=edition.pk)
    assert (edition.name, edition.capacity, edition.version) == ("Edycja wiosenna", 8, 2)


def _mails(smtp, address):  # noqa: F811
    return [m for m in smtp.handler.messages if address in m["To"]]


def _decoded(message) -> str:
    """Subject and every text part, decoded (so a check for content cannot miss it)."""
    parts = [str(make_header(decode_header(message["Subject"])))]
    for part in message.walk():
        if part.get_content_maintype() == "text":
            parts.append(part.get_payload(decode=True).decode("utf-8"))
    return "\n".join(parts)


def _ics(message):
    parts = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1, "one calendar invitation"
    return Calendar.from_ical(parts[0].get_payload(decode=True))


def test_professional_books_a_phone_consultation_and_both_get_ics(page, smtp):  # noqa: F811
    ex = expert(areas=["diagnosis"], email="ekspertka-e2e@example.test", full_name="Ewa Ekspertka")
    user = professional(email="specjalistka-e2e@example.test", full_name="Paula Profesjonalna")
    sign_in(page, user.email)
    page.goto("/learning/consultations/ask/")
    assert serious_axe_violations(page) == []
    page.select_option("select[name=topic]", "diagnosis")
    page.get_by_label("telefonicznie").check()
    page.fill("input[name=subject]", "Rozmowa z opiekunem po ujawnieniu")
    page.get_by_role("button", name="Wyślij").click()
    page.wait_for_url("**/learning/consultations/*/")
    shot(page, "consultation-slots")
    assert serious_axe_violations(page) == []
    page.locator("input[name=starts_at]").first.check()
    page.get_by_role("button", name="Zarezerwuj ten termin").click()
    page.wait_for_url("**/learning/consultations/*/")
    assert "Zarezerwowano" in page.locator("#booking").inner_text()
    assert "+48 22 000 00 00" in page.locator("#booking").inner_text()
    shot(page, "consultation-booked")
    request = ConsultationRequest.objects.get(requester=user)
    booking = request.bookings.get(active=True)

    deliver_due()
    for address in (user.email, ex.email):
        [mail] = _mails(smtp, address)
        subject = str(make_header(decode_header(mail["Subject"])))
        assert subject.startswith("Konsultacja zarezerwowana na")
        [event] = _ics(mail).walk("VEVENT")
        assert event.decoded("dtstart") == booking.starts_at
        assert event.decoded("dtend") == booking.ends_at
        attendees = {str(a).lower() for a in event.get("attendee")}
        assert attendees == {f"mailto:{user.email}", f"mailto:{ex.email}"}
        assert "Rozmowa z opiekunem" not in _decoded(mail)


def test_written_consultation_runs_inside_the_platform(page, browser, live_server, smtp):  # noqa: F811
    ex = expert(
        areas=["psychological"], email="ekspert-pisemny@example.test", full_name="Edward Ekspert"
    )
    user = professional(email="pytajacy-e2e@example.test", full_name="Piotr Pytający")
    sign_in(page, user.email)
    page.goto("/learning/consultations/ask/")
    page.select_option("select[name=topic]", "psychological")
    page.get_by_label("pisemnie (na platformie)").check()
    page.fill("input[name=subject]", "Wsparcie po zgłoszeniu")
    # First with a PESEL: refused, nothing saved.
    page.fill("textarea[name=message]", "Chodzi o dziecko z PESEL 44051401359.")
    page.get_by_role("button", name="Wyślij").click()
    assert "numer PESEL" in page.locator(".message-error").inner_text()
    assert not ConsultationRequest.objects.exists()
    page.fill("textarea[name=message]", "Jak zaplanować pierwsze spotkanie wspierające?")
    page.get_by_role("button", name="Wyślij").click()
    page.wait_for_url("**/learning/consultations/*/")
    request = ConsultationRequest.objects.get(requester=user)
    assert request.expert == ex

    ep = new_page(browser, live_server)
    sign_in(ep, ex.email)
    ep.goto("/learning/consultations/")
    ep.get_by_role("link", name="Wsparcie po zgłoszeniu").click()
    assert "Jak zaplanować pierwsze spotkanie" in ep.locator("#thread").inner_text()
    ep.fill("textarea[name=body]", "Proponuję spotkanie w obecności psychologa.")
    ep.get_by_role("button", name="Wyślij").click()
    ep.wait_for_url(f"**/learning/consultations/{request.pk}/")
    assert serious_axe_violations(ep) == []

    page.reload()
    assert "Proponuję spotkanie w obecności psychologa." in page.locator("#thread").inner_text()
    assert "z odpowiedzią" in page.locator("#state").inner_text()
    shot(page, "written")

    deliver_due()
    [to_expert] = _mails(smtp, ex.email)
    [to_user] = _mails(smtp, user.email)
    for mail in (to_expert, to_user):
        text = _decoded(mail)
        assert "Wsparcie po zgłoszeniu" not in text and "psychologa" not in text
        assert "spotkanie wspieraj" not in text
        assert f"/learning/consultations/{request.pk}/" in text
