"""The pages and the API over HTTP: bad input, links used twice or expired, inert scripts,
the coordinator's review, public pages without cookies."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ostoja.network import services
from ostoja.network.models import Application, ApplicationState, Partner
from tests.conftest import login

from .helpers import VALID_NIP, charter, confirmed, data

pytestmark = pytest.mark.django_db


def _form(**over):
    values = {
        "name": "Fundacja Próbna",
        "legal_form": "foundation",
        "krs": "",
        "nip": VALID_NIP,
        "regon": "123456785",
        "website": "",
        "description": "Pomagamy.",
        "voivodeships": ["14"],
        "areas": ["therapy"],
        "contact_name": "Ewa",
        "contact_email": "ewa@example.org",
        "signatory_name": "Jan",
        "signatory_function": "prezes",
        "accepted": "on",
        "charter_number": "1",
    }
    values.update(over)
    return values


@pytest.fixture
def current(db):
    return charter(1)


def test_apply_with_a_wrong_check_digit_shows_a_translated_message(client, current):
    response = client.post(reverse("network:apply"), _form(nip="5260250275"))
    assert response.status_code == 422
    assert "cyfra kontrolna" in response.content.decode()
    response = client.post("/en/partnership/apply/", _form(regon="123456786"))
    assert response.status_code == 422 and "check digit" in response.content.decode()
    assert Application.objects.count() == 0


def test_apply_twice_over_http(client, current):
    assert client.post(reverse("network:apply"), _form()).status_code == 302
    response = client.post("/en/partnership/apply/", _form(contact_email="x@example.org"))
    assert response.status_code == 422
    assert "already open" in response.content.decode()
    assert "ewa@example.org" not in response.content.decode()


def test_only_sent_applications_count_towards_the_hourly_limit(client, current, settings):
    settings.OSTOJA_NETWORK_RATE_LIMITS = {"apply": (1, 3600)}
    # A typo is not counted: the person corrects it and sends the application.
    assert client.post(reverse("network:apply"), _form(nip="5260250275")).status_code == 422
    assert client.post(reverse("network:apply"), _form()).status_code == 302
    # The next one from the same connection within the hour is refused before anything is
    # read or sent, with a translated explanation.
    response = client.post(reverse("network:apply"), _form(regon="", nip="", krs=""))
    assert response.status_code == 429
    assert "Zbyt wiele zgłoszeń" in response.content.decode()
    response = client.post("/en/partnership/apply/", _form())
    assert response.status_code == 429 and "Too many applications" in response.content.decode()
    assert Application.objects.count() == 1


def test_confirmation_link_get_does_not_use_it_and_post_twice_is_410(client, current):
    _application, token = services.submit_application(data())
    url = reverse("network:confirm", kwargs={"token": token})
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200  # a mail scanner opening it changes nothing
    response = client.post(url)
    assert response.status_code == 302
    assert "/partnership/application/" in response["Location"]
    assert client.post(url).status_code == 410
    assert client.get(url).status_code == 410
    assert client.post(reverse("network:confirm", kwargs={"token": "made-up"})).status_code == 404


def test_expired_confirmation_link_over_http(client, current):
    application, token = services.submit_application(data())
    Application.objects.filter(pk=application.pk).update(
        confirm_expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    response = client.post(reverse("network:confirm", kwargs={"token": token}))
    assert response.status_code == 410
    assert "wygasł" in response.content.decode()


def test_applicant_answers_through_the_secret_link(client, current, coordinator):
    application, secret = confirmed()
    services.ask_applicant(application, actor=coordinator, body="Pytanie <b>pogrubione</b>?")
    url = reverse("network:application_status", kwargs={"token": secret})
    page = client.get(url)
    assert page["Cache-Control"] == "no-store"
    assert "Pytanie &lt;b&gt;pogrubione&lt;/b&gt;?" in page.content.decode()
    assert client.post(url, {"body": ""}).status_code == 422
    assert client.post(url, {"body": "Odpowiedź"}).status_code == 302
    application.refresh_from_db()
    assert application.state == ApplicationState.SUBMITTED
    wrong = reverse("network:application_status", kwargs={"token": f"{application.pk}-abc"})
    assert client.get(wrong).status_code == 404


def test_unconfirmed_application_is_404_for_the_coordinator(coordinator_client, current):
    application, _token = services.submit_application(data())
    url = reverse("network:application", kwargs={"pk": application.pk})
    assert coordinator_client.get(url).status_code == 404
    listing = coordinator_client.get(reverse("network:applications")).content.decode()
    assert "Fundacja Próbna" not in listing


def test_coordinator_reviews_and_admits_over_http(coordinator_client, current):
    application, _ = confirmed(
        description='<script>alert("x")</script> [link](javascript:alert(1)) **ważne**'
    )
    url = reverse("network:application", kwargs={"pk": application.pk})
    page = coordinator_client.get(url).content.decode()
    assert "<script>alert" not in page
    assert 'href="javascript' not in page
    ask = reverse("network:application_ask", kwargs={"pk": application.pk})
    assert coordinator_client.post(ask, {"body": "Ile osób?"}).status_code == 302
    admit = reverse("network:application_admit", kwargs={"pk": application.pk})
    assert coordinator_client.post(admit, {"kind": "ngo"}).status_code == 302
    # The public page shows the description rendered inert.
    public = Client().get(reverse("network:partnership"))
    html = public.content.decode()
    assert "Fundacja Próbna" in html
    assert "<strong>ważne</strong>" in html
    assert "<script>alert" not in html and 'href="javascript' not in html
    assert "&lt;script&gt;" in html
    # Decided: a second decision is refused with a clear answer, nothing changes.
    refuse = reverse("network:application_refuse", kwargs={"pk": application.pk})
    response = coordinator_client.post(refuse, {"reason": "późno"})
    assert response.status_code == 422
    application.refresh_from_db()
    assert application.state == ApplicationState.ADMITTED


def test_public_pages_set_no_cookie_and_make_no_foreign_links(client, current, world):
    for name in ("network:partnership", "network:charter", "network:coverage"):
        response = client.get(reverse(name))
        assert response.status_code == 200
        assert not response.cookies, name


def test_partner_page_changes_state(world):
    client = login(Client(), world.users["coordinator"])
    partner = Partner.objects.get(organisation=world.orgs["network_member"])
    url = reverse("network:partner", kwargs={"pk": partner.pk})
    assert client.post(url, {"to_state": "suspended", "reason": ""}).status_code == 422
    assert client.post(url, {"to_state": "suspended", "reason": "Brak kontaktu"}).status_code == 302
    partner.refresh_from_db()
    assert partner.state == "suspended"
    page = client.get(url).content.decode()
    assert "Brak kontaktu" in page
    # The suspended organisation's member loses the member's home.
    member = login(Client(), world.users["network_member"])
    assert member.get(reverse("network:index")).status_code == 403


def test_charter_accept_page_by_the_manager(world, current):
    manager = world.users["organisation_manager"]
    client = login(Client(), manager)
    home = client.get(reverse("network:index")).content.decode()
    assert reverse("network:charter_accept", kwargs={"number": 1}) in home
    url = reverse("network:charter_accept", kwargs={"number": 1})
    org = world.orgs["organisation_manager"]
    # Another organisation's id is not offered, and posting it is refused (form choice).
    other = world.orgs["network_member"]
    response = client.post(
        url, {"organisation": other.pk, "signatory_name": "A", "signatory_function": "B"}
    )
    assert response.status_code == 422
    response = client.post(
        url, {"organisation": org.pk, "signatory_name": "Anna", "signatory_function": "prezeska"}
    )
    assert response.status_code == 302
    assert services.not_accepted(current).filter(pk=org.pk).count() == 0


def test_index_links_to_the_other_parts_only_when_they_exist(world, current):
    client = login(Client(), world.users["network_member"])
    html = client.get(reverse("network:index")).content.decode()
    from django.urls import NoReverseMatch

    try:
        forum = reverse("forum:index")
    except NoReverseMatch:
        forum = None
    if forum:
        assert forum in html
    assert reverse("network:partnership") in html


def test_api_lists_member_organisations(client, world):
    Partner.objects.filter(organisation=world.orgs["network_member"]).update(
        description="Opis", voivodeships=["14"], areas=["therapy"]
    )
    response = client.get("/api/v1/network/members")
    assert response.status_code == 200
    rows = {r["slug"]: r for r in response.json()}
    assert set(rows) == {world.orgs["network_member"].slug, world.orgs["organisation_manager"].slug}
    row = rows[world.orgs["network_member"].slug]
    assert row["voivodeships"] == ["14"] and row["areas"] == ["therapy"]
    assert "nip" not in row
    schema = client.get("/api/openapi.json").json()
    assert "/api/v1/network/members" in schema["paths"]
