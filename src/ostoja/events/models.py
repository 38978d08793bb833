"""Events of the partnership: meetings, local events, webinars and the national conference.

An :class:`Event` has a programme of :class:`Day` and :class:`Session` rows (plenary talks and
parallel workshops, each workshop with its own capacity), :class:`TicketCategory` quotas, and
:class:`Registration` rows. Seats are counted in ``taken`` columns changed only by conditional
``UPDATE … WHERE taken < quota`` statements (see ``services/seats.py``), so a seat can never be
sold twice even when a thousand people press the button at once. Check-in lists
(:class:`CheckinList`) admit a registration at most once each (a unique constraint), and every
answer given to a scanner is kept under its nonce (:class:`Scan`).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


def queue_stamp() -> int:
    """A waiting-list position: microseconds since the epoch (arrival order)."""
    return time.time_ns() // 1000


class EventKind(models.TextChoices):
    MEETING = "meeting", _("meeting")
    LOCAL = "local", _("local event")
    WEBINAR = "webinar", _("webinar")
    CONFERENCE = "conference", _("conference")


class Visibility(models.TextChoices):
    PUBLIC = "public", pgettext_lazy("event", "public")
    MEMBERS = "members", _("partnership members only")


class Event(models.Model):
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("short name (slug)"), max_length=80, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=EventKind.choices)
    description = models.TextField(_("description (Markdown)"), blank=True)
    organiser = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        related_name="organised_events",
        verbose_name=_("organising organisation"),
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    venue = models.CharField(_("venue"), max_length=300, blank=True)
    online_url = models.URLField(_("online link"), max_length=500, blank=True)
    visibility = models.CharField(
        _("who may see and register"),
        max_length=16,
        choices=Visibility.choices,
        default=Visibility.PUBLIC,
    )
    published = models.BooleanField(_("published"), default=False)
    registration_open = models.BooleanField(_("registration open"), default=True)
    offer_hours = models.PositiveIntegerField(_("hours to accept a waiting-list offer"), default=48)
    anonymise_after_days = models.PositiveIntegerField(
        _("days after the event until personal data are anonymised"), default=90
    )
    checkin_staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("check-in staff")
    )
    sensitive_deleted_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Optimistic concurrency: raised by each save of the organiser's edit form.
    version = models.PositiveIntegerField(default=0, editable=False)
    anonymised_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gte=models.F("starts_at")), name="event_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Day(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="days")
    date = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=200, blank=True)

    class Meta:
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["event", "date"], name="event_day_unique")]

    def __str__(self) -> str:
        return self.title or self.date.isoformat()


class Speaker(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="speakers")
    name = models.CharField(_("name"), max_length=200)
    affiliation = models.CharField(_("affiliation"), max_length=200, blank=True)
    country = models.CharField(_("country"), max_length=2, default="PL")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SessionKind(models.TextChoices):
    PLENARY = "plenary", _("plenary session")
    WORKSHOP = "workshop", _("workshop")
    BREAK = "break", _("break")


class Session(models.Model):
    """One item of the programme. Workshops have a capacity of their own."""

    day = models.ForeignKey(Day, on_delete=models.CASCADE, related_name="sessions")
    kind = models.CharField(_("kind"), max_length=16, choices=SessionKind.choices)
    title = models.CharField(_("title"), max_length=300)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    room = models.CharField(_("room"), max_length=120, blank=True)
    speakers = models.ManyToManyField(Speaker, blank=True, related_name="sessions")
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    taken = models.PositiveIntegerField(default=0, editable=False)
    hours = models.DecimalField(
        _("hours counted on certificates"), max_digits=4, decimal_places=1, default=0
    )
    version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["starts_at", "room"]
        constraints = [
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(taken__lte=models.F("capacity")),
                name="session_not_overbooked",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def event(self):
        return self.day.event

    @property
    def is_workshop(self) -> bool:
        return self.kind == SessionKind.WORKSHOP


class TicketCategory(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="categories")
    name = models.CharField(_("name"), max_length=120)
    quota = models.PositiveIntegerField(_("seats"))
    taken = models.PositiveIntegerField(default=0, editable=False)
    per_organisation_limit = models.PositiveIntegerField(
        _("seats per organisation"), null=True, blank=True
    )
    requires_approval = models.BooleanField(
        _("the organiser approves each registration"), default=False
    )
    members_only = models.BooleanField(_("for partnership members only"), default=False)
    position = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(taken__lte=models.F("quota")), name="category_not_oversold"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def free(self) -> int:
        return max(0, self.quota - self.taken)


class OrganisationSeats(models.Model):
    """Seats of one organisation in a category with a per-organisation limit."""

    category = models.ForeignKey(TicketCategory, on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    taken = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["category", "organisation"], name="org_seats_unique")
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id}: {self.taken}"


class QuestionKind(models.TextChoices):
    TEXT = "text", _("text")
    YES_NO = "yes_no", _("yes or no")
    CHOICE = "choice", _("one of the options")


class Question(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="questions")
    label = models.CharField(_("question"), max_length=300)
    kind = models.CharField(
        _("kind"), max_length=16, choices=QuestionKind.choices, default=QuestionKind.TEXT
    )
    options = models.JSONField(_("options"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=False)
    purpose = models.CharField(_("why we ask"), max_length=300, blank=True)
    sensitive = models.BooleanField(
        _("accessibility or dietary (organiser only, deleted after the event)"), default=False
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.label


class RegistrationStatus(models.TextChoices):
    PENDING = "pending", _("awaiting approval")
    CONFIRMED = "confirmed", _("registered")
    WAITING = "waiting", _("on the waiting list")
    OFFERED = "offered", _("offered a seat")
    CANCELLED = "cancelled", _("cancelled")
    REJECTED = "rejected", _("not approved")
    EXPIRED = "expired", _("offer expired")


#: Statuses that hold a seat of the category.
HOLDS_SEAT = (RegistrationStatus.PENDING, RegistrationStatus.CONFIRMED, RegistrationStatus.OFFERED)
#: Statuses of a live registration (one per address and event).
LIVE = (*HOLDS_SEAT, RegistrationStatus.WAITING)


class Registration(models.Model):
    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="registrations")
    category = models.ForeignKey(
        TicketCategory, on_delete=models.PROTECT, related_name="registrations"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="event_registrations",
    )
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail"), max_length=254)
    organisation = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    organisation_name = models.CharField(_("organisation"), max_length=200, blank=True)
    language = models.CharField(max_length=8, default="pl")
    status = models.CharField(_("status"), max_length=16, choices=RegistrationStatus.choices)
    queue_position = models.BigIntegerField(default=queue_stamp, db_index=True)
    offer_expires_at = models.DateTimeField(null=True, blank=True)
    # The ticket secret is HMAC(key, salt): only its SHA-256 is stored and looked up.
    secret_salt = models.CharField(max_length=32, editable=False)
    secret_hash = models.CharField(max_length=64, unique=True, editable=False)
    code = models.CharField(_("ticket code"), max_length=10, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    anonymised = models.BooleanField(default=False)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "email"],
                condition=Q(status__in=["pending", "confirmed", "waiting", "offered"]),
                name="one_live_registration_per_address",
            ),
        ]
        indexes = [models.Index(fields=["event", "status", "queue_position"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def holds_seat(self) -> bool:
        return self.status in HOLDS_SEAT


class Answer(models.Model):
    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    value = models.TextField(max_length=2000)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["registration", "question"], name="one_answer")
        ]

    def __str__(self) -> str:
        return f"{self.question_id}: {self.registration_id}"


class BookingStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("booked")
    WAITING = "waiting", _("on the waiting list")
    OFFERED = "offered", _("offered a seat")
    CANCELLED = "cancelled", _("cancelled")
    EXPIRED = "expired", _("offer expired")


class WorkshopBooking(models.Model):
    """A registration's place in a workshop (or on its waiting list)."""

    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="bookings"
    )
    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="bookings")
    status = models.CharField(max_length=16, choices=BookingStatus.choices)
    queue_position = models.BigIntegerField(default=queue_stamp)
    offer_expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["queue_position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "session"],
                condition=Q(status__in=["confirmed", "waiting", "offered"]),
                name="one_live_booking_per_workshop",
            ),
        ]
        indexes = [models.Index(fields=["session", "status", "queue_position"])]

    def __str__(self) -> str:
        return f"{self.registration_id} → {self.session_id} ({self.status})"


class QueueChange(models.Model):
    """An organiser moved someone on a waiting list: who, where, and why (always logged)."""

    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="queue_changes"
    )
    session = models.ForeignKey(
        Session, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    old_rank = models.PositiveIntegerField()
    new_rank = models.PositiveIntegerField()
    reason = models.TextField()
    at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.registration_id}: {self.old_rank} → {self.new_rank}"


class CheckinList(models.Model):
    """A list staff scan tickets against: a day of the event, or one workshop."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="checkin_lists")
    # Empty for the lists made automatically: their name is said in the reader's language.
    name = models.CharField(_("name"), max_length=200, blank=True)
    day = models.ForeignKey(
        Day, null=True, blank=True, on_delete=models.CASCADE, related_name="checkin_lists"
    )
    session = models.ForeignKey(
        Session, null=True, blank=True, on_delete=models.CASCADE, related_name="checkin_lists"
    )
    categories = models.ManyToManyField(TicketCategory, blank=True, related_name="+")

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        from django.utils.formats import date_format
        from django.utils.translation import gettext

        if self.name:
            return self.name
        if self.session_id:
            return gettext("Workshop: %(title)s") % {"title": self.session.title}
        if self.day_id:
            return gettext("Day %(date)s") % {"date": date_format(self.day.date, "DATE_FORMAT")}
        return str(self.event)


class Checkin(models.Model):
    """A person admitted through a list (once: a unique constraint, not a hope)."""

    checkin_list = models.ForeignKey(CheckinList, on_delete=models.CASCADE, related_name="checkins")
    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="checkins"
    )
    at = models.DateTimeField()  # when the ticket was scanned (the scanner's time when offline)
    received_at = models.DateTimeField(auto_now_add=True)
    gate = models.CharField(max_length=100, blank=True)
    offline = models.BooleanField(default=False)
    by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["checkin_list", "registration"], name="admitted_once_per_list"
            )
        ]

    def __str__(self) -> str:
        return f"{self.registration_id} @ {self.checkin_list_id}"


class Scan(models.Model):
    """Every answer given to a scanner, kept under the client's nonce (replays get it again)."""

    checkin_list = models.ForeignKey(CheckinList, on_delete=models.CASCADE, related_name="scans")
    nonce = models.CharField(max_length=190)
    answer = models.JSONField()
    at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["checkin_list", "nonce"], name="one_answer_per_nonce")
        ]

    def __str__(self) -> str:
        return f"{self.checkin_list_id}: {self.nonce}"
