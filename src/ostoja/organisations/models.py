"""Organisations, memberships (user × organisation × role) and machine API tokens."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import URLValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .roles import Role

WEB_SCHEMES = ["http", "https"]


class Voivodeship(models.TextChoices):
    DOLNOSLASKIE = "02", "dolnośląskie"
    KUJAWSKO_POMORSKIE = "04", "kujawsko-pomorskie"
    LUBELSKIE = "06", "lubelskie"
    LUBUSKIE = "08", "lubuskie"
    LODZKIE = "10", "łódzkie"
    MALOPOLSKIE = "12", "małopolskie"
    MAZOWIECKIE = "14", "mazowieckie"
    OPOLSKIE = "16", "opolskie"
    PODKARPACKIE = "18", "podkarpackie"
    PODLASKIE = "20", "podlaskie"
    POMORSKIE = "22", "pomorskie"
    SLASKIE = "24", "śląskie"
    SWIETOKRZYSKIE = "26", "świętokrzyskie"
    WARMINSKO_MAZURSKIE = "28", "warmińsko-mazurskie"
    WIELKOPOLSKIE = "30", "wielkopolskie"
    ZACHODNIOPOMORSKIE = "32", "zachodniopomorskie"


class OrganisationQuerySet(models.QuerySet):
    def active(self) -> OrganisationQuerySet:
        return self.filter(is_active=True)

    def visible_to(self, user) -> OrganisationQuerySet:
        """Organisations a user may see: all (active or not) for coordinators, otherwise the
        active organisations the user belongs to (a deactivated one grants nothing)."""
        from .permissions import is_coordinator

        if not user.is_authenticated:
            return self.none()
        if is_coordinator(user):
            return self.all()
        return self.filter(memberships__user=user, is_active=True).distinct()


class Organisation(models.Model):
    class Kind(models.TextChoices):
        NGO = "ngo", _("Non-governmental organisation")
        HOTLINE = "hotline", _("Hotline")
        POLICE = "police", _("Police")
        HOSTING_PROVIDER = "hosting_provider", _("Hosting provider / ISP")
        ONLINE_PLATFORM = "online_platform", _("Online platform")
        LOCAL_AUTHORITY = "local_authority", _("Local authority")
        SERVICE_PROVIDER = "service_provider", _("Service provider")
        PUBLIC_BODY = "public_body", _("Public body")

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name (slug)"), max_length=80, unique=True)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    country = models.CharField(
        _("country"), max_length=2, default="PL", help_text=_("ISO 3166-1 alpha-2 code")
    )
    voivodeship = models.CharField(
        _("voivodeship"), max_length=2, choices=Voivodeship.choices, blank=True
    )
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    website = models.URLField(
        _("website"), max_length=300, blank=True, validators=[URLValidator(schemes=WEB_SCHEMES)]
    )
    # A Polish local authority's code in the TERC register (see teryt.py): 2 digits for a
    # voivodeship, 4 for a powiat, 7 for a gmina. Empty for every other organisation.
    teryt_code = models.CharField(_("TERYT code"), max_length=7, blank=True, db_index=True)
    language = models.CharField(
        _("correspondence language"), max_length=8, choices=settings.LANGUAGES, default="pl"
    )
    verified = models.BooleanField(_("verified"), default=False)
    # Deactivation keeps every row (history stays); memberships and API tokens of an inactive
    # organisation grant nothing (permissions.roles_of, visible_to, the token look-up).
    is_active = models.BooleanField(pgettext_lazy("organisation", "active"), default=True)
    deactivated_at = models.DateTimeField(_("deactivated at"), null=True, blank=True)
    deactivation_reason = models.TextField(_("reason for deactivation"), blank=True)
    # Optimistic concurrency: every change increments it, and services.update_organisation
    # only updates the row if it still has the version the editor started from.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(country__regex=r"^[A-Z]{2}$"), name="organisation_country_iso2"
            ),
            models.CheckConstraint(
                condition=models.Q(teryt_code="")
                | models.Q(
                    teryt_code__regex=r"^[0-9]{2}([0-9]{2}([0-9]{3})?)?$",
                    kind="local_authority",
                    country="PL",
                ),
                name="organisation_teryt_only_polish_authority",
            ),
            # One active organisation per local authority; a deactivated one keeps its code.
            models.UniqueConstraint(
                fields=["teryt_code"],
                condition=models.Q(is_active=True) & ~models.Q(teryt_code=""),
                name="organisation_unique_active_teryt",
                violation_error_message=_(
                    "An active organisation already represents this local authority."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class MembershipQuerySet(models.QuerySet):
    def active(self) -> MembershipQuerySet:
        """Memberships that grant something: those of active organisations.

        Every permission decision that reads memberships goes through this (also as
        ``user.memberships.active()``): a deactivated organisation's people keep their rows
        (history) but lose access at once."""
        return self.filter(organisation__is_active=True)


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["organisation__name", "role"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"], name="membership_unique_role"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation} ({self.role})"


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """A machine credential of an organisation. Only the SHA-256 of the secret is stored."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=16, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(_("scopes"), default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.organisation.slug})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def has_scope(self, scope: str) -> bool:
        return scope in (self.scopes or [])
