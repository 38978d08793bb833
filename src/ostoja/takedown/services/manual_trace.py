"""Hosting: manual trace and override."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ostoja.organisations.models import Organisation

from .. import hosting
from ..models import (
    ROUTING_STATES,
    Case,
    CaseEvent,
    CaseState,
    HostingTrace,
)
from .common import _COUNTRY, ResponseConflict, TakedownError, Via
from .helpers import _actor, _audit, _event, _lock, clean_text
from .routing import _reroute_if_moved, _route


def retrace(*, actor, case, resolver=None, now=None) -> HostingTrace:
    """An analyst asks for a fresh trace; a waiting case is routed, a moved one re-routed."""
    now = now or timezone.now()
    case = Case.objects.select_related("item").get(pk=case.pk)
    result = hosting.trace_item(
        case.item, purpose=HostingTrace.Purpose.MANUAL, actor=actor, resolver=resolver, now=now
    )
    with transaction.atomic():
        case = _lock(case)
        _audit(
            "takedown.hosting.traced",
            case,
            actor=actor,
            data={"trace": result.pk, "country": result.country, "errors": result.error_codes},
        )
        if hosting.latest_override(case.item) is None:
            if case.state in ROUTING_STATES:
                _route(case, actor=actor, now=now)
            elif not case.is_final and case.state != CaseState.DISPUTED:
                _reroute_if_moved(case, actor=actor, now=now)
    return result


def override_hosting(*, actor, case, country: str, provider=None, reason: str, now=None):
    """Set the hosting by hand (e.g. behind a CDN); stays in force until overridden again."""
    now = now or timezone.now()
    country = (country or "").strip().upper()
    errors = {}
    if not _COUNTRY.match(country):
        errors["country"] = _("Enter a two-letter country code (ISO 3166-1), e.g. PL.")
    if provider is not None and provider.kind != Organisation.Kind.HOSTING_PROVIDER:
        errors["provider"] = _("Choose an organisation of kind hosting provider.")
    try:
        reason = clean_text(reason)
    except TakedownError as exc:
        errors["reason"] = str(exc)
    else:
        if not reason:
            errors["reason"] = _("Give the reason for the override.")
    if errors:
        raise TakedownError(errors)
    with transaction.atomic():
        case = _lock(case)
        if case.is_final:
            raise ResponseConflict(_("This case is closed."))
        trace = HostingTrace.objects.create(
            item=case.item,
            kind=HostingTrace.Kind.OVERRIDE,
            purpose=HostingTrace.Purpose.MANUAL,
            host=case.item.host[:253],
            country=country,
            provider=provider,
            match_reason="override",
            reason=reason,
            actor=_actor(actor),
            traced_at=now,
        )
        data = {
            "trace": trace.pk,
            "country": country,
            "provider": provider.pk if provider else None,
            "reason": reason,
            "previous": {"country": case.hosting_country, "provider": case.provider_id},
        }
        _event(
            case,
            CaseEvent.Kind.OVERRIDDEN,
            via=Via.ANALYST,
            actor=actor,
            note=reason,
            data=data,
            now=now,
        )
        _audit("takedown.hosting.overridden", case, actor=actor, data=data)
        if case.state in ROUTING_STATES:
            _route(case, actor=actor, now=now)
        elif case.state != CaseState.DISPUTED:
            _reroute_if_moved(case, actor=actor, now=now)
    return trace
