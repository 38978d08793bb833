"""Certificates: issue, supersede on correction, revoke, verify publicly, PDF, reminders."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from ostoja.audit.models import AuditEntry
from ostoja.certificates import codes, services
from ostoja.certificates.models import Certificate
from ostoja.organisations.roles import Role
from ostoja.outbox.models import OutboxMessage
from tests.conftest import login, make_user

pytestmark = pytest.mark.django_db

ITEMS = [
    {"label": "Dzień 1", "date": "2026-11-18", "hours": 6},
    {"label": "Warsztat A", "date": "2026-11-19", "hours": 3},
]


def _issue(**overrides):
    fields = {
        "holder_name": "Anna Nowak",
        "holder_email": "anna@example.org",
        "title": "Pomoc dzieciom – ofiarom przestępstw 2026",
        "kind": "attendance",
        "source_key": "events.registration:1",
        "items": ITEMS,
    }
    return services.issue(**{**fields, **overrides})


def test_issue_counts_hours_and_is_idempotent_for_the_same_content():
    first = _issue()
    assert first.hours == 9
    assert codes.normalise(first.code) == first.code
    assert _issue().pk == first.pk
    assert AuditEntry.objects.filter(action="certificates.certificate.issued").count() == 1


def test_a_corrected_record_supersedes_the_old_certificate():
    old = _issue()
    new = _issue(items=ITEMS[:1])
    old.refresh_from_db()
    assert old.state == "superseded" and old.superseded_by == new
    assert new.state == "valid" and new.hours == 6 and new.code != old.code
    assert services.verify(old.code).status == "superseded"
    assert services.verify(new.display_code.lower()).status == "valid"
    assert (
        Certificate.objects.filter(source_key="events.registration:1", state="valid").count() == 1
    )


def test_verification_reveals_nothing_for_unknown_or_malformed_codes():
    _issue()
    assert services.verify("0000-0000-0000-0000").status == "unknown"
    assert services.verify("not a code").status == "malformed"
    assert services.verify("x" * 10_000).status == "malformed"
    assert services.verify("").status == "malformed"


def test_typed_codes_survive_confusable_letters():
    cert = _issue()
    typed = cert.display_code.replace("0", "O").replace("1", "I").lower()
    assert services.verify(typed).certificate == cert


def test_revoked_and_expired():
    cert = _issue(valid_until=timezone.localdate() - timedelta(days=1))
    assert services.verify(cert.code).status == "expired"
    services.revoke(cert, actor=None, reason="wydany omyłkowo")
    assert services.verify(cert.code).status == "revoked"
    with pytest.raises(services.CertificateError):
        services.revoke(_issue(source_key="x:2"), actor=None, reason=" ")


@pytest.mark.parametrize(
    "bad",
    [
        {"items": []},
        {"items": [{"label": "", "hours": 1}]},
        {"items": [{"label": "x", "hours": -1}]},
        {"items": [{"label": "x", "date": "2026-13-45"}]},
        {"kind": "diploma"},
        {"holder_name": "  "},
        {"source_key": "s" * 121},
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(bad):
    with pytest.raises((services.CertificateError, ValueError)):
        _issue(**bad)
    assert not Certificate.objects.exists()


def test_pdf_has_one_page_per_certificate_and_polish_letters():
    import io

    from pypdf import PdfReader

    one = _issue()
    two = _issue(source_key="events.registration:2", holder_name="Żaneta Łęcka")
    reader = PdfReader(io.BytesIO(services.pdf_many([one, two])))
    assert len(reader.pages) == 2
    text = reader.pages[1].extract_text()
    assert "Żaneta Łęcka" in text
    assert two.display_code in text


def test_public_verify_page_shows_content_only_for_a_valid_code(client):
    cert = _issue()
    page = client.get("/certificates/verify/", {"code": cert.display_code})
    assert page.status_code == 200
    assert "Anna Nowak" in page.text and "Warsztat A" in page.text
    assert "anna@example.org" not in page.text
    assert not page.cookies  # a public check sets no cookie
    services.revoke(cert, actor=None, reason="błąd")
    page = client.get("/certificates/verify/", {"code": cert.display_code})
    assert "Anna Nowak" not in page.text
    unknown = client.get("/certificates/verify/", {"code": "ZZZZ-ZZZZ-ZZZZ-ZZZZ"})
    assert unknown.status_code == 200 and "Anna Nowak" not in unknown.text


def test_guessing_is_rate_limited(client, settings):
    settings.OSTOJA_CERTIFICATES_RATE_LIMITS = {"verify": (3, 600)}
    for _ in range(3):
        assert client.get("/certificates/verify/", {"code": "ZZZZ"}).status_code == 200
    assert client.get("/certificates/verify/", {"code": "ZZZZ"}).status_code == 429


def test_holder_downloads_own_pdf_others_get_404(client):
    holder = make_user(Role.NETWORK_MEMBER)
    other = make_user(Role.NETWORK_MEMBER)
    cert = _issue(holder_user=holder)
    login(client, holder)
    assert client.get("/certificates/mine/").status_code == 200
    response = client.get(f"/certificates/{cert.code}/pdf/")
    assert response["Content-Type"] == "application/pdf"
    login(client, other)
    assert client.get(f"/certificates/{cert.code}/pdf/").status_code == 404
    assert client.get("/certificates/not-a-code/pdf/").status_code == 404


def test_expiry_reminder_is_sent_once_in_the_holders_language():
    holder = make_user(Role.NETWORK_MEMBER)
    holder.language = "en"
    holder.save()
    today = date(2026, 12, 1)
    soon = _issue(holder_user=holder, holder_email="", valid_until=today + timedelta(days=20))
    _issue(source_key="later", valid_until=today + timedelta(days=90))
    assert services.remind_expiring(today=today) == 1
    assert services.remind_expiring(today=today) == 0
    message = OutboxMessage.objects.get()
    assert message.recipients == [holder.email]
    assert "expires soon" in message.subject
    assert soon.display_code in message.body_text
