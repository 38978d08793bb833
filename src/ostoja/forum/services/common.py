"""What the forum's services share: errors, profiles (@handles)."""

from __future__ import annotations

import re

from django.db import IntegrityError, transaction
from django.utils.text import slugify

from ostoja.directory.search_text import unaccent_pl

from ..models import ForumProfile


class ForumError(Exception):
    """A change the rules refuse; ``status`` is the HTTP status a view answers with."""

    status = 422

    def __init__(self, message, *, code: str, status: int | None = None):
        super().__init__(str(message))
        self.message = message
        self.code = code
        if status is not None:
            self.status = status


class NotAllowed(ForumError):
    status = 403


class ChildDataFound(ForumError):
    """The text may identify a child; the author must edit it or confirm."""

    def __init__(self, kinds: list[str]):
        from django.utils.translation import gettext_lazy as _

        super().__init__(_("The text may identify a child."), code="child_data")
        self.kinds = kinds


def _handle_base(user) -> str:
    source = user.full_name or user.email.split("@", 1)[0]
    base = slugify(unaccent_pl(source)).replace("-", ".")
    base = re.sub(r"[^a-z0-9.]", "", base).strip(".")[:40]
    return base if len(base) >= 2 else f"member{user.pk}"


def profile_for(user) -> ForumProfile:
    """The user's forum profile, created on first use with a unique @handle
    (``anna.kowalska``, ``anna.kowalska2``, ...)."""
    profile = ForumProfile.objects.filter(user=user).first()
    if profile is not None:
        return profile
    base = _handle_base(user)
    for n in range(1, 1000):
        handle = base if n == 1 else f"{base}{n}"
        if ForumProfile.objects.filter(handle=handle).exists():
            continue
        try:
            with transaction.atomic():
                return ForumProfile.objects.create(user=user, handle=handle)
        except IntegrityError:  # a concurrent request took the handle or made the profile
            profile = ForumProfile.objects.filter(user=user).first()
            if profile is not None:
                return profile
    raise ForumError("No free handle.", code="no_handle")
