"""Every permission decision of the forum, in one place.

* The forum is for partnership members (:func:`ostoja.network.membership.is_partnership_member`:
  people of partner organisations, and coordinators). Everyone else signed in gets 403,
  anonymous visitors the login page.
* A category restricted to groups is seen only by members of one of them; a subcategory is
  seen only when its parent is. Outside it, the category, its threads, posts and files are a
  404 (as if they did not exist). Coordinators manage the groups and the categories, but read
  restricted content only when they are in one of its groups (a supervisors' category stays
  the supervisors').
* Moderators of a category: its moderator groups and people, and those of every ancestor
  (inherited downwards); coordinators moderate every category they can see.

Decisions are cached on the user object, which lives for one request.
"""

from __future__ import annotations

import contextlib

from django.db.models import Q

from ostoja.network import membership

from .models import Category, Post, PostState, Thread


def _cache(user) -> dict:
    cache = getattr(user, "_forum_cache", None)
    if cache is None:
        cache = {}
        with contextlib.suppress(AttributeError):  # objects that take no attributes
            user._forum_cache = cache
    return cache


def forget(user) -> None:
    """Drop the cached decisions (after a change of groups or categories in one request)."""
    if hasattr(user, "_forum_cache"):
        del user._forum_cache


def can_use_forum(user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    cache = _cache(user)
    if "member" not in cache:
        cache["member"] = membership.is_partnership_member(user)
    return cache["member"]


def is_coordinator(user) -> bool:
    cache = _cache(user)
    if "coordinator" not in cache:
        cache["coordinator"] = membership.is_coordinator(user)
    return cache["coordinator"]


def can_manage_forum(user) -> bool:
    """Groups, categories, moderators: the coordinators."""
    return can_use_forum(user) and is_coordinator(user)


def group_ids(user) -> set[int]:
    cache = _cache(user)
    if "groups" not in cache:
        cache["groups"] = set(user.forum_groups.values_list("pk", flat=True))
    return cache["groups"]


def _tree() -> tuple[dict[int, int | None], dict[int, set[int]]]:
    parents = dict(Category.objects.values_list("pk", "parent_id"))
    restricted: dict[int, set[int]] = {}
    for category_id, group_id in Category.restricted_to.through.objects.values_list(
        "category_id", "forumgroup_id"
    ):
        restricted.setdefault(category_id, set()).add(group_id)
    return parents, restricted


def _ancestors(category_id: int, parents: dict) -> list[int]:
    """The category and its ancestors, nearest first (cycles cannot be saved, but a loop here
    would still end)."""
    chain, seen = [], set()
    current = category_id
    while current is not None and current not in seen:
        chain.append(current)
        seen.add(current)
        current = parents.get(current)
    return chain


def visible_category_ids(user) -> frozenset[int]:
    """Ids of the categories the user may read (empty for non-members)."""
    if not can_use_forum(user):
        return frozenset()
    cache = _cache(user)
    if "visible" not in cache:
        parents, restricted = _tree()
        mine = group_ids(user)
        cache["visible"] = frozenset(
            pk
            for pk in parents
            if all(c not in restricted or restricted[c] & mine for c in _ancestors(pk, parents))
        )
    return cache["visible"]


def can_see_category(user, category) -> bool:
    return category is not None and category.pk in visible_category_ids(user)


def moderated_category_ids(user) -> frozenset[int]:
    """Visible categories the user moderates (inherited from ancestors)."""
    visible = visible_category_ids(user)
    if not visible:
        return frozenset()
    cache = _cache(user)
    if "moderates" not in cache:
        if is_coordinator(user):
            cache["moderates"] = visible
        else:
            direct = set(
                Category.objects.filter(
                    Q(moderator_users=user) | Q(moderator_groups__in=group_ids(user))
                ).values_list("pk", flat=True)
            )
            parents = dict(Category.objects.values_list("pk", "parent_id"))
            cache["moderates"] = frozenset(
                pk for pk in visible if any(c in direct for c in _ancestors(pk, parents))
            )
    return cache["moderates"]


def is_moderator(user, category) -> bool:
    return category is not None and category.pk in moderated_category_ids(user)


def moderators_of(category) -> list:
    """The people who moderate a category (groups and people, inherited), who can see it."""
    from django.contrib.auth import get_user_model

    parents = dict(Category.objects.values_list("pk", "parent_id"))
    chain = _ancestors(category.pk, parents)
    users = (
        get_user_model()
        .objects.filter(
            Q(moderated_forum_categories__in=chain)
            | Q(forum_groups__moderated_categories__in=chain)
            | Q(
                memberships__role="coordinator",
                memberships__organisation__is_active=True,
            )
        )
        .distinct()
    )
    return [u for u in users if u.is_active and can_see_category(u, category)]


# --- threads and posts -----------------------------------------------------------------------


def can_see_thread(user, thread: Thread) -> bool:
    if not can_see_category(user, thread.category):
        return False
    if is_moderator(user, thread.category):
        return True
    # A hidden thread, or one whose first post still waits for a moderator (only its
    # author sees it then), is not there for the others.
    return not thread.hidden and (thread.post_count > 0 or thread.author_id == user.pk)


def can_see_post(user, post: Post) -> bool:
    if not can_see_thread(user, post.thread):
        return False
    if post.state == PostState.PUBLISHED:
        return True
    if post.state == PostState.PENDING and post.author_id == user.pk:
        return True
    return is_moderator(user, post.category)


def can_start_thread(user, category) -> bool:
    return can_see_category(user, category)


def can_reply(user, thread: Thread) -> bool:
    if not can_see_thread(user, thread):
        return False
    return not thread.locked or is_moderator(user, thread.category)


def can_edit_post(user, post: Post) -> bool:
    if is_moderator(user, post.category):
        return True
    return (
        post.author_id == user.pk
        and post.state != PostState.HIDDEN
        and not post.thread.locked
        and can_see_thread(user, post.thread)
    )


def can_see_history(user, post: Post) -> bool:
    """Earlier versions: the author and the moderators."""
    return can_see_post(user, post) and (
        post.author_id == user.pk or is_moderator(user, post.category)
    )


def can_see_child_data_flag(user, post: Post) -> bool:
    return is_moderator(user, post.category) or post.author_id == user.pk


def current_member_ids(user_ids) -> set[int]:
    """Which of these people are partnership members now (the others' posts show "former
    member"). One query for a whole page of posts."""
    from ostoja.network.models import PartnerState
    from ostoja.organisations.models import Membership
    from ostoja.organisations.roles import Role

    ids = {i for i in user_ids if i is not None}
    if not ids:
        return set()
    return set(
        Membership.objects.active()
        .filter(user_id__in=ids, user__is_active=True)
        .filter(Q(organisation__partner__state=PartnerState.MEMBER) | Q(role=Role.COORDINATOR))
        .values_list("user_id", flat=True)
    )


def partnership_members():
    """Active people who are partnership members now (for choosing moderators and group
    members)."""
    from django.contrib.auth import get_user_model

    from ostoja.network.models import PartnerState
    from ostoja.organisations.models import Membership
    from ostoja.organisations.roles import Role

    ids = (
        Membership.objects.active()
        .filter(Q(organisation__partner__state=PartnerState.MEMBER) | Q(role=Role.COORDINATOR))
        .values("user_id")
    )
    return (
        get_user_model().objects.filter(pk__in=ids, is_active=True).order_by("full_name", "email")
    )
