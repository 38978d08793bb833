"""The partnership's closed forum: categories, threads, posts and what hangs off them.

Who may see what is decided in :mod:`ostoja.forum.permissions`; every change goes through
:mod:`ostoja.forum.services`. A post keeps its Markdown source and the sanitised HTML rendered
from it when it was written (so a thread of a thousand posts is not re-rendered per visit);
earlier versions of an edited post are kept as :class:`PostRevision` rows.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ostoja.core.text import sanitise_html


class ForumGroup(models.Model):
    """A named group of people (coordinators, supervisors, a working group), managed by the
    coordinators; categories are restricted to groups and moderated by groups."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="forum_groups",
        blank=True,
        verbose_name=_("members"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("forum group")
        verbose_name_plural = _("forum groups")

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    """A category or a subcategory (``parent``). Restricted when it names groups: only their
    members see it, its subcategories, threads, posts and files. A subcategory is never more
    visible than its parent. Moderators (groups and people) are inherited by subcategories."""

    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent category"),
    )
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("short name in the address"), max_length=80, unique=True)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    restricted_to = models.ManyToManyField(
        ForumGroup,
        blank=True,
        related_name="restricted_categories",
        verbose_name=_("visible only to"),
    )
    moderator_groups = models.ManyToManyField(
        ForumGroup,
        blank=True,
        related_name="moderated_categories",
        verbose_name=_("moderator groups"),
    )
    moderator_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="moderated_forum_categories",
        verbose_name=_("moderators"),
    )
    premoderated = models.BooleanField(
        _("pre-moderation"),
        default=False,
        help_text=_("New posts appear only after a moderator approves them."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name


class Thread(models.Model):
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="threads")
    title = models.CharField(_("title"), max_length=200)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    last_post_at = models.DateTimeField()
    post_count = models.PositiveIntegerField(default=0)  # published posts
    pinned = models.BooleanField(_("pinned"), default=False)
    locked = models.BooleanField(_("locked"), default=False)
    hidden = models.BooleanField(_("hidden"), default=False)

    class Meta:
        ordering = ["-pinned", "-last_post_at"]
        indexes = [models.Index(fields=["category", "-pinned", "-last_post_at"])]

    def __str__(self) -> str:
        return self.title


class PostState(models.TextChoices):
    PUBLISHED = "published", pgettext_lazy("post", "published")
    PENDING = "pending", _("waiting for a moderator")
    HIDDEN = "hidden", _("hidden by a moderator")


class Post(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="posts")
    # Copied from the thread (kept in step when a thread moves): the search filters posts by
    # the categories a reader may see without joining the thread.
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(pgettext_lazy("post", "text"))
    body_html = models.TextField(editable=False)  # render_markdown(body), sanitised by nh3
    quote_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(max_length=12, choices=PostState.choices)
    created_at = models.DateTimeField()
    edited_at = models.DateTimeField(null=True, blank=True)
    # Kinds of possibly child-identifying data the check found and the author confirmed
    # anyway ("pesel", "phone", "name_dob"); never the matched text. Shown to moderators.
    child_data_kinds = models.JSONField(default=list, blank=True)
    # PostgreSQL only (GIN index made by the migration); SQLite uses the FTS5 table instead.
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["thread", "state", "created_at"]),
            models.Index(fields=["category", "state", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} in {self.thread_id}"

    @property
    def html(self):
        """The stored rendering, cleaned by nh3 once more on the way out: what reaches the
        page is the allow-list's output even if a row was altered outside the services."""
        return mark_safe(sanitise_html(self.body_html))  # noqa: S308 - sanitised just now


class PostRevision(models.Model):
    """A post's text before an edit (append-only)."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField()
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    replaced_at = models.DateTimeField()

    class Meta:
        ordering = ["-replaced_at", "-pk"]

    def __str__(self) -> str:
        return f"revision of {self.post_id}"


class Attachment(models.Model):
    """A file of a post: stored outside the web root under a random name, served only by
    :func:`ostoja.forum.views.attachment` to people who may read the thread."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="attachments")
    name = models.CharField(max_length=200)  # the uploader's file name, cleaned
    stored_name = models.CharField(max_length=80, unique=True)
    content_type = models.CharField(max_length=120)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Subscription(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="forum_subscriptions"
    )
    thread = models.ForeignKey(Thread, null=True, blank=True, on_delete=models.CASCADE)
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.CASCADE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "thread"],
                condition=Q(thread__isnull=False),
                name="forum_sub_thread",
            ),
            models.UniqueConstraint(
                fields=["user", "category"],
                condition=Q(category__isnull=False),
                name="forum_sub_category",
            ),
            models.CheckConstraint(
                condition=Q(thread__isnull=True, category__isnull=False)
                | Q(thread__isnull=False, category__isnull=True),
                name="forum_sub_one_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.thread_id or self.category_id}"


class NotificationKind(models.TextChoices):
    REPLY = "reply", _("new reply in a thread you follow")
    THREAD = "thread", _("new thread in a category you follow")
    MENTION = "mention", _("you were mentioned")
    APPROVAL = "approval", _("a post waits for moderation")
    REPORT = "report", _("a post was reported")


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="forum_notifications"
    )
    kind = models.CharField(max_length=12, choices=NotificationKind.choices)
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"])]
        constraints = [
            models.UniqueConstraint(fields=["user", "post", "kind"], name="forum_notify_once")
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id}"


class Digest(models.TextChoices):
    NONE = "none", _("no digest")
    DAILY = "daily", _("daily")
    WEEKLY = "weekly", _("weekly")


class ForumProfile(models.Model):
    """A person's forum settings: the @handle others mention them by, the digest, and when
    they last visited (the digest is for people who have not)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="forum_profile"
    )
    handle = models.CharField(max_length=60, unique=True)
    digest = models.CharField(
        _("digest by e-mail"), max_length=8, choices=Digest.choices, default=Digest.WEEKLY
    )
    email_notifications = models.BooleanField(_("notifications by e-mail"), default=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    last_digest_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"@{self.handle}"


class Report(models.Model):
    """A post reported to the moderators."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(_("reason"))
    created_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["post", "reporter"],
                condition=Q(resolved_at__isnull=True),
                name="forum_report_open_once",
            )
        ]

    def __str__(self) -> str:
        return f"report of {self.post_id}"


class ModerationAction(models.TextChoices):
    APPROVE = "approve", _("approved a post")
    HIDE_POST = "hide_post", _("hid a post")
    SHOW_POST = "show_post", _("showed a post again")
    LOCK = "lock", _("locked a thread")
    UNLOCK = "unlock", _("unlocked a thread")
    PIN = "pin", _("pinned a thread")
    UNPIN = "unpin", _("unpinned a thread")
    HIDE_THREAD = "hide_thread", _("hid a thread")
    SHOW_THREAD = "show_thread", _("showed a thread again")
    MOVE = "move", _("moved a thread")
    RESOLVE = "resolve", _("closed a report")


class ModerationLogEntry(models.Model):
    """What moderators did, shown to the moderators of the category (the audit log has it
    too, for the coordinators)."""

    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=16, choices=ModerationAction.choices)
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="+")
    thread = models.ForeignKey(Thread, null=True, on_delete=models.CASCADE, related_name="+")
    post = models.ForeignKey(Post, null=True, on_delete=models.CASCADE, related_name="+")
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.action} by {self.actor_id}"
