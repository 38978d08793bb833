"""The vetting register of art. 21 of the Act of 13 May 2016 (see ``vetting`` for the law).

Data minimisation: the register records *that* a check was made, when, by whom and its result
("no entry" / "entry"); it keeps no copy of a certificate unless an officer attaches one, and
an attachment is encrypted at rest and deleted with the record. Fields that identify a person
beyond the name (PESEL, foreign identifier, date of birth, previous names) are encrypted with
AES-GCM (``crypto``); the name stays readable to the database so that the register can be
listed, sorted and searched there (it is the register's purpose to list who works with
children). ``__str__`` never returns a name, so audit entries and log lines carry ids only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from . import vetting
from .fields import EncryptedDateField, EncryptedTextField


def default_intervention_retention_months() -> int:
    return int(getattr(settings, "OSTOJA_INTERVENTION_RETENTION_MONTHS", 120))


def default_retention_months() -> int:
    return int(getattr(settings, "OSTOJA_SAFEGUARDING_RETENTION_MONTHS", 36))


class RegisterPolicy(models.Model):
    """An organisation's own rules for its register (Polish law sets no re-check interval)."""

    organisation = models.OneToOneField(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="safeguarding_policy"
    )
    recheck_months = models.PositiveSmallIntegerField(
        _("repeat the checks every (months)"), default=24
    )
    reminder_days = models.PositiveSmallIntegerField(
        _("remind this many days before a re-check is due"), default=30
    )
    retention_months = models.PositiveSmallIntegerField(
        _("delete a record this many months after the engagement ends"),
        default=default_retention_months,
    )
    intervention_retention_months = models.PositiveSmallIntegerField(
        _("delete an intervention record this many months after it is closed"),
        default=default_intervention_retention_months,
    )
    managers_may_read = models.BooleanField(
        _("organisation managers may read the register"), default=False
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("register policy")

    def __str__(self) -> str:
        return f"register policy of organisation #{self.organisation_id}"


class Activity(models.TextChoices):
    # art. 21 ust. 1: activity related to the education, upbringing, recreation, treatment,
    # psychological counselling, spiritual development, sport or other interests of minors, or
    # their care (to be confirmed against the consolidated text).
    EDUCATION = "education", _("education")
    UPBRINGING = "upbringing", _("upbringing")
    RECREATION = "recreation", _("recreation (holidays, camps)")
    TREATMENT = "treatment", _("treatment")
    COUNSELLING = "counselling", _("psychological counselling")
    SPIRITUAL = "spiritual", _("spiritual development")
    SPORT = "sport", _("sport")
    INTERESTS = "interests", _("other interests")
    CARE = "care", _("care of minors")


class Basis(models.TextChoices):
    EMPLOYMENT = "employment", _("employment contract")
    CIVIL = "civil_contract", _("civil-law contract")
    VOLUNTEER = "volunteer", _("volunteering")
    TRAINEE = "trainee", _("traineeship or placement")
    PARTNER = "partner_staff", _("staff of a partner organisation")


class Result(models.TextChoices):
    NO_ENTRY = vetting.RESULT_NO_ENTRY, _("no entry")
    ENTRY = vetting.RESULT_ENTRY, _("entry — not admitted")


class PersonQuerySet(models.QuerySet):
    def of(self, organisation):
        return self.filter(organisation=organisation)


class Person(models.Model):
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="vetted_people"
    )
    full_name = models.CharField(_("full name"), max_length=200)
    previous_names = EncryptedTextField(_("previous names"), blank=True, default="")
    date_of_birth = EncryptedDateField(_("date of birth"))
    pesel = EncryptedTextField(_("PESEL"), blank=True, default="")
    pesel_index = models.CharField(max_length=64, blank=True, default="")
    foreign_id = EncryptedTextField(
        _("foreign identity document (type and number)"), blank=True, default=""
    )
    citizenships = models.JSONField(_("citizenships"), default=list)

    # Derived by services.refresh_status() after every change, so that the register's lists
    # and filters are plain indexed queries.
    complete = models.BooleanField(default=False)
    adverse = models.BooleanField(default=False)
    missing = models.JSONField(default=list)  # [[kind, country], …]
    checks_completed_on = models.DateField(null=True, blank=True)
    recheck_due = models.DateField(null=True, blank=True)
    reminded_for = models.DateField(null=True, blank=True)
    engaged_until = models.DateField(null=True, blank=True)  # latest end; null while open
    has_open_engagement = models.BooleanField(default=False)

    admitted_on = models.DateField(_("admitted on"), null=True, blank=True)
    admitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["full_name", "id"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        indexes = [
            models.Index(fields=["organisation", "full_name"], name="sg_person_org_name"),
            models.Index(fields=["organisation", "recheck_due"], name="sg_person_org_due"),
            models.Index(fields=["organisation", "complete"], name="sg_person_org_complete"),
            models.Index(fields=["recheck_due"], name="sg_person_due"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "pesel_index"],
                condition=~models.Q(pesel_index=""),
                name="sg_person_unique_pesel_per_org",
            )
        ]

    def __str__(self) -> str:
        return f"person #{self.pk}"

    @property
    def is_admitted(self) -> bool:
        return self.admitted_on is not None

    def missing_requirements(self) -> list[vetting.Requirement]:
        return [vetting.Requirement(kind, country) for kind, country in self.missing]


class Engagement(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="engagements")
    role = models.CharField(_("role"), max_length=120)
    activity = models.CharField(
        _("kind of activity (art. 21 ust. 1)"), max_length=20, choices=Activity.choices
    )
    basis = models.CharField(_("basis"), max_length=20, choices=Basis.choices)
    start_date = models.DateField(_("start"))
    end_date = models.DateField(_("end"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-start_date", "-id"]
        verbose_name = _("engagement")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="sg_engagement_end_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"engagement #{self.pk}"


class Check(models.Model):
    class Kind(models.TextChoices):
        REGISTER = vetting.REGISTER, _("Register of Sexual Offenders (both registers)")
        KRK = vetting.KRK, _("National Criminal Register information (art. 21 ust. 3)")
        FOREIGN = vetting.FOREIGN, _("Foreign criminal-record information or declaration")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="checks")
    kind = models.CharField(_("check"), max_length=20, choices=Kind.choices)
    country = models.CharField(_("country"), max_length=2, blank=True, default="")
    checked_on = models.DateField(_("date of the check / date presented"))
    issued_on = models.DateField(_("date of issue"), null=True, blank=True)
    result = models.CharField(_("result"), max_length=10, choices=Result.choices)
    both_registers = models.BooleanField(_("both registers checked"), default=False)
    scope_confirmed = models.BooleanField(_("scope of art. 21 ust. 3 confirmed"), default=False)
    declaration_instead = models.BooleanField(
        _("declaration under criminal liability (the state issues no such information)"),
        default=False,
    )
    reference = models.CharField(_("reference of the printout"), max_length=100, blank=True)
    # Reused with the person's consent from another organisation (content not copied).
    reused_from_organisation = models.CharField(max_length=200, blank=True, default="")
    reused_recorded_by = models.CharField(max_length=254, blank=True, default="")
    reused_use = models.ForeignKey(
        "ShareUse", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_by_label = models.CharField(max_length=254, blank=True, default="")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "country", "-checked_on", "-id"]
        verbose_name = _("check")
        indexes = [models.Index(fields=["person", "kind", "country"], name="sg_check_person_kind")]

    def __str__(self) -> str:
        return f"check #{self.pk}"

    @property
    def is_reused(self) -> bool:
        return bool(self.reused_from_organisation)


class CheckAttachment(models.Model):
    """An optional scan of a certificate: encrypted with the key named by ``key_id``."""

    check_record = models.OneToOneField(Check, on_delete=models.CASCADE, related_name="attachment")
    key_id = models.CharField(max_length=16)
    ciphertext = models.BinaryField()
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")

    def __str__(self) -> str:
        return f"attachment #{self.pk}"


class ResidenceDeclaration(models.Model):
    """art. 21 ust. 5: the states (other than Poland and of citizenship) lived in, 20 years."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="residence")
    declared_on = models.DateField(_("date of the declaration"))
    text_version = models.CharField(_("version of the declaration's text"), max_length=40)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_by_label = models.CharField(max_length=254, blank=True, default="")
    reused_from_organisation = models.CharField(max_length=200, blank=True, default="")
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("residence declaration")

    def __str__(self) -> str:
        return f"residence declaration #{self.pk}"


class ResidencePeriod(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="residence_periods")
    country = models.CharField(_("country"), max_length=2)
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"))

    class Meta:
        ordering = ["start_date", "id"]
        verbose_name = _("period of residence abroad")

    def __str__(self) -> str:
        return f"residence period #{self.pk}"

    def as_period(self) -> vetting.Period:
        return vetting.Period(self.country, self.start_date, self.end_date)


class AccessLogEntry(models.Model):
    """Every read of a person's record (the audit log records changes; this records reads).
    It keeps the record's id only, so it outlives the record without keeping personal data."""

    class Kind(models.TextChoices):
        VIEWED = "viewed", _("opened the record")
        ATTACHMENT = "attachment", _("opened an attachment")
        EXPORTED = "exported", _("exported the register")
        INTERVENTION = "intervention", _("opened an intervention record")

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    person_id_ref = models.BigIntegerField(null=True, blank=True)
    intervention_id_ref = models.BigIntegerField(null=True, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=254, blank=True, default="")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("access log entry")
        indexes = [models.Index(fields=["organisation", "-at"], name="sg_access_org_at")]

    def __str__(self) -> str:
        return f"access #{self.pk}"


class ShareConsent(models.Model):
    """A person's consent that one named organisation may reuse their checks (by a code)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="shares")
    recipient = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    code_hash = models.CharField(max_length=64, unique=True)
    code_hint = models.CharField(max_length=4)
    consent_on = models.DateField(_("date of the consent"))
    expires_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("consent to share checks")

    def __str__(self) -> str:
        return f"share consent #{self.pk}"


class ShareUse(models.Model):
    """Each attempt to use a share code, accepted or refused (guessed, withdrawn, expired, or
    presented by an organisation the person did not consent to)."""

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", pgettext_lazy("share code use", "accepted")
        UNKNOWN = "unknown", _("refused: no such code")
        WITHDRAWN = "withdrawn", _("refused: consent withdrawn")
        EXPIRED = "expired", _("refused: code expired")
        OTHER_ORG = "other_org", _("refused: the consent names another organisation")
        THROTTLED = "throttled", _("refused: too many attempts")

    consent = models.ForeignKey(
        ShareConsent, null=True, blank=True, on_delete=models.CASCADE, related_name="uses"
    )
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["organisation", "outcome", "at"], name="sg_shareuse_org")]

    def __str__(self) -> str:
        return f"share use #{self.pk}"


# --- child-protection standards (art. 22b–22c) ----------------------------------------------


class OrganisationType(models.TextChoices):
    ANY = "any", _("any organisation")
    SCHOOL = "school", _("school or kindergarten")
    CLUB = "club", _("sports club")
    NGO = "ngo", _("non-governmental organisation")
    MEDICAL = "medical", _("medical entity")
    CULTURE = "culture", _("cultural institution")
    CAMP = "camp", _("holiday or camp organiser")
    RELIGIOUS = "religious", _("religious body")
    AUTHORITY = "authority", _("local authority unit")


class StandardsTemplate(models.Model):
    """Model standards the coordinator curates (e.g. the network's model standards)."""

    name = models.CharField(_("name"), max_length=200)
    organisation_type = models.CharField(
        _("for"), max_length=20, choices=OrganisationType.choices, default=OrganisationType.ANY
    )
    sections = models.JSONField(default=dict)  # element key -> text
    children_text = models.TextField(_("short version for children"), blank=True)
    parents_text = models.TextField(_("version for parents"), blank=True)
    published = models.BooleanField(_("offered to organisations"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("standards template")

    def __str__(self) -> str:
        return self.name


class StandardsDocument(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("standards document", "draft")
        ADOPTED = "adopted", _("in force")
        SUPERSEDED = "superseded", _("superseded")

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="standards"
    )
    version = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    based_on = models.ForeignKey(
        StandardsTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sections = models.JSONField(default=dict)
    children_text = models.TextField(_("short version for children"), blank=True)
    parents_text = models.TextField(_("version for parents"), blank=True)
    adopted_on = models.DateField(_("adopted on"), null=True, blank=True)
    adopted_by_body = models.CharField(_("adopted by"), max_length=200, blank=True)
    decision_reference = models.CharField(_("decision"), max_length=200, blank=True)
    adopted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    review_due = models.DateField(null=True, blank=True, db_index=True)
    review_reminded_for = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("child-protection standards")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "version"], name="sg_standards_unique_version"
            ),
            models.UniqueConstraint(
                fields=["organisation"],
                condition=models.Q(status="adopted"),
                name="sg_standards_one_in_force",
            ),
            models.UniqueConstraint(
                fields=["organisation"],
                condition=models.Q(status="draft"),
                name="sg_standards_one_draft",
            ),
        ]

    def __str__(self) -> str:
        return f"standards #{self.pk} v{self.version}"


class Acknowledgement(models.Model):
    """A member of staff read a version of the standards (online, or on paper as recorded by
    an officer)."""

    document = models.ForeignKey(
        StandardsDocument, on_delete=models.CASCADE, related_name="acknowledgements"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(_("name"), max_length=200, blank=True)
    on_paper = models.BooleanField(default=False)
    acknowledged_on = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-acknowledged_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "user"],
                condition=models.Q(user__isnull=False),
                name="sg_ack_once_per_user",
            )
        ]

    def __str__(self) -> str:
        return f"acknowledgement #{self.pk}"


class StandardsReview(models.Model):
    """art. 22c ust. 7: the assessment at least every two years, documented in writing."""

    document = models.ForeignKey(
        StandardsDocument, on_delete=models.CASCADE, related_name="reviews"
    )
    reviewed_on = models.DateField(_("date of the review"))
    conclusions = models.TextField(_("conclusions: what changes and why"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-reviewed_on", "-id"]

    def __str__(self) -> str:
        return f"review #{self.pk}"


class Questionnaire(models.Model):
    """An anonymous monitoring questionnaire (no account, no cookie, no IP address stored)."""

    class Audience(models.TextChoices):
        STAFF = "staff", _("staff")
        CHILDREN = "children", _("children")

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    audience = models.CharField(_("for"), max_length=10, choices=Audience.choices)
    token = models.CharField(max_length=32, unique=True)
    open = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"questionnaire #{self.pk}"


class QuestionnaireAnswer(models.Model):
    """One anonymous answer: the scores only, and the date (no time, so answers cannot be
    matched to a visit)."""

    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="answers"
    )
    scores = models.JSONField()
    answered_on = models.DateField()

    def __str__(self) -> str:
        return f"answer #{self.pk}"


# --- intervention records ---------------------------------------------------------------------


class Intervention(models.Model):
    """The documentation the standards require when harm is suspected (the intervention card,
    steps, notifications, support plan). Safeguarding officers of the organisation only;
    everything that could identify the child is encrypted; every view is logged."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("intervention record", "in progress")
        CLOSED = "closed", _("closed")

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    number = models.PositiveIntegerField()
    child_name = EncryptedTextField(_("child (name, or initials)"))
    child_details = EncryptedTextField(_("age, group or class"), blank=True, default="")
    concern = EncryptedTextField(_("what was observed or reported"))
    opened_on = models.DateField(_("opened on"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-opened_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "number"], name="sg_intervention_unique_number"
            )
        ]
        indexes = [models.Index(fields=["organisation", "status"], name="sg_interv_org_status")]

    def __str__(self) -> str:
        return f"intervention #{self.pk}"


class InterventionStep(models.Model):
    class Kind(models.TextChoices):
        STEP = "step", _("step taken")
        POLICE = "police", _("notification to the police or prosecutor")
        COURT = "court", _("notification to the family court")
        BLUE_CARD = "blue_card", _("'Blue Card' procedure")
        SUPPORT_PLAN = "support_plan", _("support plan")
        NOTE = "note", _("note")

    intervention = models.ForeignKey(Intervention, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    on = models.DateField(_("date"))
    text = EncryptedTextField(_("description"))
    reference = models.CharField(
        _("reference (e.g. of the notification)"), max_length=100, blank=True, default=""
    )
    recorded_by_label = models.CharField(max_length=254, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["on", "id"]

    def __str__(self) -> str:
        return f"intervention step #{self.pk}"


# --- training records -------------------------------------------------------------------------


class TrainingRecord(models.Model):
    """Who completed which training on the standards, and when it is due again."""

    class Source(models.TextChoices):
        NETWORK = "network", _("the network's training")
        MANUAL = "manual", _("recorded by hand")

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    person_name = models.CharField(_("member of staff"), max_length=200)
    title = models.CharField(_("training"), max_length=200)
    completed_on = models.DateField(_("completed on"))
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    valid_months = models.PositiveSmallIntegerField(_("repeat after (months)"), default=24)
    due_on = models.DateField(_("due again"))
    recorded_by_label = models.CharField(max_length=254, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_on", "person_name", "id"]
        indexes = [models.Index(fields=["organisation", "due_on"], name="sg_training_org_due")]

    def __str__(self) -> str:
        return f"training record #{self.pk}"
