"""The coverage target (how many members each voivodeship should have)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from ostoja.audit.services import log_action

from .. import membership
from ..models import CoverageTarget
from .errors import NetworkError


@transaction.atomic
def set_target(*, actor, minimum: int, goal: int) -> CoverageTarget:
    if not membership.is_coordinator(actor):
        raise NetworkError(_("Only a coordinator may do this."), code="forbidden", status=403)
    if not (0 <= minimum <= 50 and 0 <= goal <= 50):
        raise NetworkError(_("Give numbers between 0 and 50."), code="range", field="minimum")
    if goal < minimum:
        raise NetworkError(
            _("The goal cannot be lower than the minimum."), code="order", field="goal"
        )
    target = CoverageTarget.objects.select_for_update().order_by("pk").first() or CoverageTarget()
    before = (target.minimum, target.goal) if target.pk else None
    target.minimum, target.goal = minimum, goal
    target.save()
    log_action(
        "network.coverage.target_set",
        actor=actor,
        data={"minimum": minimum, "goal": goal, "before": list(before) if before else None},
    )
    return target
