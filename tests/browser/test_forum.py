"""The closed forum in a browser, with e-mail through the outbox to a loopback SMTP server:
an organisation manager of a partner organisation starts a thread in a category; another
member who follows that category gets the notification e-mail and opens the link; a member
outside a restricted category gets 404 for its thread and its file."""

from __future__ import annotations

import os
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ostoja.forum import services
from ostoja.outbox.services import deliver_due
from tests.browser.conftest import serious_axe_violations
from tests.browser.test_people_invite import _text, smtp  # noqa: F401 - the SMTP fixture
from tests.factories import TEST_PASSWORD
from tests.forum.helpers import member, partner_org, pdf_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("OSTOJA_SCREENSHOTS", "")


@pytest.fixture(autouse=True)
def _files(settings, tmp_path):
    settings.OSTOJA_FORUM_FILES_DIR = tmp_path / "forum-files"


def sign_in(page, email):
    page.set_default_timeout(60000)  # the shared 2-core machine is often heavily loaded
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url("**/dashboard/")


def test_a_post_notifies_a_follower_by_email_and_restricted_content_is_404(
    page,
    browser,
    live_server,
    smtp,  # noqa: F811
):
    member(
        partner_org(name="Fundacja Dobry Start"),
        role="organisation_manager",
        email="kierowniczka@example.test",
        full_name="Ewa Kierownik",
    )
    follower = member(email="obserwator@example.test", full_name="Piotr Obserwator")
    member(email="spoza@example.test", full_name="Olga Spoza")
    supervisors = services.create_group(actor=None, name="Superwizorzy")
    services.add_group_member(actor=None, group=supervisors, user=follower)
    general = services.create_category(actor=None, name="Sprawy ogólne", slug="ogolne")
    secret = services.create_category(
        actor=None, name="Superwizja", slug="superwizja", restricted_to=[supervisors]
    )
    hidden = services.start_thread(
        actor=follower,
        category=secret,
        title="Omówienie przypadku",
        body="Poufna notatka.",
        files=[SimpleUploadedFile("notatka.pdf", pdf_bytes())],
    )
    attachment = hidden.posts.get().attachments.get()
    services.subscribe(actor=follower, category=general)

    # The manager starts a thread; the child-data check stops it once, then they edit.
    sign_in(page, "kierowniczka@example.test")
    page.goto("/forum/")
    assert page.locator("meta[name=robots]").get_attribute("content") == "noindex, nofollow"
    page.get_by_role("link", name="Sprawy ogólne").first.click()
    page.get_by_role("link", name="Rozpocznij wątek").click()
    page.fill("input[name=title]", "Szkolenie z procedur ochrony dzieci")
    page.fill("textarea[name=body]", "Zapraszam na szkolenie. Kontakt: 600 700 800")
    page.locator("main form button[type=submit]").click()
    assert page.locator("#child-data-warning").is_visible()
    assert "numer telefonu" in page.locator("#child-data-warning").inner_text()
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/forum-child-data.png", full_page=True)
    page.fill("textarea[name=body]", "Zapraszam na szkolenie **w maju**. Szczegóły w wątku.")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/forum/t/*/")
    assert page.locator("h1").inner_text() == "Szkolenie z procedur ochrony dzieci"
    assert "w maju" in page.locator("article.forum-post").last.inner_text()
    assert serious_axe_violations(page) == []
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/forum-thread.png", full_page=True)

    # The follower gets the e-mail through the outbox and the loopback SMTP server.
    deliver_due()
    (mail,) = [m for m in smtp.handler.messages if "obserwator@example.test" in m["To"]]
    assert not [m for m in smtp.handler.messages if "spoza@example.test" in m["To"]]
    body = _text(mail)
    assert "Szkolenie z procedur ochrony dzieci" in body
    assert "w maju" not in body  # the post's text stays in the forum
    link = re.search(r"http://\S+/forum/p/\d+/", body).group(0)
    context = browser.new_context(base_url=live_server.url, locale="pl-PL")
    reader = context.new_page()
    sign_in(reader, "obserwator@example.test")
    reader.goto(link)
    assert "w maju" in reader.locator("main").inner_text()
    context.close()

    # A member outside the restricted category: 404 for its thread and its file.
    context = browser.new_context(base_url=live_server.url, locale="pl-PL")
    other = context.new_page()
    sign_in(other, "spoza@example.test")
    assert other.goto(f"/forum/t/{hidden.pk}/").status == 404
    assert other.request.get(f"/forum/files/{attachment.pk}/").status == 404
    other.goto("/forum/")
    assert "Superwizja" not in other.locator("main").inner_text()
    context.close()
