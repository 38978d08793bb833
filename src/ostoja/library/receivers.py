"""Reacting to the network: a new partner gets the journal from its admission.

The network announces nothing of its own; ``Partner`` rows are saved by
``ostoja.network.membership.set_state``, so the library listens to their ``post_save`` (the
import points from the library to the network, never back). The subscription is created after
the commit of the admission. Leaving needs no receiver: the distribution list is computed from
the partners' state when it is exported (``services.distribution``).
"""

from __future__ import annotations

from django.db import transaction


def partner_saved(sender, instance, **kwargs):
    from ostoja.network.models import PartnerState

    from .services import subscribe_partner

    if instance.state != PartnerState.MEMBER:
        return
    organisation = instance.organisation
    since = instance.member_since
    transaction.on_commit(lambda: subscribe_partner(organisation, since=since))
