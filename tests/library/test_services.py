"""The library through its services: files checked from content, extraction in the
background with limits, search with access, downloads counted, orders against stock, the
journal's distribution list."""

from __future__ import annotations

import csv
import io

import pytest
from django.core import mail  # noqa: F401
from django.urls import reverse

from ostoja.audit.models import AuditEntry
from ostoja.library import extraction, search, services
from ostoja.library.errors import LibraryError
from ostoja.library.models import Extraction, Material, MaterialVersion, PrintOrder
from ostoja.network.membership import set_state
from ostoja.network.models import PartnerState
from ostoja.organisations.roles import Role
from ostoja.outbox.models import OutboxMessage
from tests.factories import OrganisationFactory

from .helpers import material, nested_bomb, page_bomb, pdf_bytes, upload

pytestmark = pytest.mark.django_db(transaction=True)


def _current(m: Material) -> MaterialVersion:
    return m.versions.get(is_current=True)


def test_pdf_text_is_extracted_in_the_background_and_searchable():
    m = material(
        upload_file=upload(pdf_bytes(["Standardy ochrony dzieci w szkolach", "Druga strona"]))
    )
    version = _current(m)
    assert version.extraction == Extraction.DONE  # the immediate task backend ran it on commit
    assert version.page_count == 2
    assert "Druga strona" in version.text
    found = list(search.search(search.Filters(text="szkoła druga"), members=True))
    assert found == [m]
    assert list(search.search(search.Filters(text="szkoła druga"), members=False)) == []
    assert AuditEntry.objects.filter(action="library.version.text_read").exists()


def test_search_in_polish_without_diacritics_and_filters():
    a = material(
        title="Przewodnik dla rodziców", access="public", kind="guide", link="https://example.org/a"
    )
    b = material(
        title="Raport roczny", access="public", language="en", link="https://example.org/b"
    )
    assert list(search.search(search.Filters(text="rodzicow"), members=False)) == [a]
    assert list(search.search(search.Filters(text="rodzice"), members=False)) == [a]
    assert list(search.search(search.Filters(language="en"), members=False)) == [b]
    # operators and quotes are dropped: "OR" and "NEAR" are no search words, so all match
    assert set(search.search(search.Filters(text='"OR NEAR( *'), members=False)) == {a, b}
    # hostile query text never breaks the query
    list(search.search(search.Filters(text='") OR * NEAR "\x00'), members=True))


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (pdf_bytes(["tajne"], encrypt="haslo"), "encrypted"),
        (page_bomb(), "too_many_pages"),
        (b"%PDF-1.4\n garbage garbage", "broken"),
    ],
)
def test_hostile_pdfs_are_reported_not_fatal(data, problem):
    m = material(upload_file=upload(data))
    version = _current(m)
    assert version.extraction == Extraction.FAILED
    assert version.extraction_problem == problem
    assert version.problem_text  # a translated explanation exists
    assert m.pk and Material.objects.filter(pk=m.pk).exists()


def test_deeply_nested_pdf_is_reported():
    result = extraction.extract(nested_bomb(), "application/pdf")
    assert not result.ok and result.problem in {"too_deep", "broken"}


def test_extraction_stops_after_the_time_limit():
    ticks = iter(range(0, 10_000, 40))
    result = extraction.extract(
        pdf_bytes(["a", "b", "c", "d"]), "application/pdf", clock=lambda: next(ticks)
    )
    assert result.problem == "too_slow"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("raport.pdf", b"MZ\x90\x00 this is an executable"),
        ("zdjecie.docx", pdf_bytes()),
        ("dane.csv", b"\x00\x01\x02binary"),
        ("skrypt.exe", b"MZ\x90\x00"),
    ],
)
def test_a_file_that_is_not_what_its_name_says_is_refused(name, data):
    with pytest.raises(LibraryError) as exc:
        material(upload_file=upload(data, name=name, content_type="application/octet-stream"))
    assert exc.value.field == "file"
    assert not Material.objects.exists()  # nothing half-written
    assert not MaterialVersion.objects.exists()


def test_size_limit_checked_before_reading(monkeypatch):
    from ostoja.library import files

    monkeypatch.setattr(files, "MAX_BYTES", 100)
    with pytest.raises(LibraryError):
        material(upload_file=upload(pdf_bytes()))


def test_new_version_replaces_the_indexed_text():
    m = material(upload_file=upload(pdf_bytes(["stary tekst o plywaniu"])))
    services.add_version(
        actor=None, material=m, upload=upload(pdf_bytes(["nowy tekst o kajakach"])), note="poprawki"
    )
    assert [v.number for v in m.versions.all()] == [2, 1]
    assert list(search.search(search.Filters(text="kajakach"), members=True)) == [m]
    assert list(search.search(search.Filters(text="plywaniu"), members=True)) == []


def test_child_data_in_description_is_refused():
    with pytest.raises(LibraryError):
        material(description="Kontakt z dzieckiem: PESEL 44051401458", link="https://example.org")


def test_download_counted_without_recording_who(client, world):
    m = material(access="members")
    before = AuditEntry.objects.count()
    client.force_login(world.users[Role.NETWORK_MEMBER])
    response = client.get(reverse("library:download", args=[m.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    m.refresh_from_db()
    assert m.download_count == 1
    assert AuditEntry.objects.count() == before
    client.logout()
    assert client.get(reverse("library:download", args=[m.pk])).status_code == 302
    client.force_login(world.users[Role.HOTLINE_ANALYST])  # not a partnership member
    assert client.get(reverse("library:download", args=[m.pk])).status_code == 403
    m.refresh_from_db()
    assert m.download_count == 1


def test_order_over_stock_waits_and_the_organisation_is_told(world):
    m = material(access="members")
    org = world.orgs[Role.NETWORK_MEMBER]
    member = world.users[Role.NETWORK_MEMBER]
    services.set_stock(actor=None, material=m, copies=10)
    first = services.place_order(
        actor=member,
        material=m,
        organisation=org,
        copies=8,
        delivery_address="ul. Polna 1, 00-001 Warszawa",
    )
    assert first.state == PrintOrder.State.RESERVED
    second = services.place_order(
        actor=member,
        material=m,
        organisation=org,
        copies=5,
        delivery_address="ul. Polna 1, 00-001 Warszawa",
    )
    assert second.state == PrintOrder.State.WAITING
    m.stock.refresh_from_db()
    assert m.stock.copies == 2
    notice = OutboxMessage.objects.get(dedup_key=f"library:order-waiting:{second.pk}")
    assert member.email in notice.recipients
    # A smaller later order does not jump the queue.
    third = services.place_order(
        actor=member,
        material=m,
        organisation=org,
        copies=1,
        delivery_address="ul. Polna 1, 00-001 Warszawa",
    )
    assert third.state == PrintOrder.State.WAITING
    services.set_stock(actor=None, material=m, copies=6)
    second.refresh_from_db()
    third.refresh_from_db()
    assert (second.state, third.state) == (PrintOrder.State.RESERVED, PrintOrder.State.RESERVED)
    m.stock.refresh_from_db()
    assert m.stock.copies == 0
    services.send_order(actor=None, order=first)
    with pytest.raises(LibraryError):
        services.send_order(actor=None, order=first)


def test_only_partners_order_and_amounts_are_checked(world):
    m = material(access="public", link="https://example.org/x")
    outsider = world.orgs[Role.HOTLINE_ANALYST]
    with pytest.raises(LibraryError):
        services.place_order(
            actor=None,
            material=m,
            organisation=outsider,
            copies=1,
            delivery_address="ul. Długa 2, Kraków",
        )
    org = world.orgs[Role.NETWORK_MEMBER]
    for copies in (0, -3, 10_001):
        with pytest.raises(LibraryError):
            services.place_order(
                actor=None,
                material=m,
                organisation=org,
                copies=copies,
                delivery_address="ul. Długa 2, Kraków",
            )
    assert not PrintOrder.objects.exists()


def test_distribution_list_is_exactly_the_current_members_subscriptions(client, world):
    coordinator = world.users[Role.COORDINATOR]
    member_org = world.orgs[Role.NETWORK_MEMBER]
    manager_org = world.orgs[Role.ORGANISATION_MANAGER]
    # Both were admitted in the world fixture: subscribed from admission.
    assert member_org.journal_subscription.format == "electronic"
    newcomer = OrganisationFactory(kind="ngo", slug="nowa-fundacja", name="Nowa Fundacja")
    set_state(newcomer, PartnerState.APPLICANT)
    assert not hasattr(newcomer, "journal_subscription") or newcomer.journal_subscription is None
    set_state(newcomer, PartnerState.MEMBER)
    newcomer.refresh_from_db()
    services.change_subscription(
        actor=None,
        subscription=newcomer.journal_subscription,
        format="print",
        copies=3,
        address="ul. Nowa 3\n00-950 Warszawa",
        email="",
    )
    set_state(manager_org, PartnerState.LEFT, reason="wystąpienie")
    issue = services.add_issue(actor=coordinator, year=2026, number=4, contents="A — B")
    client.force_login(coordinator)
    response = client.get(reverse("library:distribution", args=[issue.pk]))
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert {r["organisation"] for r in rows} == {member_org.name, newcomer.name}
    printed = next(r for r in rows if r["organisation"] == newcomer.name)
    assert (printed["format"], printed["copies"], printed["delivery_address"]) == (
        "print",
        "3",
        "ul. Nowa 3, 00-950 Warszawa",
    )
    client.force_login(world.users[Role.NETWORK_MEMBER])
    assert client.get(reverse("library:distribution", args=[issue.pk])).status_code == 403


def test_subscription_changed_only_by_its_organisation_manager(client, world):
    manager = world.users[Role.ORGANISATION_MANAGER]
    org = world.orgs[Role.ORGANISATION_MANAGER]
    other = world.orgs[Role.NETWORK_MEMBER]
    client.force_login(manager)
    url = reverse("library:subscription", args=[org.slug])
    response = client.post(url, {"format": "print", "copies": 2, "address": "", "email": ""})
    assert response.status_code == 200  # refused: no address
    assert "adres" in response.content.decode() or "address" in response.content.decode()
    response = client.post(
        url, {"format": "print", "copies": 2, "address": "ul. Krótka 5, Gdańsk", "email": ""}
    )
    assert response.status_code == 302
    org.journal_subscription.refresh_from_db()
    assert org.journal_subscription.copies == 2
    assert client.get(reverse("library:subscription", args=[other.slug])).status_code == 404
