"""Subscriptions, notifications (in the platform and by e-mail through the outbox),
preferences and visits.

A notification goes only to people who may read the post at the moment it is published
(members of the partnership who see the category, the thread and the post); the author is
never notified of their own post. The e-mail names the thread, the category and the author
and links to the post; it does not carry the post's text (forum text stays behind the
sign-in, and mailboxes get forwarded).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from ostoja.audit.services import log_action
from ostoja.core.text import mentions
from ostoja.outbox.services import enqueue_email

from .. import permissions
from ..models import (
    Category,
    Digest,
    ForumProfile,
    Notification,
    NotificationKind,
    Post,
    Subscription,
    Thread,
)
from .common import ForumError, NotAllowed, profile_for

VISIT_RESOLUTION = timedelta(minutes=5)


def display_name(user) -> str:
    if user is None:
        return ""
    return user.full_name or profile_for(user).handle


def absolute_url(name: str, language: str, *args) -> str:
    with translation.override(language):
        path = reverse(name, args=args)
    return f"{settings.SITE_URL}{path}"


def _language(user) -> str:
    return user.language if user.language in dict(settings.LANGUAGES) else "pl"


def _email(user, post: Post, kind: str) -> None:
    language = _language(user)
    thread = post.thread
    context = {
        "user": user,
        "thread": thread,
        "category": thread.category,
        "author": display_name(post.author),
        "kind": kind,
        "url": absolute_url("forum:post", language, post.pk),
        "settings_url": absolute_url("forum:preferences", language),
    }
    with translation.override(language):
        subject = render_to_string("forum/email/notification_subject.txt", context)
        body = render_to_string("forum/email/notification_body.txt", context)
    enqueue_email(
        dedup_key=f"forum:notify:{post.pk}:{user.pk}",
        to=[user.email],
        subject=" ".join(subject.split())[:250],
        body_text=body.strip() + "\n",
        language=language,
        related=post,
        sensitive=True,
    )


def _ancestor_ids(category: Category) -> list[int]:
    parents = dict(Category.objects.values_list("pk", "parent_id"))
    return permissions._ancestors(category.pk, parents)


def announce(post: Post, *, new_thread: bool, mentions_only: bool = False) -> int:
    """Notify the followers of the thread and its categories, and the people mentioned, who
    may read the post. Returns how many were notified."""
    thread = post.thread
    recipients: dict[int, str] = {}
    if not mentions_only:
        subscriptions = Subscription.objects.filter(
            Q(thread=thread) | Q(category_id__in=_ancestor_ids(thread.category))
        ).values_list("user_id", "thread_id")
        for user_id, thread_id in subscriptions:
            kind = (
                NotificationKind.THREAD if new_thread and not thread_id else NotificationKind.REPLY
            )
            if recipients.get(user_id) != NotificationKind.REPLY:
                recipients[user_id] = kind
    handles = mentions(post.body)
    if handles:
        for user_id in ForumProfile.objects.filter(handle__in=handles).values_list(
            "user_id", flat=True
        ):
            recipients[user_id] = NotificationKind.MENTION
    recipients.pop(post.author_id, None)
    if not recipients:
        return 0
    now = timezone.now()
    count = 0
    users = get_user_model().objects.filter(pk__in=recipients, is_active=True)
    for user in users:
        if not permissions.can_see_post(user, post):
            continue
        _, created = Notification.objects.get_or_create(
            user=user, post=post, kind=recipients[user.pk], defaults={"created_at": now}
        )
        if not created:
            continue
        count += 1
        if profile_for(user).email_notifications:
            _email(user, post, recipients[user.pk])
    return count


def notify_moderators(post: Post, kind: str = NotificationKind.APPROVAL) -> int:
    """In-platform notice to the category's moderators (a post waits, or was reported)."""
    now = timezone.now()
    count = 0
    for user in permissions.moderators_of(post.category):
        if user.pk == post.author_id and kind == NotificationKind.APPROVAL:
            continue
        _, created = Notification.objects.get_or_create(
            user=user, post=post, kind=kind, defaults={"created_at": now}
        )
        count += created
    return count


# --- subscriptions ---------------------------------------------------------------------------


@transaction.atomic
def subscribe(*, actor, thread: Thread | None = None, category: Category | None = None):
    if (thread is None) == (category is None):
        raise ForumError("Subscribe to a thread or a category.", code="bad_target")
    visible = (
        permissions.can_see_thread(actor, thread)
        if thread
        else permissions.can_see_category(actor, category)
    )
    if not visible:
        raise NotAllowed(_("There is no such page."), code="not_found", status=404)
    subscription, created = Subscription.objects.get_or_create(
        user=actor, thread=thread, category=category
    )
    if created:
        log_action(
            "forum.subscription.added",
            actor=actor,
            target=thread or category,
            data={
                "thread_id": getattr(thread, "pk", None),
                "category_id": getattr(category, "pk", None),
            },
        )
    return subscription


@transaction.atomic
def unsubscribe(*, actor, thread: Thread | None = None, category: Category | None = None) -> bool:
    deleted, _rows = Subscription.objects.filter(
        user=actor, thread=thread, category=category
    ).delete()
    if deleted:
        log_action(
            "forum.subscription.removed",
            actor=actor,
            target=thread or category,
            data={
                "thread_id": getattr(thread, "pk", None),
                "category_id": getattr(category, "pk", None),
            },
        )
    return bool(deleted)


# --- notifications, preferences, visits ------------------------------------------------------


def mark_read(*, actor, ids=None) -> int:
    """Mark the actor's notifications read (all, or those with ``ids``). Not audited: it
    changes nothing anyone else sees."""
    qs = Notification.objects.filter(user=actor, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())


@transaction.atomic
def set_preferences(*, actor, digest: str, email_notifications: bool) -> ForumProfile:
    if digest not in Digest.values:
        raise ForumError(_("Choose how often to get the digest."), code="bad_digest")
    profile = profile_for(actor)
    profile.digest = digest
    profile.email_notifications = bool(email_notifications)
    profile.save(update_fields=["digest", "email_notifications"])
    log_action(
        "forum.preferences.changed",
        actor=actor,
        target=profile,
        data={"digest": digest, "email_notifications": bool(email_notifications)},
    )
    return profile


def touch_visit(user, now=None) -> None:
    """Remember that the user visited the forum (at most one write per five minutes). The
    digest goes only to people who have not visited since the last one."""
    now = now or timezone.now()
    profile = profile_for(user)
    if profile.last_seen_at is None or now - profile.last_seen_at > VISIT_RESOLUTION:
        ForumProfile.objects.filter(pk=profile.pk).update(last_seen_at=now)
