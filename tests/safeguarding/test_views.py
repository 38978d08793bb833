"""The register over HTTP: tenant scoping, manager access, access log, bad input, export."""

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ostoja.organisations.roles import Role
from ostoja.safeguarding import pesel, services
from ostoja.safeguarding.models import AccessLogEntry, Check, CheckAttachment, Person
from tests.conftest import make_user

from . import factories
from .factories import signed_in

pytestmark = pytest.mark.django_db
TODAY = services.today()
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def url(name, org, **kwargs):
    return reverse(f"safeguarding:{name}", kwargs={"slug": org.slug, **kwargs})


@pytest.fixture
def record(org, officer):
    p = factories.person(org, actor=officer, name="Piotr Rekordowy")
    factories.register_check(
        p,
        actor=officer,
        on=TODAY - timedelta(days=2),
        attachment=SimpleUploadedFile("scan.pdf", PDF, content_type="application/pdf"),
    )
    return p


def test_officer_of_another_organisation_gets_404_everywhere(org, record, other_client):
    check = record.checks.get()
    for name, kwargs in [
        ("register", {}),
        ("person", {"pk": record.pk}),
        ("person_edit", {"pk": record.pk}),
        ("attachment", {"pk": record.pk, "check_pk": check.pk}),
        ("residence", {"pk": record.pk}),
        ("check_add", {"pk": record.pk, "kind": "krk"}),
        ("export_csv", {}),
        ("access_log", {}),
    ]:
        assert other_client.get(url(name, org, **kwargs)).status_code == 404, name
    assert other_client.post(url("person_delete", org, pk=record.pk)).status_code == 404
    assert Person.objects.filter(pk=record.pk).exists()
    assert not AccessLogEntry.objects.exists()


def test_a_guessed_person_id_in_own_organisation_url_is_404(
    org, other_org, officer_client, other_officer
):
    theirs = factories.person(other_org, actor=other_officer)
    assert officer_client.get(url("person", org, pk=theirs.pk)).status_code == 404
    assert officer_client.get(url("person", other_org, pk=theirs.pk)).status_code == 404


def test_viewing_a_record_writes_an_access_log_entry(org, officer, record, officer_client):
    response = officer_client.get(url("person", org, pk=record.pk))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert record.pesel in response.content.decode()
    entry = AccessLogEntry.objects.get()
    assert (entry.person_id_ref, entry.kind, entry.actor) == (record.pk, "viewed", officer)
    officer_client.get(url("attachment", org, pk=record.pk, check_pk=record.checks.get().pk))
    assert AccessLogEntry.objects.filter(kind="attachment").count() == 1


def test_attachment_is_encrypted_at_rest_and_downloads_intact(org, record, officer_client):
    stored = CheckAttachment.objects.get()
    assert PDF not in bytes(stored.ciphertext) and stored.key_id == "dev1"
    response = officer_client.get(
        url("attachment", org, pk=record.pk, check_pk=record.checks.get().pk)
    )
    assert response.content == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")


def test_attachment_deleted_with_the_record(org, record, officer_client):
    assert officer_client.post(url("person_delete", org, pk=record.pk)).status_code == 302
    assert not CheckAttachment.objects.exists() and not Check.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("scan.pdf", b"MZ\x90\x00 this is an executable", "application/pdf"),
        ("scan.pdf", b"\x89PNG\r\n\x1a\n" + b"0" * 50, "application/pdf"),  # PNG named .pdf
        ("scan.png", b"\x89PNG\r\n\x1a\n" + b"not really a png", "image/png"),
        ("scan.exe", PDF, "application/pdf"),
        ("scan.pdf", PDF, "image/png"),  # claimed type disagrees with the content
    ],
)
def test_attachment_that_is_not_what_it_claims_is_refused(
    org, officer_client, name, content, content_type, officer
):
    p = factories.person(org, actor=officer)
    response = officer_client.post(
        url("check_add", org, pk=p.pk, kind="register"),
        {
            "checked_on": TODAY.isoformat(),
            "result": "no_entry",
            "both_registers": "on",
            "attachment": SimpleUploadedFile(name, content, content_type=content_type),
        },
    )
    assert response.status_code == 422
    assert (
        "not what it claims" in response.content.decode()
        or "nie jest tym" in response.content.decode()
    )
    assert not Check.objects.exists() and not CheckAttachment.objects.exists()


def test_image_attachment_is_reencoded_without_metadata(org, officer):
    import io

    from PIL import Image

    img = Image.new("RGB", (20, 10), (200, 10, 10))
    exif = Image.Exif()
    exif[0x010F] = "SecretCamera"
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif)
    p = factories.person(org, actor=officer)
    check = factories.register_check(
        p,
        actor=officer,
        on=TODAY,
        attachment=SimpleUploadedFile("scan.jpg", out.getvalue(), content_type="image/jpeg"),
    )
    data, content_type = services.read_attachment(actor=officer, check=check)
    assert content_type == "image/png" and b"SecretCamera" not in data
    assert Image.open(io.BytesIO(data)).size == (20, 10)


def test_person_form_bad_pesel_gives_422_and_writes_nothing(org, officer_client):
    born = date(1990, 5, 17)
    good = pesel.make(born, 1111)
    response = officer_client.post(
        url("person_add", org),
        {
            "full_name": "Anna Nowak",
            "date_of_birth": "1990-05-17",
            "pesel": good[:10] + str((int(good[10]) + 3) % 10),
            "citizenships": ["PL"],
        },
    )
    assert response.status_code == 422
    assert not Person.objects.exists()
    # Hostile and unicode-tricky input.
    response = officer_client.post(
        url("person_add", org),
        {
            "full_name": "x" * 5000,
            "date_of_birth": "not-a-date",
            "pesel": "'; DROP TABLE--",
            "citizenships": ["ZZ"],
        },
    )
    assert response.status_code == 422
    assert not Person.objects.exists()


def test_pesel_never_appears_in_an_error_page(org, officer_client):
    born = date(1990, 5, 17)
    value = pesel.make(date(1990, 5, 18), 2222)  # does not match the date of birth
    response = officer_client.post(
        url("person_add", org),
        {
            "full_name": "Anna Nowak",
            "date_of_birth": born.isoformat(),
            "pesel": value,
            "citizenships": ["PL"],
        },
    )
    assert response.status_code == 422
    body = response.content.decode()
    # The value is only in the form field the officer typed it into, not in the message.
    assert body.count(value) == 1 and f'value="{value}"' in body


def test_admission_refused_lists_the_missing_checks(org, officer, officer_client):
    p = factories.person(org, actor=officer)
    response = officer_client.post(
        url("admit", org, pk=p.pk), {"on": TODAY.isoformat()}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "Rejestr Sprawców Przestępstw na Tle Seksualnym" in body or "Register of Sexual" in body
    p.refresh_from_db()
    assert not p.is_admitted


def test_manager_sees_access_log_and_reads_register_only_when_allowed(org, officer, record):
    manager = make_user(Role.ORGANISATION_MANAGER, org, email="manager@orlik.example")
    client = signed_in(manager)
    assert client.get(url("access_log", org)).status_code == 200
    assert client.get(url("register", org)).status_code == 403
    assert client.get(url("person", org, pk=record.pk)).status_code == 403
    factories.policy(org, actor=officer, managers_may_read=True)
    # Without a second factor, still no.
    assert client.get(url("register", org)).status_code == 403
    from allauth.mfa.totp.internal.auth import TOTP

    from tests.conftest import TEST_TOTP_SECRET

    TOTP.activate(manager, TEST_TOTP_SECRET)
    client = signed_in(manager)
    assert client.get(url("register", org)).status_code == 200
    assert client.get(url("person", org, pk=record.pk)).status_code == 200
    # Read only.
    assert client.get(url("person_add", org)).status_code == 403
    assert client.post(url("person_delete", org, pk=record.pk)).status_code == 403
    log = client.get(url("access_log", org)).content.decode()
    assert "manager@orlik.example" in log


def test_register_filters_and_missing_checks(org, officer, officer_client):
    done = factories.admitted(
        org, actor=officer, name="Alicja Dopuszczona", on=TODAY - timedelta(days=2)
    )
    waiting = factories.person(org, actor=officer, name="Bartosz Czekający")
    page = officer_client.get(url("register", org) + "?status=missing").content.decode()
    assert "Bartosz Czekający" in page and "Alicja Dopuszczona" not in page
    page = officer_client.get(url("register", org) + "?status=admitted").content.decode()
    assert "Alicja Dopuszczona" in page and "Bartosz Czekający" not in page
    page = officer_client.get(url("register", org) + "?q=alic").content.decode()
    assert "Alicja Dopuszczona" in page and "Bartosz" not in page
    page = officer_client.get(url("register", org) + "?activity=recreation").content.decode()
    assert "Alicja Dopuszczona" in page and "Bartosz" not in page
    assert done.pk != waiting.pk
    # The list does not log record views (only opening a record does).
    assert not AccessLogEntry.objects.filter(kind="viewed").exists()


def test_export_shows_compliance_without_identifiers(org, officer, officer_client):
    p = factories.admitted(
        org,
        actor=officer,
        name="Łucja Źdźbło",
        on=TODAY - timedelta(days=2),
        previous_names="Łucja Stara",
        foreign_id="",
    )
    csv_text = officer_client.get(url("export_csv", org)).content.decode()
    assert "Łucja Źdźbło" in csv_text and "officer@orlik.example" in csv_text
    assert p.pesel not in csv_text and "Stara" not in csv_text
    assert str(p.date_of_birth) not in csv_text
    response = officer_client.get(url("export_pdf", org))
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    assert b"DejaVu" in response.content  # the embedded font with Polish letters
    # The PDF is drawn from the same rows as the CSV (glyphs in it are subset-encoded).
    from ostoja.safeguarding import export

    [row] = export.rows(org)
    flat = f"{row.name} {row.engagements} {row.checks} {row.missing}"
    assert "Łucja Źdźbło" in flat and p.pesel not in flat and "Stara" not in flat
    assert AccessLogEntry.objects.filter(kind="exported").count() == 2


def test_csv_export_neutralises_formulas(org, officer, officer_client):
    factories.admitted(
        org, actor=officer, name='=HYPERLINK("http://x.example")', on=TODAY - timedelta(days=2)
    )
    csv_text = officer_client.get(url("export_csv", org)).content.decode()
    assert "'=HYPERLINK" in csv_text
