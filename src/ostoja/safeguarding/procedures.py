"""Templates of the procedures the standards refer to: the intervention card, the support
plan and the notification to the prosecutor or the family court. They are blank forms (the
headings and what to write under each) for the organisation to print or copy; nothing typed
into them is stored by the platform."""

from django.utils.translation import gettext_lazy as _

PROCEDURES = [
    {
        "key": "intervention_card",
        "title": _("Intervention card"),
        "fields": [
            _("Child's first name and initial, age (identify the child only as far as needed)"),
            _("Who noticed or received the report, when and how"),
            _("What was observed or said, in the words used"),
            _("Immediate steps taken to protect the child (date, time, by whom)"),
            _("Who was informed: parents or guardians, the safeguarding officer, the head"),
            _(
                "Notifications made: police or prosecutor, family court, 'Blue Card' procedure "
                "(date, reference)"
            ),
            _("Decision and next steps; the support plan (date)"),
            _("Signature of the person filling in the card"),
        ],
    },
    {
        "key": "support_plan",
        "title": _("Support plan for the child"),
        "fields": [
            _("Who drew up the plan, with the child and the parents or guardians (date)"),
            _("The child's needs (safety, health, psychological, educational)"),
            _(
                "Measures to ensure the child's safety, including separation from the person "
                "suspected"
            ),
            _("Help offered: psychological, medical, legal, from other bodies"),
            _("Who is responsible for each measure, and by when"),
            _("Date of the next review of the plan"),
        ],
    },
    {
        "key": "notification",
        "title": _("Notification to the prosecutor (police) or the family court"),
        "fields": [
            _(
                "Addressee: the district prosecutor's office or police (suspected offence), or "
                "the family court (a child's welfare at risk)"
            ),
            _("The notifying organisation, the person acting for it, contact details"),
            _("The child: name, date of birth, address, parents or guardians"),
            _("The facts and circumstances, with dates; how the organisation learned of them"),
            _("The person suspected, if known"),
            _("Evidence or documents enclosed (never images of abuse: describe, do not copy)"),
            _("Request: initiation of proceedings, or measures to protect the child's welfare"),
            _("Date and signature"),
        ],
    },
]
