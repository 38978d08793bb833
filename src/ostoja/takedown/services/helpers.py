"""Small helpers."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from ostoja.audit.services import log_action
from ostoja.hotline.models import ILLEGAL_OUTCOMES, Assessment
from ostoja.organisations.models import Organisation

from .. import conf
from ..models import (
    Case,
    CaseEvent,
    ContactPoint,
)
from .common import _CONTROL, MAX_COMMENT, SOURCE_ORDER, TakedownError, Via


def clean_text(value, *, limit: int = MAX_COMMENT, field_label: str = "text") -> str:
    """Strip, refuse control and text-direction characters, cap the length."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TakedownError(_("The text is not valid."))
    value = value.replace("\r\n", "\n").strip()
    if _CONTROL.search(value):
        raise TakedownError(_("The text contains control or text-direction characters."))
    if len(value) > limit:
        raise TakedownError(_("The text is longer than %(limit)d characters.") % {"limit": limit})
    return value


def _actor(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _event(case, kind, *, notice=None, via=Via.SYSTEM, actor=None, note="", data=None, now=None):
    return CaseEvent.objects.create(
        case=case,
        notice=notice,
        kind=kind,
        via=via,
        actor=_actor(actor),
        note=note,
        data=data or {},
        at=now or timezone.now(),
    )


def _audit(action, case, *, actor=None, data=None):
    log_action(action, actor=actor, organisation=case.hotline, target=case, data=data or {})


def _lock(case) -> Case:
    return Case.objects.select_for_update().select_related("item", "hotline").get(pk=case.pk)


def primary_source(item) -> str:
    kinds = set(item.source_kinds or [])
    return next((k for k in SOURCE_ORDER if k in kinds), "")


def _illegal_assessment(item) -> Assessment | None:
    return (
        Assessment.objects.filter(item=item, outcome__in=ILLEGAL_OUTCOMES)
        .order_by("-created_at", "-pk")
        .first()
    )


@dataclass(frozen=True)
class Recipient:
    organisation: Organisation | None
    email: str
    language: str
    webhook_url: str = ""
    webhook_key_id: str = ""
    webhook_secret_ref: str = ""

    @property
    def reachable(self) -> bool:
        return bool(self.email or self.webhook_url)


def _language(code: str, default: str = "en") -> str:
    return code if code in dict(settings.LANGUAGES) else default


def recipient_for(organisation: Organisation | None) -> Recipient | None:
    """How to reach an organisation: its contact point, else its contact e-mail."""
    if organisation is None:
        return None
    point = ContactPoint.objects.filter(organisation=organisation).first()
    if point is not None:
        return Recipient(
            organisation,
            point.email or organisation.contact_email,
            _language(point.language, _language(organisation.language)),
            point.webhook_url,
            point.webhook_key_id,
            point.webhook_secret_ref,
        )
    return Recipient(organisation, organisation.contact_email, _language(organisation.language))


def police_recipient() -> Recipient | None:
    """``OSTOJA_POLICE_CONTACT``: an e-mail address, or the slug of a police organisation."""
    configured = conf.police_contact()
    if not configured:
        return None
    if "@" in configured:
        return Recipient(None, configured, "pl")
    org = Organisation.objects.filter(slug=configured).first()
    recipient = recipient_for(org)
    return recipient if recipient and recipient.reachable else None


def partner_hotline_for(country: str, own_hotline) -> Organisation | None:
    """The verified hotline organisation of ``country`` (the earliest, if several)."""
    return (
        Organisation.objects.filter(kind=Organisation.Kind.HOTLINE, country=country, verified=True)
        .exclude(pk=own_hotline.pk)
        .order_by("created_at", "pk")
        .first()
    )
