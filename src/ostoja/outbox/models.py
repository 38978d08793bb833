"""The outbox: every e-mail and webhook the platform sends, stored before it is sent.

A row is written in the same transaction as the business change that causes it (a notice, a
referral…), so the message exists if and only if that change committed. Deliverers then take
due rows under a lease, send them and record the outcome; failures are retried with back-off.
See ``services.py`` for the delivery rules and ``docs/architecture.md`` for the reasoning.
"""

from __future__ import annotations

import hashlib

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ostoja.organisations.permissions import is_coordinator

from . import conf
from .permissions import outbox_organisation_ids


class OutboxMessageQuerySet(models.QuerySet):
    def visible_to(self, user) -> OutboxMessageQuerySet:
        """Coordinators see every message; hotline supervisors those of their organisations."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        if is_coordinator(user):
            return self.all()
        return self.filter(organisation_id__in=outbox_organisation_ids(user))

    def needing_attention(self) -> OutboxMessageQuerySet:
        return self.exclude(state__in=OutboxMessage.FINAL_STATES)

    def for_object(self, obj: models.Model) -> OutboxMessageQuerySet:
        return self.filter(
            related_type=ContentType.objects.get_for_model(obj), related_id=str(obj.pk)
        )


class OutboxMessage(models.Model):
    class Kind(models.TextChoices):
        EMAIL = "email", _("E-mail")
        WEBHOOK = "webhook", _("Webhook")

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", pgettext_lazy("outbox message state", "Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed_permanently", _("Failed permanently")
        CANCELLED = "cancelled", _("Cancelled")

    #: Nothing more happens to these (a failed message can still be retried by a person).
    FINAL_STATES = (State.SENT.value, State.CANCELLED.value)

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    dedup_key = models.CharField(
        _("de-duplication key"),
        max_length=200,
        unique=True,
        help_text=_("Enqueueing a message with the same key again does nothing."),
    )
    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("sent on behalf of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    sensitive = models.BooleanField(
        _("sensitive"),
        default=False,
        help_text=_("Subject and errors are shown only to the sending organisation."),
    )
    # --- e-mail ---
    recipients = models.JSONField(_("recipients"), default=list, blank=True)
    from_email = models.CharField(_("sender"), max_length=254, blank=True)
    #: The envelope sender (Return-Path) when it differs from ``from_email``, the ``From``
    #: readers see: a mailing list's per-recipient VERP address, where bounces arrive.
    bounce_address = models.CharField(_("bounce address"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    body_text = models.TextField(_("text body"), blank=True)
    body_html = models.TextField(_("HTML body"), blank=True)
    attachments = models.JSONField(_("attachments"), default=list, blank=True)
    headers = models.JSONField(_("extra headers"), default=dict, blank=True)
    #: An e-mail completed at delivery (see ``outbox.composers``): the composer's name; its
    #: arguments are in ``payload``. Empty for e-mails rendered when they were enqueued.
    composer = models.CharField(_("composed at delivery by"), max_length=64, blank=True)
    # --- webhook ---
    url = models.URLField(_("webhook URL"), max_length=2000, blank=True)
    # A webhook's JSON body; for an e-mail with a composer, the composer's arguments.
    payload = models.JSONField(_("payload"), null=True, blank=True)
    hmac_key_id = models.CharField(_("signing key id"), max_length=100, blank=True)
    hmac_secret_ref = models.CharField(
        _("signing secret reference"),
        max_length=200,
        blank=True,
        help_text=_("Where the secret is found at send time; never the secret itself."),
    )
    # --- context ---
    language = models.CharField(_("language"), max_length=8, blank=True)
    related_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    related_id = models.CharField(max_length=64, blank=True)
    # --- delivery ---
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    # The default here is only for rows made outside the services; ``enqueue_*`` sets
    # OUTBOX_MAX_ATTEMPTS (a callable default would tie the migration to this module).
    max_attempts = models.PositiveIntegerField(_("maximum attempts"), default=24)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    lease_token = models.CharField(max_length=32, blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    response_code = models.PositiveSmallIntegerField(_("response code"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(pgettext_lazy("outbox: when", "sent"), null=True, blank=True)
    # --- cancelling (see services.cancel_unsent) ---
    # Set with state "cancelled". On a message being sent under a live lease it is a *request*:
    # the deliverer records "cancelled" instead of a retry or a failure; a success stays "sent"
    # (and keeps the reason: the request came too late).
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)
    cancelled_at = models.DateTimeField(
        pgettext_lazy("outbox: when", "cancelled"), null=True, blank=True
    )

    objects = OutboxMessageQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="outbox_due"),
            models.Index(fields=["related_type", "related_id"], name="outbox_related"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    state__in=["pending", "sending", "sent", "failed_permanently", "cancelled"]
                ),
                name="outbox_state_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(state="cancelled")
                | (models.Q(cancelled_at__isnull=False) & ~models.Q(cancel_reason="")),
                name="outbox_cancelled_has_time_and_reason",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=["email", "webhook"]), name="outbox_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.dedup_key}"

    @property
    def idempotency_key(self) -> str:
        """Stable across attempts: receivers drop a second copy carrying the same key."""
        return idempotency_key(self.dedup_key)

    @property
    def message_id(self) -> str:
        return f"<{self.idempotency_key[:40]}@{conf.message_id_domain()}>"

    @property
    def recipient_display(self) -> str:
        if self.kind == self.Kind.WEBHOOK:
            return self.url
        return ", ".join(self.recipients or [])


def idempotency_key(dedup_key: str) -> str:
    # A hash, not the key itself: dedup keys may name internal objects ("notice:42:renotice:3"),
    # which receivers need not learn.
    return hashlib.sha256(f"ostoja-outbox:{dedup_key}".encode()).hexdigest()
