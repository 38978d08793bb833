"""The Pact of Towns and Regions: signatories, the catalogue of measures, self-assessments
(question by question, reviewed), action plans with milestones and children's participation."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _


class Pillar(models.TextChoices):
    PREVENTION = "prevention", _("Prevention")
    PROTECTION = "protection", _("Protection")
    PROSECUTION = "prosecution", _("Prosecution")
    PARTICIPATION = "participation", _("Participation")
    GOVERNANCE = "governance", _("Governance and coordination")


def _in_language(texts: dict) -> str:
    lang = (get_language() or "pl")[:2]
    return texts.get(lang) or texts.get("pl") or ""


class MeasureTexts:
    """The wording of a measure in the reader's language (shared by a measure and each of
    its revisions)."""

    @property
    def title_text(self) -> str:
        return _in_language(self.title)

    @property
    def description_text(self) -> str:
        return _in_language(self.description)

    @property
    def good_practice_text(self) -> str:
        return _in_language(self.good_practice)

    @property
    def legal_duties_text(self) -> list[str]:
        return [_in_language(d) for d in self.legal_duties]


class Measure(MeasureTexts, models.Model):
    """One practical measure of the catalogue (curated by coordinators, versioned).

    The fields hold the current wording; ``catalogue_version`` is the version of the
    catalogue in which the wording last changed, and ``revisions`` keep every wording a
    self-assessment may have answered."""

    code = models.CharField(_("code"), max_length=16, unique=True)
    pillar = models.CharField(_("pillar"), max_length=16, choices=Pillar.choices)
    order = models.PositiveIntegerField(default=0)
    title = models.JSONField(_("title"), default=dict)  # {"pl": …, "en": …}
    description = models.JSONField(_("description"), default=dict)
    good_practice = models.JSONField(_("good practice"), default=dict)
    lanzarote = models.JSONField(_("Lanzarote Convention articles"), default=list)
    legal_duties = models.JSONField(_("Polish legal duties"), default=list)
    source = models.CharField(_("source"), max_length=300)
    catalogue_version = models.PositiveIntegerField(_("catalogue version"), default=1)
    retired_in = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("measure")
        verbose_name_plural = _("measures")

    def __str__(self) -> str:
        return f"{self.code} {self.title_text}"


class CatalogueVersion(models.Model):
    """One version of the catalogue: every change a coordinator makes (a measure added,
    reworded, retired or restored) or a shipped catalogue file loaded makes a new one."""

    number = models.PositiveIntegerField(_("catalogue version"), unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    change = models.CharField(max_length=300, blank=True)  # what changed, for the history

    class Meta:
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"v{self.number}"


class MeasureRevision(MeasureTexts, models.Model):
    """The wording of a measure as of one catalogue version. An answer points at the
    revision it answered, so editing the catalogue never rewrites a submitted
    self-assessment."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="revisions")
    catalogue_version = models.PositiveIntegerField(_("catalogue version"))
    pillar = models.CharField(_("pillar"), max_length=16, choices=Pillar.choices)
    title = models.JSONField(_("title"), default=dict)
    description = models.JSONField(_("description"), default=dict)
    good_practice = models.JSONField(_("good practice"), default=dict)
    lanzarote = models.JSONField(_("Lanzarote Convention articles"), default=list)
    legal_duties = models.JSONField(_("Polish legal duties"), default=list)
    source = models.CharField(_("source"), max_length=300)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["measure", "-catalogue_version"]
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "catalogue_version"], name="pact_one_revision_per_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.measure.code} v{self.catalogue_version}"

    @property
    def code(self) -> str:
        return self.measure.code

    def get_pillar_display(self) -> str:
        return str(Pillar(self.pillar).label)


class SignatoryKind(models.TextChoices):
    VOIVODESHIP = "voivodeship", _("Voivodeship (region)")
    POWIAT = "powiat", _("Powiat (county)")
    CITY_POWIAT = "city_powiat", _("City with powiat rights")
    GMINA_URBAN = "gmina_urban", _("Urban gmina")
    GMINA_RURAL = "gmina_rural", _("Rural gmina")
    GMINA_URBAN_RURAL = "gmina_urban_rural", _("Urban-rural gmina")
    FOREIGN_TOWN = "foreign_town", _("Town or municipality (abroad)")
    FOREIGN_REGION = "foreign_region", _("Region (abroad)")


class SignatoryQuerySet(models.QuerySet):
    def public(self):
        """What the public pages show: verified signatories (those who left stay, marked)."""
        return self.filter(state__in=[Signatory.State.VERIFIED, Signatory.State.LEFT])

    def managed_by(self, user):
        """Signatories whose data the user may edit: coordinators all, officers their own."""
        from .permissions import is_pact_coordinator

        if not getattr(user, "is_authenticated", False):
            return self.none()
        if is_pact_coordinator(user):
            return self.all()
        from ostoja.organisations.roles import Role

        return self.filter(
            organisation__memberships__user=user,
            organisation__memberships__role=Role.AUTHORITY_OFFICER,
        ).distinct()


class Signatory(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("waiting for verification")
        VERIFIED = "verified", pgettext_lazy("pact signatory state", "signed")
        REJECTED = "rejected", _("not verified")
        LEFT = "left", _("left the Pact")

    slug = models.SlugField(max_length=80, unique=True)
    organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        related_name="pact_signatures",
        null=True,
        blank=True,
    )
    kind = models.CharField(_("kind of authority"), max_length=20, choices=SignatoryKind.choices)
    teryt_code = models.CharField(_("TERYT code"), max_length=7, blank=True)
    country = models.CharField(_("country"), max_length=2, default="PL")
    name = models.CharField(_("name"), max_length=200)
    voivodeship = models.CharField(_("voivodeship"), max_length=2, blank=True)
    signed_by_name = models.CharField(_("signed by"), max_length=150)
    signed_by_function = models.CharField(_("function"), max_length=150)
    signed_on = models.DateField(_("date signed"))
    resolution_url = models.URLField(_("council resolution (link)"), blank=True)
    resolution_file = models.FileField(
        _("council resolution (PDF)"), upload_to="pact/resolutions/", blank=True
    )
    contact_name = models.CharField(_("contact person"), max_length=150)
    contact_email = models.EmailField(_("contact e-mail"))
    state = models.CharField(max_length=12, choices=State.choices, default=State.PENDING)
    state_reason = models.CharField(max_length=500, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    left_on = models.DateField(null=True, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="pact_reviews",
        verbose_name=_("reviewer"),
    )
    # Progress of the plan per P (pillar → %, only where something is planned), kept by the
    # services whenever the plan changes, so the national overview and the peer comparison
    # read one row per signatory instead of every plan item (None: not computed yet).
    progress = models.JSONField(default=dict, null=True, blank=True, editable=False)
    # The mean of ``progress`` (progress.overall), kept with it: the peer comparison ranks
    # and the voivodeship table averages in SQL instead of decoding every row's JSON.
    overall_progress = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    # The authority's own units working with children (schools, social services, cultural
    # centres) that have accounts on the platform: their child-protection standards
    # (safeguarding) are shown on the signatory's public page.
    units = models.ManyToManyField(
        "organisations.Organisation",
        blank=True,
        related_name="pact_authority_units",
        verbose_name=_("the authority's own units"),
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = SignatoryQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("signatory")
        verbose_name_plural = _("signatories")
        constraints = [
            # One live signature per Polish authority (an authority that left may sign again).
            models.UniqueConstraint(
                fields=["teryt_code"],
                condition=~models.Q(teryt_code="") & models.Q(state__in=["pending", "verified"]),
                name="pact_one_live_signature_per_teryt",
            ),
            models.UniqueConstraint(
                fields=["country", "name"],
                condition=~models.Q(country="PL") & models.Q(state__in=["pending", "verified"]),
                name="pact_one_live_signature_abroad",
            ),
            models.CheckConstraint(
                condition=models.Q(country="PL", teryt_code__regex=r"^(\d{2}|\d{4}|\d{7})$")
                | (~models.Q(country="PL") & models.Q(teryt_code="")),
                name="pact_teryt_for_poland_only",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_polish(self) -> bool:
        return self.country == "PL"

    @property
    def peer_group(self) -> str:
        return self.kind


class Assessment(models.Model):
    """One year's self-assessment: one answer per measure, submitted, then reviewed."""

    class State(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("pact", "draft")
        SUBMITTED = "submitted", _("submitted for review")
        CHANGES = "changes", _("returned with questions")
        ACCEPTED = "accepted", _("reviewed")

    signatory = models.ForeignKey(Signatory, on_delete=models.CASCADE, related_name="assessments")
    year = models.PositiveIntegerField(_("year"))
    state = models.CharField(max_length=12, choices=State.choices, default=State.DRAFT)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["signatory", "year"], name="pact_one_assessment_a_year")
        ]

    def __str__(self) -> str:
        return f"{self.signatory} {self.year}"

    @property
    def is_public(self) -> bool:
        return self.state in (self.State.SUBMITTED, self.State.CHANGES, self.State.ACCEPTED)


class AnswerStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("not started")
    PLANNED = "planned", _("planned")
    IN_PROGRESS = "in_progress", pgettext_lazy("pact answer status", "in progress")
    IMPLEMENTED = "implemented", _("implemented")
    NOT_APPLICABLE = "not_applicable", _("not applicable")


class Answer(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="answers")
    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="answers")
    # The wording answered (set when the answer is saved; a submitted self-assessment keeps
    # it whatever the coordinators change in the catalogue later).
    revision = models.ForeignKey(
        MeasureRevision, on_delete=models.PROTECT, null=True, blank=True, related_name="answers"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=AnswerStatus.choices, default=AnswerStatus.NOT_STARTED
    )
    explanation = models.TextField(_("explanation"), blank=True, max_length=5000)
    evidence_url = models.URLField(_("evidence (link)"), blank=True)
    evidence_note = models.CharField(_("evidence (description)"), max_length=500, blank=True)
    evidence_valid_until = models.DateField(_("evidence valid until"), null=True, blank=True)
    evidence_public = models.BooleanField(_("evidence may be shown publicly"), default=True)
    evidence_reminded_for = models.DateField(null=True, blank=True)  # expiry last reminded of
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["measure__order"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "measure"], name="pact_one_answer")
        ]

    def __str__(self) -> str:
        return f"{self.assessment} {self.measure.code}"

    @property
    def question(self) -> MeasureTexts:
        """The wording this answer answers (the measure's current one if none is recorded)."""
        return self.revision or self.measure

    @property
    def has_evidence(self) -> bool:
        return bool(self.evidence_url or self.evidence_note)

    def evidence_expired(self, today=None) -> bool:
        today = today or timezone.localdate()
        return bool(self.evidence_valid_until and self.evidence_valid_until < today)


class ReviewComment(models.Model):
    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(max_length=3000)
    requests_evidence = models.BooleanField(default=False)
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.text[:50]


class PlanItem(models.Model):
    """A measure the authority commits to; sub-items roll up into their parent's progress."""

    signatory = models.ForeignKey(Signatory, on_delete=models.CASCADE, related_name="plan_items")
    measure = models.ForeignKey(
        Measure, on_delete=models.PROTECT, null=True, blank=True, related_name="plan_items"
    )
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    title = models.CharField(_("title"), max_length=200)
    responsible_unit = models.CharField(_("responsible unit"), max_length=200)
    partners = models.CharField(_("partners"), max_length=500, blank=True)
    budget_pln = models.DecimalField(
        _("budget (PLN)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    indicator = models.CharField(_("indicator"), max_length=300, blank=True)
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    children_participation = models.TextField(
        _("how children took part"), blank=True, max_length=3000
    )
    starts_on = models.DateField(_("start"))
    ends_on = models.DateField(_("end"))
    # Links to the rest of the platform: member organisations of the network working in the
    # authority's voivodeship, and services of the directory in that area (see links.py).
    partner_organisations = models.ManyToManyField(
        "organisations.Organisation",
        blank=True,
        related_name="pact_plan_items",
        verbose_name=_("partner organisations of the network"),
    )
    services = models.ManyToManyField(
        "directory.Service",
        blank=True,
        related_name="pact_plan_items",
        verbose_name=_("services of the directory"),
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["starts_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__gte=0, progress__lte=100), name="pact_progress_0_100"
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="pact_item_dates"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Milestone(models.Model):
    item = models.ForeignKey(PlanItem, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("milestone"), max_length=200)
    due_on = models.DateField(_("deadline"))
    done_on = models.DateField(_("done on"), null=True, blank=True)
    reminded_for = models.DateField(null=True, blank=True)  # the deadline last reminded of

    class Meta:
        ordering = ["due_on"]

    def __str__(self) -> str:
        return self.title


class ReviewCycle(models.Model):
    """The biennial review (signatories meet every two years to review progress): the
    authority writes a report on its plan for the two years and signs it off; a signed-off
    report is public."""

    class State(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("pact", "draft")
        SIGNED_OFF = "signed_off", _("signed off")

    signatory = models.ForeignKey(Signatory, on_delete=models.CASCADE, related_name="reviews")
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    report = models.TextField(pgettext_lazy("pact biennial review", "report"), max_length=20000)
    state = models.CharField(max_length=12, choices=State.choices, default=State.DRAFT)
    signed_off_on = models.DateField(_("signed off on"), null=True, blank=True)
    signed_off_by_name = models.CharField(_("signed off by"), max_length=150, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-period_end"]
        constraints = [
            models.UniqueConstraint(
                fields=["signatory", "period_end"], name="pact_one_review_per_period"
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gt=models.F("period_start")),
                name="pact_review_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.signatory} {self.period_start}–{self.period_end}"
