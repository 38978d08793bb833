"""Retention."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from ostoja.audit.services import log_action
from ostoja.organisations.models import Organisation

from ..models import (
    OPEN_STATES,
    Report,
)
from .receiving import settings_for


def apply_retention(*, actor=None, now=None) -> int:
    """Delete reporters' e-mail addresses ``retention_days`` after all their items closed.

    A report keeps ``feedback_requested`` (the statistic); each hotline where addresses were
    deleted gets one audit entry with the count.
    """
    now = now or timezone.now()
    total = 0
    hotline_ids = (
        Report.objects.filter(reporter_email__isnull=False)
        .values_list("hotline_id", flat=True)
        .distinct()
    )
    for hotline_id in list(hotline_ids):
        days = settings_for(hotline_id).retention_days
        cutoff = now - timedelta(days=days)
        with transaction.atomic():
            due = (
                Report.objects.filter(hotline_id=hotline_id, reporter_email__isnull=False)
                .annotate(
                    open_items=Count("urls", filter=Q(urls__item__state__in=OPEN_STATES)),
                    recent=Count("urls", filter=Q(urls__item__closed_at__gt=cutoff)),
                    items=Count("urls", filter=Q(urls__item__isnull=False)),
                )
                .filter(open_items=0, recent=0, items__gt=0)
                .values_list("pk", flat=True)
            )
            ids = list(due)
            if not ids:
                continue
            count = Report.objects.filter(pk__in=ids).update(
                reporter_email=None, email_deleted_at=now
            )
            total += count
            log_action(
                "hotline.retention.emails_deleted",
                actor=actor,
                organisation=Organisation.objects.get(pk=hotline_id),
                data={"reports": count, "retention_days": days},
            )
    return total
