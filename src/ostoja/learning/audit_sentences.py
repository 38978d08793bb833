"""What each audit action of this app means, in words (registered with the audit log from
``LearningConfig.ready()``, as ``ostoja.audit.sentences`` asks modules to do, so the
translations live in this app's catalogue)."""

from django.utils.translation import gettext_lazy as _

SENTENCES = {
    "learning.practitioner.flagged": _("Trainer, supervisor or expert flags changed"),
    "learning.edition.created": _("Training edition created"),
    "learning.edition.updated": _("Training edition changed"),
    "learning.session.added": _("Training session added"),
    "learning.enrolment.created": _("Enrolled in a training edition"),
    "learning.enrolment.withdrawn": _("Withdrawn from a training edition"),
    "learning.enrolment.promoted": _("Moved from the waiting list into the cohort"),
    "learning.enrolment.offered": _(
        "Place in a training edition offered to the next person waiting"
    ),
    "learning.enrolment.offer_accepted": _("Offered place in a training edition accepted"),
    "learning.enrolment.offer_expired": _("Offer of a place in a training edition expired"),
    "learning.attendance.marked": _("Training attendance marked"),
    "learning.assessment.recorded": _("Final assessment recorded"),
    "learning.enrolment.completed": _("Training completed, certificate issued"),
    "learning.enrolment.not_completed": _("Training not completed"),
    "learning.edition.closed": _("Training edition closed"),
    "learning.supervision.eligible": _("Supervision opened after a completed training"),
    "learning.supervision.group_created": _("Supervision group created"),
    "learning.supervision.booked": _("Place in a supervision group booked"),
    "learning.supervision.cancelled": _("Supervision booking cancelled"),
    "learning.supervision.attendance_marked": _("Supervision attendance marked"),
    "learning.supervision.note_added": _("Supervisor's private note added"),
    "learning.expert.availability_set": _("Expert's availability changed"),
    "learning.consultation.requested": _("Consultation requested"),
    "learning.consultation.assigned": _("Written consultation given to an expert"),
    "learning.consultation.booked": _("Consultation booked"),
    "learning.consultation.rescheduled": _("Consultation moved to another time"),
    "learning.consultation.message_posted": _("Message in a written consultation"),
    "learning.consultation.closed": _("Consultation closed"),
    "learning.consultation.reminders_sent": _("Consultation reminders sent"),
}


def register_sentences() -> None:
    from ostoja.audit.sentences import register

    for code, sentence in SENTENCES.items():
        register(code, sentence)
