"""Newsletter lists, their subscribers (with the consent each gave) and issues.

A subscriber belongs to one list. Its address is used only after it confirmed it (double
opt-in) — or, on the members' list, after a signed-in partnership member subscribed from their
account. Delivery stops for good on unsubscribing, a hard bounce or enough soft bounces, and
the reason is kept for the coordinator. Consent records are append-only and store no IP address.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class NewsletterList(models.Model):
    class Audience(models.TextChoices):
        PUBLIC = "public", _("anyone (public sign-up form)")
        MEMBERS = "members", _("partnership members only")

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    description = models.TextField(_("description"), blank=True)
    audience = models.CharField(
        _("audience"), max_length=16, choices=Audience.choices, default=Audience.PUBLIC
    )
    active = models.BooleanField(pgettext_lazy("subscriber", "active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("newsletter list")
        verbose_name_plural = _("newsletter lists")

    def __str__(self) -> str:
        return self.name

    @property
    def members_only(self) -> bool:
        return self.audience == self.Audience.MEMBERS


class Subscriber(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("waiting for confirmation")
        CONFIRMED = "confirmed", _("subscribed")
        UNSUBSCRIBED = "unsubscribed", _("unsubscribed")
        STOPPED = "stopped", _("stopped (bounces)")

    newsletter = models.ForeignKey(
        NewsletterList, on_delete=models.CASCADE, related_name="subscribers"
    )
    email = models.EmailField(_("e-mail address"), max_length=254)
    language = models.CharField(_("language"), max_length=8, default="pl")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.PENDING
    )
    # Only a SHA-256 of the confirmation token is kept; the link itself is in the e-mail.
    confirm_hash = models.CharField(max_length=64, blank=True, db_index=True)
    confirm_expires_at = models.DateTimeField(null=True, blank=True)
    confirm_sent_at = models.DateTimeField(null=True, blank=True)
    # Random, per subscriber; carried in every message's unsubscribe links.
    unsubscribe_token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)

    class StopKind(models.TextChoices):
        HARD = "hard", _("a permanent delivery failure (hard bounce)")
        SOFT = "soft", _("repeated temporary delivery failures (soft bounces)")

    stop_kind = models.CharField(
        _("why delivery stopped"), max_length=8, choices=StopKind.choices, blank=True
    )
    stop_reason = models.CharField(_("the mail server's words"), max_length=300, blank=True)
    bounce_score = models.PositiveSmallIntegerField(_("soft bounces"), default=0)
    last_bounce_at = models.DateTimeField(_("last bounce"), null=True, blank=True)

    class Meta:
        ordering = ["email"]
        verbose_name = _("subscriber")
        verbose_name_plural = _("subscribers")
        constraints = [
            models.UniqueConstraint(fields=["newsletter", "email"], name="newsletter_one_per_list"),
            models.CheckConstraint(
                condition=Q(state__in=["pending", "confirmed", "unsubscribed", "stopped"]),
                name="newsletter_subscriber_state_valid",
            ),
        ]
        indexes = [models.Index(fields=["newsletter", "state"], name="newsletter_sub_state")]

    def __str__(self) -> str:
        # Not the address: this label goes into the append-only audit log.
        return f"#{self.pk}"


class Consent(models.Model):
    """What a subscriber agreed to (or withdrew), when, and on which form. No IP address."""

    class Action(models.TextChoices):
        GIVEN = "given", _("consent given")
        CONFIRMED = "confirmed", _("address confirmed")
        WITHDRAWN = "withdrawn", _("consent withdrawn")

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="consents")
    action = models.CharField(max_length=16, choices=Action.choices)
    text = models.TextField(_("consent text"), blank=True)
    version = models.CharField(_("consent version"), max_length=20, blank=True)
    language = models.CharField(max_length=8, blank=True)
    source = models.CharField(_("source"), max_length=60)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.subscriber_id} {self.action} {self.version}"


class Issue(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("newsletter issue", "draft")
        SCHEDULED = "scheduled", _("scheduled")
        SENDING = "sending", _("sending")
        SENT = "sent", pgettext_lazy("newsletter issue", "sent")

    newsletter = models.ForeignKey(NewsletterList, on_delete=models.PROTECT, related_name="issues")
    subject_pl = models.CharField(_("subject (Polish)"), max_length=200)
    body_pl = models.TextField(_("text (Polish, Markdown)"))
    subject_en = models.CharField(_("subject (English)"), max_length=200, blank=True)
    body_en = models.TextField(_("text (English, Markdown)"), blank=True)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default="draft")
    scheduled_at = models.DateTimeField(_("send at"), null=True, blank=True)
    sent_at = models.DateTimeField(pgettext_lazy("newsletter issue", "sent"), null=True, blank=True)
    recipients = models.PositiveIntegerField(_("recipients"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-sent_at", "-created_at"]
        verbose_name = _("issue")
        verbose_name_plural = _("issues")
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["draft", "scheduled", "sending", "sent"]),
                name="newsletter_issue_state_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.subject_pl

    @property
    def has_english(self) -> bool:
        return bool(self.subject_en.strip() and self.body_en.strip())

    def version(self, language: str) -> tuple[str, str, str]:
        """``(language, subject, body)`` in ``language`` if the issue has it, else Polish."""
        if language == "en" and self.has_english:
            return "en", self.subject_en, self.body_en
        return "pl", self.subject_pl, self.body_pl


class Bounce(models.Model):
    """A bounce that matched a subscriber (unknown addresses are not recorded)."""

    class Kind(models.TextChoices):
        HARD = "hard", _("permanent (hard)")
        SOFT = "soft", _("temporary (soft)")

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="bounces")
    issue = models.ForeignKey(Issue, null=True, blank=True, on_delete=models.SET_NULL)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    source = models.CharField(max_length=20)  # mailbox | webhook
    detail = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.kind} bounce of #{self.subscriber_id}"
