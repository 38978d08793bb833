"""E-mails to participants, through the outbox, in the participant's language.

Every e-mail carries the link to the person's ticket page, where they can also cancel. The
confirmation carries the ``.ics`` invitation and the QR ticket (inline SVG in the HTML part:
the outbox sends no image attachments; the same QR is on the ticket page and the badge).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from ostoja.outbox import composers
from ostoja.outbox.services import enqueue_email

from .. import ics, tickets
from ..models import Registration, RegistrationStatus


def ticket_url(registration, secret: str | None = None) -> str:
    secret = secret or tickets.secret_for(registration.secret_salt)
    return settings.SITE_URL.rstrip("/") + reverse("events:ticket", args=[secret])


def _when(event) -> str:
    start = timezone.localtime(event.starts_at)
    end = timezone.localtime(event.ends_at)
    if start.date() == end.date():
        return f"{formats.date_format(start, 'DATE_FORMAT')}, {start:%H:%M}–{end:%H:%M}"
    return (
        f"{formats.date_format(start, 'DATE_FORMAT')} – {formats.date_format(end, 'DATE_FORMAT')}"
    )


def _send(
    registration,
    kind: str,
    subject: str,
    paragraphs: list[str],
    *,
    ticket=False,
    key=None,
):
    """Store the e-mail; its body, QR and ``.ics`` are rendered at delivery (:func:`compose`).

    A registration rush stores 100 of these a second: rendering the QR code, the calendar
    file and two templates in the request was about 40 % of its time. The paragraphs are
    already translated (the caller runs in the person's language); the ticket link is derived
    again from the stored salt, so it is not written anywhere before the e-mail is composed.
    """
    enqueue_email(
        dedup_key=key or f"events:{kind}:{registration.pk}:{secrets.token_hex(6)}",
        to=[registration.email],
        subject=" ".join(subject.split())[:250],
        composer=COMPOSER,
        composer_args={
            "registration": registration.pk,
            "paragraphs": [str(p) for p in paragraphs],
            "ticket": bool(ticket),
        },
        language=registration.language,
        related=registration,
        organisation=registration.event.organiser,
        sensitive=True,  # the ticket link is the ticket
    )


COMPOSER = "events.participant"


@composers.register(COMPOSER)
def compose(payload: dict) -> composers.Composed:
    """The participant's e-mail, rendered by the outbox deliverer in the person's language."""
    registration = Registration.objects.select_related("event").get(pk=payload["registration"])
    event = registration.event
    secret = tickets.secret_for(registration.secret_salt)
    link = ticket_url(registration, secret)
    ticket = bool(payload.get("ticket"))
    context = {
        "registration": registration,
        "event": event,
        "when": _when(event),
        "paragraphs": list(payload.get("paragraphs") or []),
        "link": link,
        "ticket": ticket,
        "code": registration.code,
    }
    attachments = []
    if ticket:
        context["qr"] = tickets.qr_svg(secret)
        attachments.append(
            {
                "name": "zaproszenie.ics"
                if translation.get_language() == "pl"
                else "invitation.ics",
                "content_type": "text/calendar",
                "content": ics.registration_calendar(registration, link),
            }
        )
    return composers.Composed(
        body_text=render_to_string("events/email/message.txt", context),
        body_html=render_to_string("events/email/message.html", context) if ticket else "",
        attachments=attachments,
    )


def registration_received(registration) -> None:
    with translation.override(registration.language):
        event = registration.event
        if registration.status == RegistrationStatus.CONFIRMED:
            return registration_confirmed(registration)
        if registration.status == RegistrationStatus.PENDING:
            _send(
                registration,
                "pending",
                _("Registration received: %(event)s") % {"event": event.title},
                [
                    _(
                        "Thank you for registering. The organiser approves registrations in "
                        "this category; we will write to you when they have decided."
                    )
                ],
            )
        else:
            _send(
                registration,
                "waiting",
                _("Waiting list: %(event)s") % {"event": event.title},
                [
                    _(
                        "All seats in your category are taken, so you are on the waiting "
                        "list. When a seat frees, we will offer it to you by e-mail; the "
                        "offer is valid for %(hours)d hours."
                    )
                    % {"hours": event.offer_hours}
                ],
            )


def registration_confirmed(registration) -> None:
    with translation.override(registration.language):
        event = registration.event
        _send(
            registration,
            "confirmed",
            _("Your ticket: %(event)s") % {"event": event.title},
            [
                _(
                    "Your seat is confirmed. Show the QR code below (or the ticket code) at "
                    "the entrance. The attached file adds the event to your calendar."
                )
            ],
            ticket=True,
        )


def registration_cancelled(registration) -> None:
    with translation.override(registration.language):
        _send(
            registration,
            "cancelled",
            _("Registration cancelled: %(event)s") % {"event": registration.event.title},
            [
                _(
                    "Your registration has been cancelled. If this was a mistake, please "
                    "register again."
                )
            ],
        )


def registration_rejected(registration, reason: str) -> None:
    with translation.override(registration.language):
        paragraphs = [_("We are sorry: the organiser could not accept your registration.")]
        if reason:
            paragraphs.append(_("The organiser's reason: %(reason)s") % {"reason": reason[:500]})
        _send(
            registration,
            "rejected",
            _("Registration not accepted: %(event)s") % {"event": registration.event.title},
            paragraphs,
        )


def _deadline(value) -> str:
    local = timezone.localtime(value)
    return f"{formats.date_format(local, 'DATE_FORMAT')} {local:%H:%M}"


def offer_made(registration) -> None:
    with translation.override(registration.language):
        _send(
            registration,
            "offer",
            _("A seat is free for you: %(event)s") % {"event": registration.event.title},
            [
                _(
                    "A seat has become free and it is yours if you want it. Accept it on "
                    "your ticket page by %(deadline)s; after that it goes to the next person "
                    "on the waiting list."
                )
                % {"deadline": _deadline(registration.offer_expires_at)}
            ],
        )


def offer_expired(registration) -> None:
    with translation.override(registration.language):
        _send(
            registration,
            "offer_expired",
            _("Offer expired: %(event)s") % {"event": registration.event.title},
            [
                _(
                    "The seat we offered you was not accepted in time, so it went to the "
                    "next person on the waiting list."
                )
            ],
        )


def workshop_offer_made(booking) -> None:
    registration = booking.registration
    with translation.override(registration.language):
        _send(
            registration,
            "workshop_offer",
            _("A workshop seat is free for you: %(workshop)s")
            % {"workshop": booking.session.title},
            [
                _(
                    "A seat in the workshop “%(workshop)s” has become free. Accept it on "
                    "your ticket page by %(deadline)s."
                )
                % {
                    "workshop": booking.session.title,
                    "deadline": _deadline(booking.offer_expires_at),
                }
            ],
        )


def organiser_message(registration, subject: str, body: str, key: str) -> None:
    with translation.override(registration.language):
        _send(
            registration, "message", subject, [p for p in body.split("\n\n") if p.strip()], key=key
        )
