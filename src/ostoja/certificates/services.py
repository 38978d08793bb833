"""Issuing, superseding, revoking and verifying certificates; their PDF; expiry reminders.

Apps that certify something (events: attendance; learning: completion) call :func:`issue`
with a ``source_key`` naming what is certified. Calling it again for the same source with
different content (a corrected check-in, a re-completed course) supersedes the old
certificate — it stays verifiable as "superseded" — and issues a new one; the same content
returns the existing certificate, so issuing is idempotent.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ostoja.audit.services import log_action
from ostoja.core.pdf import FONT, new_document
from ostoja.outbox.services import enqueue_email

from . import codes
from .models import Certificate, CertificateKind, CertificateState

#: Days before ``valid_until`` when the holder is reminded (Moodle has no such reminder).
REMIND_DAYS_BEFORE = 30


class CertificateError(ValueError):
    pass


def _clean_items(items) -> list[dict]:
    cleaned = []
    for item in items or ():
        label = str(item.get("label", "")).strip()
        if not label:
            raise CertificateError("Every item needs a label.")
        hours = Decimal(str(item.get("hours", 0) or 0))
        if hours < 0 or hours > 1000:
            raise CertificateError("Hours must be between 0 and 1000.")
        day = str(item.get("date", "") or "")
        if day:
            date.fromisoformat(day)  # raises ValueError for a malformed date
        cleaned.append({"label": label[:300], "date": day, "hours": str(hours.normalize())})
    return cleaned


def _digest(**content) -> str:
    canonical = json.dumps(content, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


@transaction.atomic
def issue(
    *,
    holder_name: str,
    holder_email: str = "",
    holder_user=None,
    title: str,
    kind: str,
    source_key: str,
    items,
    hours=None,
    valid_until: date | None = None,
    issuer=None,
    actor=None,
) -> Certificate:
    """Issue the certificate for ``source_key`` (or return the identical valid one)."""
    if kind not in CertificateKind.values:
        raise CertificateError(f"Unknown kind {kind!r}.")
    if not source_key or len(source_key) > 120:
        raise CertificateError("A certificate needs a source key of at most 120 characters.")
    holder_name = " ".join((holder_name or "").split())[:200]
    title = " ".join((title or "").split())[:300]
    if not holder_name or not title:
        raise CertificateError("A certificate needs a holder and a title.")
    items = _clean_items(items)
    if not items:
        raise CertificateError("A certificate certifies at least one thing.")
    total = Decimal(str(hours)) if hours is not None else sum(Decimal(i["hours"]) for i in items)
    digest = _digest(
        holder_name=holder_name,
        title=title,
        kind=kind,
        items=items,
        hours=str(total.normalize()),
        valid_until=valid_until,
        issuer=getattr(issuer, "pk", None),
    )
    current = (
        Certificate.objects.select_for_update()
        .filter(source_key=source_key, state=CertificateState.VALID)
        .first()
    )
    if current and current.content_digest == digest:
        return current
    new = Certificate(
        code=codes.new_code(),
        kind=kind,
        source_key=source_key,
        title=title,
        holder_name=holder_name,
        holder_email=holder_email or getattr(holder_user, "email", "") or "",
        holder_user=holder_user,
        issuer=issuer,
        items=items,
        hours=total,
        content_digest=digest,
        valid_until=valid_until,
    )
    if current:
        current.state = CertificateState.SUPERSEDED
        current.save(update_fields=["state"])
    try:
        with transaction.atomic():
            new.save()
    except IntegrityError as exc:  # another process issued for this source just now
        # (the caller's transaction rolls back: the old certificate stays valid)
        raise CertificateError(
            "A certificate for this record was issued at the same time."
        ) from exc
    if current:
        current.superseded_by = new
        current.save(update_fields=["superseded_by"])
    log_action(
        "certificates.certificate.superseded" if current else "certificates.certificate.issued",
        actor=actor,
        organisation=issuer,
        target=new,
        data={"kind": kind, "source": source_key, "previous": getattr(current, "code", "")},
    )
    return new


@transaction.atomic
def revoke(certificate: Certificate, *, actor, reason: str) -> Certificate:
    reason = (reason or "").strip()
    if not reason:
        raise CertificateError(_("Give the reason for revoking the certificate."))
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if certificate.state == CertificateState.REVOKED:
        return certificate
    certificate.state = CertificateState.REVOKED
    certificate.revoked_at = timezone.now()
    certificate.revoked_reason = reason[:2000]
    certificate.save(update_fields=["state", "revoked_at", "revoked_reason"])
    log_action(
        "certificates.certificate.revoked",
        actor=actor,
        organisation=certificate.issuer,
        target=certificate,
        data={"reason": reason[:200]},
    )
    return certificate


@dataclass(frozen=True)
class Verification:
    status: str  # "valid", "expired", "superseded", "revoked", "unknown", "malformed"
    certificate: Certificate | None = None


def verify(text: str) -> Verification:
    """What a verification code says. Only a valid (or expired) certificate shows its content."""
    code = codes.normalise(text)
    if code is None:
        return Verification("malformed")
    certificate = Certificate.objects.filter(code=code).first()
    if certificate is None:
        return Verification("unknown")
    if certificate.state != CertificateState.VALID:
        return Verification(certificate.state, certificate)
    if certificate.valid_until and certificate.valid_until < timezone.localdate():
        return Verification("expired", certificate)
    return Verification("valid", certificate)


def verify_url(certificate: Certificate) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        path = reverse("certificates:verify")
    return f"{settings.SITE_URL}{path}?code={certificate.display_code}"


# --- PDF ---------------------------------------------------------------------------------------


def _render_page(pdf, certificate: Certificate) -> None:
    pdf.add_page()
    pdf.set_auto_page_break(auto=True, margin=15)

    def line(text: str, height: float = 6, size: int = 11, style: str = "", align="C") -> None:
        pdf.set_font(FONT, style, size)
        pdf.multi_cell(0, height, text, new_x="LMARGIN", new_y="NEXT", align=align)

    pdf.ln(12)
    line(certificate.get_kind_display().upper(), 10, 20, "B")
    pdf.ln(6)
    line(_("This certifies that"), 7, 12)
    line(certificate.holder_name, 10, 18, "B")
    line(_("took part in") if certificate.kind == "attendance" else _("completed"), 7, 12)
    line(certificate.title, 8, 14, "B")
    if certificate.issuer:
        line(_("Issued by %(issuer)s") % {"issuer": certificate.issuer.name}, 7, 11)
    pdf.ln(6)
    for item in certificate.items:
        parts = [item["label"]]
        if item.get("date"):
            parts.append(item["date"])
        if Decimal(item.get("hours") or 0):
            parts.append(_("%(hours)s h") % {"hours": item["hours"]})
        line(" — ".join(parts), 6, 10, align="L")
    pdf.ln(4)
    line(_("Hours in total: %(hours)s") % {"hours": certificate.hours.normalize()}, 6, 11, "B", "L")
    issued = timezone.localtime(certificate.issued_at).date().isoformat()
    line(_("Issued on %(date)s") % {"date": issued}, 6, 10, align="L")
    if certificate.valid_until:
        until = certificate.valid_until.isoformat()
        line(_("Valid until %(date)s") % {"date": until}, 6, 10, align="L")
    pdf.ln(8)
    line(_("Verification code: %(code)s") % {"code": certificate.display_code}, 7, 12, "B")
    line(_("Check it at %(url)s") % {"url": verify_url(certificate)}, 6, 9)


def pdf_many(certificates) -> bytes:
    """One PDF, one certificate a page (A4 landscape)."""
    pdf = new_document(orientation="L", title=_("Certificates"))
    for certificate in certificates:
        _render_page(pdf, certificate)
    if not pdf.page:
        raise CertificateError("No certificates to render.")
    return bytes(pdf.output())


def pdf_bytes(certificate: Certificate) -> bytes:
    return pdf_many([certificate])


# --- expiry reminders --------------------------------------------------------------------------


def remind_expiring(*, today: date | None = None) -> int:
    """E-mail holders whose certificate expires within ``REMIND_DAYS_BEFORE`` days (once)."""
    today = today or timezone.localdate()
    due = Certificate.objects.filter(
        state=CertificateState.VALID,
        valid_until__gte=today,
        valid_until__lte=today + timedelta(days=REMIND_DAYS_BEFORE),
        expiry_reminder_sent_at__isnull=True,
    ).exclude(holder_email="")
    sent = 0
    for certificate in due.select_related("holder_user"):
        language = getattr(certificate.holder_user, "language", "") or settings.LANGUAGE_CODE
        with transaction.atomic(), translation.override(language):
            context = {"certificate": certificate, "verify_url": verify_url(certificate)}
            enqueue_email(
                dedup_key=f"certificates:expiry:{certificate.pk}",
                to=[certificate.holder_email],
                subject=" ".join(
                    render_to_string("certificates/email/expiry_subject.txt", context).split()
                ),
                body_text=render_to_string("certificates/email/expiry_body.txt", context),
                language=language,
                related=certificate,
                organisation=certificate.issuer,
            )
            Certificate.objects.filter(pk=certificate.pk).update(
                expiry_reminder_sent_at=timezone.now()
            )
        sent += 1
    return sent
