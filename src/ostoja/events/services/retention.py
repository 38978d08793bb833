"""After the event: sensitive answers go first, then personal data (statistics stay).

* Accessibility and dietary answers (questions marked sensitive) are deleted the day after the
  event ends: they were asked only to prepare the event.
* ``anonymise_after_days`` after the end, each registration loses its name, e-mail address,
  user link, organisation name and every answer; category, status, workshop bookings and
  check-ins stay, so the statistics (how many came, to which workshop) stay true.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from ostoja.audit.services import log_action

from ..models import Answer, Event, Registration


def run(*, now=None) -> dict:
    now = now or timezone.now()
    result = {"sensitive_answers": 0, "anonymised": 0}
    for event in Event.objects.filter(
        ends_at__lte=now - dt.timedelta(days=1), sensitive_deleted_at__isnull=True
    ):
        with transaction.atomic():
            deleted, _ = Answer.objects.filter(
                registration__event=event, question__sensitive=True
            ).delete()
            event.sensitive_deleted_at = now
            event.save(update_fields=["sensitive_deleted_at"])
            log_action(
                "events.retention.sensitive_deleted",
                organisation=event.organiser,
                target=event,
                data={"answers": deleted},
            )
            result["sensitive_answers"] += deleted
    for event in Event.objects.filter(anonymised_at__isnull=True, ends_at__lte=now):
        if event.ends_at + dt.timedelta(days=event.anonymise_after_days) > now:
            continue
        with transaction.atomic():
            Answer.objects.filter(registration__event=event).delete()
            regs = Registration.objects.filter(event=event, anonymised=False)
            count = 0
            for pk in regs.values_list("pk", flat=True):
                Registration.objects.filter(pk=pk).update(
                    name="—",
                    email=f"anonymised-{pk}@invalid.invalid",
                    user=None,
                    organisation_name="",
                    anonymised=True,
                )
                count += 1
            event.anonymised_at = now
            event.save(update_fields=["anonymised_at"])
            log_action(
                "events.retention.anonymised",
                organisation=event.organiser,
                target=event,
                data={"registrations": count},
            )
            result["anonymised"] += count
    return result
