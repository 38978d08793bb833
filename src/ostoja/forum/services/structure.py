"""Groups and categories (coordinators only)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from ostoja.audit.services import log_action
from ostoja.directory.search_text import unaccent_pl

from .. import permissions
from ..models import Category, ForumGroup
from .common import ForumError, NotAllowed


def _require_manager(actor) -> None:
    if actor is not None and not permissions.can_manage_forum(actor):
        raise NotAllowed(_("Only the coordinators manage the forum."), code="not_coordinator")


@transaction.atomic
def create_group(*, actor, name: str, description: str = "") -> ForumGroup:
    _require_manager(actor)
    name = " ".join((name or "").split())[:120]
    if not name:
        raise ForumError(_("Give the group a name."), code="name_required")
    if ForumGroup.objects.filter(name__iexact=name).exists():
        raise ForumError(_("A group with this name already exists."), code="duplicate_group")
    try:
        with transaction.atomic():
            group = ForumGroup.objects.create(name=name, description=description.strip())
    except IntegrityError:
        raise ForumError(_("A group with this name already exists."), code="duplicate_group")
    log_action("forum.group.created", actor=actor, target=group, data={"name": name})
    return group


@transaction.atomic
def add_group_member(*, actor, group: ForumGroup, user) -> None:
    _require_manager(actor)
    if not permissions.can_use_forum(user):
        raise ForumError(
            _("Only members of the partnership can join a forum group."), code="not_member"
        )
    group.members.add(user)
    permissions.forget(user)
    log_action("forum.group.member_added", actor=actor, target=group, data={"user_id": user.pk})


@transaction.atomic
def remove_group_member(*, actor, group: ForumGroup, user) -> None:
    _require_manager(actor)
    group.members.remove(user)
    permissions.forget(user)
    log_action("forum.group.member_removed", actor=actor, target=group, data={"user_id": user.pk})


def _unique_slug(name: str) -> str:
    base = slugify(unaccent_pl(name))[:70] or "kategoria"
    slug, n = base, 2
    while Category.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _check_parent(category: Category | None, parent: Category | None) -> None:
    node = parent
    while node is not None:
        if category is not None and node.pk == category.pk:
            raise ForumError(_("A category cannot be placed inside itself."), code="category_cycle")
        node = node.parent


def _apply(category, *, restricted_to, moderator_groups, moderator_users) -> dict:
    if restricted_to is not None:
        category.restricted_to.set(restricted_to)
    if moderator_groups is not None:
        category.moderator_groups.set(moderator_groups)
    if moderator_users is not None:
        category.moderator_users.set(moderator_users)
    return {
        "restricted_to": sorted(category.restricted_to.values_list("pk", flat=True)),
        "moderator_groups": sorted(category.moderator_groups.values_list("pk", flat=True)),
        "moderator_users": sorted(category.moderator_users.values_list("pk", flat=True)),
    }


@transaction.atomic
def create_category(
    *,
    actor,
    name: str,
    parent: Category | None = None,
    description: str = "",
    position: int = 0,
    premoderated: bool = False,
    restricted_to=(),
    moderator_groups=(),
    moderator_users=(),
    slug: str = "",
) -> Category:
    """A category (or a subcategory of ``parent``), restricted to ``restricted_to`` groups
    when any are given, moderated by the groups and people given (and those of its parents)."""
    _require_manager(actor)
    name = " ".join((name or "").split())[:120]
    if not name:
        raise ForumError(_("Give the category a name."), code="name_required")
    _check_parent(None, parent)
    category = Category.objects.create(
        name=name,
        slug=slug or _unique_slug(name),
        parent=parent,
        description=(description or "").strip(),
        position=position,
        premoderated=premoderated,
    )
    data = _apply(
        category,
        restricted_to=restricted_to,
        moderator_groups=moderator_groups,
        moderator_users=moderator_users,
    )
    log_action(
        "forum.category.created",
        actor=actor,
        target=category,
        data={"parent_id": parent.pk if parent else None, "premoderated": premoderated, **data},
    )
    return category


@transaction.atomic
def update_category(
    *,
    actor,
    category: Category,
    name: str | None = None,
    description: str | None = None,
    parent: Category | None | bool = False,
    position: int | None = None,
    premoderated: bool | None = None,
    restricted_to=None,
    moderator_groups=None,
    moderator_users=None,
) -> Category:
    """Change a category; arguments left out stay as they are (``parent=None`` makes it a
    top-level category)."""
    _require_manager(actor)
    category = Category.objects.select_for_update().get(pk=category.pk)
    if name is not None:
        name = " ".join(name.split())[:120]
        if not name:
            raise ForumError(_("Give the category a name."), code="name_required")
        category.name = name
    if description is not None:
        category.description = description.strip()
    if parent is not False:
        _check_parent(category, parent)
        category.parent = parent
    if position is not None:
        category.position = position
    if premoderated is not None:
        category.premoderated = premoderated
    category.save()
    data = _apply(
        category,
        restricted_to=restricted_to,
        moderator_groups=moderator_groups,
        moderator_users=moderator_users,
    )
    log_action(
        "forum.category.updated",
        actor=actor,
        target=category,
        data={"parent_id": category.parent_id, "premoderated": category.premoderated, **data},
    )
    return category
