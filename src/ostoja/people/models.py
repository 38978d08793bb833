"""Invitations of people into organisations, and each organisation's people policy.

Memberships themselves live in ``organisations`` (user × organisation × role); this app
changes them through its services.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ostoja.organisations.models import Organisation
from ostoja.organisations.roles import Role

#: How long an invitation link works.
INVITATION_VALID_FOR = timedelta(days=7)


class InvitationQuerySet(models.QuerySet):
    def open(self):
        """Neither accepted nor revoked (possibly expired)."""
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True)

    def pending(self):
        """Open and not expired: the link still works."""
        return self.open().filter(expires_at__gt=timezone.now())


class Invitation(models.Model):
    """An invitation of an e-mail address into an organisation with a role.

    Only the SHA-256 of the link's secret is stored: a database reader cannot accept it.
    """

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("invitation", "pending")
        EXPIRED = "expired", pgettext_lazy("invitation", "expired")
        REVOKED = "revoked", pgettext_lazy("invitation", "revoked")
        ACCEPTED = "accepted", pgettext_lazy("invitation", "accepted")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("e-mail address"))
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    language = models.CharField(
        _("language of the invitation"), max_length=8, choices=settings.LANGUAGES, default="pl"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(default=timezone.now)
    send_count = models.PositiveIntegerField(default=1)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-sent_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            # One open invitation per address and organisation (resend renews it).
            models.UniqueConstraint(
                fields=["organisation", "email"],
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="people_invitation_one_open",
            ),
            models.CheckConstraint(
                condition=Q(email=models.functions.Lower("email")),
                name="people_invitation_email_lower",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "-sent_at"])]

    def __str__(self) -> str:
        return f"{self.email} → {self.organisation} ({self.role})"

    @property
    def status(self) -> str:
        if self.accepted_at:
            return self.Status.ACCEPTED
        if self.revoked_at:
            return self.Status.REVOKED
        if self.expires_at <= timezone.now():
            return self.Status.EXPIRED
        return self.Status.PENDING

    def get_status_display(self) -> str:
        return self.Status(self.status).label


class PeoplePolicy(models.Model):
    """What happens to an organisation's API tokens when people leave it."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="people_policy"
    )
    revoke_tokens_on_removal = models.BooleanField(
        _("revoke the API tokens a person issued when they leave or are deactivated"),
        default=True,
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("people policy")
        verbose_name_plural = _("people policies")

    def __str__(self) -> str:
        return f"{self.organisation}: revoke tokens={self.revoke_tokens_on_removal}"
