"""Intervention records (the documentation the standards require when harm is suspected).

Only the organisation's safeguarding officers read or write them; the child's name, details,
the concern and every step's text are encrypted at rest; every opening is logged; records are
deleted ``RegisterPolicy.intervention_retention_months`` (default 120, our choice: the Act
sets no period; to be confirmed by each organisation, e.g. against limitation periods for a
child's claims) after they are closed. Outside the record, only counts are ever shown.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from ostoja.audit.services import log_action

from . import services, vetting
from .errors import SafeguardingError
from .models import AccessLogEntry, Intervention, InterventionStep

MAX_TEXT = 10_000


def _text(value: str, *, field: str, required: bool = True, limit: int = MAX_TEXT) -> str:
    value = (value or "").replace("\r\n", "\n").strip()
    if required and not value:
        raise SafeguardingError(_("This field is required."), field=field)
    if len(value) > limit:
        raise SafeguardingError(_("This text is too long."), field=field)
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in value):
        raise SafeguardingError(_("This text contains control characters."), field=field)
    return value


def open_intervention(
    *, actor, organisation, child_name: str, child_details: str, concern: str, opened_on: date
) -> Intervention:
    child_name = _text(child_name, field="child_name", limit=200)
    child_details = _text(child_details, field="child_details", required=False, limit=200)
    concern = _text(concern, field="concern")
    if opened_on is None or opened_on > services.today():
        raise SafeguardingError(_("The date cannot be in the future."), field="opened_on")
    with transaction.atomic():
        last = (
            Intervention.objects.select_for_update()
            .filter(organisation=organisation)
            .aggregate(Max("number"))["number__max"]
        )
        record = Intervention.objects.create(
            organisation=organisation,
            number=(last or 0) + 1,
            child_name=child_name,
            child_details=child_details,
            concern=concern,
            opened_on=opened_on,
            created_by=actor,
        )
        log_action(
            "safeguarding.intervention.opened",
            actor=actor,
            organisation=organisation,
            target=record,
        )
    return record


def add_step(
    *, actor, intervention: Intervention, kind: str, on: date, text: str, reference: str = ""
) -> InterventionStep:
    if intervention.status != Intervention.Status.OPEN:
        raise SafeguardingError(_("The record is closed."))
    if kind not in InterventionStep.Kind.values:
        raise SafeguardingError(_("Choose the kind of step."), field="kind")
    if on is None or on > services.today():
        raise SafeguardingError(_("The date cannot be in the future."), field="on")
    if on < intervention.opened_on:
        raise SafeguardingError(_("A step cannot precede the opening of the record."), field="on")
    text = _text(text, field="text")
    reference = " ".join((reference or "").split())
    if len(reference) > 100:
        raise SafeguardingError(_("The reference is too long."), field="reference")
    with transaction.atomic():
        step = InterventionStep.objects.create(
            intervention=intervention,
            kind=kind,
            on=on,
            text=text,
            reference=reference,
            recorded_by_label=services._label(actor),
        )
        log_action(
            "safeguarding.intervention.step_added",
            actor=actor,
            organisation=intervention.organisation,
            target=step,
            data={"intervention": intervention.pk, "kind": kind},
        )
    return step


def close_intervention(*, actor, intervention: Intervention, closed_on: date) -> Intervention:
    if intervention.status != Intervention.Status.OPEN:
        raise SafeguardingError(_("The record is closed."))
    if closed_on is None or closed_on > services.today() or closed_on < intervention.opened_on:
        raise SafeguardingError(_("Enter a date between the opening and today."), field="closed_on")
    with transaction.atomic():
        intervention.status = Intervention.Status.CLOSED
        intervention.closed_on = closed_on
        intervention.save(update_fields=["status", "closed_on"])
        log_action(
            "safeguarding.intervention.closed",
            actor=actor,
            organisation=intervention.organisation,
            target=intervention,
        )
    return intervention


def log_view(*, actor, intervention: Intervention) -> None:
    AccessLogEntry.objects.create(
        organisation=intervention.organisation,
        intervention_id_ref=intervention.pk,
        kind=AccessLogEntry.Kind.INTERVENTION,
        actor=actor,
        actor_label=services._label(actor),
    )


def counts(organisation, *, today: date | None = None) -> dict:
    """The only thing shown outside the records: how many are open, and closed in 12 months."""
    today = today or services.today()
    qs = Intervention.objects.filter(organisation=organisation)
    return {
        "open": qs.filter(status=Intervention.Status.OPEN).count(),
        "closed_12_months": qs.filter(
            status=Intervention.Status.CLOSED, closed_on__gte=today - timedelta(days=365)
        ).count(),
    }


def apply_retention(*, today: date) -> int:
    from .models import RegisterPolicy

    policies = {p.organisation_id: p for p in RegisterPolicy.objects.all()}
    default = RegisterPolicy().intervention_retention_months
    expired = []
    for pk, org_id, closed_on in Intervention.objects.filter(
        status=Intervention.Status.CLOSED
    ).values_list("id", "organisation_id", "closed_on"):
        months = policies[org_id].intervention_retention_months if org_id in policies else default
        if vetting.add_months(closed_on, months) <= today:
            expired.append(pk)
    for i in range(0, len(expired), 500):
        chunk = expired[i : i + 500]
        with transaction.atomic():
            Intervention.objects.filter(pk__in=chunk).delete()
            log_action("safeguarding.intervention.retention_deleted", data={"interventions": chunk})
    return len(expired)
