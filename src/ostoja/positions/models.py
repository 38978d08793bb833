"""Texts the partnership writes together, and what it does with them.

* :class:`Document` -- a joint position (recommendations to government) or a standard of
  help, drafted in :class:`Version` s with :class:`Comment` s anchored to paragraphs (see
  :mod:`ostoja.positions.drafting`);
* positions: :class:`Signature` s of organisations, :class:`Addressee` s (the coordinator's
  address book), a :class:`Dispatch` per addressee and its :class:`Reply` s;
* standards: each member organisation's :class:`Adoption`;
* :class:`Campaign` s with a kit of library materials and :class:`Participation` s, and
  members' :class:`LocalEvent` s on the public calendar.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ostoja.organisations.models import Voivodeship


class DocumentKind(models.TextChoices):
    POSITION = "position", _("joint position")
    STANDARD = "standard", _("standard of help")


class Stage(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("position", "draft")
    COMMENTS = "comments", _("comment round")
    SIGNING = "signing", _("call for co-signing")
    PUBLISHED = "published", _("published")
    ADOPTED = "adopted", _("adopted")


class Document(models.Model):
    kind = models.CharField(_("kind"), max_length=10, choices=DocumentKind.choices)
    title = models.CharField(_("title"), max_length=300)
    slug = models.SlugField(max_length=80, unique=True)
    stage = models.CharField(max_length=10, choices=Stage.choices, default=Stage.DRAFT)
    editors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="drafting_documents"
    )
    comments_until = models.DateField(_("comments until"), null=True, blank=True)
    signing_deadline = models.DateTimeField(_("co-signing until"), null=True, blank=True)
    final_version = models.ForeignKey(
        "Version", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def latest(self):
        return self.versions.order_by("-number").first()


class Version(models.Model):
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    body = models.TextField(_("text (Markdown)"))
    note = models.CharField(_("what changed"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["document", "number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="positions_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.document} v{self.number}"


class Comment(models.Model):
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="comments")
    version = models.ForeignKey(Version, on_delete=models.PROTECT, related_name="comments")
    #: ``drafting.key`` of the paragraph commented on, and its text then (kept for outdated
    #: comments, whose paragraph a later version changed or removed).
    paragraph_key = models.CharField(max_length=16)
    quote = models.TextField()
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    body = models.TextField(_("comment"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    organisation = models.ForeignKey(
        "organisations.Organisation", null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.document_id}/{self.paragraph_key}: {self.body[:40]}"


class Signature(models.Model):
    """An organisation co-signs a position through a person authorised to act for it."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="signatures")
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="position_signatures"
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    signed_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["signed_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "organisation"],
                condition=Q(withdrawn_at__isnull=True),
                name="positions_one_live_signature",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} → {self.document_id}"


class AddresseeKind(models.TextChoices):
    MINISTRY = "ministry", _("ministry")
    OMBUDSMAN_CHILDREN = "rpd", _("Ombudsman for Children")
    OMBUDSMAN = "rpo", _("Commissioner for Human Rights")
    COMMITTEE = "committee", _("parliamentary committee")
    OTHER = "other", _("other institution")


class Addressee(models.Model):
    name = models.CharField(_("institution"), max_length=300)
    kind = models.CharField(_("kind"), max_length=10, choices=AddresseeKind.choices)
    email = models.EmailField(_("e-mail"))
    postal_address = models.TextField(_("postal address"), blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class Dispatch(models.Model):
    """A published position sent to one addressee (through the outbox)."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="dispatches")
    addressee = models.ForeignKey(Addressee, on_delete=models.PROTECT, related_name="dispatches")
    message = models.ForeignKey(
        "outbox.OutboxMessage", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["addressee__name"]
        constraints = [
            models.UniqueConstraint(fields=["document", "addressee"], name="positions_one_dispatch")
        ]

    def __str__(self) -> str:
        return f"{self.document_id} → {self.addressee_id}"


class Reply(models.Model):
    class Kind(models.TextChoices):
        ANSWER = "answer", _("answer")
        FOLLOW_UP = "follow_up", _("follow-up")

    dispatch = models.ForeignKey(Dispatch, on_delete=models.CASCADE, related_name="replies")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    on = models.DateField(_("date"))
    summary = models.TextField(_("summary (Markdown)"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["on", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.on}"


class Adoption(models.Model):
    """A member organisation's declaration about an adopted standard of help."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="adoptions")
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="standard_adoptions"
    )
    adopted = models.BooleanField(_("adopted in our work"))
    adopted_on = models.DateField(_("since"), null=True, blank=True)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    declared_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["document", "organisation"], name="positions_one_adoption"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id}: {self.adopted}"


class Campaign(models.Model):
    class Scope(models.TextChoices):
        NATIONAL = "national", _("nationwide")
        LOCAL = "local", _("local")

    title = models.CharField(_("title"), max_length=300)
    slug = models.SlugField(max_length=80, unique=True)
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices)
    voivodeship = models.CharField(
        _("voivodeship"), max_length=2, choices=Voivodeship.choices, blank=True
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    goal = models.TextField(_("goal (Markdown)"))
    kit = models.ManyToManyField("library.Material", blank=True, verbose_name=_("kit"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "title"]

    def __str__(self) -> str:
        return self.title


class Participation(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="participants")
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="campaigns"
    )
    contribution = models.CharField(_("what we do"), max_length=500)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "organisation"], name="positions_join")
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} in {self.campaign_id}"


class LocalEvent(models.Model):
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="local_events"
    )
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description (Markdown)"), blank=True)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    town = models.CharField(_("town"), max_length=120)
    voivodeship = models.CharField(_("voivodeship"), max_length=2, choices=Voivodeship.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["starts_at"])]

    def __str__(self) -> str:
        return self.title
