"""Suggesting the year's recurring dates to member organisations (run daily by the scheduler)."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext

from ostoja.audit.services import log_action
from ostoja.network import membership
from ostoja.outbox.services import enqueue_email

from . import recurring


def suggest_recurring_dates(today=None) -> int:
    """E-mail each partner once per date and year; returns how many e-mails were queued."""
    today = today or timezone.localdate()
    queued = 0
    for date, on in recurring.due(today):
        for organisation in membership.partner_organisations().exclude(contact_email=""):
            language = organisation.language or "pl"
            with translation.override(language):
                url = settings.SITE_URL + reverse("positions:event_new")
                subject = gettext("%(name)s is coming: plan an event") % {"name": date.name}
                body = gettext(
                    "On %(date)s: %(name)s. Would %(organisation)s like to mark it locally? "
                    "Add your event to the partnership's public calendar: %(url)s"
                ) % {
                    "date": formats.date_format(on, "DATE_FORMAT"),
                    "name": date.name,
                    "organisation": organisation.name,
                    "url": url,
                }
            with transaction.atomic():
                _message, created = enqueue_email(
                    dedup_key=f"positions:date:{date.key}:{on.year}:{organisation.pk}",
                    to=[organisation.contact_email],
                    subject=subject[:255],
                    body_text=body + "\n",
                    language=language,
                    organisation=organisation,
                )
                if created:
                    queued += 1
                    log_action(
                        "positions.date.suggested",
                        organisation=organisation,
                        data={"date": date.key, "on": on.isoformat()},
                    )
    return queued
