"""State changes of the child-protection standards (art. 22b–22c): templates, drafts,
adoption (refused with the list of what is missing), acknowledgements, reviews and the
anonymous monitoring questionnaires."""

from __future__ import annotations

import secrets
from datetime import date

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from ostoja.audit.services import log_action

from . import elements, services, vetting
from .errors import SafeguardingError
from .models import (
    Acknowledgement,
    OrganisationType,
    Questionnaire,
    QuestionnaireAnswer,
    StandardsDocument,
    StandardsReview,
    StandardsTemplate,
)

MAX_SECTION = 20_000
MIN_ANSWERS = 5  # results are shown only in aggregate of at least this many answers

QUESTIONS = {
    # (key, text); staff answer 1–5 (disagree … agree), children 1–3 (no / not sure / yes).
    "staff": [
        ("know", _("I know our child-protection standards.")),
        ("whom", _("I know whom to tell when I suspect a child is being harmed.")),
        ("act", _("I would know what to do if a child told me they were harmed.")),
        ("rules", _("The rules of behaviour towards children are clear to me.")),
        ("online", _("I know the rules for devices, the internet and children's images.")),
    ],
    "children": [
        ("safe", _("I feel safe here.")),
        ("adult", _("I know which adult I can tell if something bad happens.")),
        ("rules", _("I know the rules about how adults here must treat me.")),
        ("believe", _("I think adults here would help me if I asked.")),
    ],
}
SCALE = {"staff": 5, "children": 3}


def _clean_text(value: str, *, field: str, limit: int = MAX_SECTION) -> str:
    value = (value or "").replace("\r\n", "\n").strip()
    if len(value) > limit:
        raise SafeguardingError(_("This text is too long."), field=field)
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in value):
        raise SafeguardingError(_("This text contains control characters."), field=field)
    return value


def _clean_sections(sections: dict) -> dict:
    return {
        key: _clean_text(sections.get(key, ""), field=key)
        for key in elements.KEYS
        if sections.get(key)
    }


# --- templates (the coordinator) ------------------------------------------------------------


def save_template(
    *,
    actor,
    template: StandardsTemplate | None,
    name: str,
    organisation_type: str,
    sections: dict,
    children_text: str,
    parents_text: str,
    published: bool,
) -> StandardsTemplate:
    name = " ".join((name or "").split())
    if not name or len(name) > 200:
        raise SafeguardingError(_("Enter a name."), field="name")
    if organisation_type not in OrganisationType.values:
        raise SafeguardingError(_("Choose the kind of organisation."), field="organisation_type")
    with transaction.atomic():
        template = template or StandardsTemplate()
        template.name = name
        template.organisation_type = organisation_type
        template.sections = _clean_sections(sections)
        template.children_text = _clean_text(children_text, field="children_text")
        template.parents_text = _clean_text(parents_text, field="parents_text")
        template.published = bool(published)
        template.save()
        log_action("safeguarding.standards_template.saved", actor=actor, target=template)
    return template


# --- the organisation's standards -----------------------------------------------------------


def current(organisation) -> StandardsDocument | None:
    return StandardsDocument.objects.filter(
        organisation=organisation, status=StandardsDocument.Status.ADOPTED
    ).first()


def draft(organisation) -> StandardsDocument | None:
    return StandardsDocument.objects.filter(
        organisation=organisation, status=StandardsDocument.Status.DRAFT
    ).first()


def start_draft(*, actor, organisation, template: StandardsTemplate | None = None):
    """A new draft from a template, or from the standards in force (for a revision)."""
    if draft(organisation) is not None:
        raise SafeguardingError(_("A draft already exists: continue it."))
    source = template or current(organisation)
    with transaction.atomic():
        last = StandardsDocument.objects.filter(organisation=organisation).aggregate(
            Max("version")
        )["version__max"]
        doc = StandardsDocument.objects.create(
            organisation=organisation,
            version=(last or 0) + 1,
            based_on=template,
            sections=dict(source.sections) if source else {},
            children_text=source.children_text if source else "",
            parents_text=source.parents_text if source else "",
        )
        log_action(
            "safeguarding.standards.draft_started",
            actor=actor,
            organisation=organisation,
            target=doc,
            data={"template": template.pk if template else None},
        )
    return doc


def update_draft(
    *, actor, document: StandardsDocument, sections: dict, children_text: str, parents_text: str
) -> StandardsDocument:
    if document.status != StandardsDocument.Status.DRAFT:
        raise SafeguardingError(_("Only a draft can be edited."))
    with transaction.atomic():
        document.sections = _clean_sections(sections)
        document.children_text = _clean_text(children_text, field="children_text")
        document.parents_text = _clean_text(parents_text, field="parents_text")
        document.save()
        log_action(
            "safeguarding.standards.draft_saved",
            actor=actor,
            organisation=document.organisation,
            target=document,
            data={
                "missing": elements.missing(
                    document.sections, document.children_text, document.parents_text
                )
            },
        )
    return document


def missing(document: StandardsDocument) -> list[str]:
    return elements.missing(document.sections, document.children_text, document.parents_text)


def adopt(
    *,
    actor,
    document: StandardsDocument,
    adopted_on: date,
    adopted_by_body: str,
    decision_reference: str,
) -> StandardsDocument:
    """Adopt a draft. Refused, with the list, while any element art. 22c requires (or either
    short version) is missing; the standards in force before are superseded."""
    if document.status != StandardsDocument.Status.DRAFT:
        raise SafeguardingError(_("Only a draft can be adopted."))
    gaps = missing(document)
    if gaps:
        raise SafeguardingError(
            _("The standards cannot be adopted yet: these elements are missing."),
            items=[elements.label(key) for key in gaps],
        )
    if adopted_on is None or adopted_on > services.today():
        raise SafeguardingError(_("The date cannot be in the future."), field="adopted_on")
    adopted_by_body = " ".join((adopted_by_body or "").split())
    decision_reference = " ".join((decision_reference or "").split())
    if not adopted_by_body or len(adopted_by_body) > 200:
        raise SafeguardingError(
            _("Say who adopted the standards (e.g. the board)."), field="adopted_by_body"
        )
    if not decision_reference or len(decision_reference) > 200:
        raise SafeguardingError(
            _("Enter the decision (e.g. resolution no. 5/2026)."), field="decision_reference"
        )
    with transaction.atomic():
        StandardsDocument.objects.filter(
            organisation=document.organisation, status=StandardsDocument.Status.ADOPTED
        ).update(status=StandardsDocument.Status.SUPERSEDED)
        document.status = StandardsDocument.Status.ADOPTED
        document.adopted_on = adopted_on
        document.adopted_by_body = adopted_by_body
        document.decision_reference = decision_reference
        document.adopted_by = actor
        document.review_due = vetting.add_months(adopted_on, elements.REVIEW_MONTHS)
        document.review_reminded_for = None
        document.save()
        log_action(
            "safeguarding.standards.adopted",
            actor=actor,
            organisation=document.organisation,
            target=document,
            data={"version": document.version},
        )
    return document


def acknowledge(
    *, actor, document: StandardsDocument, user=None, name: str = "", on: date | None = None
) -> Acknowledgement:
    """``user`` confirms online (actor is the user), or an officer records a paper
    confirmation of ``name``."""
    if document.status != StandardsDocument.Status.ADOPTED:
        raise SafeguardingError(_("Only standards in force can be acknowledged."))
    on = on or services.today()
    if on > services.today():
        raise SafeguardingError(_("The date cannot be in the future."), field="on")
    name = " ".join((name or "").split())
    if user is None and (not name or len(name) > 200):
        raise SafeguardingError(_("Enter the person's name."), field="name")
    if user is not None and Acknowledgement.objects.filter(document=document, user=user).exists():
        raise SafeguardingError(_("You have already confirmed this version."))
    with transaction.atomic():
        ack = Acknowledgement.objects.create(
            document=document,
            user=user,
            name=name if user is None else "",
            on_paper=user is None,
            acknowledged_on=on,
            recorded_by=actor,
        )
        log_action(
            "safeguarding.standards.acknowledged",
            actor=actor,
            organisation=document.organisation,
            target=ack,
            data={"document": document.pk, "on_paper": user is None},
        )
    return ack


def record_review(
    *, actor, document: StandardsDocument, reviewed_on: date, conclusions: str
) -> StandardsReview:
    """The assessment of art. 22c ust. 7; the next one is due two years later."""
    if document.status != StandardsDocument.Status.ADOPTED:
        raise SafeguardingError(_("Only standards in force are reviewed."))
    if reviewed_on is None or reviewed_on > services.today():
        raise SafeguardingError(_("The date cannot be in the future."), field="reviewed_on")
    conclusions = _clean_text(conclusions, field="conclusions", limit=10_000)
    if len(conclusions) < 20:
        raise SafeguardingError(
            _("Write down the conclusions: what changes and why (or why nothing does)."),
            field="conclusions",
        )
    with transaction.atomic():
        review = StandardsReview.objects.create(
            document=document,
            reviewed_on=reviewed_on,
            conclusions=conclusions,
            recorded_by=actor,
        )
        document.review_due = vetting.add_months(reviewed_on, elements.REVIEW_MONTHS)
        document.review_reminded_for = None
        document.save(update_fields=["review_due", "review_reminded_for", "updated_at"])
        log_action(
            "safeguarding.standards.reviewed",
            actor=actor,
            organisation=document.organisation,
            target=review,
        )
    return review


# --- questionnaires -------------------------------------------------------------------------


def open_questionnaire(*, actor, organisation, audience: str) -> Questionnaire:
    if audience not in Questionnaire.Audience.values:
        raise SafeguardingError(_("Choose for whom."), field="audience")
    with transaction.atomic():
        q = Questionnaire.objects.create(
            organisation=organisation, audience=audience, token=secrets.token_urlsafe(18)
        )
        log_action(
            "safeguarding.questionnaire.opened",
            actor=actor,
            organisation=organisation,
            target=q,
            data={"audience": audience},
        )
    return q


def close_questionnaire(*, actor, questionnaire: Questionnaire) -> Questionnaire:
    with transaction.atomic():
        questionnaire.open = False
        questionnaire.save(update_fields=["open"])
        log_action(
            "safeguarding.questionnaire.closed",
            actor=actor,
            organisation=questionnaire.organisation,
            target=questionnaire,
        )
    return questionnaire


def answer(*, questionnaire: Questionnaire, scores: dict) -> QuestionnaireAnswer:
    """Store one anonymous answer (no actor, no audit entry: an answer must not be linkable
    to anyone; the count is the record)."""
    if not questionnaire.open:
        raise SafeguardingError(_("This questionnaire is closed."))
    top = SCALE[questionnaire.audience]
    clean = {}
    for key, _text in QUESTIONS[questionnaire.audience]:
        value = scores.get(key)
        if value in (None, ""):
            continue
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise SafeguardingError(_("Choose one of the answers."), field=key)
        if not 1 <= number <= top:
            raise SafeguardingError(_("Choose one of the answers."), field=key)
        clean[key] = number
    if not clean:
        raise SafeguardingError(_("Answer at least one question."))
    return QuestionnaireAnswer.objects.create(
        questionnaire=questionnaire, scores=clean, answered_on=services.today()
    )


def results(questionnaire: Questionnaire) -> dict:
    """Aggregates per question; nothing at all below ``MIN_ANSWERS`` answers (so a small
    group's answers cannot be told apart)."""
    rows = list(questionnaire.answers.values_list("scores", flat=True))
    if len(rows) < MIN_ANSWERS:
        return {"count": len(rows), "shown": False, "questions": []}
    questions = []
    for key, text in QUESTIONS[questionnaire.audience]:
        values = [r[key] for r in rows if key in r]
        questions.append(
            {
                "text": text,
                "answers": len(values),
                "average": round(sum(values) / len(values), 1)
                if len(values) >= MIN_ANSWERS
                else None,
                "scale": SCALE[questionnaire.audience],
            }
        )
    return {"count": len(rows), "shown": True, "questions": questions}
