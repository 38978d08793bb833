"""What the Pact's audit entries mean, in words (registered from ``PactConfig.ready()``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

SENTENCES = {
    "pact.catalogue.loaded": _("Catalogue of Pact measures loaded"),
    "pact.catalogue.measure_added": _("Measure added to the Pact catalogue"),
    "pact.catalogue.measure_changed": _("Measure of the Pact catalogue reworded"),
    "pact.catalogue.measure_moved": _("Measure of the Pact catalogue moved"),
    "pact.catalogue.measure_retired": _("Measure of the Pact catalogue retired"),
    "pact.catalogue.measure_restored": _("Retired measure restored to the Pact catalogue"),
    "pact.signatory.signed": _("Pact signed by an authority"),
    "pact.signatory.verified": _("Signature of the Pact verified"),
    "pact.signatory.rejected": _("Signature of the Pact not verified"),
    "pact.signatory.left": _("Authority left the Pact"),
    "pact.signatory.units_saved": _("Units of an authority named for the Pact"),
    "pact.signatory.reviewer_assigned": _("Reviewer of a Pact signatory assigned"),
    "pact.assessment.started": _("Self-assessment started"),
    "pact.assessment.answered": _("Answer in a self-assessment saved"),
    "pact.assessment.submitted": _("Self-assessment submitted for review"),
    "pact.assessment.accepted": _("Self-assessment marked as reviewed"),
    "pact.review.commented": _("Reviewer commented on an answer"),
    "pact.plan.item_added": _("Item added to an action plan"),
    "pact.plan.item_updated": _("Action plan item updated"),
    "pact.plan.milestone_added": _("Milestone added to an action plan"),
    "pact.plan.milestone_done": _("Milestone marked as done"),
    "pact.plan.links_saved": _("Partners and services linked to an action plan item"),
    "pact.review_cycle.report_saved": _("Biennial review report saved"),
    "pact.review_cycle.signed_off": _("Biennial review report signed off"),
    "pact.reminder.sent": _("Pact reminder sent"),
}


def register_all() -> None:
    from ostoja.audit.sentences import register

    for code, sentence in SENTENCES.items():
        register(code, sentence)
