"""Audit sentences of the events module (registered from ``EventsConfig.ready``)."""

from django.utils.translation import gettext_lazy as _

SENTENCES = {
    "events.event.created": _("Event created"),
    "events.event.published": _("Event published"),
    "events.event.unpublished": _("Event withdrawn from publication"),
    "events.registration.created": _("Registration for an event received"),
    "events.registration.cancelled": _("Registration for an event cancelled"),
    "events.registration.approved": _("Registration for an event approved"),
    "events.registration.rejected": _("Registration for an event declined"),
    "events.workshop.booked": _("Workshop booked"),
    "events.workshop.cancelled": _("Workshop booking cancelled"),
    "events.waitlist.offered": _("Seat offered to the next person on the waiting list"),
    "events.waitlist.offer_accepted": _("Offered seat accepted"),
    "events.waitlist.offer_expired": _("Offer of a seat expired"),
    "events.waitlist.workshop_offered": _("Workshop seat offered to the next person waiting"),
    "events.waitlist.workshop_offer_accepted": _("Offered workshop seat accepted"),
    "events.waitlist.workshop_offer_expired": _("Offer of a workshop seat expired"),
    "events.waitlist.reordered": _("Waiting list reordered (with a reason)"),
    "events.checkin.redeemed": _("Participant checked in"),
    "events.checkin.corrected": _("Check-in record corrected"),
    "events.certificate.issued": _("Certificate of attendance issued"),
    "events.message.sent": _("E-mail sent to participants"),
    "events.retention.sensitive_deleted": _(
        "Accessibility and dietary answers deleted after the event"
    ),
    "events.retention.anonymised": _("Participants' personal data anonymised (retention)"),
}
SENTENCES.update(
    {
        "events.event.updated": _("Event details changed"),
        "events.session.created": _("Session added to the programme"),
        "events.session.updated": _("Session of the programme changed"),
        "events.session.deleted": _("Session removed from the programme"),
        "events.speaker.added": _("Speaker added to the event"),
        "events.category.created": _("Ticket category added"),
        "events.category.updated": _("Ticket category changed"),
        "events.category.deleted": _("Ticket category removed"),
        "events.question.created": _("Registration question added"),
        "events.question.deleted": _("Registration question removed"),
        "events.staff.added": _("Person added to the event's check-in staff"),
        "events.staff.removed": _("Person removed from the event's check-in staff"),
    }
)
