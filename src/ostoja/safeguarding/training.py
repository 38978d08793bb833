"""Training records: who completed which training on the standards, and when it is due
again (``completed_on`` + ``valid_months``; the organisation sets the interval per record).
Trainings of the network's training module will be recorded here with source "network" once
that module exists; today every record is entered by hand."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from ostoja.audit.services import log_action

from . import services, vetting
from .errors import SafeguardingError
from .models import TrainingRecord


def record_training(
    *,
    actor,
    organisation,
    person_name: str,
    title: str,
    completed_on: date,
    source: str = TrainingRecord.Source.MANUAL,
    valid_months: int = 24,
) -> TrainingRecord:
    person_name = " ".join((person_name or "").split())
    title = " ".join((title or "").split())
    if not person_name or len(person_name) > 200 or not person_name.isprintable():
        raise SafeguardingError(_("Enter the person's name."), field="person_name")
    if not title or len(title) > 200 or not title.isprintable():
        raise SafeguardingError(_("Enter the training."), field="title")
    if completed_on is None or completed_on > services.today():
        raise SafeguardingError(_("The date cannot be in the future."), field="completed_on")
    if source not in TrainingRecord.Source.values:
        raise SafeguardingError(_("Choose the source."), field="source")
    if not 1 <= int(valid_months) <= 120:
        raise SafeguardingError(_("Between 1 and 120 months."), field="valid_months")
    with transaction.atomic():
        record = TrainingRecord.objects.create(
            organisation=organisation,
            person_name=person_name,
            title=title,
            completed_on=completed_on,
            source=source,
            valid_months=valid_months,
            due_on=vetting.add_months(completed_on, int(valid_months)),
            recorded_by_label=services._label(actor),
        )
        log_action(
            "safeguarding.training.recorded", actor=actor, organisation=organisation, target=record
        )
    return record


def delete_training(*, actor, record: TrainingRecord) -> None:
    with transaction.atomic():
        organisation, pk = record.organisation, record.pk
        record.delete()
        log_action(
            "safeguarding.training.deleted",
            actor=actor,
            organisation=organisation,
            data={"training": pk},
        )
