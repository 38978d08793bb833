"""The national partnership's membership: which organisations belong to it, and since when.

An organisation (``organisations.Organisation``) becomes a partner through admission; its state
here is the one fact every part of the network (forum, newsletter, events, library, positions)
asks about, through :mod:`ostoja.network.membership`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PartnerState(models.TextChoices):
    APPLICANT = "applicant", _("applicant")
    MEMBER = "member", _("member")
    SUSPENDED = "suspended", _("suspended")
    LEFT = "left", _("left")


class Partner(models.Model):
    """An organisation's place in the partnership (one row per organisation)."""

    organisation = models.OneToOneField(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        related_name="partner",
        verbose_name=_("organisation"),
    )
    state = models.CharField(
        _("state"), max_length=16, choices=PartnerState.choices, default=PartnerState.APPLICANT
    )
    member_since = models.DateField(_("member since"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    # Two-digit TERC codes of the voivodeships the organisation works in.
    voivodeships = models.JSONField(_("voivodeships"), default=list, blank=True)
    areas = models.JSONField(_("areas of work"), default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        indexes = [models.Index(fields=["state"])]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.get_state_display()})"


class PartnerStateChange(models.Model):
    """Every change of a partner's state, with its reason, date and actor (append-only)."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="history")
    from_state = models.CharField(max_length=16, choices=PartnerState.choices, blank=True)
    to_state = models.CharField(max_length=16, choices=PartnerState.choices)
    reason = models.TextField(_("reason"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.partner_id}: {self.from_state} -> {self.to_state}"
