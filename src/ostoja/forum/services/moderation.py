"""Moderation: approve, hide and show posts; lock, pin, hide and move threads; reports.

Each action is allowed to the category's moderators (inherited from its parents), is
recorded in the moderation log the moderators read, and in the audit log.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ostoja.audit.services import log_action

from .. import permissions
from ..models import (
    Category,
    ModerationAction,
    ModerationLogEntry,
    NotificationKind,
    Post,
    PostState,
    Report,
    Thread,
)
from .common import ForumError, NotAllowed
from .following import announce, notify_moderators

MAX_REASON = 2000

POST_ACTIONS = {
    "approve": (PostState.PENDING, PostState.PUBLISHED, ModerationAction.APPROVE),
    "hide": (PostState.PUBLISHED, PostState.HIDDEN, ModerationAction.HIDE_POST),
    "show": (PostState.HIDDEN, PostState.PUBLISHED, ModerationAction.SHOW_POST),
}
POST_CODES = {
    "approve": "forum.post.approved",
    "hide": "forum.post.hidden",
    "show": "forum.post.shown",
}
THREAD_ACTIONS = {
    "lock": ("locked", True, ModerationAction.LOCK),
    "unlock": ("locked", False, ModerationAction.UNLOCK),
    "pin": ("pinned", True, ModerationAction.PIN),
    "unpin": ("pinned", False, ModerationAction.UNPIN),
    "hide": ("hidden", True, ModerationAction.HIDE_THREAD),
    "show": ("hidden", False, ModerationAction.SHOW_THREAD),
}
THREAD_CODES = {
    "lock": "forum.thread.locked",
    "unlock": "forum.thread.unlocked",
    "pin": "forum.thread.pinned",
    "unpin": "forum.thread.unpinned",
    "hide": "forum.thread.hidden",
    "show": "forum.thread.shown",
}


def _require_moderator(actor, category) -> None:
    if not permissions.can_see_category(actor, category):
        raise NotAllowed(_("There is no such page."), code="not_found", status=404)
    if not permissions.is_moderator(actor, category):
        raise NotAllowed(_("Only the category's moderators can do this."), code="not_moderator")


def _log(actor, action, *, category, thread=None, post=None, reason="", now=None) -> None:
    ModerationLogEntry.objects.create(
        at=now or timezone.now(),
        actor=actor,
        action=action,
        category=category,
        thread=thread,
        post=post,
        reason=reason,
    )


@transaction.atomic
def moderate_post(*, actor, post: Post, action: str, reason: str = "") -> Post:
    if action not in POST_ACTIONS:
        raise ForumError(_("Unknown moderation action."), code="bad_action")
    post = Post.objects.select_for_update().select_related("thread__category").get(pk=post.pk)
    _require_moderator(actor, post.category)
    from_state, to_state, log_code = POST_ACTIONS[action]
    if post.state != from_state:
        raise ForumError(_("The post has changed meanwhile; reload the page."), code="stale")
    reason = (reason or "").strip()[:MAX_REASON]
    now = timezone.now()
    thread = Thread.objects.select_for_update().get(pk=post.thread_id)
    first = thread.posts.order_by("created_at", "pk").values_list("pk", flat=True).first()
    post.state = to_state
    post.save(update_fields=["state"])
    if to_state == PostState.PUBLISHED:
        Thread.objects.filter(pk=thread.pk).update(post_count=F("post_count") + 1)
        if post.created_at > thread.last_post_at or action == "approve":
            Thread.objects.filter(pk=thread.pk).update(
                last_post_at=max(post.created_at, thread.last_post_at)
            )
    else:
        Thread.objects.filter(pk=thread.pk).update(post_count=F("post_count") - 1)
    _log(actor, log_code, category=post.category, thread=thread, post=post, reason=reason, now=now)
    log_action(
        POST_CODES[action],
        actor=actor,
        target=post,
        data={"thread_id": thread.pk, "reason": reason},
    )
    if action == "approve":
        post.thread.refresh_from_db()
        announce(post, new_thread=post.pk == first)
    return post


@transaction.atomic
def moderate_thread(
    *, actor, thread: Thread, action: str, reason: str = "", to_category: Category | None = None
) -> Thread:
    thread = Thread.objects.select_for_update().select_related("category").get(pk=thread.pk)
    _require_moderator(actor, thread.category)
    reason = (reason or "").strip()[:MAX_REASON]
    now = timezone.now()
    if action == "move":
        if to_category is None or not permissions.can_see_category(actor, to_category):
            raise ForumError(_("Choose the category to move the thread to."), code="no_target")
        if not permissions.is_moderator(actor, to_category):
            raise NotAllowed(
                _("You can move a thread only into a category you moderate."),
                code="not_moderator_of_target",
            )
        if to_category.pk == thread.category_id:
            return thread
        from_category = thread.category
        thread.category = to_category
        thread.save(update_fields=["category"])
        Post.objects.filter(thread=thread).update(category=to_category)
        _log(
            actor,
            ModerationAction.MOVE,
            category=from_category,
            thread=thread,
            reason=reason,
            now=now,
        )
        _log(
            actor,
            ModerationAction.MOVE,
            category=to_category,
            thread=thread,
            reason=reason,
            now=now,
        )
        log_action(
            "forum.thread.moved",
            actor=actor,
            target=thread,
            data={"from": from_category.pk, "to": to_category.pk, "reason": reason},
        )
        return thread
    if action not in THREAD_ACTIONS:
        raise ForumError(_("Unknown moderation action."), code="bad_action")
    field, value, log_code = THREAD_ACTIONS[action]
    if getattr(thread, field) == value:
        return thread
    setattr(thread, field, value)
    thread.save(update_fields=[field])
    _log(actor, log_code, category=thread.category, thread=thread, reason=reason, now=now)
    log_action(THREAD_CODES[action], actor=actor, target=thread, data={"reason": reason})
    return thread


@transaction.atomic
def report_post(*, actor, post: Post, reason: str) -> Report:
    """Report a post to the category's moderators (once per person until it is resolved)."""
    if not permissions.can_see_post(actor, post):
        raise NotAllowed(_("There is no such post."), code="no_post", status=404)
    reason = " ".join((reason or "").split())[:MAX_REASON]
    if not reason:
        raise ForumError(_("Say briefly what is wrong with the post."), code="reason_required")
    try:
        with transaction.atomic():
            report = Report.objects.create(
                post=post, reporter=actor, reason=reason, created_at=timezone.now()
            )
    except IntegrityError:
        raise ForumError(
            _("You have already reported this post; the moderators will look at it."),
            code="already_reported",
        )
    log_action("forum.post.reported", actor=actor, target=post, data={"report_id": report.pk})
    notify_moderators(post, kind=NotificationKind.REPORT)
    return report


@transaction.atomic
def resolve_report(*, actor, report: Report, note: str = "") -> Report:
    report = Report.objects.select_for_update().select_related("post__thread").get(pk=report.pk)
    _require_moderator(actor, report.post.category)
    if report.resolved_at is not None:
        return report
    report.resolved_at = timezone.now()
    report.resolved_by = actor
    report.save(update_fields=["resolved_at", "resolved_by"])
    _log(
        actor,
        ModerationAction.RESOLVE,
        category=report.post.category,
        thread=report.post.thread,
        post=report.post,
        reason=(note or "").strip()[:MAX_REASON],
    )
    log_action(
        "forum.report.resolved", actor=actor, target=report.post, data={"report_id": report.pk}
    )
    return report
