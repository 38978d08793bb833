"""Certificates of attendance and completion, each checkable by a public verification code."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CertificateState(models.TextChoices):
    VALID = "valid", pgettext_lazy("certificate state", "valid")
    SUPERSEDED = "superseded", pgettext_lazy("certificate state", "superseded")
    REVOKED = "revoked", pgettext_lazy("certificate state", "revoked")


class CertificateKind(models.TextChoices):
    ATTENDANCE = "attendance", _("certificate of attendance")
    COMPLETION = "completion", _("certificate of completion")


class Certificate(models.Model):
    code = models.CharField(_("verification code"), max_length=16, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=CertificateKind.choices)
    # What the certificate is for, in the issuing app's words ("events.registration:12"):
    # at most one valid certificate per source; a corrected record supersedes the old one.
    source_key = models.CharField(max_length=120, db_index=True)
    title = models.CharField(_("title"), max_length=300)
    holder_name = models.CharField(_("holder"), max_length=200)
    holder_email = models.EmailField(_("holder's e-mail"), blank=True)
    holder_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="certificates",
    )
    issuer = models.ForeignKey(
        "organisations.Organisation", null=True, blank=True, on_delete=models.SET_NULL
    )
    items = models.JSONField(_("what it certifies"), default=list)
    hours = models.DecimalField(_("hours"), max_digits=7, decimal_places=2, default=0)
    content_digest = models.CharField(max_length=64)
    issued_at = models.DateTimeField(_("issued"), auto_now_add=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    state = models.CharField(
        max_length=16, choices=CertificateState.choices, default=CertificateState.VALID
    )
    superseded_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="supersedes"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.TextField(blank=True)
    expiry_reminder_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["source_key"],
                condition=Q(state="valid"),
                name="certificates_one_valid_per_source",
            )
        ]
        indexes = [models.Index(fields=["state", "valid_until"])]

    def __str__(self) -> str:
        return f"{self.title} — {self.holder_name} ({self.code})"

    @property
    def display_code(self) -> str:
        from .codes import display

        return display(self.code)
