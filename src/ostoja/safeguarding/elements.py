"""The elements child-protection standards must contain (art. 22b–22c). Django-free apart
from lazy translation of the titles.

Act of 13 May 2016 on counteracting threats of sexual crime and protecting minors, as amended
in 2023: art. 22b obliges the listed organisers (schools, clubs, NGOs, medical and cultural
bodies, camps, religious bodies, local authority units …) to adopt and apply standards;
art. 22c ust. 1 lists what they set out "in particular"; the standards are made in a full
version and a short version for minors; art. 22c ust. 7 requires their assessment at least
every two years, with the conclusions documented in writing. Paragraph and point numbers
below are to be confirmed against the consolidated text.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

REVIEW_MONTHS = 24  # art. 22c ust. 7: at least every two years (to be confirmed)
MIN_TEXT = 40  # characters: a heading alone is not an element


@dataclass(frozen=True)
class Element:
    key: str
    title: str
    guidance: str
    basis: str


ELEMENTS: list[Element] = [
    Element(
        "recruitment",
        _("Safe recruitment of staff"),
        _(
            "How the organisation checks people before they work with children: the "
            "Register of Sexual Offenders, KRK information, foreign records, references."
        ),
        "art. 21, art. 22c ust. 1",
    ),
    Element(
        "staff_relations",
        _("Safe relations between staff and children"),
        _("The rules of safe relations and the behaviour towards children that is forbidden."),
        "art. 22c ust. 1 pkt 1",
    ),
    Element(
        "intervention",
        _("Intervention when harm is suspected"),
        _(
            "The procedure when harm is suspected or known, who reports to the prosecutor or "
            "police and who notifies the family court, and how."
        ),
        "art. 22c ust. 1 pkt 2–3",
    ),
    Element(
        "reporting_person",
        _("Who receives reports and supports the child"),
        _(
            "The people responsible for receiving reports of events that threaten a child "
            "and for supporting the child."
        ),
        "art. 22c ust. 1",
    ),
    Element(
        "documentation",
        _("Documenting and storing interventions"),
        _(
            "How incidents and interventions are documented, where the records are kept, "
            "who may see them and for how long."
        ),
        "art. 22c ust. 1",
    ),
    Element(
        "support_plan",
        _("Support plan for a child after harm is revealed"),
        _(
            "How the support plan is drawn up with the child and the parents, and who "
            "carries it out."
        ),
        "art. 22c ust. 1",
    ),
    Element(
        "child_relations",
        _("Safe relations between children"),
        _(
            "The rules of safe relations between children and the behaviour that is "
            "forbidden between them."
        ),
        "art. 22c ust. 1",
    ),
    Element(
        "internet",
        _("Devices with internet access and harmful content"),
        _(
            "The rules of using devices with internet access and how children are protected "
            "from harmful content and online threats."
        ),
        "art. 22c ust. 1",
    ),
    Element(
        "images",
        _("Protection of children's images"),
        _(
            "When and how images of children may be recorded and published, and the consent "
            "it needs."
        ),
        "art. 22c ust. 1",
    ),
    Element(
        "staff_preparation",
        _("Preparing staff to apply the standards"),
        _("Who prepares the staff, how, and how their acknowledgement is documented."),
        "art. 22c ust. 1",
    ),
    Element(
        "publication",
        _("Making the standards known to staff, children and parents"),
        _(
            "How the standards, and their short version for children, are made available to "
            "staff, children and parents."
        ),
        "art. 22c ust. 1, ust. 3",
    ),
    Element(
        "review",
        _("Reviewing and updating the standards"),
        _(
            "Who reviews the standards, at least every two years, how the monitoring is done "
            "and how the conclusions are recorded."
        ),
        "art. 22c ust. 1, ust. 7",
    ),
]
KEYS = [e.key for e in ELEMENTS]
BY_KEY = {e.key: e for e in ELEMENTS}
# The two short versions (art. 22c: a version for children; the issue also asks for parents).
VERSIONS = ("children", "parents")


def is_filled(text: str | None) -> bool:
    return bool(text) and len(" ".join(text.split())) >= MIN_TEXT


def missing(sections: dict, children_text: str, parents_text: str) -> list[str]:
    """Keys of what is still missing: element keys, then 'children' and 'parents'."""
    result = [key for key in KEYS if not is_filled((sections or {}).get(key))]
    if not is_filled(children_text):
        result.append("children")
    if not is_filled(parents_text):
        result.append("parents")
    return result


def label(key: str) -> str:
    if key == "children":
        return str(_("The short version for children"))
    if key == "parents":
        return str(_("The version for parents"))
    return str(BY_KEY[key].title)
