"""Hotline data: reports, the URLs and hashes they carry, items, assessments, rules, settings.

Vocabulary (issue 3)
====================
* A **report** is what one reporter sent: one or more URLs, optional file hashes, metadata.
  It comes from the public form (``source_organisation`` is empty, ``source_kind`` "public")
  or from a partner's API token (``source_organisation`` is the token's organisation).
* An **item** is one canonical URL within one hotline: the unit analysts assess and act on.
  Every accepted URL of a report points at exactly one item (:class:`ReportUrl.item`).

Decisions
=========
* **One open item per (hotline, canonical URL)**, enforced by a partial unique index on
  ``(hotline, url_sha256)`` over the *open* states, so two concurrent reports of a new URL
  cannot create two items on either database. An item leaves the open states when it is
  closed (not illegal, not found, duplicate) or its content was removed; a later report of the
  same URL then opens a new item linked through ``previous_item``, flagged ``reappeared`` when
  the content had gone (removed / not found) and is back.
* **Nothing identifying the reporter**: no IP address, no user agent. The optional feedback
  e-mail is deleted by retention (``hotline_retention``); ``feedback_requested`` keeps the
  statistic. The public status code is stored only as a SHA-256 (the code has 80 random bits,
  so a plain hash cannot be reversed by guessing); the code itself is shown once.
* **Items never show their URL as a link**: templates print the defanged spelling; the
  original is revealed only by an audit-logged POST (:func:`services.reveal_url`).
* ``__str__`` of reports and items never contains a URL or reporter text: the audit log
  copies ``str(target)`` and coordinators (who do not see hotline content) can read it.
* **Priority** is stored on the item with the rule version, the reasons (codes, points,
  params) and the deadline, so the queue can be ordered in SQL and every score explained
  with the rules in force at the time.
* **Claims** (``claimed_by``/``claimed_until``) are not a state: an open item is claimed by
  at most one analyst until the claim expires; "next item" takes it atomically.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

#: Version of the legal rules the assessment form implements (stored with every decision).
#: Polish Criminal Code articles 200a, 200b and 202 as in force since 1 October 2023, and the
#: INHOPE international baseline. Change it whenever the choices or their meaning change.
LEGAL_RULES_VERSION = "PL-KK-2023-10+INHOPE-baseline-2023"


class SourceKind(models.TextChoices):
    """Who reported, in decreasing order of trust (the keys of the priority rules)."""

    POLICE = "police", _("Police")
    PARTNER_HOTLINE = "partner_hotline", _("Partner hotline")
    PLATFORM = "platform", _("Platform or provider")
    PUBLIC = "public", _("Member of the public")


class Channel(models.TextChoices):
    WEB_FORM = "web_form", _("Public web form")
    API = "api", _("API")
    DEMO = "demo", _("Demo data")


class IncidentType(models.TextChoices):
    CSAM = "csam", _("Child sexual abuse material (images or videos)")
    GROOMING = "grooming", _("Grooming or online enticement of a child")
    SEXTORTION = "sextortion", _("Sextortion (blackmail with sexual images)")
    SEXUALISED = "sexualised", _("Sexualised images of children that may be legal")
    OTHER = "other", _("Other illegal content")


class WhereSeen(models.TextChoices):
    WEBSITE = "website", _("Website")
    SOCIAL_NETWORK = "social_network", _("Social network")
    MESSENGER = "messenger", _("Messenger or chat")
    P2P = "p2p", _("Peer-to-peer (P2P) network")
    ONLINE_GAME = "online_game", _("Online game")
    OTHER = "other", pgettext_lazy("where seen", "Other")


class Annotation(models.TextChoices):
    """Facts a partner can flag on a report (CyberTipline / ICCAM vocabulary)."""

    LIVE_STREAMING = "live_streaming", _("Live streaming")
    SEXTORTION = "sextortion", _("Sextortion")
    INFANT_TODDLER = "infant_toddler", _("Infant or toddler")
    SELF_GENERATED = "self_generated", _("Self-generated")
    GENERATIVE_AI = "generative_ai", _("Generative AI")
    PHYSICAL_HARM = "physical_harm", _("Physical harm")


class SignalType(models.TextChoices):
    MD5 = "md5", "MD5"
    SHA1 = "sha1", "SHA-1"
    SHA256 = "sha256", "SHA-256"
    PDQ = "pdq", "PDQ"


#: Hex length of each hash type (PDQ: 256 bits).
SIGNAL_HEX_LENGTH = {"md5": 32, "sha1": 40, "sha256": 64, "pdq": 64}


#: The triage order, see :meth:`ItemQuerySet.urgent_first`.
URGENT_FIRST = ("priority_level", "-priority_score", "priority_deadline", "pk")


class ItemState(models.TextChoices):
    OPEN = "open", _("Waiting for assessment")
    SECOND_OPINION = "second_opinion", _("Waiting for a second assessment")
    ACTIONABLE = "actionable", _("Illegal: awaiting action")
    ACTIONED = "actioned", _("Illegal: action taken")
    REMOVED = "removed", _("Content removed")
    CLOSED_NOT_ILLEGAL = "closed_not_illegal", _("Closed: not illegal")
    CLOSED_NOT_FOUND = "closed_not_found", _("Closed: content not found or already removed")
    CLOSED_DUPLICATE = "closed_duplicate", _("Closed: duplicate")


#: A new report of the same URL attaches to an item in one of these states.
OPEN_STATES = (
    ItemState.OPEN.value,
    ItemState.SECOND_OPINION.value,
    ItemState.ACTIONABLE.value,
    ItemState.ACTIONED.value,
)
#: Items analysts still have to assess (the queue and "next item").
WAITING_STATES = (ItemState.OPEN.value, ItemState.SECOND_OPINION.value)
#: Closed states after which the same URL reported again counts as *reappeared*.
GONE_STATES = (ItemState.REMOVED.value, ItemState.CLOSED_NOT_FOUND.value)
CLOSED_STATES = tuple(s.value for s in ItemState if s.value not in OPEN_STATES)


class Outcome(models.TextChoices):
    ILLEGAL_BASELINE = "illegal_baseline", _("Illegal under the international baseline")
    ILLEGAL_NATIONAL = "illegal_national", _("Illegal under Polish law")
    NOT_ILLEGAL = "not_illegal", _("Not illegal")
    NOT_FOUND = "not_found", _("Content not found or already removed")
    DUPLICATE = "duplicate", _("Duplicate")


ILLEGAL_OUTCOMES = (Outcome.ILLEGAL_BASELINE.value, Outcome.ILLEGAL_NATIONAL.value)


class LegalArticle(models.TextChoices):
    ART_202_3 = "202.3", _("Criminal Code art. 202 §3")
    ART_202_4 = "202.4", _("Criminal Code art. 202 §4")
    ART_202_4A = "202.4a", _("Criminal Code art. 202 §4a")
    ART_202_4B = "202.4b", _("Criminal Code art. 202 §4b")
    ART_200A = "200a", _("Criminal Code art. 200a")
    ART_200B = "200b", _("Criminal Code art. 200b")


class ContentType(models.TextChoices):
    IMAGE = "image", _("Image")
    VIDEO = "video", _("Video")
    TEXT = "text", _("Text")
    LIVE_STREAM = "live_stream", _("Live stream")
    MIXED = "mixed", _("Mixed")


class SiteType(models.TextChoices):
    WEBSITE = "website", _("Website")
    IMAGE_HOST = "image_host", _("Image host")
    FILE_HOST = "file_host", _("File host")
    FORUM = "forum", _("Forum")
    SOCIAL_NETWORK = "social_network", _("Social network")
    BLOG = "blog", _("Blog")
    CHAT = "chat", _("Chat")
    P2P = "p2p", _("Peer-to-peer (P2P)")
    VIDEO_PLATFORM = "video_platform", _("Video platform")
    OTHER = "other", pgettext_lazy("site type", "Other")


class AgeBand(models.TextChoices):
    INFANT = "0-2", _("0–2 years")
    CHILD = "3-13", _("3–13 years")
    TEEN = "14-17", _("14–17 years")
    UNKNOWN = "unknown", pgettext_lazy("age", "Unknown")


class Gender(models.TextChoices):
    GIRL = "girl", _("Girl")
    BOY = "boy", _("Boy")
    BOTH = "both", _("Both")
    UNKNOWN = "unknown", pgettext_lazy("gender", "Unknown")


class Severity(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")
    NOT_APPLICABLE = "n/a", _("Not applicable")


class ReportBatch(models.Model):
    """One ``POST /api/v1/reports/batch``: what an Idempotency-Key of a batch points at."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    hotline = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    source_organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    idempotency_key = models.CharField(max_length=255, blank=True)
    request_hash = models.CharField(max_length=64, blank=True)
    report_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("report batch")
        verbose_name_plural = _("report batches")
        constraints = [
            models.UniqueConstraint(
                fields=["source_organisation", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="hotline_batch_idempotency_key_unique",
            )
        ]

    def __str__(self) -> str:
        return f"Report batch {self.uuid}"


class Report(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    hotline = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        related_name="hotline_reports",
        verbose_name=_("hotline"),
    )
    source_organisation = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sent_hotline_reports",
        verbose_name=_("source organisation"),
    )
    source_kind = models.CharField(_("source"), max_length=20, choices=SourceKind.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    batch = models.ForeignKey(
        ReportBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="reports"
    )
    batch_position = models.PositiveIntegerField(null=True, blank=True)
    incident_type = models.CharField(
        _("what it concerns"), max_length=20, choices=IncidentType.choices
    )
    where_seen = models.CharField(
        _("where it was seen"), max_length=20, choices=WhereSeen.choices, blank=True
    )
    description = models.TextField(_("description"), blank=True)
    escalate_reason = models.TextField(_("immediate risk to a child"), blank=True)
    annotations = models.JSONField(_("annotations"), default=list, blank=True)
    reporter_reference = models.CharField(_("reporter's reference"), max_length=100, blank=True)
    related_report_ids = models.JSONField(_("related reports"), default=list, blank=True)
    # Deleted by retention; ``feedback_requested`` keeps the statistic.
    reporter_email = models.EmailField(_("e-mail for feedback"), null=True, blank=True)
    feedback_requested = models.BooleanField(default=False)
    email_deleted_at = models.DateTimeField(null=True, blank=True)
    status_code_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    idempotency_key = models.CharField(max_length=255, blank=True)
    request_hash = models.CharField(max_length=64, blank=True)
    url_count = models.PositiveIntegerField(default=0)
    accepted_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            models.UniqueConstraint(
                fields=["source_organisation", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="hotline_report_idempotency_key_unique",
            )
        ]
        indexes = [models.Index(fields=["hotline", "created_at"], name="hotline_report_stats_idx")]

    def __str__(self) -> str:
        return f"Report {self.uuid}"


class ItemQuerySet(models.QuerySet):
    def visible_to(self, user) -> ItemQuerySet:
        """Items of the hotlines in which ``user`` is an analyst or supervisor."""
        from .permissions import hotline_ids

        ids = hotline_ids(user)
        if not ids:
            return self.none()
        return self.filter(hotline_id__in=ids)

    def waiting(self):
        return self.filter(state__in=WAITING_STATES)

    def urgent_first(self):
        """The one triage order (queue, "next item", held claims): most urgent first.

        Priority class (P1, P2, P3), then score, highest first (within a class the score says
        how urgent an item is: 197 "a child may be in danger now" before 64), then the
        earlier deadline, then the older item.
        """
        return self.order_by(*URGENT_FIRST)


class Item(models.Model):
    hotline = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        related_name="hotline_items",
        verbose_name=_("hotline"),
        db_index=False,  # every index below starts with the hotline
    )
    canonical_url = models.TextField(_("canonical URL"))
    url_sha256 = models.CharField(max_length=64)
    host = models.CharField(_("host"), max_length=253)
    state = models.CharField(
        _("state"), max_length=20, choices=ItemState.choices, default=ItemState.OPEN
    )
    # Aggregated from the reports (what priority and the analyst need at a glance).
    report_count = models.PositiveIntegerField(_("reports"), default=0)
    first_seen = models.DateTimeField(_("first seen"))
    last_seen = models.DateTimeField(_("last seen"))
    source_kinds = models.JSONField(default=list)
    incident_types = models.JSONField(default=list)
    annotations = models.JSONField(default=list)
    escalate_reason = models.TextField(blank=True)
    hosted_in_poland = models.BooleanField(null=True, blank=True)
    # Known or new (hash banks). ``hashes_checked`` is False while no report carried hashes.
    hashes_checked = models.BooleanField(default=False)
    known = models.BooleanField(_("known material"), default=False)
    known_bank = models.CharField(max_length=100, blank=True)
    known_classification = models.JSONField(default=dict, blank=True)
    # A new item for a URL whose earlier item was closed (reappeared: its content had gone).
    previous_item = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="later_items"
    )
    reappeared = models.BooleanField(_("reappeared"), default=False)
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates"
    )
    # Priority (see priority.py): score, level, reasons, rule version, deadline.
    priority_score = models.IntegerField(default=0)
    priority_level = models.CharField(max_length=2, default="P3")
    priority_reasons = models.JSONField(default=list)
    priority_rules_version = models.PositiveIntegerField(default=1)
    priority_deadline = models.DateTimeField()
    priority_scored_at = models.DateTimeField()
    # Claim: who is assessing it, until when.
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="claimed_hotline_items",
    )
    claimed_until = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    disputed = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = ItemQuerySet.as_manager()

    class Meta:
        ordering = ["priority_level", "priority_deadline", "-priority_score", "pk"]
        verbose_name = _("item")
        verbose_name_plural = _("items")
        constraints = [
            models.UniqueConstraint(
                fields=["hotline", "url_sha256"],
                condition=models.Q(state__in=OPEN_STATES),
                name="hotline_one_open_item_per_url",
            ),
            models.CheckConstraint(
                condition=models.Q(priority_level__in=["P1", "P2", "P3"]),
                name="hotline_item_priority_level_valid",
            ),
        ]
        indexes = [
            models.Index(
                fields=["hotline", "state", "priority_level", "priority_deadline"],
                name="hotline_item_queue_idx",
            ),
            # Deduplication looks up every state (closed items link to a new one).
            models.Index(fields=["hotline", "url_sha256"], name="hotline_item_url_idx"),
            # Items on one host, per hotline. (A plain index on host also got a second,
            # pattern-matching index on PostgreSQL that no query used; every intake paid both.)
            models.Index(fields=["hotline", "host"], name="hotline_item_host_idx"),
            # Statistics count a period's items per hotline from the index alone (PostgreSQL
            # INCLUDE; a plain composite index elsewhere). See bench/results/takedown.md.
            models.Index(
                fields=["hotline", "first_seen"],
                include=["outcome", "reappeared"],
                name="hotline_item_stats_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Item #{self.pk}"

    @property
    def is_waiting(self) -> bool:
        return self.state in WAITING_STATES

    def claim_active(self, now=None) -> bool:
        now = now or timezone.now()
        return bool(self.claimed_by_id and self.claimed_until and self.claimed_until > now)

    def is_overdue(self, now=None) -> bool:
        return self.is_waiting and (now or timezone.now()) > self.priority_deadline


class ReportUrl(models.Model):
    """One URL of a report, in the order sent: accepted (with its item) or rejected."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="urls")
    position = models.PositiveIntegerField()
    raw = models.TextField()  # as sent, truncated to 2,100 characters
    canonical_url = models.TextField(blank=True)
    rejection_code = models.CharField(max_length=32, blank=True)
    item = models.ForeignKey(
        Item, null=True, blank=True, on_delete=models.PROTECT, related_name="report_urls"
    )

    class Meta:
        ordering = ["report", "position"]
        constraints = [
            models.UniqueConstraint(fields=["report", "position"], name="hotline_report_url_pos")
        ]

    def __str__(self) -> str:
        return f"Report URL {self.report_id}/{self.position}"

    @property
    def accepted(self) -> bool:
        return not self.rejection_code


class ReportHash(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="hashes")
    signal_type = models.CharField(max_length=10, choices=SignalType.choices)
    value = models.CharField(max_length=64)

    class Meta:
        indexes = [models.Index(fields=["signal_type", "value"], name="hotline_hash_value_idx")]

    def __str__(self) -> str:
        return f"{self.signal_type}:{self.value}"


class Assessment(models.Model):
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="assessments")
    analyst = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="hotline_assessments"
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    legal_articles = models.JSONField(_("legal articles"), default=list, blank=True)
    content_type = models.CharField(
        _("content type"), max_length=20, choices=ContentType.choices, blank=True
    )
    site_type = models.CharField(
        _("site type"), max_length=20, choices=SiteType.choices, blank=True
    )
    age_band = models.CharField(
        _("youngest victim's age"), max_length=10, choices=AgeBand.choices, blank=True
    )
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, blank=True)
    commercial = models.BooleanField(_("commercial"), default=False)
    self_generated = models.BooleanField(_("self-generated"), default=False)
    ai_generated = models.BooleanField(_("AI-generated"), default=False)
    notes = models.TextField(_("notes"), blank=True)
    duplicate_of = models.ForeignKey(
        Item, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    legal_rules_version = models.CharField(max_length=64, default=LEGAL_RULES_VERSION)
    is_second_opinion = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")

    def __str__(self) -> str:
        return f"Assessment #{self.pk} of item #{self.item_id}"

    @property
    def is_illegal(self) -> bool:
        return self.outcome in ILLEGAL_OUTCOMES


class PriorityRuleSet(models.Model):
    """One version of a hotline's priority rules. The highest version is in force."""

    hotline = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    version = models.PositiveIntegerField()
    rules = models.JSONField()
    comment = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["hotline", "version"], name="hotline_rules_version")
        ]

    def __str__(self) -> str:
        return f"Priority rules v{self.version}"


class HotlineSettings(models.Model):
    """Per-hotline settings that supervisors change."""

    hotline = models.OneToOneField(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="hotline_settings"
    )
    four_eyes_required = models.BooleanField(
        _("require a second, independent assessment before action"), default=False
    )
    claim_minutes = models.PositiveIntegerField(_("claim expires after (minutes)"), default=30)
    break_reminder_after = models.PositiveIntegerField(
        _("remind analysts to take a break after this many assessments a day"), default=20
    )
    retention_days = models.PositiveIntegerField(
        _("delete reporters' e-mail addresses this many days after the item is closed"),
        default=90,
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("hotline settings")
        verbose_name_plural = _("hotline settings")

    def __str__(self) -> str:
        return f"Hotline settings of organisation #{self.hotline_id}"
