"""Provider directory."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from ostoja.audit.services import log_action
from ostoja.organisations.models import Organisation
from ostoja.outbox import webhook_keys

from .. import hosting
from ..models import (
    ContactPoint,
    ProviderRule,
)
from .common import TakedownError
from .helpers import _actor, clean_text


def add_provider_rule(*, actor, organisation, spec: str, note: str = "") -> ProviderRule:
    if organisation.kind != Organisation.Kind.HOSTING_PROVIDER:
        raise TakedownError({"organisation": _("Choose a hosting provider.")})
    try:
        asn, network = hosting.parse_rule_spec(spec)
    except ValueError as exc:
        raise TakedownError({"spec": str(exc)})
    note = clean_text(note, limit=200)
    duplicate = (
        ProviderRule.objects.filter(asn=asn)
        if asn
        else ProviderRule.objects.filter(network=network)
    )
    if duplicate.exists():
        raise TakedownError({"spec": _("A rule for this AS number or range already exists.")})
    with transaction.atomic():
        rule = ProviderRule.objects.create(
            organisation=organisation,
            asn=asn,
            network=network,
            note=note,
            created_by=_actor(actor),
        )
        log_action(
            "takedown.provider_rule.created",
            actor=actor,
            organisation=organisation,
            target=rule,
            data={"spec": rule.spec},
        )
    return rule


def delete_provider_rule(*, actor, rule) -> None:
    with transaction.atomic():
        log_action(
            "takedown.provider_rule.deleted",
            actor=actor,
            organisation=rule.organisation,
            target=rule,
            data={"spec": rule.spec},
        )
        rule.delete()


CONTACT_KINDS = (
    Organisation.Kind.HOSTING_PROVIDER,
    Organisation.Kind.HOTLINE,
    Organisation.Kind.POLICE,
    Organisation.Kind.ONLINE_PLATFORM,
)


def save_contact_point(
    *,
    actor,
    organisation,
    email: str = "",
    language: str = "en",
    webhook_url: str = "",
    webhook_key_id: str = "",
    webhook_secret_ref: str = "",
) -> ContactPoint:
    errors = {}
    if organisation.kind not in CONTACT_KINDS:
        errors["organisation"] = _("Contact points are for providers, hotlines and the police.")
    if language not in dict(settings.LANGUAGES):
        errors["language"] = _("Choose Polish or English.")
    if webhook_secret_ref and not webhook_keys.is_valid_ref(webhook_secret_ref):
        errors["webhook_secret_ref"] = _(
            "A reference looks like settings:NAME or env:VARIABLE (never the secret itself)."
        )
    if webhook_url and not webhook_url.lower().startswith(("https://", "http://")):
        errors["webhook_url"] = _("Enter an http(s) address.")
    if webhook_secret_ref and not webhook_url:
        errors["webhook_url"] = _("A signing secret needs a webhook address.")
    if errors:
        raise TakedownError(errors)
    with transaction.atomic():
        point, created = ContactPoint.objects.update_or_create(
            organisation=organisation,
            defaults={
                "email": email.strip(),
                "language": language,
                "webhook_url": webhook_url.strip(),
                "webhook_key_id": webhook_key_id.strip()[:100],
                "webhook_secret_ref": webhook_secret_ref.strip(),
                "updated_by": _actor(actor),
            },
        )
        log_action(
            "takedown.contact_point.saved",
            actor=actor,
            organisation=organisation,
            target=point,
            data={
                "created": created,
                "email": bool(point.email),
                "language": point.language,
                "webhook": bool(point.webhook_url),
                "signed": bool(point.webhook_secret_ref),
            },
        )
    return point
