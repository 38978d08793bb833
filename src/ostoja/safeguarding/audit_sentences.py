"""What the safeguarding audit entries mean, in words (registered from
``SafeguardingConfig.ready()``). The sentences never name a person or a child."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

SENTENCES = {
    "safeguarding.person.created": _("Person added to the vetting register"),
    "safeguarding.person.updated": _("Person's details in the vetting register changed"),
    "safeguarding.person.deleted": _("Person deleted from the vetting register"),
    "safeguarding.person.admitted": _("Person admitted to work with children"),
    "safeguarding.person.admission_withdrawn": _("Admission to work with children withdrawn"),
    "safeguarding.engagement.added": _("Engagement recorded in the vetting register"),
    "safeguarding.engagement.ended": _("Engagement ended"),
    "safeguarding.check.recorded": _("Check recorded in the vetting register"),
    "safeguarding.residence.declared": _("Declaration of residence abroad recorded"),
    "safeguarding.residence.period_added": _("Period of residence abroad added"),
    "safeguarding.residence.period_removed": _("Period of residence abroad removed"),
    "safeguarding.policy.updated": _("Vetting policy of the organisation changed"),
    "safeguarding.reminder.sent": _("Safeguarding reminder sent"),
    "safeguarding.retention.deleted": _("Vetting records deleted (retention)"),
    "safeguarding.share.created": _("Share code for checks created with consent"),
    "safeguarding.share.used": _("Shared checks used by another organisation"),
    "safeguarding.share.imported": _("Shared checks taken into the register"),
    "safeguarding.share.refused": _("Share code refused"),
    "safeguarding.share.withdrawn": _("Consent to share checks withdrawn"),
    "safeguarding.standards.draft_started": _("Child-protection standards: draft started"),
    "safeguarding.standards.draft_saved": _("Child-protection standards: draft saved"),
    "safeguarding.standards.adopted": _("Child-protection standards adopted"),
    "safeguarding.standards.acknowledged": _("Child-protection standards acknowledged"),
    "safeguarding.standards.reviewed": _("Review of child-protection standards recorded"),
    "safeguarding.standards.review_reminder": _(
        "Reminder to review child-protection standards sent"
    ),
    "safeguarding.standards_template.saved": _("Template of child-protection standards saved"),
    "safeguarding.questionnaire.opened": _("Monitoring questionnaire opened"),
    "safeguarding.questionnaire.closed": _("Monitoring questionnaire closed"),
    "safeguarding.intervention.opened": _("Intervention record opened"),
    "safeguarding.intervention.step_added": _("Step added to an intervention record"),
    "safeguarding.intervention.closed": _("Intervention record closed"),
    "safeguarding.intervention.retention_deleted": _("Intervention records deleted (retention)"),
    "safeguarding.training.recorded": _("Training recorded"),
    "safeguarding.training.deleted": _("Training record deleted"),
}


def register_all() -> None:
    from ostoja.audit.sentences import register

    for code, sentence in SENTENCES.items():
        register(code, sentence)
