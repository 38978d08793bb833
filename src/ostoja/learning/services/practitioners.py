"""The coordinator flags people as trainers, supervisors or experts."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from ostoja.audit.services import log_action

from .. import permissions
from ..models import Practitioner, Topic
from .errors import LearningError, NotAllowed


@transaction.atomic
def set_practitioner(
    user,
    *,
    actor,
    is_trainer: bool,
    is_supervisor: bool,
    is_expert: bool,
    areas=(),
    bio: str = "",
    phone: str = "",
    video_link: str = "",
) -> Practitioner:
    if actor is not None and not permissions.can_manage_practitioners(actor):
        raise NotAllowed(
            _("Only a coordinator flags trainers, supervisors and experts."), code="forbidden"
        )
    areas = sorted(set(areas or ()))
    if any(a not in Topic.values for a in areas):
        raise LearningError(_("There is no such area."), code="unknown_area")
    if is_expert and not areas:
        raise LearningError(_("An expert needs at least one area."), code="no_area")
    p, _created = Practitioner.objects.select_for_update().get_or_create(user=user)
    p.is_trainer, p.is_supervisor, p.is_expert = is_trainer, is_supervisor, is_expert
    p.areas, p.bio, p.phone, p.video_link = areas, bio.strip(), phone.strip(), video_link.strip()
    p.save()
    log_action(
        "learning.practitioner.flagged",
        actor=actor,
        target=user,
        data={
            "trainer": is_trainer,
            "supervisor": is_supervisor,
            "expert": is_expert,
            "areas": areas,
        },
    )
    if is_expert:
        from .consultations import assign_waiting_written

        assign_waiting_written(user, actor=actor)
    return p
