"""Changes of a partner's membership state by the coordinator: suspend, leave, readmit."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from ostoja.audit.services import log_action

from .. import membership
from ..models import Partner, PartnerState
from .errors import NetworkError

#: (from, to) → audit action. Admission of a new organisation goes through an application.
TRANSITIONS = {
    (PartnerState.MEMBER, PartnerState.SUSPENDED): "network.partner.suspended",
    (PartnerState.MEMBER, PartnerState.LEFT): "network.partner.left",
    (PartnerState.SUSPENDED, PartnerState.LEFT): "network.partner.left",
    (PartnerState.SUSPENDED, PartnerState.MEMBER): "network.partner.readmitted",
    (PartnerState.LEFT, PartnerState.MEMBER): "network.partner.readmitted",
    (PartnerState.APPLICANT, PartnerState.MEMBER): "network.partner.readmitted",
}


def allowed_targets(state: str) -> list[str]:
    return [to for (frm, to) in TRANSITIONS if frm == state]


@transaction.atomic
def change_state(partner: Partner, *, actor, to_state: str, reason: str) -> Partner:
    """Move a partner to another state, with a reason (recorded with the date and actor)."""
    if not membership.is_coordinator(actor):
        raise NetworkError(_("Only a coordinator may do this."), code="forbidden", status=403)
    reason = " ".join((reason or "").split())
    if not reason:
        raise NetworkError(_("Give the reason for the change."), code="no_reason", field="reason")
    if len(reason) > 1000:
        raise NetworkError(_("At most %(n)s characters.") % {"n": 1000}, code="too_long")
    partner = Partner.objects.select_for_update().select_related("organisation").get(pk=partner.pk)
    action = TRANSITIONS.get((partner.state, to_state))
    if action is None:
        raise NetworkError(
            _("This change is not possible from the partner's present state."),
            code="transition",
            status=409,
        )
    from_state = partner.state
    partner = membership.set_state(partner.organisation, to_state, actor=actor, reason=reason)
    log_action(
        action,
        actor=actor,
        organisation=partner.organisation,
        target=partner.organisation,
        data={"from": from_state, "to": to_state, "reason": reason},
    )
    return partner
