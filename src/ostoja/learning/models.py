"""Training cycles, supervision for their graduates, and consultations with experts.

Three subjects, one app (issue 13, §4–§6):

* **Training** — a :class:`Course` runs in :class:`Edition` s (cycles) with :class:`Module` s and
  :class:`TrainingSession` s, trainers and a cohort of :class:`Enrolment` s (with a waiting
  list); trainers mark :class:`Attendance` per session; completion follows the edition's rules.
* **Supervision** — :class:`SupervisionGroup` s for graduates (a supervisor, a maximum size,
  meetings on a recurring schedule), :class:`SupervisionBooking` s, attendance, and the
  supervisor's private :class:`SupervisionNote` s (encrypted at rest).
* **Consultations** — a professional's :class:`ConsultationRequest` (topic, urgency, channel);
  experts' weekly :class:`AvailabilityRule` s; a phone/video :class:`ConsultationBooking` in a
  free slot (never given twice); an e-mail consultation is a thread of
  :class:`ConsultationMessage` s inside the platform.

Trainers, supervisors and experts are people the coordinator flags in a
:class:`Practitioner` profile — not platform roles (they work across organisations).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

USER = settings.AUTH_USER_MODEL


class Topic(models.TextChoices):
    DIAGNOSIS = "diagnosis", _("Diagnosis of abuse")
    INTERVENTION = "intervention", _("Intervention")
    PSYCHOLOGICAL = "psychological", _("Psychological help for children")
    LEGAL = "legal", _("Legal questions and proceedings")
    ONLINE = "online", _("Online safety")
    PREVENTION = "prevention", _("Prevention and child-protection standards")


class Practitioner(models.Model):
    """A person the coordinator flagged as a trainer, a supervisor and/or an expert."""

    user = models.OneToOneField(USER, on_delete=models.CASCADE, related_name="practitioner")
    is_trainer = models.BooleanField(_("trainer"), default=False)
    is_supervisor = models.BooleanField(_("supervisor"), default=False)
    is_expert = models.BooleanField(_("expert for consultations"), default=False)
    areas = models.JSONField(_("areas of expertise"), default=list, blank=True)
    bio = models.TextField(_("short note about the person"), blank=True, max_length=2000)
    phone = models.CharField(_("phone for consultations"), max_length=40, blank=True)
    video_link = models.URLField(_("video-call link"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("practitioner")
        verbose_name_plural = _("practitioners")

    def __str__(self) -> str:
        return str(self.user)


# --- training ---------------------------------------------------------------------------------


class Course(models.Model):
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=5000)
    # Months a completion certificate stays valid; empty: it does not expire.
    certificate_valid_months = models.PositiveSmallIntegerField(
        _("certificate valid for (months)"), null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class Edition(models.Model):
    """One cycle of a course, with its own cohort and completion rules."""

    class State(models.TextChoices):
        OPEN = "open", _("enrolment open")
        RUNNING = "running", _("running")
        CLOSED = "closed", _("closed")

    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="editions")
    name = models.CharField(_("edition"), max_length=120)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    capacity = models.PositiveIntegerField(_("places in the cohort"))
    min_attendance_percent = models.PositiveSmallIntegerField(
        _("attendance needed for completion (%)"), default=80
    )
    requires_assessment = models.BooleanField(
        _("a passed final assessment is needed"), default=True
    )
    trainers = models.ManyToManyField(USER, related_name="trained_editions", blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.OPEN)
    offer_hours = models.PositiveSmallIntegerField(
        _("hours to accept a place offered from the waiting list"), default=48
    )
    # Optimistic concurrency: every edit increments it, and services.update_edition refuses a
    # save made from a form loaded at an older version (someone else saved meanwhile).
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("edition")
        verbose_name_plural = _("editions")
        ordering = ["-starts_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_attendance_percent__lte=100), name="learning_attendance_percent"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="learning_edition_dates"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.course.title} — {self.name}"


class Module(models.Model):
    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="modules")
    order = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(_("module"), max_length=200)

    class Meta:
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "title"], name="learning_module_title")
        ]

    def __str__(self) -> str:
        return self.title


class TrainingSession(models.Model):
    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="sessions")
    module = models.ForeignKey(
        Module, null=True, blank=True, on_delete=models.SET_NULL, related_name="sessions"
    )
    title = models.CharField(_("session"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    place = models.CharField(_("place or link"), max_length=300, blank=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="learning_session_times"
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def hours(self):
        from decimal import Decimal

        seconds = (self.ends_at - self.starts_at).total_seconds()
        return (Decimal(seconds) / Decimal(3600)).quantize(Decimal("0.01"))


class Enrolment(models.Model):
    class State(models.TextChoices):
        ENROLLED = "enrolled", _("in the cohort")
        WAITING = "waiting", _("on the waiting list")
        OFFERED = "offered", _("offered a place")
        OFFER_EXPIRED = "offer_expired", _("offer of a place expired")
        WITHDRAWN = "withdrawn", _("withdrawn")
        COMPLETED = "completed", pgettext_lazy("enrolment state", "completed")
        NOT_COMPLETED = "not_completed", _("did not complete")

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="enrolments")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="enrolments")
    state = models.CharField(max_length=16, choices=State.choices)
    # Arrival order on the waiting list (and in the cohort); assigned under the edition's lock.
    position = models.PositiveIntegerField(default=0)
    # Set while a place freed in the cohort is offered to this person (state OFFERED).
    offer_expires_at = models.DateTimeField(null=True, blank=True)
    assessment_passed = models.BooleanField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    certificate_code = models.CharField(max_length=16, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "user"], name="learning_one_enrolment")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.edition_id}"


class Attendance(models.Model):
    session = models.ForeignKey(
        TrainingSession, on_delete=models.CASCADE, related_name="attendance"
    )
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="attendance")
    present = models.BooleanField(default=False)
    marked_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    marked_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "enrolment"], name="learning_attendance_once"
            )
        ]

    def __str__(self) -> str:
        # An id only: this string is what the audit log shows as the target.
        return f"#{self.pk}"


# --- supervision ------------------------------------------------------------------------------


class SupervisionEligibility(models.Model):
    """Granted when a training is completed (the supervision side of the completion signal)."""

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="supervision_rights")
    source_key = models.CharField(max_length=120)  # e.g. "learning.enrolment:12"
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "source_key"], name="learning_eligibility")
        ]

    def __str__(self) -> str:
        # An id only: this string is what the audit log shows as the target.
        return f"#{self.pk}"


class SupervisionGroup(models.Model):
    title = models.CharField(_("group"), max_length=200)
    supervisor = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="supervised")
    max_size = models.PositiveSmallIntegerField(_("maximum size"))
    place = models.CharField(_("place or link"), max_length=300, blank=True)
    # The recurring schedule the meetings were generated from (kept for display).
    first_meeting = models.DateTimeField(_("first meeting"))
    every_weeks = models.PositiveSmallIntegerField(_("every … weeks"), default=4)
    meetings_count = models.PositiveSmallIntegerField(_("number of meetings"), default=6)
    duration_minutes = models.PositiveSmallIntegerField(_("length (minutes)"), default=120)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("supervision group")
        verbose_name_plural = _("supervision groups")
        ordering = ["first_meeting", "pk"]

    def __str__(self) -> str:
        return self.title


class SupervisionMeeting(models.Model):
    group = models.ForeignKey(SupervisionGroup, on_delete=models.CASCADE, related_name="meetings")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()

    class Meta:
        ordering = ["starts_at", "pk"]

    def __str__(self) -> str:
        return f"{self.group} {self.starts_at:%Y-%m-%d}"


class SupervisionBooking(models.Model):
    group = models.ForeignKey(SupervisionGroup, on_delete=models.CASCADE, related_name="bookings")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="supervision_bookings")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "user"], condition=Q(active=True), name="learning_one_booking"
            )
        ]

    def __str__(self) -> str:
        # An id only: this string is what the audit log shows as the target.
        return f"#{self.pk}"


class SupervisionAttendance(models.Model):
    meeting = models.ForeignKey(
        SupervisionMeeting, on_delete=models.CASCADE, related_name="attendance"
    )
    booking = models.ForeignKey(
        SupervisionBooking, on_delete=models.CASCADE, related_name="attendance"
    )
    present = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "booking"], name="learning_sv_attendance")
        ]

    def __str__(self) -> str:
        # An id only: this string is what the audit log shows as the target.
        return f"#{self.pk}"


class SupervisionNote(models.Model):
    """The supervisor's own note on a meeting. Only its author ever reads it; the text is
    encrypted at rest (AES-GCM, see :mod:`ostoja.learning.notes`)."""

    meeting = models.ForeignKey(SupervisionMeeting, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    body_encrypted = models.TextField()
    # Kinds of possibly child-identifying data the author confirmed (never the data itself).
    flags = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        # An id only: this string is what the audit log shows as the target.
        return f"#{self.pk}"


# --- consultations ----------------------------------------------------------------------------


class AvailabilityRule(models.Model):
    """An expert's weekly window, cut into slots of ``slot_minutes`` with a buffer after each."""

    expert = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="availability")
    weekday = models.PositiveSmallIntegerField(_("weekday"))  # 0 = Monday
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("until"))
    slot_minutes = models.PositiveSmallIntegerField(_("consultation length (minutes)"), default=45)
    buffer_minutes = models.PositiveSmallIntegerField(_("break after each (minutes)"), default=15)

    class Meta:
        ordering = ["weekday", "start_time"]
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="learning_weekday"),
            models.CheckConstraint(
                condition=Q(end_time__gt=models.F("start_time")), name="learning_rule_times"
            ),
        ]

    def __str__(self) -> str:
        # An id only: this string is what the audit log shows as the target.
        return f"#{self.pk}"


class ConsultationRequest(models.Model):
    class Channel(models.TextChoices):
        PHONE = "phone", pgettext_lazy("consultation channel", "phone")
        VIDEO = "video", _("video call")
        EMAIL = "email", _("written (inside the platform)")

    class Urgency(models.TextChoices):
        NORMAL = "normal", _("normal")
        URGENT = "urgent", _("urgent (within two working days)")

    class State(models.TextChoices):
        WAITING = "waiting", _("waiting for a date or an answer")
        BOOKED = "booked", pgettext_lazy("consultation", "booked")
        ANSWERED = "answered", _("answered")
        CLOSED = "closed", _("closed")

    requester = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="consultations")
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    # Copied from the organisation when asked: statistics by voivodeship need no join.
    voivodeship = models.CharField(max_length=2, blank=True)
    topic = models.CharField(
        pgettext_lazy("expertise", "topic"), max_length=20, choices=Topic.choices
    )
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL
    )
    channel = models.CharField(
        pgettext_lazy("consultation", "channel"), max_length=10, choices=Channel.choices
    )
    subject = models.CharField(_("subject (no names of children)"), max_length=200)
    expert = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="expert_consultations"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.WAITING)
    created_at = models.DateTimeField(auto_now_add=True)
    # When the expert first answered or the booked consultation took place (waiting time).
    first_response_at = models.DateTimeField(null=True, blank=True)
    ics_sequence = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["topic", "voivodeship"])]

    def __str__(self) -> str:
        # Never the subject: this string is the audit log's target label.
        return f"#{self.pk}"


class ConsultationBooking(models.Model):
    """A phone/video consultation in one of the expert's slots. One active booking per slot
    (the unique constraint) and per request."""

    request = models.ForeignKey(
        ConsultationRequest, on_delete=models.CASCADE, related_name="bookings"
    )
    expert = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    active = models.BooleanField(default=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["expert", "starts_at"],
                condition=Q(active=True),
                name="learning_slot_given_once",
            ),
            models.UniqueConstraint(
                fields=["request"], condition=Q(active=True), name="learning_one_active_booking"
            ),
        ]

    def __str__(self) -> str:
        # An id only: this string is what the audit log shows as the target.
        return f"#{self.pk}"


class ConsultationMessage(models.Model):
    request = models.ForeignKey(
        ConsultationRequest, on_delete=models.CASCADE, related_name="messages"
    )
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(max_length=10000)
    flags = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        # An id only: this string is what the audit log shows as the target.
        return f"#{self.pk}"
