"""The national partnership's membership: which organisations belong to it, and since when.

An organisation (``organisations.Organisation``) becomes a partner through admission; its state
here is the one fact every part of the network (forum, newsletter, events, library, positions)
asks about, through :mod:`ostoja.network.membership`.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _


class PartnerState(models.TextChoices):
    APPLICANT = "applicant", _("applicant")
    MEMBER = "member", _("member")
    SUSPENDED = "suspended", _("suspended")
    LEFT = "left", _("left")


class Area(models.TextChoices):
    """Areas of work of member organisations (the partnership's own list)."""

    PREVENTION = "prevention", _("prevention and education")
    INTERVENTION = "intervention", _("intervention in cases of abuse")
    DIAGNOSIS = "diagnosis", _("diagnosis and assessment")
    THERAPY = "therapy", _("therapy and psychological help")
    LEGAL = "legal", _("legal help and court support")
    HELPLINE = "helpline", _("helpline and online help")
    TRAINING = "training", _("training of professionals")
    RESEARCH = "research", _("research")
    ADVOCACY = "advocacy", _("advocacy and policy")
    FAMILY = "family", _("support for parents and families")


class LegalForm(models.TextChoices):
    FOUNDATION = "foundation", _("foundation")
    ASSOCIATION = "association", _("association")
    CHURCH = "church", _("church legal person")
    PUBLIC = "public", _("public institution")
    COMPANY = "company", _("non-profit company")
    OTHER = "other", pgettext_lazy("legal form", "other")


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
    # Register numbers, digits only; they recognise an organisation that applies again.
    legal_form = models.CharField(
        _("legal form"), max_length=16, choices=LegalForm.choices, blank=True
    )
    krs = models.CharField(_("KRS number"), max_length=10, blank=True, db_index=True)
    nip = models.CharField(_("NIP"), max_length=10, blank=True, db_index=True)
    regon = models.CharField(_("REGON"), max_length=14, blank=True, db_index=True)
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


class CharterVersion(models.Model):
    """A version of the partnership's charter (regulamin) and declaration of cooperation.

    Published versions are never edited: a change is a new version, which every member
    organisation is asked to accept by ``accept_by``. The current version is the newest.
    """

    number = models.PositiveIntegerField(_("version"), unique=True)
    charter = models.TextField(_("charter (Markdown)"))
    declaration = models.TextField(_("declaration of cooperation (Markdown)"))
    summary = models.TextField(_("what changed"), blank=True)
    accept_by = models.DateField(_("accept by"), null=True, blank=True)
    published_at = models.DateTimeField(pgettext_lazy("charter", "published"), default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-number"]
        verbose_name = _("charter version")
        verbose_name_plural = _("charter versions")

    def __str__(self) -> str:
        return gettext("Charter, version %(number)s") % {"number": self.number}


class CharterAcceptance(models.Model):
    """An organisation accepted a charter version: who, which organisation, which version, when.

    ``accepted_by`` is the account that recorded it (an organisation manager), or empty when
    the acceptance came with the application (then the name and function of the person
    authorised to act are the record)."""

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    version = models.ForeignKey(
        CharterVersion, on_delete=models.PROTECT, related_name="acceptances"
    )
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    signatory_name = models.CharField(_("name of the person authorised to act"), max_length=200)
    signatory_function = models.CharField(_("function"), max_length=200)
    accepted_at = models.DateTimeField(pgettext_lazy("charter", "accepted"), default=timezone.now)

    class Meta:
        ordering = ["accepted_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "version"], name="network_acceptance_once_per_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} v{self.version_id}"


class ApplicationState(models.TextChoices):
    UNCONFIRMED = "unconfirmed", _("e-mail address not confirmed")
    SUBMITTED = "submitted", _("waiting for review")
    INFO_REQUESTED = "info_requested", _("more information requested")
    ADMITTED = "admitted", pgettext_lazy("application", "admitted")
    REFUSED = "refused", _("refused")
    EXPIRED = "expired", _("confirmation expired")


#: States in which an application is still open (one open application per organisation).
OPEN_STATES = (
    ApplicationState.UNCONFIRMED,
    ApplicationState.SUBMITTED,
    ApplicationState.INFO_REQUESTED,
)
#: How long the link confirming the applicant's e-mail address works.
CONFIRMATION_VALID_FOR = timedelta(hours=48)


def _open_unique(field: str) -> models.UniqueConstraint:
    return models.UniqueConstraint(
        fields=[field],
        condition=models.Q(state__in=list(OPEN_STATES)) & ~models.Q(**{field: ""}),
        name=f"network_one_open_application_per_{field}",
    )


class Application(models.Model):
    """An organisation's application to join the partnership (no account needed).

    The applicant first confirms the e-mail address (``confirm_hash``: SHA-256 of a one-time
    secret, valid 48 hours); only then does the coordinator see it. Afterwards the applicant
    follows it through a secret link (:func:`ostoja.network.services.applications.access_token`)
    derived from ``access_nonce`` and the server's secret key, so the link can be sent again
    with every question but a database reader alone cannot build it.
    """

    state = models.CharField(
        _("state"), max_length=16, choices=ApplicationState.choices, default="unconfirmed"
    )
    name = models.CharField(_("name of the organisation"), max_length=200)
    legal_form = models.CharField(_("legal form"), max_length=16, choices=LegalForm.choices)
    krs = models.CharField(_("KRS number"), max_length=10, blank=True)
    nip = models.CharField(_("NIP"), max_length=10)
    regon = models.CharField(_("REGON"), max_length=14)
    website = models.URLField(_("website"), max_length=300, blank=True)
    description = models.TextField(_("description"))
    voivodeships = models.JSONField(_("voivodeships"), default=list)
    areas = models.JSONField(_("areas of work"), default=list)
    contact_name = models.CharField(_("contact person"), max_length=200)
    contact_email = models.EmailField(_("contact e-mail"))
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="pl"
    )
    charter = models.ForeignKey(
        CharterVersion, on_delete=models.PROTECT, related_name="applications"
    )
    signatory_name = models.CharField(_("name of the person authorised to act"), max_length=200)
    signatory_function = models.CharField(_("function"), max_length=200)
    confirm_hash = models.CharField(max_length=64, unique=True)
    confirm_expires_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    access_nonce = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_reason = models.TextField(_("reason"), blank=True)
    organisation = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        constraints = [_open_unique("nip"), _open_unique("regon"), _open_unique("krs")]
        indexes = [models.Index(fields=["state"])]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class ApplicationMessage(models.Model):
    """One message of the conversation on an application (coordinator ↔ applicant)."""

    class Author(models.TextChoices):
        COORDINATOR = "coordinator", _("coordinator")
        APPLICANT = "applicant", _("applicant")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="messages")
    author_kind = models.CharField(max_length=16, choices=Author.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.author_kind}"


class CoverageTarget(models.Model):
    """How many member organisations each voivodeship should have (one row; coordinators edit
    it). Below ``minimum`` is a gap; ``goal`` is what the partnership aims for."""

    minimum = models.PositiveSmallIntegerField(_("minimum per voivodeship"), default=1)
    goal = models.PositiveSmallIntegerField(_("goal per voivodeship"), default=2)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("coverage target")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(goal__gte=models.F("minimum")), name="network_goal_ge_minimum"
            )
        ]

    def __str__(self) -> str:
        return f"{self.minimum}–{self.goal}"

    @classmethod
    def current(cls) -> CoverageTarget:
        return cls.objects.order_by("pk").first() or cls()
