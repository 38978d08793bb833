"""Reminders of the Pact (the ``pact_reminders`` job, daily): milestones of action plans
coming due, evidence about to expire, the yearly self-assessment's deadline and the biennial
review. One e-mail per authority officer a day at most, listing what needs attention (all of
it is the authority's own plan data, nothing about children).

Deadlines the issue leaves open, decided here:

* the self-assessment of a year is due by **31 March of the next year** (time to gather the
  year's evidence; the Congress's own reporting follows the calendar year);
* reminders go out **14 days** before a milestone, **30 days** before evidence expires or the
  self-assessment is due, and **60 days** before the end of a two-year review period.

Each item is reminded of once (a milestone's or evidence's mark stores the date reminded
of; the self-assessment and the review through the outbox's de-duplication key, which
includes the year or period).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from ostoja.audit.services import Action, log_actions
from ostoja.organisations.models import Membership
from ostoja.organisations.roles import Role
from ostoja.outbox.services import enqueue_email

from .models import Answer, AnswerStatus, Assessment, Milestone, ReviewCycle, Signatory
from .services import review_period

MILESTONE_DAYS = 14
EVIDENCE_DAYS = 30
ASSESSMENT_DAYS = 30
REVIEW_DAYS = 60


def assessment_deadline(year: int) -> dt.date:
    return dt.date(year + 1, 3, 31)


def _recipients(signatory: Signatory) -> list[tuple[str, str]]:
    """(e-mail, language) of the authority's officers; the contact person if it has none."""
    if signatory.organisation_id:
        rows = [
            (m.user.email, m.user.language or signatory.organisation.language or "pl")
            for m in Membership.objects.active()
            .filter(
                organisation_id=signatory.organisation_id,
                role=Role.AUTHORITY_OFFICER,
                user__is_active=True,
            )
            .select_related("user")
        ]
        if rows:
            return rows
    return [(signatory.contact_email, "pl" if signatory.is_polish else "en")]


def send_reminders(*, today: dt.date) -> dict[str, int]:
    todo: dict[int, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    milestones = list(
        Milestone.objects.filter(
            done_on__isnull=True,
            due_on__lte=today + dt.timedelta(days=MILESTONE_DAYS),
            due_on__gte=today,
            item__signatory__state=Signatory.State.VERIFIED,
        )
        .filter(Q(reminded_for__isnull=True) | ~Q(reminded_for=F("due_on")))
        .select_related("item")
    )
    for m in milestones:
        todo[m.item.signatory_id]["milestones"].append(m)
    answers = list(
        Answer.objects.filter(
            status=AnswerStatus.IMPLEMENTED,
            evidence_valid_until__lte=today + dt.timedelta(days=EVIDENCE_DAYS),
            evidence_valid_until__gte=today,
            assessment__signatory__state=Signatory.State.VERIFIED,
        )
        .filter(
            Q(evidence_reminded_for__isnull=True)
            | ~Q(evidence_reminded_for=F("evidence_valid_until"))
        )
        .select_related("assessment", "measure")
    )
    for a in answers:
        todo[a.assessment.signatory_id]["evidence"].append(a)
    # The previous year's self-assessment, while its deadline is near and it is not in.
    year = today.year - 1
    deadline = assessment_deadline(year)
    if deadline - dt.timedelta(days=ASSESSMENT_DAYS) <= today <= deadline:
        submitted = Assessment.objects.filter(year=year).exclude(
            state__in=[Assessment.State.DRAFT, Assessment.State.CHANGES]
        )
        for pk in (
            Signatory.objects.filter(state=Signatory.State.VERIFIED, signed_on__year__lte=year)
            .exclude(pk__in=submitted.values("signatory_id"))
            .values_list("pk", flat=True)
        ):
            todo[pk]["assessment"].append(year)
    # The biennial review, when a period ends soon without a signed-off report.
    signed_off = set(
        ReviewCycle.objects.filter(state=ReviewCycle.State.SIGNED_OFF).values_list(
            "signatory_id", "period_end"
        )
    )
    for s in Signatory.objects.filter(state=Signatory.State.VERIFIED):
        _start, end = review_period(s, today)
        if end - dt.timedelta(days=REVIEW_DAYS) <= today and (s.pk, end) not in signed_off:
            todo[s.pk]["review"].append(end)
    signatories = Signatory.objects.select_related("organisation").in_bulk(list(todo))
    sent = 0
    actions = []
    with transaction.atomic():
        for pk, what in todo.items():
            signatory = signatories[pk]
            # Milestones and evidence: one e-mail a day at most (the rows are marked). The
            # self-assessment and the review: an e-mail each, once per year / period (the
            # outbox's de-duplication key).
            batches = []
            if what["milestones"] or what["evidence"]:
                batches.append(
                    (
                        f"{today.isoformat()}",
                        {"milestones": what["milestones"], "evidence": what["evidence"]},
                    )
                )
            for y in what["assessment"]:
                batches.append((f"assessment-{y}", {"assessment_year": y, "deadline": deadline}))
            for end in what["review"]:
                batches.append((f"review-{end.isoformat()}", {"review_ends": end}))
            created_any = False
            for key, context in batches:
                for email, language in _recipients(signatory):
                    if _send(signatory, email, language, key, context):
                        sent += 1
                        created_any = True
            if created_any:
                actions.append(
                    Action(
                        "pact.reminder.sent",
                        organisation=signatory.organisation,
                        target=signatory,
                        data={k: len(v) for k, v in what.items() if v},
                    )
                )
        Milestone.objects.filter(pk__in=[m.pk for m in milestones]).update(reminded_for=F("due_on"))
        Answer.objects.filter(pk__in=[a.pk for a in answers]).update(
            evidence_reminded_for=F("evidence_valid_until")
        )
        log_actions(actions)
    return {"emails": sent, "authorities": len(actions)}


def _send(signatory: Signatory, email: str, language: str, key: str, context: dict) -> bool:
    with translation.override(language):
        body = render_to_string(
            "pact/email/reminder.txt",
            {
                "signatory": signatory,
                "url": settings.SITE_URL + reverse("pact:plan", kwargs={"slug": signatory.slug}),
                **context,
            },
        )
        subject = _("Pact of Towns and Regions: deadlines coming up")
    _message, created = enqueue_email(
        dedup_key=f"pact:reminder:{signatory.pk}:{email}:{key}",
        to=[email],
        subject=subject,
        body_text=body,
        language=language,
        organisation=signatory.organisation,
    )
    return created
