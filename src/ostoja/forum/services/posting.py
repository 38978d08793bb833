"""Threads, replies and edits: Markdown rendered once and sanitised, the child-data check,
attachments, pre-moderation, and the notifications a published post sends."""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ostoja.audit.services import log_action
from ostoja.core import child_data
from ostoja.core.text import render_markdown

from .. import files as forum_files
from .. import permissions, search
from ..models import Attachment, Post, PostRevision, PostState, Subscription, Thread
from .common import ChildDataFound, ForumError, NotAllowed, profile_for
from .following import announce, notify_moderators

MAX_TITLE = 200
MAX_BODY = 50_000


def _clean_text(text: str) -> str:
    """Drop control and invisible format characters (keep newlines and tabs)."""
    return "".join(
        c
        for c in unicodedata.normalize("NFC", text or "")
        if c in "\n\t" or unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Co")
    )


def _clean_title(title: str) -> str:
    title = " ".join(_clean_text(title).split())
    if not title:
        raise ForumError(_("Give the thread a title."), code="title_required")
    if len(title) > MAX_TITLE:
        raise ForumError(
            _("The title is longer than %(max)d characters.") % {"max": MAX_TITLE},
            code="title_too_long",
        )
    return title


def _clean_body(body: str) -> str:
    body = _clean_text(body).replace("\r\n", "\n").strip()
    if not body:
        raise ForumError(_("Write something first."), code="body_required")
    if len(body) > MAX_BODY:
        raise ForumError(
            _("The text is longer than %(max)d characters.") % {"max": MAX_BODY},
            code="body_too_long",
        )
    return body


def _child_data_kinds(text: str, confirmed: bool) -> list[str]:
    kinds = child_data.kinds(text)
    if kinds and not confirmed:
        raise ChildDataFound(kinds)
    return kinds


def _checked_files(uploads) -> list:
    uploads = [u for u in uploads or () if u]
    if len(uploads) > forum_files.MAX_FILES_PER_POST:
        raise ForumError(
            _("Attach at most %(max)d files to one post.")
            % {"max": forum_files.MAX_FILES_PER_POST},
            code="too_many_files",
        )
    checked = []
    for upload in uploads:
        try:
            checked.append(forum_files.check_upload(upload))
        except ValidationError as exc:
            raise ForumError(exc.messages[0], code="bad_file")
    return checked


def _store_files(post: Post, checked) -> None:
    for item in checked:
        stored_name = forum_files.store(item)
        Attachment.objects.create(
            post=post,
            name=item.name,
            stored_name=stored_name,
            content_type=item.content_type,
            size=len(item.content),
        )


def _is_pending(actor, category) -> bool:
    return category.premoderated and not permissions.is_moderator(actor, category)


def _create_post(*, actor, thread, body, kinds, checked, quote_of=None, pending, now) -> Post:
    post = Post.objects.create(
        thread=thread,
        category=thread.category,
        author=actor,
        body=body,
        body_html=render_markdown(body),
        quote_of=quote_of,
        state=PostState.PENDING if pending else PostState.PUBLISHED,
        created_at=now,
        child_data_kinds=kinds,
    )
    _store_files(post, checked)
    search.index_posts([post])
    return post


def _follow(actor, thread) -> None:
    Subscription.objects.get_or_create(user=actor, thread=thread)


@transaction.atomic
def start_thread(
    *, actor, category, title: str, body: str, files=(), confirm_child_data: bool = False
) -> Thread:
    """Open a thread with its first post. Raises :class:`ChildDataFound` when the text may
    identify a child and the author has not confirmed."""
    if not permissions.can_start_thread(actor, category):
        raise NotAllowed(_("There is no such category."), code="no_category", status=404)
    title = _clean_title(title)
    body = _clean_body(body)
    kinds = _child_data_kinds(f"{title}\n{body}", confirm_child_data)
    checked = _checked_files(files)
    profile_for(actor)
    now = timezone.now()
    pending = _is_pending(actor, category)
    thread = Thread.objects.create(
        category=category,
        title=title,
        author=actor,
        created_at=now,
        last_post_at=now,
        post_count=0 if pending else 1,
    )
    post = _create_post(
        actor=actor,
        thread=thread,
        body=body,
        kinds=kinds,
        checked=checked,
        pending=pending,
        now=now,
    )
    _follow(actor, thread)
    log_action(
        "forum.thread.created",
        actor=actor,
        target=thread,
        data={
            "category_id": category.pk,
            "post_id": post.pk,
            "pending": pending,
            "child_data_kinds": kinds,
            "attachments": len(checked),
        },
    )
    if pending:
        notify_moderators(post)
    else:
        announce(post, new_thread=True)
    return thread


@transaction.atomic
def reply(
    *,
    actor,
    thread: Thread,
    body: str,
    quote_of: Post | None = None,
    files=(),
    confirm_child_data: bool = False,
) -> Post:
    """Reply in a thread (quoting ``quote_of`` when given)."""
    thread = Thread.objects.select_for_update().select_related("category").get(pk=thread.pk)
    if not permissions.can_see_thread(actor, thread):
        raise NotAllowed(_("There is no such thread."), code="no_thread", status=404)
    if not permissions.can_reply(actor, thread):
        raise NotAllowed(_("The thread is locked."), code="locked")
    if quote_of is not None and (
        quote_of.thread_id != thread.pk or not permissions.can_see_post(actor, quote_of)
    ):
        quote_of = None
    body = _clean_body(body)
    kinds = _child_data_kinds(body, confirm_child_data)
    checked = _checked_files(files)
    profile_for(actor)
    now = timezone.now()
    pending = _is_pending(actor, thread.category)
    post = _create_post(
        actor=actor,
        thread=thread,
        body=body,
        kinds=kinds,
        checked=checked,
        quote_of=quote_of,
        pending=pending,
        now=now,
    )
    if not pending:
        Thread.objects.filter(pk=thread.pk).update(post_count=F("post_count") + 1, last_post_at=now)
    _follow(actor, thread)
    log_action(
        "forum.post.created",
        actor=actor,
        target=post,
        data={
            "thread_id": thread.pk,
            "pending": pending,
            "child_data_kinds": kinds,
            "attachments": len(checked),
        },
    )
    if pending:
        notify_moderators(post)
    else:
        announce(post, new_thread=False)
    return post


@transaction.atomic
def edit_post(*, actor, post: Post, body: str, confirm_child_data: bool = False) -> Post:
    """Change a post's text, keeping the earlier version (author and moderators see them)."""
    post = Post.objects.select_for_update().select_related("thread__category").get(pk=post.pk)
    if not permissions.can_see_post(actor, post):
        raise NotAllowed(_("There is no such post."), code="no_post", status=404)
    if not permissions.can_edit_post(actor, post):
        raise NotAllowed(_("You cannot edit this post."), code="cannot_edit")
    body = _clean_body(body)
    if body == post.body:
        return post
    kinds = _child_data_kinds(body, confirm_child_data)
    now = timezone.now()
    PostRevision.objects.create(post=post, body=post.body, edited_by=actor, replaced_at=now)
    post.body = body
    post.body_html = render_markdown(body)
    post.edited_at = now
    post.child_data_kinds = kinds
    post.save(update_fields=["body", "body_html", "edited_at", "child_data_kinds"])
    search.index_posts([post])
    log_action(
        "forum.post.edited",
        actor=actor,
        target=post,
        data={"thread_id": post.thread_id, "child_data_kinds": kinds},
    )
    if post.state == PostState.PUBLISHED:
        announce(post, new_thread=False, mentions_only=True)
    return post


def quote_source(post: Post) -> str:
    """The Markdown a reply starts with when it quotes ``post``."""
    handle = profile_for(post.author).handle if post.author_id else ""
    lines = post.body.splitlines() or [""]
    head = [f"> @{handle}:", ">"] if handle else []
    return "\n".join([*head, *(f"> {line}" for line in lines)]) + "\n\n"
