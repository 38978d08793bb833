"""E-mails from the organiser to participants chosen by status."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils.translation import gettext as _

from ostoja.audit.services import log_action

from .. import queries
from . import mail
from .errors import EventError

MAX_RECIPIENTS = 5000


@transaction.atomic
def send_message(event, *, status: str, subject: str, body: str, actor) -> int:
    if status not in queries.STATUS_FILTERS:
        raise EventError(_("Choose whom to write to."), code="bad_status", field="status")
    subject = " ".join(str(subject or "").split())
    body = str(body or "").strip()
    if not subject or len(subject) > 200:
        raise EventError(_("The subject is 1–200 characters."), code="bad_subject", field="subject")
    if not body or len(body) > 20000:
        raise EventError(_("The message is 1–20,000 characters."), code="bad_body", field="body")
    if event.anonymised_at:
        raise EventError(
            _("The participants' data of this event were anonymised."),
            code="anonymised",
            status=409,
        )
    recipients = list(
        queries.participants(event, status).select_related("event__organiser")[: MAX_RECIPIENTS + 1]
    )
    if len(recipients) > MAX_RECIPIENTS:
        raise EventError(_("Too many recipients at once."), code="too_many", status=422)
    message_id = secrets.token_hex(8)
    for registration in recipients:
        mail.organiser_message(
            registration, subject, body, key=f"events:message:{message_id}:{registration.pk}"
        )
    log_action(
        "events.message.sent",
        actor=actor,
        organisation=event.organiser,
        target=event,
        data={"status": status, "recipients": len(recipients), "subject": subject},
    )
    return len(recipients)
