"""Assessment."""

from __future__ import annotations

from functools import partial

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ostoja.audit.services import log_action

from ..intake import (
    FieldError,
    check_text,
)
from ..models import (
    ILLEGAL_OUTCOMES,
    WAITING_STATES,
    AgeBand,
    Assessment,
    ContentType,
    Gender,
    Item,
    ItemState,
    LegalArticle,
    Outcome,
    Severity,
    SiteType,
)
from .common import ClaimError
from .receiving import settings_for

_OUTCOME_STATE = {
    Outcome.NOT_ILLEGAL: ItemState.CLOSED_NOT_ILLEGAL,
    Outcome.NOT_FOUND: ItemState.CLOSED_NOT_FOUND,
    Outcome.DUPLICATE: ItemState.CLOSED_DUPLICATE,
}


def assess_item(
    item: Item,
    *,
    actor,
    outcome: str,
    legal_articles=(),
    content_type: str = "",
    site_type: str = "",
    age_band: str = "",
    gender: str = "",
    severity: str = "",
    commercial: bool = False,
    self_generated: bool = False,
    ai_generated: bool = False,
    notes: str = "",
    duplicate_of: Item | None = None,
    now=None,
) -> Assessment:
    """Record an analyst's decision on an item they hold, and move the item on.

    Four eyes (hotline setting): the first "illegal" decision moves the item to
    ``second_opinion`` and back into the queue; it becomes actionable only when a different
    analyst also finds it illegal. If the second analyst disagrees, their outcome closes the
    item and it is flagged ``disputed`` for supervisors. Raises ``ValueError`` (with a dict of
    field → message in ``args[0]``) or :class:`ClaimError`.
    """
    now = now or timezone.now()
    errors = _validate_assessment(
        item,
        outcome=outcome,
        legal_articles=list(legal_articles or []),
        content_type=content_type,
        site_type=site_type,
        age_band=age_band,
        gender=gender,
        severity=severity,
        duplicate_of=duplicate_of,
    )
    problems: list[FieldError] = []
    notes = check_text(notes, "notes", max_length=5000, errors=problems)
    for p in problems:
        errors[p.field] = p.message
    if errors:
        raise ValueError(errors)
    with transaction.atomic():
        locked = Item.objects.select_for_update().get(pk=item.pk)
        if locked.state not in WAITING_STATES:
            raise ClaimError(_("This item has already been assessed."))
        if locked.claimed_by_id != actor.pk:
            raise ClaimError(_("Take the item first: another analyst may be assessing it."))
        second = locked.state == ItemState.SECOND_OPINION
        if second and locked.assessments.filter(analyst=actor).exists():
            raise ClaimError(_("The second assessment must come from a different analyst."))
        four_eyes = settings_for(locked.hotline_id).four_eyes_required
        assessment = Assessment.objects.create(
            item=locked,
            analyst=actor,
            outcome=outcome,
            legal_articles=list(legal_articles or []),
            content_type=content_type,
            site_type=site_type,
            age_band=age_band,
            gender=gender,
            severity=severity,
            commercial=bool(commercial),
            self_generated=bool(self_generated),
            ai_generated=bool(ai_generated),
            notes=notes,
            duplicate_of=duplicate_of,
            is_second_opinion=second,
            created_at=now,
        )
        illegal = outcome in ILLEGAL_OUTCOMES
        if illegal and four_eyes and not second:
            locked.state = ItemState.SECOND_OPINION
        elif illegal:
            locked.state = ItemState.ACTIONABLE
        else:
            locked.state = _OUTCOME_STATE[outcome]
            locked.closed_at = now
            locked.disputed = second  # the first analyst found it illegal, the second did not
        locked.outcome = outcome
        locked.duplicate_of = duplicate_of if outcome == Outcome.DUPLICATE else None
        locked.claimed_by = None
        locked.claimed_until = None
        locked.save()
        log_action(
            "hotline.item.assessed",
            actor=actor,
            organisation=locked.hotline,
            target=locked,
            data={
                "assessment": assessment.pk,
                "outcome": outcome,
                "legal_articles": list(legal_articles or []),
                "legal_rules_version": assessment.legal_rules_version,
                "second_opinion": second,
                "four_eyes": four_eyes,
                "state": locked.state,
                "disputed": locked.disputed,
                "duplicate_of": duplicate_of.pk if duplicate_of else None,
            },
        )
        if locked.state == ItemState.ACTIONABLE:
            # Notice-and-takedown starts once the assessment is committed (trace, police,
            # provider or partner hotline); it never raises and does no network work here.
            from ostoja.takedown.services import handle_illegal_assessment

            transaction.on_commit(partial(handle_illegal_assessment, actor=actor, item=locked))
    item.refresh_from_db()
    return assessment


def _validate_assessment(
    item,
    *,
    outcome,
    legal_articles,
    content_type,
    site_type,
    age_band,
    gender,
    severity,
    duplicate_of,
) -> dict:
    errors = {}
    if outcome not in Outcome.values:
        errors["outcome"] = _("Choose an outcome.")
        return errors
    if any(a not in LegalArticle.values for a in legal_articles):
        errors["legal_articles"] = _("Choose articles from the list.")
    if outcome == Outcome.ILLEGAL_NATIONAL and not legal_articles:
        errors["legal_articles"] = _("Choose the article of the Criminal Code.")
    if outcome != Outcome.ILLEGAL_NATIONAL and legal_articles:
        errors["legal_articles"] = _(
            "Articles of the Criminal Code go only with “illegal under Polish law”."
        )
    checks = [
        ("content_type", content_type, ContentType),
        ("site_type", site_type, SiteType),
        ("age_band", age_band, AgeBand),
        ("gender", gender, Gender),
        ("severity", severity, Severity),
    ]
    for name, value, choices in checks:
        if value and value not in choices.values:
            errors[name] = _("Choose a value from the list.")
        elif not value and outcome in ILLEGAL_OUTCOMES:
            errors[name] = _("Required when the content is illegal.")
    if outcome == Outcome.DUPLICATE:
        if duplicate_of is None:
            errors["duplicate_of"] = _("Enter the number of the item this one duplicates.")
        elif duplicate_of.pk == item.pk or duplicate_of.hotline_id != item.hotline_id:
            errors["duplicate_of"] = _("Enter the number of another item of this hotline.")
    elif duplicate_of is not None:
        errors["duplicate_of"] = _("An item number goes only with the outcome “duplicate”.")
    return errors


def assessed_today(user, now=None) -> int:
    now = timezone.localtime(now or timezone.now())
    start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return Assessment.objects.filter(analyst=user, created_at__gte=start).count()
