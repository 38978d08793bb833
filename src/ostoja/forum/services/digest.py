"""The daily and weekly digest for people who have not visited the forum.

For each person who chose the frequency, is still a member of the partnership, and has not
visited since the period began: the threads with new published posts since their last
digest (or the period's start), counted, in categories they may see only -- computed with the
same :func:`ostoja.forum.search.visible_posts` filter as the search. One e-mail through the
outbox, in their language, naming the threads and linking to them; no post text.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import Count, Max
from django.template.loader import render_to_string
from django.utils import timezone, translation

from ostoja.audit.services import log_action
from ostoja.outbox.services import enqueue_email

from .. import permissions, search
from ..models import Digest, ForumProfile, Thread
from .following import _language, absolute_url

PERIODS = {Digest.DAILY: timedelta(days=1), Digest.WEEKLY: timedelta(days=7)}
MAX_THREADS = 30


def digest_threads(user, since, until) -> list[dict]:
    """Threads with new posts the user may read, between ``since`` and ``until``."""
    rows = (
        search.visible_posts(user)
        .filter(created_at__gt=since, created_at__lte=until)
        .exclude(author=user)
        .values("thread_id")
        .annotate(new=Count("pk"), latest=Max("created_at"))
        .order_by("-latest")[:MAX_THREADS]
    )
    rows = list(rows)
    threads = Thread.objects.select_related("category").in_bulk([r["thread_id"] for r in rows])
    return [
        {"thread": threads[r["thread_id"]], "new": r["new"]}
        for r in rows
        if r["thread_id"] in threads
    ]


def send_digests(frequency: str, *, now=None) -> int:
    """Queue the digests of one frequency; return how many were queued."""
    if frequency not in PERIODS:
        raise ValueError(f"unknown digest frequency {frequency!r}")
    now = now or timezone.now()
    start = now - PERIODS[frequency]
    sent = 0
    profiles = ForumProfile.objects.filter(digest=frequency, user__is_active=True).select_related(
        "user"
    )
    for profile in profiles:
        user = profile.user
        permissions.forget(user)
        if profile.last_seen_at and profile.last_seen_at > start:
            continue  # visited during the period: they have seen the forum
        if not permissions.can_use_forum(user):
            continue
        since = max(t for t in (profile.last_digest_at, start) if t is not None)
        threads = digest_threads(user, since, now)
        if not threads:
            continue
        with transaction.atomic():
            _send(user, frequency, threads, now)
            ForumProfile.objects.filter(pk=profile.pk).update(last_digest_at=now)
        sent += 1
    if sent:
        log_action("forum.digest.sent", data={"frequency": frequency, "count": sent})
    return sent


def _send(user, frequency, threads, now) -> None:
    language = _language(user)
    with translation.override(language):
        items = [
            {**t, "url": absolute_url("forum:thread", language, t["thread"].pk)} for t in threads
        ]
        context = {
            "user": user,
            "frequency": frequency,
            "threads": items,
            "forum_url": absolute_url("forum:index", language),
            "settings_url": absolute_url("forum:preferences", language),
        }
        subject = render_to_string("forum/email/digest_subject.txt", context)
        body = render_to_string("forum/email/digest_body.txt", context)
    enqueue_email(
        dedup_key=f"forum:digest:{frequency}:{user.pk}:{now:%Y%m%d}",
        to=[user.email],
        subject=" ".join(subject.split())[:250],
        body_text=body.strip() + "\n",
        language=language,
        sensitive=True,
    )
