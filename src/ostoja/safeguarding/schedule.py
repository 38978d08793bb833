"""The register's scheduled work: due re-checks, reminders, retention (see ``jobs.py``).

Reminder e-mails go through the outbox to the organisation's safeguarding officers and say
only that a record needs attention, with a link: never a name, date of birth or result.

Retention: a record is deleted ``RegisterPolicy.retention_months`` (default
``OSTOJA_SAFEGUARDING_RETENTION_MONTHS``, 36) after the person's last engagement ended, or
after the record was created when no engagement was ever recorded (a candidate not taken on).
The Act of 13 May 2016 sets no period for keeping these records; the organisation must be able
to show an inspection that it made the checks before admitting each person (art. 21, and the
offence of art. 23), and GDPR art. 5(1)(e) forbids keeping them longer than needed. Three years
after the engagement covers the usual limitation periods for the organiser's liability; an
organisation can shorten or lengthen it (1–120 months). This choice is ours, not the Act's:
to be confirmed by each organisation against the consolidated text and its own obligations
(e.g. personnel files under the Labour Code art. 94 pkt 9b, where they apply).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date

from django.conf import settings
from django.db import models, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from ostoja.audit.services import Action, log_actions
from ostoja.organisations.models import Membership, Organisation
from ostoja.organisations.roles import Role
from ostoja.outbox.services import enqueue_many

from . import vetting
from .models import Check, Person, RegisterPolicy, ResidenceDeclaration, ResidencePeriod

logger = logging.getLogger(__name__)
BATCH = 2000
#: Records deleted per transaction by :func:`apply_retention`.
RETENTION_CHUNK = 500


def _policies() -> dict[int, RegisterPolicy]:
    return {p.organisation_id: p for p in RegisterPolicy.objects.all()}


def recompute_due(*, today: date) -> int:
    """Recompute every admitted person's re-check due date from the checks in the database.

    Not needed nightly: every service (and a policy change) keeps ``recheck_due`` current.
    This is the repair path (``safeguarding_daily --recompute``) for data edited outside the
    services. Returns the number of rows changed."""
    policies = _policies()
    default_months = RegisterPolicy().recheck_months
    changed = 0
    last_id = 0
    while True:
        people = list(
            Person.objects.filter(admitted_on__isnull=False, id__gt=last_id)
            .order_by("id")
            .values("id", "organisation_id", "citizenships", "recheck_due")[:BATCH]
        )
        if not people:
            break
        last_id = people[-1]["id"]
        ids = [p["id"] for p in people]
        checks = defaultdict(list)
        for pid, kind, country, on, result in Check.objects.filter(person_id__in=ids).values_list(
            "person_id", "kind", "country", "checked_on", "result"
        ):
            checks[pid].append(vetting.RecordedCheck(kind, on, country, result))
        declared = dict(
            ResidenceDeclaration.objects.filter(person_id__in=ids).values_list(
                "person_id", "declared_on"
            )
        )
        periods = defaultdict(list)
        for pid, country, start, end in ResidencePeriod.objects.filter(
            person_id__in=ids
        ).values_list("person_id", "country", "start_date", "end_date"):
            periods[pid].append(vetting.Period(country, start, end))
        updates = []
        for p in people:
            st = vetting.status(
                citizenships=p["citizenships"],
                declared_on=declared.get(p["id"]),
                periods=periods[p["id"]],
                checks=checks[p["id"]],
            )
            policy = policies.get(p["organisation_id"])
            due = vetting.recheck_due(st, policy.recheck_months if policy else default_months)
            if due != p["recheck_due"]:
                updates.append(Person(id=p["id"], recheck_due=due))
        # One UPDATE per distinct date (a few hundred at most) instead of a CASE per row.
        by_due = defaultdict(list)
        for person in updates:
            by_due[person.recheck_due].append(person.id)
        with transaction.atomic():
            for due, pks in by_due.items():
                Person.objects.filter(pk__in=pks).update(recheck_due=due)
        changed += len(updates)
    return changed


def due_for_reminder(*, today: date):
    """Admitted people in an engagement whose re-check falls within their organisation's
    reminder window and who were not yet reminded of this due date."""
    from datetime import timedelta

    policies = _policies()
    default = RegisterPolicy()
    widest = max([p.reminder_days for p in policies.values()] + [default.reminder_days])
    candidates = Person.objects.filter(
        has_open_engagement=True,
        recheck_due__isnull=False,
        recheck_due__lte=today + timedelta(days=widest),
    ).values_list("id", "organisation_id", "recheck_due", "reminded_for")
    due = defaultdict(list)
    for pid, org_id, recheck_due, reminded_for in candidates:
        days = (policies.get(org_id) or default).reminder_days
        if recheck_due <= today + timedelta(days=days) and reminded_for != recheck_due:
            due[org_id].append((pid, recheck_due))
    return due


def send_reminders(*, today: date) -> dict[str, int]:
    """One e-mail per officer of each organisation with records newly due; the e-mail says
    only that a record needs attention. One transaction for the run: the messages, the
    "reminded" marks and the audit entries are written together or not at all (a failed run
    is simply repeated the next night), and a run costs one commit, not one per organisation.
    """
    with transaction.atomic():
        return _send_reminders(today=today)


def _officers_of(org_ids) -> dict[int, list[Membership]]:
    """The active safeguarding officers of each organisation, in one query."""
    by_org: dict[int, list[Membership]] = defaultdict(list)
    for membership in (
        Membership.objects.filter(
            organisation_id__in=org_ids, role=Role.SAFEGUARDING_OFFICER, user__is_active=True
        )
        .select_related("user", "organisation")
        .order_by("organisation_id", "pk")
    ):
        by_org[membership.organisation_id].append(membership)
    return by_org


def _attention_email(membership: Membership, view: str, query: str = "") -> tuple[str, str, str]:
    """Subject, body and language of "a record needs your attention" (never a name)."""
    user, organisation = membership.user, membership.organisation
    language = user.language or organisation.language or "pl"
    with translation.override(language):
        url = settings.SITE_URL + reverse(view, kwargs={"slug": organisation.slug}) + query
        subject = _("Ostoja: a record needs your attention")
        body = render_to_string("safeguarding/email/attention.txt", {"url": url})
    return subject, body, language


def _send_reminders(*, today: date) -> dict[str, int]:
    # The whole run is one transaction (see send_reminders); the per-organisation work is
    # kept to the e-mails themselves: officers are read in one query, the "reminded" marks
    # written in a few UPDATEs and the audit entries appended with one advance of the chain
    # (profiled on PostgreSQL: a savepoint, an officers query, an UPDATE and a chain advance
    # per organisation were most of the 7 s of a night on which 1,000 organisations had
    # records due).
    due = due_for_reminder(today=today)
    officers_by_org = _officers_of(list(due))
    emails: list[dict] = []
    actions: list[Action] = []
    reminded: list[int] = []
    for org_id, people in due.items():
        officers = officers_by_org.get(org_id)
        if not officers:
            # Nobody to tell: not marked, so the reminder goes out once an officer exists.
            logger.warning("safeguarding: organisation %s has records due and no officer", org_id)
            continue
        for membership in officers:
            subject, body, language = _attention_email(
                membership, "safeguarding:register", "?status=due"
            )
            emails.append(
                {
                    "dedup_key": f"safeguarding:attention:{org_id}:{membership.user_id}:"
                    f"{today.isoformat()}",
                    "to": [membership.user.email],
                    "subject": subject,
                    "body_text": body,
                    "language": language,
                    "organisation": membership.organisation,
                    "sensitive": True,
                }
            )
        reminded.extend(pid for pid, _due in people)
        actions.append(
            Action(
                "safeguarding.reminder.sent",
                organisation=officers[0].organisation,
                data={"records": len(people), "recipients": len(officers)},
            )
        )
    # One SELECT of the keys and one multi-row INSERT per 500 e-mails (the outbox's
    # get-or-create per e-mail was 4 statements each: 2.8 s of a 1,000-organisation night).
    enqueue_many(emails)
    for i in range(0, len(reminded), BATCH):
        Person.objects.filter(pk__in=reminded[i : i + BATCH]).update(
            reminded_for=models.F("recheck_due")
        )
    log_actions(actions)
    return {"emails": len(emails), "organisations": len(actions)}


def apply_retention(*, today: date) -> int:
    """Delete records past their organisation's retention period (see the module doc)."""
    policies = _policies()
    default_months = RegisterPolicy().retention_months
    expired = []
    rows = Person.objects.filter(has_open_engagement=False).values_list(
        "id", "organisation_id", "engaged_until", "created_at"
    )
    for pid, org_id, until, created_at in rows.iterator(chunk_size=BATCH):
        months = policies.get(org_id).retention_months if org_id in policies else default_months
        start = until or created_at.date()
        if vetting.add_months(start, months) <= today:
            expired.append((pid, org_id))
    # Chunks of 500 records across organisations, each deleted in one transaction with one
    # audit entry per organisation in it (appended together): per organisation, a night on
    # which 5,000 records of 1,000 organisations expired cost 1,000 transactions and deletion
    # passes (58 s on PostgreSQL, profiled under load).
    expired.sort(key=lambda row: (row[1], row[0]))
    for i in range(0, len(expired), RETENTION_CHUNK):
        chunk = expired[i : i + RETENTION_CHUNK]
        by_org: dict[int, list[int]] = defaultdict(list)
        for pid, org_id in chunk:
            by_org[org_id].append(pid)
        with transaction.atomic():
            # Cascades to engagements, checks, attachments, declarations and consents.
            Person.objects.filter(pk__in=[pid for pid, _org in chunk]).delete()
            log_actions(
                [
                    Action(
                        "safeguarding.retention.deleted",
                        organisation=Organisation(pk=org_id),
                        data={"people": ids},
                    )
                    for org_id, ids in by_org.items()
                ]
            )
    return len(expired)


# --- child-protection standards -------------------------------------------------------------

REVIEW_REMINDER_DAYS = 30


def standards_reminders(*, today: date) -> dict[str, int]:
    """Reviews coming due (art. 22c ust. 7: at least every two years) → the organisation's
    officers, "a record needs your attention"; standards in force not yet confirmed by a
    member of the organisation → that member, at most once a week.

    A fixed number of queries whatever the number of organisations: the documents, their
    officers, the confirmations and the members are each read in one query, and the e-mails
    stored with the outbox's bulk enqueue."""
    with transaction.atomic():
        reviews = _review_reminders(today=today)
    acks = _acknowledgement_reminders(today=today)
    return {"review_emails": reviews, "acknowledgement_emails": acks}


def _review_reminders(*, today: date) -> int:
    from datetime import timedelta

    from .models import StandardsDocument

    due_docs = list(
        StandardsDocument.objects.filter(
            status=StandardsDocument.Status.ADOPTED,
            review_due__lte=today + timedelta(days=REVIEW_REMINDER_DAYS),
        )
        .exclude(review_reminded_for=models.F("review_due"))
        .select_related("organisation")
    )
    officers_by_org = _officers_of({doc.organisation_id for doc in due_docs})
    emails: list[dict] = []
    actions: list[Action] = []
    reminded: list[int] = []
    for doc in due_docs:
        officers = officers_by_org.get(doc.organisation_id)
        if not officers:
            continue  # not marked: reminded once an officer exists
        for membership in officers:
            subject, body, language = _attention_email(membership, "safeguarding:standards")
            emails.append(
                {
                    "dedup_key": f"safeguarding:review:{doc.pk}:{membership.user_id}:"
                    f"{doc.review_due}",
                    "to": [membership.user.email],
                    "subject": subject,
                    "body_text": body,
                    "language": language,
                    "organisation": doc.organisation,
                }
            )
        reminded.append(doc.pk)
        actions.append(
            Action(
                "safeguarding.standards.review_reminder",
                organisation=doc.organisation,
                target=doc,
            )
        )
    enqueue_many(emails)
    for i in range(0, len(reminded), BATCH):
        StandardsDocument.objects.filter(pk__in=reminded[i : i + BATCH]).update(
            review_reminded_for=models.F("review_due")
        )
    log_actions(actions)
    return len(emails)


def _acknowledgement_reminders(*, today: date) -> int:
    from .models import Acknowledgement, StandardsDocument

    week = today.isocalendar()
    docs = list(
        StandardsDocument.objects.filter(status=StandardsDocument.Status.ADOPTED)
        .select_related("organisation")
        .order_by("pk")
    )
    if not docs:
        return 0
    confirmed = set(
        Acknowledgement.objects.filter(
            document__in=[doc.pk for doc in docs], user__isnull=False
        ).values_list("document_id", "user_id")
    )
    members_by_org: dict[int, list] = defaultdict(list)
    seen: set[tuple[int, int]] = set()
    for org_id, user in (
        (m.organisation_id, m.user)
        for m in Membership.objects.filter(
            organisation_id__in={doc.organisation_id for doc in docs}, user__is_active=True
        )
        .select_related("user")
        .order_by("organisation_id", "pk")
    ):
        if (org_id, user.pk) not in seen:  # a person with two roles is reminded once
            seen.add((org_id, user.pk))
            members_by_org[org_id].append(user)
    emails: list[dict] = []
    rendered: dict[tuple[int, str], tuple[str, str]] = {}
    for doc in docs:
        organisation = doc.organisation
        for user in members_by_org.get(doc.organisation_id, ()):
            if (doc.pk, user.pk) in confirmed:
                continue
            language = user.language or organisation.language or "pl"
            if (doc.pk, language) not in rendered:  # the text names no one: once per language
                with translation.override(language):
                    url = settings.SITE_URL + reverse(
                        "safeguarding:standards_acknowledge", kwargs={"slug": organisation.slug}
                    )
                    rendered[doc.pk, language] = (
                        _("Ostoja: please read your organisation's child-protection standards"),
                        render_to_string(
                            "safeguarding/email/acknowledge.txt",
                            {"url": url, "organisation": organisation},
                        ),
                    )
            subject, body = rendered[doc.pk, language]
            emails.append(
                {
                    "dedup_key": f"safeguarding:ack:{doc.pk}:{user.pk}:{week[0]}-W{week[1]}",
                    "to": [user.email],
                    "subject": subject,
                    "body_text": body,
                    "language": language,
                    "organisation": organisation,
                }
            )
    return sum(created for _message, created in enqueue_many(emails))
