"""Notice and takedown data: who hosts what, the case of each illegal item, its notices and
their answers, the URL block list and appeals against it.

Decisions
=========
* **A case per illegal item** (:class:`Case`, one-to-one with ``hotline.Item``): the takedown
  workflow's state lives here, not on the item, so the hotline app stays about assessment.
  The case copies the facts statistics group by (hosting country, provider, site type, age
  band, source, baseline) and keeps the removal times in seconds, so the statistics page
  aggregates one narrow table in the database, even at a million items.
* **Providers are organisations** (kind ``hosting_provider``). Addresses map to them through
  :class:`ProviderRule` rows (an ASN *or* an IP range); how to reach an organisation — abuse
  e-mail, language, webhook and its signing-secret reference — is one :class:`ContactPoint`
  per organisation, shared by all its rules and also used for partner hotlines. (One provider
  has many ranges; repeating the contact on every rule would let them drift apart.)
* **Every trace is kept** (:class:`HostingTrace`, with its time): hosting moves, and an
  analyst must be able to see where the content was when each notice went out. An analyst's
  override is a trace row of kind ``override`` with a reason; it stays in force (automatic
  re-traces are still stored and shown) until a newer override replaces it.
* **Every notice, re-notice and answer is an event** (:class:`CaseEvent`) with its time,
  actor and channel; outgoing e-mails and webhooks are outbox messages related to the
  :class:`Notice`, so delivery failures show on the case.
* **Notices have a UUID** used in links, the API and as the X-ARF ``report_id`` (stable
  across re-notices, so a provider's ticket system groups them); integer ids stay internal.
* **The URL list** (:class:`UrlListEntry`) has one row per case; ``updated_at`` (indexed)
  drives the delta feed, ``removed_at`` marks entries that left the list.
* ``__str__`` never contains a URL (the audit log copies it and coordinators can read it).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ProviderRule(models.Model):
    """Addresses announced by ``asn`` or inside ``network`` are hosted by ``organisation``."""

    organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        related_name="takedown_provider_rules",
        verbose_name=_("hosting provider"),
    )
    asn = models.PositiveBigIntegerField(_("autonomous system number"), null=True, blank=True)
    network = models.CharField(_("IP range (CIDR)"), max_length=49, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organisation__name", "asn", "network"]
        verbose_name = _("provider rule")
        verbose_name_plural = _("provider rules")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(asn__isnull=False) & models.Q(network=""))
                | (models.Q(asn__isnull=True) & ~models.Q(network="")),
                name="takedown_rule_asn_xor_network",
            ),
            models.UniqueConstraint(
                fields=["asn"], condition=models.Q(asn__isnull=False), name="takedown_rule_asn"
            ),
            models.UniqueConstraint(
                fields=["network"], condition=~models.Q(network=""), name="takedown_rule_network"
            ),
        ]

    def __str__(self) -> str:
        return f"AS{self.asn}" if self.asn is not None else self.network

    @property
    def spec(self) -> str:
        return str(self)


class ContactPoint(models.Model):
    """How notices reach an organisation (hosting provider or partner hotline)."""

    organisation = models.OneToOneField(
        "organisations.Organisation",
        on_delete=models.CASCADE,
        related_name="takedown_contact",
        verbose_name=_("organisation"),
    )
    email = models.EmailField(_("abuse contact e-mail"), blank=True)
    language = models.CharField(
        _("language of notices"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    webhook_url = models.URLField(_("webhook URL"), max_length=2000, blank=True)
    webhook_key_id = models.CharField(_("signing key id"), max_length=100, blank=True)
    webhook_secret_ref = models.CharField(
        _("signing secret reference"),
        max_length=200,
        blank=True,
        help_text=_(
            "Where the shared HMAC secret is found, e.g. settings:provider-x or env:PROVIDER_X. "
            "Never the secret itself."
        ),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("contact point")
        verbose_name_plural = _("contact points")

    def __str__(self) -> str:
        return f"Contact point of organisation #{self.organisation_id}"

    @property
    def reachable(self) -> bool:
        return bool(self.email or self.webhook_url)


class HostingTrace(models.Model):
    class Kind(models.TextChoices):
        LOOKUP = "lookup", _("Automatic trace")
        OVERRIDE = "override", _("Analyst's override")

    class Purpose(models.TextChoices):
        ASSESSMENT = "assessment", _("After the assessment")
        RENOTICE = "renotice", _("Before a re-notice")
        RETRY = "retry", _("Retry (hosting was unknown)")
        MANUAL = "manual", _("Requested by an analyst")

    item = models.ForeignKey(
        "hotline.Item", on_delete=models.PROTECT, related_name="hosting_traces"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.LOOKUP)
    purpose = models.CharField(max_length=12, choices=Purpose.choices, default=Purpose.MANUAL)
    host = models.CharField(_("host"), max_length=253)
    ips = models.JSONField(_("IP addresses"), default=list, blank=True)
    addresses = models.JSONField(default=list, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    asn = models.PositiveBigIntegerField(_("ASN"), null=True, blank=True)
    as_org = models.CharField(_("network operator"), max_length=200, blank=True)
    provider = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("hosting provider"),
    )
    match_reason = models.CharField(max_length=10, blank=True)  # network / asn / override
    errors = models.JSONField(_("errors"), default=list, blank=True)
    reason = models.TextField(pgettext_lazy("takedown", "reason"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    traced_at = models.DateTimeField(_("traced at"), default=timezone.now)

    class Meta:
        ordering = ["-traced_at", "-pk"]
        verbose_name = _("hosting trace")
        verbose_name_plural = _("hosting traces")
        indexes = [models.Index(fields=["item", "-traced_at"], name="takedown_trace_item")]

    def __str__(self) -> str:
        return f"Hosting trace #{self.pk} of item #{self.item_id}"

    @property
    def error_codes(self) -> list[str]:
        return [str(e).split(":", 1)[0] for e in self.errors or []]


class CaseState(models.TextChoices):
    NEW = "new", _("Waiting for the hosting trace")
    HOSTING_UNKNOWN = "hosting_unknown", _("Hosting or recipient unknown")
    NOTIFIED = "notified", _("Provider notified")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged by the provider")
    DISPUTED = "disputed", _("Disputed by the recipient")
    NOT_REMOVED = "not_removed", _("Not removed in time (escalated)")
    REFERRED = "referred", _("Referred to a partner hotline")
    REMOVED = "removed", _("Removed")
    CLOSED = "closed", _("Closed (notice withdrawn)")


FINAL_STATES = (CaseState.REMOVED.value, CaseState.CLOSED.value)
#: Cases whose active notices are re-sent every OSTOJA_RENOTICE_HOURS: provider notices until
#: the removal is confirmed, referrals until the partner hotline acknowledges them.
RENOTICE_STATES = (
    CaseState.NOTIFIED.value,
    CaseState.ACKNOWLEDGED.value,
    CaseState.NOT_REMOVED.value,
    CaseState.REFERRED.value,
)
#: Cases the sweep (re-)traces and routes.
ROUTING_STATES = (CaseState.NEW.value, CaseState.HOSTING_UNKNOWN.value)
#: Cases escalated to supervisors when not removed within OSTOJA_ESCALATE_DAYS.
ESCALATION_STATES = (
    CaseState.NOTIFIED.value,
    CaseState.ACKNOWLEDGED.value,
    CaseState.REFERRED.value,
)


class Flag(models.TextChoices):
    """Why a case cannot proceed on its own (shown to analysts)."""

    NONE = "", _("None")
    NO_TRACE = "no_trace", _("The hosting could not be traced")
    NO_PROVIDER = "no_provider", _("Hosted in the home country, but the provider is not known")
    NO_CONTACT = "no_contact", _("The recipient has no e-mail address or webhook")
    NO_PARTNER = "no_partner", _("Hosted abroad, and no partner hotline or provider is known")


class Route(models.TextChoices):
    NONE = "", _("Not decided")
    DOMESTIC = "domestic", _("Hosted in the home country: police and provider")
    ABROAD = "abroad", _("Hosted abroad: partner hotline")


class ConfirmedBy(models.TextChoices):
    NONE = "", _("Not confirmed")
    PROVIDER_LINK = "provider_link", _("Provider, through the signed link")
    PROVIDER_API = "provider_api", _("Provider, through the API")
    PROVIDER_WEBHOOK = "provider_webhook", _("Provider, through a signed webhook")
    ANALYST = "analyst", _("Analyst's check")
    PARTNER_HOTLINE = "partner_hotline", _("Partner hotline")


class CaseQuerySet(models.QuerySet):
    def visible_to(self, user) -> CaseQuerySet:
        from ostoja.hotline.permissions import hotline_ids

        ids = hotline_ids(user)
        return self.filter(hotline_id__in=ids) if ids else self.none()

    def open(self):
        return self.exclude(state__in=FINAL_STATES)


class Case(models.Model):
    item = models.OneToOneField(
        "hotline.Item", on_delete=models.PROTECT, related_name="takedown_case"
    )
    hotline = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(
        _("state"), max_length=20, choices=CaseState.choices, default=CaseState.NEW
    )
    flag = models.CharField(_("attention"), max_length=12, choices=Flag.choices, blank=True)
    flag_detail = models.CharField(max_length=300, blank=True)
    route = models.CharField(_("route"), max_length=10, choices=Route.choices, blank=True)
    # Facts copied for the statistics (one narrow table to aggregate).
    reported_at = models.DateTimeField(_("first reported"))
    confirmed_at = models.DateTimeField(_("confirmed illegal"))
    baseline = models.BooleanField(_("international baseline"), default=False)
    site_type = models.CharField(_("site type"), max_length=20, blank=True)
    age_band = models.CharField(_("age band"), max_length=10, blank=True)
    content_type = models.CharField(max_length=20, blank=True)
    source_kind = models.CharField(_("source"), max_length=20, blank=True)
    hosting_country = models.CharField(_("hosting country"), max_length=2, blank=True)
    provider = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("hosting provider"),
    )
    partner_hotline = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("partner hotline"),
    )
    # Progress.
    police_notified_at = models.DateTimeField(null=True, blank=True)
    first_notice_at = models.DateTimeField(_("first notice"), null=True, blank=True)
    last_notice_at = models.DateTimeField(_("last notice"), null=True, blank=True)
    notice_count = models.PositiveIntegerField(_("notices sent"), default=0)
    next_action_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    last_verified_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(_("removed"), null=True, blank=True)
    removal_confirmed_by = models.CharField(max_length=20, choices=ConfirmedBy.choices, blank=True)
    seconds_report_to_removal = models.PositiveBigIntegerField(null=True, blank=True)
    seconds_notice_to_removal = models.PositiveBigIntegerField(null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    escalation_seen_at = models.DateTimeField(null=True, blank=True)
    closed_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-reported_at", "-pk"]
        verbose_name = _("takedown case")
        verbose_name_plural = _("takedown cases")
        indexes = [
            models.Index(fields=["next_action_at"], name="takedown_case_due"),
            models.Index(fields=["hotline", "reported_at"], name="takedown_case_period"),
            models.Index(fields=["hotline", "state"], name="takedown_case_state"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=[s.value for s in CaseState]),
                name="takedown_case_state_valid",
            )
        ]

    def __str__(self) -> str:
        return f"Takedown case of item #{self.item_id}"

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_STATES

    @property
    def needs_supervisor(self) -> bool:
        if self.state == CaseState.DISPUTED:
            return True
        return bool(self.escalated_at and not self.escalation_seen_at and not self.is_final)


class Notice(models.Model):
    class Kind(models.TextChoices):
        NTD = "ntd", _("Notice and takedown (provider)")
        POLICE = "police", _("Police notification")
        REFERRAL = "referral", _("Referral to a partner hotline")

    class Response(models.TextChoices):
        NONE = "", _("No answer yet")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        REMOVED = "removed", _("Removed")
        DISPUTED = "disputed", _("Disputed")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    recipient = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="takedown_notices_received",
        verbose_name=_("recipient"),
    )
    email = models.EmailField(_("e-mail"), blank=True)
    webhook_url = models.URLField(_("webhook URL"), max_length=2000, blank=True)
    language = models.CharField(_("language"), max_length=8, default="en")
    active = models.BooleanField(
        default=True, help_text=_("Inactive notices are no longer re-sent (hosting moved).")
    )
    send_count = models.PositiveIntegerField(_("times sent"), default=0)
    first_sent_at = models.DateTimeField(null=True, blank=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    response = models.CharField(_("answer"), max_length=14, choices=Response.choices, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")

    def __str__(self) -> str:
        return f"Notice {self.uuid}"

    @property
    def answerable(self) -> bool:
        return self.kind in (self.Kind.NTD, self.Kind.REFERRAL)


class CaseEvent(models.Model):
    class Kind(models.TextChoices):
        OPENED = "opened", _("Case opened")
        TRACED = "traced", _("Hosting traced")
        OVERRIDDEN = "overridden", _("Hosting set by an analyst")
        FLAGGED = "flagged", _("Needs attention")
        POLICE_NOTIFIED = "police_notified", _("Police notified")
        POLICE_MISSING = "police_missing", _("No police contact configured")
        NOTICE_SENT = "notice_sent", _("Notice sent")
        RENOTICE_SENT = "renotice_sent", _("Re-notice sent")
        REFERRAL_SENT = "referral_sent", _("Referral sent")
        REFERRAL_RESENT = "referral_resent", _("Referral re-sent")
        UNSENT_CANCELLED = "unsent_cancelled", _("Unsent messages cancelled")
        SUPERSEDED = "superseded", _("Notice superseded (hosting moved)")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        REMOVED = "removed", _("Removal confirmed")
        DISPUTED = "disputed", _("Disputed")
        STILL_ONLINE = "still_online", _("Checked: still online")
        ESCALATED = "escalated", _("Escalated to supervisors")
        RESOLVED = "resolved", _("Supervisor's decision")

    class Via(models.TextChoices):
        SYSTEM = "system", _("Ostoja")
        ANALYST = "analyst", _("Analyst")
        PROVIDER_LINK = "provider_link", _("Signed link")
        PROVIDER_API = "provider_api", _("API")
        PROVIDER_WEBHOOK = "provider_webhook", _("Signed webhook")
        PARTNER_HOTLINE = "partner_hotline", _("Partner hotline")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    notice = models.ForeignKey(
        Notice, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    via = models.CharField(max_length=16, choices=Via.choices, default=Via.SYSTEM)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        indexes = [models.Index(fields=["case", "at"], name="takedown_event_case")]

    def __str__(self) -> str:
        return f"{self.kind} of case #{self.case_id}"


class UrlListEntry(models.Model):
    """One confirmed-illegal URL on the block list (``removed_at`` set: it left the list)."""

    class Removal(models.TextChoices):
        NONE = "", _("On the list")
        REMOVED = "removed", _("Content removed")
        WITHDRAWN = "withdrawn", _("Notice withdrawn")
        APPEAL = "appeal", _("Lifted after an appeal")

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="urllist_entry")
    hotline = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    url = models.TextField()
    sha256 = models.CharField(max_length=64, db_index=True)
    added_at = models.DateTimeField(default=timezone.now)
    removed_at = models.DateTimeField(null=True, blank=True)
    removal_reason = models.CharField(max_length=10, choices=Removal.choices, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("URL list entry")
        verbose_name_plural = _("URL list entries")
        indexes = [
            # The delta: WHERE updated_at > since ORDER BY updated_at, id.
            models.Index(fields=["updated_at", "id"], name="takedown_urllist_delta"),
            # The full list: the entries still listed.
            models.Index(
                fields=["id"],
                condition=models.Q(removed_at__isnull=True),
                name="takedown_urllist_listed",
            ),
        ]

    def __str__(self) -> str:
        return f"URL list entry #{self.pk}"


class AppealState(models.TextChoices):
    NEW = "new", _("Waiting for a supervisor")
    UPHELD = "upheld", _("Decided: the block stays")
    LIFTED = "lifted", _("Decided: removed from the list")
    CLOSED = "closed", _("Closed without a decision")


class AppealQuerySet(models.QuerySet):
    def visible_to(self, user) -> AppealQuerySet:
        from ostoja.hotline.permissions import supervised_hotline_ids

        ids = supervised_hotline_ids(user)
        return self.filter(hotline_id__in=ids) if ids else self.none()


class Appeal(models.Model):
    """A site owner's appeal against a block, sent from the splash page's form."""

    hotline = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    url = models.TextField(_("blocked address"))
    url_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    entry = models.ForeignKey(
        UrlListEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="appeals"
    )
    # Personal data: deleted OSTOJA_APPEAL_RETENTION_DAYS after the decision
    # (``services.apply_appeal_retention``); the appeal itself stays for the statistics.
    name = models.CharField(pgettext_lazy("person", "name"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    contact_deleted_at = models.DateTimeField(_("contact details deleted"), null=True, blank=True)
    language = models.CharField(max_length=8, default="pl")
    message = models.TextField(_("message"))
    state = models.CharField(
        _("state"), max_length=10, choices=AppealState.choices, default=AppealState.NEW
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("decision"), blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = AppealQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")

    def __str__(self) -> str:
        return f"Appeal #{self.pk}"
