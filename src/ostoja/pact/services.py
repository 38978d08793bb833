"""Every state change of the Pact: validates, one transaction, one audit entry each."""

from __future__ import annotations

import datetime as dt
import secrets

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ostoja.audit.services import log_action
from ostoja.core.child_data import findings
from ostoja.organisations import teryt

# The catalogue's service functions live in curation.py; re-exported for existing callers.
from .curation import active_measures, current_revisions, sync_catalogue  # noqa: F401
from .models import (
    Answer,
    AnswerStatus,
    Assessment,
    Milestone,
    PlanItem,
    ReviewComment,
    ReviewCycle,
    Signatory,
    SignatoryKind,
)

MAX_RESOLUTION_BYTES = 10 * 1024 * 1024
_CHILD_DATA = gettext_lazy(
    "This text seems to contain data identifying a child (a PESEL number, a phone number or "
    "a name next to a date of birth). Remove it: the text will be public."
)
_TERYT_KINDS = {
    teryt.VOIVODESHIP: SignatoryKind.VOIVODESHIP,
    teryt.POWIAT: SignatoryKind.POWIAT,
    teryt.CITY_POWIAT: SignatoryKind.CITY_POWIAT,
    teryt.GMINA_URBAN: SignatoryKind.GMINA_URBAN,
    teryt.GMINA_RURAL: SignatoryKind.GMINA_RURAL,
    teryt.GMINA_URBAN_RURAL: SignatoryKind.GMINA_URBAN_RURAL,
}


# --- signing --------------------------------------------------------------------------------


def _check_resolution_file(upload) -> None:
    if upload is None:
        return
    if upload.size > MAX_RESOLUTION_BYTES:
        raise ValidationError({"resolution_file": _("The file is larger than 10 MB.")})
    head = upload.read(5)
    upload.seek(0)
    if head != b"%PDF-":
        raise ValidationError(
            {"resolution_file": _("The file is not a PDF document (whatever its name says).")}
        )
    upload.name = f"{secrets.token_hex(16)}.pdf"  # never the uploader's file name


def _unique_slug(name: str, code: str) -> str:
    base = slugify(teryt.fold(f"{name}-{code}"))[:70] or "signatory"
    slug, n = base, 2
    while Signatory.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def sign_pact(
    *,
    actor,
    organisation=None,
    teryt_code: str = "",
    country: str = "PL",
    name: str = "",
    foreign_kind: str = "",
    signed_by_name: str,
    signed_by_function: str,
    signed_on: dt.date,
    contact_name: str,
    contact_email: str,
    resolution_url: str = "",
    resolution_file=None,
) -> Signatory:
    """Record an authority's signature; the coordinator verifies it afterwards."""
    country = (country or "").strip().upper()
    errors = {}
    if signed_on > timezone.localdate():
        errors["signed_on"] = _("The date of signing cannot be in the future.")
    if not (resolution_url or resolution_file):
        errors["resolution_url"] = _("Give the council's resolution as a link or a PDF file.")
    if country == "PL":
        unit = teryt.get(teryt_code)
        if unit is None or not unit.is_authority:
            errors["teryt_code"] = _(
                "This TERYT code is not a local authority in the register (state as of %(date)s)."
            ) % {"date": teryt.register().date}
        else:
            name = unit.name if unit.kind == teryt.VOIVODESHIP else unit.name
            kind = _TERYT_KINDS[unit.kind]
            voivodeship = unit.voivodeship_code
            if Signatory.objects.filter(
                teryt_code=unit.code, state__in=["pending", "verified"]
            ).exists():
                errors["teryt_code"] = _("This authority has already signed the Pact.")
    else:
        teryt_code, voivodeship = "", ""
        if len(country) != 2 or not country.isalpha():
            errors["country"] = _("Enter a two-letter country code (ISO 3166-1).")
        if not name.strip():
            errors["name"] = _("Enter the name of the town or region.")
        if foreign_kind not in (SignatoryKind.FOREIGN_TOWN, SignatoryKind.FOREIGN_REGION):
            errors["foreign_kind"] = _("Choose a town or a region.")
        kind = foreign_kind
        if Signatory.objects.filter(
            country=country, name__iexact=name.strip(), state__in=["pending", "verified"]
        ).exists():
            errors["name"] = _("This authority has already signed the Pact.")
    if errors:
        raise ValidationError(errors)
    _check_resolution_file(resolution_file)
    try:
        with transaction.atomic():
            signatory = Signatory.objects.create(
                slug=_unique_slug(name, teryt_code or country),
                organisation=organisation,
                kind=kind,
                teryt_code=teryt_code,
                country=country,
                name=name.strip(),
                voivodeship=voivodeship,
                signed_by_name=signed_by_name.strip(),
                signed_by_function=signed_by_function.strip(),
                signed_on=signed_on,
                resolution_url=resolution_url,
                resolution_file=resolution_file or "",
                contact_name=contact_name.strip(),
                contact_email=contact_email.strip(),
                progress={},  # no plan yet
            )
            log_action(
                "pact.signatory.signed",
                actor=actor,
                organisation=organisation,
                target=signatory,
                data={"teryt": teryt_code, "country": country, "kind": kind},
            )
    except IntegrityError:
        # Two people signing for one authority at the same moment: the constraint decides.
        raise ValidationError({"teryt_code": _("This authority has already signed the Pact.")})
    return signatory


def verify_signatory(signatory: Signatory, *, actor, accept: bool, reason: str = "") -> Signatory:
    if signatory.state != Signatory.State.PENDING:
        raise ValidationError(_("Only a signature waiting for verification can be verified."))
    if not accept and not reason.strip():
        raise ValidationError({"reason": _("Say why the signature is not verified.")})
    with transaction.atomic():
        signatory.state = Signatory.State.VERIFIED if accept else Signatory.State.REJECTED
        signatory.state_reason = reason.strip()
        signatory.verified_at = timezone.now()
        signatory.verified_by = actor
        signatory.save(update_fields=["state", "state_reason", "verified_at", "verified_by"])
        log_action(
            "pact.signatory.verified" if accept else "pact.signatory.rejected",
            actor=actor,
            organisation=signatory.organisation,
            target=signatory,
            data={"reason": reason.strip()} if reason else None,
        )
    return signatory


def leave_pact(signatory: Signatory, *, actor, reason: str, left_on: dt.date) -> Signatory:
    """The authority leaves; its history (answers, plans) stays and stays public."""
    if signatory.state != Signatory.State.VERIFIED:
        raise ValidationError(_("Only a signatory of the Pact can leave it."))
    if not reason.strip():
        raise ValidationError({"reason": _("Give a reason.")})
    if left_on < signatory.signed_on:
        raise ValidationError({"left_on": _("The date is before the Pact was signed.")})
    with transaction.atomic():
        signatory.state = Signatory.State.LEFT
        signatory.state_reason = reason.strip()
        signatory.left_on = left_on
        signatory.save(update_fields=["state", "state_reason", "left_on"])
        log_action(
            "pact.signatory.left",
            actor=actor,
            organisation=signatory.organisation,
            target=signatory,
            data={"reason": reason.strip()},
        )
    return signatory


def assign_reviewer(signatory: Signatory, *, actor, reviewer) -> Signatory:
    with transaction.atomic():
        signatory.reviewer = reviewer
        signatory.save(update_fields=["reviewer"])
        log_action(
            "pact.signatory.reviewer_assigned",
            actor=actor,
            target=signatory,
            data={"reviewer": reviewer.email if reviewer else None},
        )
    return signatory


# --- self-assessment ------------------------------------------------------------------------


def start_assessment(signatory: Signatory, year: int, *, actor) -> Assessment:
    if signatory.state != Signatory.State.VERIFIED:
        raise ValidationError(_("Self-assessment opens once the signature is verified."))
    if not (signatory.signed_on.year <= year <= timezone.localdate().year):
        raise ValidationError(_("Choose a year between signing the Pact and this year."))
    with transaction.atomic():
        assessment, created = Assessment.objects.get_or_create(signatory=signatory, year=year)
        if created:
            measures = list(active_measures())
            revisions = current_revisions([m.pk for m in measures])
            Answer.objects.bulk_create(
                [
                    Answer(assessment=assessment, measure=m, revision_id=revisions.get(m.pk))
                    for m in measures
                ]
            )
            log_action(
                "pact.assessment.started",
                actor=actor,
                target=assessment,
                organisation=signatory.organisation,
                data={"year": year},
            )
    return assessment


def save_answer(
    answer: Answer,
    *,
    actor,
    status: str,
    explanation: str = "",
    evidence_url: str = "",
    evidence_note: str = "",
    evidence_valid_until: dt.date | None = None,
    evidence_public: bool = True,
) -> Answer:
    assessment = answer.assessment
    if assessment.state not in (Assessment.State.DRAFT, Assessment.State.CHANGES):
        raise ValidationError(_("A submitted self-assessment cannot be changed."))
    if status not in AnswerStatus.values:
        raise ValidationError({"status": _("Choose a status from the list.")})
    if status == AnswerStatus.IMPLEMENTED and not (evidence_url or evidence_note):
        raise ValidationError({"evidence_url": _("An implemented measure needs evidence.")})
    if findings(explanation) or findings(evidence_note):
        raise ValidationError(
            {"explanation" if findings(explanation) else "evidence_note": _CHILD_DATA}
        )
    if evidence_valid_until and evidence_valid_until < timezone.localdate():
        raise ValidationError(
            {
                "evidence_valid_until": _(
                    "This evidence has expired: confirm it again or give new "
                    "evidence with a date in the future."
                )
            }
        )
    with transaction.atomic():
        answer.status = status
        answer.explanation = explanation.strip()
        answer.evidence_url = evidence_url
        answer.evidence_note = evidence_note.strip()
        answer.evidence_valid_until = evidence_valid_until
        answer.evidence_public = evidence_public
        # The answer answers the wording in force when it is saved.
        answer.revision_id = current_revisions([answer.measure_id]).get(answer.measure_id)
        answer.save()
        if answer.has_evidence:
            ReviewComment.objects.filter(
                answer=answer, requests_evidence=True, resolved_at__isnull=True
            ).update(resolved_at=timezone.now())
        log_action(
            "pact.assessment.answered",
            actor=actor,
            target=assessment,
            organisation=assessment.signatory.organisation,
            data={"measure": answer.measure.code, "status": status},
        )
    return answer


def submit_assessment(assessment: Assessment, *, actor) -> Assessment:
    if assessment.state not in (Assessment.State.DRAFT, Assessment.State.CHANGES):
        raise ValidationError(_("This self-assessment has already been submitted."))
    today = timezone.localdate()
    problems = []
    for answer in assessment.answers.select_related("measure"):
        if answer.status == AnswerStatus.IMPLEMENTED and answer.evidence_expired(today):
            problems.append(
                _("%(code)s: the evidence expired on %(date)s.")
                % {"code": answer.measure.code, "date": answer.evidence_valid_until.isoformat()}
            )
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        assessment.state = Assessment.State.SUBMITTED
        assessment.submitted_at = timezone.now()
        assessment.submitted_by = actor
        assessment.save(update_fields=["state", "submitted_at", "submitted_by"])
        log_action(
            "pact.assessment.submitted",
            actor=actor,
            target=assessment,
            organisation=assessment.signatory.organisation,
        )
    return assessment


def comment_on_answer(
    answer: Answer, *, actor, text: str, requests_evidence: bool
) -> ReviewComment:
    """The reviewer comments on one question; a request for evidence sends the
    self-assessment back to the authority."""
    if not text.strip():
        raise ValidationError({"text": _("Write a comment.")})
    assessment = answer.assessment
    if assessment.state == Assessment.State.DRAFT:
        raise ValidationError(_("The self-assessment has not been submitted yet."))
    with transaction.atomic():
        comment = ReviewComment.objects.create(
            answer=answer, author=actor, text=text.strip(), requests_evidence=requests_evidence
        )
        if requests_evidence and assessment.state != Assessment.State.CHANGES:
            assessment.state = Assessment.State.CHANGES
            assessment.save(update_fields=["state"])
        log_action(
            "pact.review.commented",
            actor=actor,
            target=assessment,
            organisation=assessment.signatory.organisation,
            data={"measure": answer.measure.code, "requests_evidence": requests_evidence},
        )
    return comment


def accept_assessment(assessment: Assessment, *, actor) -> Assessment:
    if assessment.state != Assessment.State.SUBMITTED:
        raise ValidationError(_("Only a submitted self-assessment can be marked reviewed."))
    with transaction.atomic():
        assessment.state = Assessment.State.ACCEPTED
        assessment.save(update_fields=["state"])
        log_action(
            "pact.assessment.accepted",
            actor=actor,
            target=assessment,
            organisation=assessment.signatory.organisation,
        )
    return assessment


# --- action plans ---------------------------------------------------------------------------


def save_plan_item(
    signatory: Signatory, *, actor, item: PlanItem | None = None, **fields
) -> PlanItem:
    """Create or update a plan item (``fields``: the model's editable fields)."""
    errors = {}
    progress = fields.get("progress", 0)
    if not isinstance(progress, int) or not 0 <= progress <= 100:
        errors["progress"] = _("Progress is a whole number from 0 to 100.")
    if fields["ends_on"] < fields["starts_on"]:
        errors["ends_on"] = _("The end is before the start.")
    parent = fields.get("parent")
    if parent is not None and (
        parent.signatory_id != signatory.pk or (item and parent.pk == item.pk)
    ):
        errors["parent"] = _("Choose a parent item of this plan.")
    if parent is not None and parent.parent_id is not None:
        errors["parent"] = _("Plans have two levels: choose a top-level item as the parent.")
    measure = fields.get("measure")
    if measure is not None and measure.retired_in is not None:
        errors["measure"] = _("This measure is no longer in the catalogue.")
    for name in ("title", "partners", "indicator", "children_participation", "responsible_unit"):
        if findings(str(fields.get(name) or "")):
            errors[name] = _CHILD_DATA
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        created = item is None
        item = item or PlanItem(signatory=signatory)
        for key, value in fields.items():
            setattr(item, key, value)
        item.save()
        refresh_progress(signatory)
        log_action(
            "pact.plan.item_added" if created else "pact.plan.item_updated",
            actor=actor,
            target=signatory,
            organisation=signatory.organisation,
            data={"item": item.pk, "title": item.title, "progress": item.progress},
        )
    return item


def refresh_progress(signatory: Signatory) -> None:
    """Store the plan's progress per P on the signatory (read by the public lists)."""
    from .progress import overall
    from .public import plan_progress

    progress = plan_progress([signatory.pk]).get(signatory.pk, {})
    Signatory.objects.filter(pk=signatory.pk).update(
        progress=progress, overall_progress=overall(progress)
    )
    signatory.progress, signatory.overall_progress = progress, overall(progress)


def add_milestone(item: PlanItem, *, actor, title: str, due_on: dt.date) -> Milestone:
    if not title.strip():
        raise ValidationError({"title": _("Name the milestone.")})
    if due_on > item.ends_on or due_on < item.starts_on:
        raise ValidationError(
            {
                "due_on": _(
                    "The milestone must fall within the item's dates (%(start)s – %(end)s)."
                )
                % {"start": item.starts_on.isoformat(), "end": item.ends_on.isoformat()}
            }
        )
    with transaction.atomic():
        milestone = Milestone.objects.create(item=item, title=title.strip(), due_on=due_on)
        log_action(
            "pact.plan.milestone_added",
            actor=actor,
            target=item.signatory,
            organisation=item.signatory.organisation,
            data={"item": item.pk, "due_on": due_on.isoformat()},
        )
    return milestone


def complete_milestone(milestone: Milestone, *, actor, done_on: dt.date) -> Milestone:
    if done_on > timezone.localdate():
        raise ValidationError({"done_on": _("The date cannot be in the future.")})
    with transaction.atomic():
        milestone.done_on = done_on
        milestone.save(update_fields=["done_on"])
        signatory = milestone.item.signatory
        log_action(
            "pact.plan.milestone_done",
            actor=actor,
            target=signatory,
            organisation=signatory.organisation,
            data={"item": milestone.item_id, "milestone": milestone.pk},
        )
    return milestone


def link_plan_item(item: PlanItem, *, actor, organisations=(), services=()) -> PlanItem:
    """Link a plan item to member organisations of the network and to services of the
    directory in the authority's area (anything else is refused, see links.py)."""
    from . import links

    signatory = item.signatory
    org_ids = {o.pk for o in organisations}
    service_ids = {s.pk for s in services}
    errors = {}
    allowed_orgs = set(links.partner_choices(signatory).values_list("pk", flat=True))
    if org_ids - allowed_orgs:
        errors["partner_organisations"] = _(
            "Choose member organisations of the network that work in this voivodeship."
        )
    allowed_services = set(links.service_choices(signatory).values_list("pk", flat=True))
    if service_ids - allowed_services:
        errors["services"] = _("Choose published services of the directory in this area.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        item.partner_organisations.set(org_ids)
        item.services.set(service_ids)
        log_action(
            "pact.plan.links_saved",
            actor=actor,
            target=signatory,
            organisation=signatory.organisation,
            data={
                "item": item.pk,
                "organisations": sorted(org_ids),
                "services": sorted(str(s) for s in service_ids),
            },
        )
    return item


def set_units(signatory: Signatory, *, actor, units) -> Signatory:
    """Name the authority's own units (their child-protection standards appear on the
    signatory's public page)."""
    from . import links

    ids = {u.pk for u in units}
    if ids - set(links.unit_choices(signatory).values_list("pk", flat=True)):
        raise ValidationError({"units": _("Choose active organisations in Poland.")})
    with transaction.atomic():
        signatory.units.set(ids)
        log_action(
            "pact.signatory.units_saved",
            actor=actor,
            target=signatory,
            organisation=signatory.organisation,
            data={"units": sorted(ids)},
        )
    return signatory


# --- the biennial review --------------------------------------------------------------------

REVIEW_YEARS = 2


def review_period(signatory: Signatory, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The current two-year review period, counted from the date of signing."""
    today = today or timezone.localdate()
    start = signatory.signed_on
    while _years_later(start, REVIEW_YEARS) <= today:
        start = _years_later(start, REVIEW_YEARS)
    return start, _years_later(start, REVIEW_YEARS)


def _years_later(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def save_review_report(
    signatory: Signatory, *, actor, period_start: dt.date, period_end: dt.date, report: str
) -> ReviewCycle:
    if signatory.state != Signatory.State.VERIFIED:
        raise ValidationError(_("Only a signatory of the Pact writes a review report."))
    if period_end <= period_start:
        raise ValidationError({"period_end": _("The end is before the start.")})
    if not report.strip():
        raise ValidationError({"report": _("Write the report.")})
    if findings(report):
        raise ValidationError({"report": _CHILD_DATA})
    with transaction.atomic():
        review, _created = ReviewCycle.objects.select_for_update().get_or_create(
            signatory=signatory,
            period_end=period_end,
            defaults={"period_start": period_start, "report": report.strip()},
        )
        if review.state == ReviewCycle.State.SIGNED_OFF:
            raise ValidationError(_("A signed-off report cannot be changed."))
        review.period_start = period_start
        review.report = report.strip()
        review.save()
        log_action(
            "pact.review_cycle.report_saved",
            actor=actor,
            target=signatory,
            organisation=signatory.organisation,
            data={"period_end": period_end.isoformat()},
        )
    return review


def sign_off_review(review: ReviewCycle, *, actor, signed_off_by_name: str) -> ReviewCycle:
    if not signed_off_by_name.strip():
        raise ValidationError({"signed_off_by_name": _("Who signs the report off?")})
    with transaction.atomic():
        review = ReviewCycle.objects.select_for_update().get(pk=review.pk)
        if review.state == ReviewCycle.State.SIGNED_OFF:
            raise ValidationError(_("The report has already been signed off."))
        review.state = ReviewCycle.State.SIGNED_OFF
        review.signed_off_on = timezone.localdate()
        review.signed_off_by_name = signed_off_by_name.strip()
        review.save(update_fields=["state", "signed_off_on", "signed_off_by_name"])
        log_action(
            "pact.review_cycle.signed_off",
            actor=actor,
            target=review.signatory,
            organisation=review.signatory.organisation,
            data={"period_end": review.period_end.isoformat()},
        )
    return review
