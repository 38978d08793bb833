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

from . import vetting
from .fields import EncryptedDateField, EncryptedTextField


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

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    person_id_ref = models.BigIntegerField(null=True, blank=True)
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
        ACCEPTED = "accepted", _("accepted")
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
