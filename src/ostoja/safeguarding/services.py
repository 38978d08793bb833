"""State changes of the vetting register. Each validates, runs in one transaction, refreshes
the person's derived status and writes one audit entry (ids only: never a name, PESEL or
result in the audit data)."""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ostoja.audit.services import log_action

from . import crypto, labels, pesel, vetting
from .attachments import clean_upload
from .errors import SafeguardingError
from .models import (
    AccessLogEntry,
    Activity,
    Basis,
    Check,
    CheckAttachment,
    Engagement,
    Person,
    RegisterPolicy,
    ResidenceDeclaration,
    ResidencePeriod,
    Result,
)

MAX_CITIZENSHIPS = 5
_PESEL_MESSAGES = {
    "format": _("A PESEL has 11 digits."),
    "checksum": _("This PESEL's check digit is wrong: please check the number."),
    "date": _("This PESEL does not encode a real date of birth."),
    "mismatch": _("This PESEL does not match the date of birth."),
}


def _label(user) -> str:
    return (getattr(user, "email", "") or "")[:254] if user else ""


def today() -> date:
    return timezone.localdate()


# --- policy ----------------------------------------------------------------------------------


def get_policy(organisation) -> RegisterPolicy:
    """The organisation's policy, or the defaults (unsaved) when it never set one."""
    try:
        return organisation.safeguarding_policy
    except RegisterPolicy.DoesNotExist:
        return RegisterPolicy(organisation=organisation)


def update_policy(
    *,
    actor,
    organisation,
    recheck_months: int,
    reminder_days: int,
    retention_months: int,
    managers_may_read: bool,
    intervention_retention_months: int | None = None,
) -> RegisterPolicy:
    if not 1 <= recheck_months <= 120:
        raise SafeguardingError(_("Re-checks: between 1 and 120 months."), field="recheck_months")
    if not 0 <= reminder_days <= 365:
        raise SafeguardingError(_("Reminders: between 0 and 365 days."), field="reminder_days")
    if not 1 <= retention_months <= 120:
        raise SafeguardingError(_("Retention: between 1 and 120 months."), field="retention_months")
    if intervention_retention_months is not None and not 1 <= intervention_retention_months <= 360:
        raise SafeguardingError(
            _("Retention of intervention records: between 1 and 360 months."),
            field="intervention_retention_months",
        )
    with transaction.atomic():
        policy, _created = RegisterPolicy.objects.select_for_update().get_or_create(
            organisation=organisation
        )
        changed = policy.recheck_months != recheck_months
        policy.recheck_months = recheck_months
        policy.reminder_days = reminder_days
        policy.retention_months = retention_months
        policy.managers_may_read = managers_may_read
        if intervention_retention_months is not None:
            policy.intervention_retention_months = intervention_retention_months
        policy.save()
        if changed:
            for person in Person.objects.of(organisation).iterator():
                refresh_status(person, policy=policy)
        log_action(
            "safeguarding.policy.updated",
            actor=actor,
            organisation=organisation,
            target=policy,
            data={
                "recheck_months": recheck_months,
                "reminder_days": reminder_days,
                "retention_months": retention_months,
                "managers_may_read": managers_may_read,
                "intervention_retention_months": policy.intervention_retention_months,
            },
        )
    return policy


# --- derived status --------------------------------------------------------------------------


def person_status(person: Person) -> vetting.Status:
    residence = ResidenceDeclaration.objects.filter(person=person).first()
    return vetting.status(
        citizenships=person.citizenships,
        declared_on=residence.declared_on if residence else None,
        periods=[p.as_period() for p in person.residence_periods.all()],
        checks=[
            vetting.RecordedCheck(c.kind, c.checked_on, c.country, c.result)
            for c in person.checks.all()
        ],
    )


def refresh_status(person: Person, *, policy: RegisterPolicy | None = None) -> vetting.Status:
    """Recompute the derived columns the register's lists filter on."""
    policy = policy or get_policy(person.organisation)
    # The caller's instance may predate an admission made through another instance (e.g.
    # ``engagement.person``): never write back a stale admission.
    person.refresh_from_db(fields=["admitted_on", "admitted_by", "checks_completed_on"])
    st = person_status(person)
    engagements = list(person.engagements.values_list("start_date", "end_date"))
    person.complete = st.complete
    person.adverse = bool(st.adverse)
    person.missing = [[r.kind, r.country] for r in st.missing]
    person.has_open_engagement = any(end is None for _start, end in engagements)
    ends = [end for _start, end in engagements if end is not None]
    person.engaged_until = None if person.has_open_engagement or not ends else max(ends)
    person.recheck_due = (
        vetting.recheck_due(st, policy.recheck_months) if person.is_admitted else None
    )
    if st.adverse and person.is_admitted:
        # art. 21/23: a person with an entry must not work with children.
        person.admitted_on = None
        person.admitted_by = None
        person.recheck_due = None
        log_action(
            "safeguarding.person.admission_withdrawn",
            organisation=person.organisation,
            target=person,
            data={"reason": "adverse_result"},
        )
    person.save(
        update_fields=[
            "complete",
            "adverse",
            "missing",
            "has_open_engagement",
            "engaged_until",
            "recheck_due",
            "admitted_on",
            "admitted_by",
            "updated_at",
        ]
    )
    return st


# --- people ----------------------------------------------------------------------------------


def _clean_identity(*, full_name, date_of_birth, pesel_value, foreign_id, citizenships):
    full_name = " ".join((full_name or "").split())
    if not full_name or len(full_name) > 200 or not full_name.isprintable():
        raise SafeguardingError(_("Enter the person's full name."), field="full_name")
    if date_of_birth is None or date_of_birth > today() or date_of_birth.year < 1900:
        raise SafeguardingError(_("Enter a real date of birth."), field="date_of_birth")
    pesel_value = (pesel_value or "").strip()
    foreign_id = " ".join((foreign_id or "").split())
    if pesel_value:
        try:
            pesel_value = pesel.validate(pesel_value, date_of_birth)
        except pesel.PeselError as exc:
            raise SafeguardingError(_PESEL_MESSAGES[exc.code], field="pesel")
    elif not foreign_id:
        raise SafeguardingError(
            _("Enter a PESEL or, for a person without one, a foreign identity document."),
            field="pesel",
        )
    if len(foreign_id) > 100 or (foreign_id and not foreign_id.isprintable()):
        raise SafeguardingError(_("The identity document is too long."), field="foreign_id")
    codes = [c.strip().upper() for c in citizenships or () if c and c.strip()]
    codes = list(dict.fromkeys(codes))
    if not codes or len(codes) > MAX_CITIZENSHIPS or not all(labels.is_country(c) for c in codes):
        raise SafeguardingError(
            _("Choose one to five citizenships from the list."), field="citizenships"
        )
    return full_name, pesel_value, foreign_id, codes


def _pesel_index(value: str) -> str:
    return crypto.blind_index(value, purpose="pesel") if value else ""


def create_person(
    *,
    actor,
    organisation,
    full_name: str,
    date_of_birth: date | None,
    pesel_value: str = "",
    foreign_id: str = "",
    previous_names: str = "",
    citizenships=("PL",),
) -> Person:
    full_name, pesel_value, foreign_id, codes = _clean_identity(
        full_name=full_name,
        date_of_birth=date_of_birth,
        pesel_value=pesel_value,
        foreign_id=foreign_id,
        citizenships=citizenships,
    )
    previous_names = " ".join((previous_names or "").split())[:300]
    index = _pesel_index(pesel_value)
    if index and Person.objects.filter(organisation=organisation, pesel_index=index).exists():
        raise SafeguardingError(
            _("A person with this PESEL is already in the register."), field="pesel"
        )
    try:
        with transaction.atomic():
            person = Person.objects.create(
                organisation=organisation,
                full_name=full_name,
                previous_names=previous_names,
                date_of_birth=date_of_birth,
                pesel=pesel_value,
                pesel_index=index,
                foreign_id=foreign_id,
                citizenships=codes,
                created_by=actor,
            )
            refresh_status(person)
            log_action(
                "safeguarding.person.created",
                actor=actor,
                organisation=organisation,
                target=person,
            )
    except IntegrityError:
        raise SafeguardingError(
            _("A person with this PESEL is already in the register."), field="pesel"
        )
    return person


def update_person(
    *,
    actor,
    person: Person,
    full_name: str,
    date_of_birth: date | None,
    pesel_value: str = "",
    foreign_id: str = "",
    previous_names: str = "",
    citizenships=("PL",),
) -> Person:
    full_name, pesel_value, foreign_id, codes = _clean_identity(
        full_name=full_name,
        date_of_birth=date_of_birth,
        pesel_value=pesel_value,
        foreign_id=foreign_id,
        citizenships=citizenships,
    )
    index = _pesel_index(pesel_value)
    if (
        index
        and Person.objects.filter(organisation=person.organisation, pesel_index=index)
        .exclude(pk=person.pk)
        .exists()
    ):
        raise SafeguardingError(
            _("A person with this PESEL is already in the register."), field="pesel"
        )
    with transaction.atomic():
        person.full_name = full_name
        person.previous_names = " ".join((previous_names or "").split())[:300]
        person.date_of_birth = date_of_birth
        person.pesel = pesel_value
        person.pesel_index = index
        person.foreign_id = foreign_id
        person.citizenships = codes
        person.save()
        refresh_status(person)
        log_action(
            "safeguarding.person.updated",
            actor=actor,
            organisation=person.organisation,
            target=person,
        )
    return person


def delete_person(*, actor, person: Person, reason: str = "request") -> None:
    """Delete the record with its checks, attachments, declaration and consents."""
    organisation, pk = person.organisation, person.pk
    with transaction.atomic():
        person.delete()
        log_action(
            "safeguarding.person.deleted",
            actor=actor,
            organisation=organisation,
            data={"person": pk, "reason": reason},
        )


# --- engagements -----------------------------------------------------------------------------


def _latest_check_date(person: Person) -> date | None:
    st = person_status(person)
    return max(st.latest.values()) if st.latest else None


def add_engagement(
    *,
    actor,
    person: Person,
    role: str,
    activity: str,
    basis: str,
    start_date: date,
    end_date: date | None = None,
) -> Engagement:
    role = " ".join((role or "").split())
    if not role or len(role) > 120:
        raise SafeguardingError(_("Describe the role (up to 120 characters)."), field="role")
    if activity not in Activity.values:
        raise SafeguardingError(_("Choose the kind of activity."), field="activity")
    if basis not in Basis.values:
        raise SafeguardingError(_("Choose the basis of the engagement."), field="basis")
    if start_date is None:
        raise SafeguardingError(_("Enter the start date."), field="start_date")
    if end_date is not None and end_date < start_date:
        raise SafeguardingError(_("The end cannot precede the start."), field="end_date")
    latest = person.checks_completed_on if person.is_admitted else _latest_check_date(person)
    if latest and start_date < latest:
        # art. 21 ust. 1: the checks come *before* employment or admission.
        raise SafeguardingError(
            _("The start cannot precede the checks (the latest was made on %(date)s).")
            % {"date": latest.isoformat()},
            field="start_date",
        )
    with transaction.atomic():
        engagement = Engagement.objects.create(
            person=person,
            role=role,
            activity=activity,
            basis=basis,
            start_date=start_date,
            end_date=end_date,
            created_by=actor,
        )
        refresh_status(person)
        log_action(
            "safeguarding.engagement.added",
            actor=actor,
            organisation=person.organisation,
            target=engagement,
            data={"person": person.pk, "activity": activity, "basis": basis},
        )
    return engagement


def end_engagement(*, actor, engagement: Engagement, end_date: date) -> Engagement:
    if end_date is None or end_date < engagement.start_date:
        raise SafeguardingError(_("The end cannot precede the start."), field="end_date")
    with transaction.atomic():
        engagement.end_date = end_date
        engagement.save(update_fields=["end_date"])
        refresh_status(engagement.person)
        log_action(
            "safeguarding.engagement.ended",
            actor=actor,
            organisation=engagement.person.organisation,
            target=engagement,
            data={"person": engagement.person_id},
        )
    return engagement


# --- checks ----------------------------------------------------------------------------------


def _open_engagement_starts(person: Person) -> list[date]:
    return list(person.engagements.values_list("start_date", flat=True))


def record_check(
    *,
    actor,
    person: Person,
    kind: str,
    checked_on: date,
    result: str,
    issued_on: date | None = None,
    country: str = "",
    both_registers: bool = False,
    scope_confirmed: bool = False,
    declaration_instead: bool = False,
    reference: str = "",
    attachment=None,
) -> Check:
    """Record that a check was made (art. 21 ust. 1, 3, 4–6), by ``actor``, with its result."""
    if kind not in Check.Kind.values:
        raise SafeguardingError(_("Unknown kind of check."), field="kind")
    if result not in Result.values:
        raise SafeguardingError(_("Choose the result."), field="result")
    if checked_on is None or checked_on > today():
        raise SafeguardingError(_("The date cannot be in the future."), field="checked_on")
    if issued_on is not None and issued_on > checked_on:
        raise SafeguardingError(
            _("The document cannot be issued after it was presented."), field="issued_on"
        )
    country = (country or "").strip().upper()
    if kind == Check.Kind.REGISTER and not both_registers:
        raise SafeguardingError(
            _(
                "art. 21 ust. 1 requires both registers: the restricted-access register and the "
                "register of the State Commission."
            ),
            field="both_registers",
        )
    if kind == Check.Kind.KRK:
        if not scope_confirmed:
            raise SafeguardingError(
                _("Confirm that the information covers the offences of art. 21 ust. 3."),
                field="scope_confirmed",
            )
        if issued_on is None:
            raise SafeguardingError(_("Enter the date of issue."), field="issued_on")
    if kind == Check.Kind.FOREIGN:
        required = {r.country for r in person_status(person).required if r.kind == vetting.FOREIGN}
        if country not in required:
            raise SafeguardingError(
                _(
                    "No foreign record is required for this country: declare the residence or "
                    "citizenship first."
                ),
                field="country",
            )
    else:
        country = ""
        declaration_instead = False
    if not person.is_admitted:
        starts = _open_engagement_starts(person)
        if starts and checked_on > min(starts):
            raise SafeguardingError(
                _(
                    "This check is dated after the person started (%(date)s): the checks must "
                    "come first. Correct the start date if it was entered wrongly."
                )
                % {"date": min(starts).isoformat()},
                field="checked_on",
            )
    reference = " ".join((reference or "").split())
    if len(reference) > 100 or (reference and not reference.isprintable()):
        raise SafeguardingError(_("The reference is too long."), field="reference")
    cleaned = clean_upload(attachment) if attachment is not None else None
    with transaction.atomic():
        check = Check.objects.create(
            person=person,
            kind=kind,
            country=country,
            checked_on=checked_on,
            issued_on=issued_on if kind != Check.Kind.REGISTER else None,
            result=result,
            both_registers=kind == Check.Kind.REGISTER,
            scope_confirmed=kind == Check.Kind.KRK,
            declaration_instead=declaration_instead,
            reference=reference,
            recorded_by=actor,
            recorded_by_label=_label(actor),
        )
        if cleaned is not None:
            data, content_type = cleaned
            key_id, blob = crypto.encrypt_bytes(data, context=_attachment_context(check))
            CheckAttachment.objects.create(
                check_record=check,
                key_id=key_id,
                ciphertext=blob,
                content_type=content_type,
                size=len(data),
            )
        refresh_status(person)
        log_action(
            "safeguarding.check.recorded",
            actor=actor,
            organisation=person.organisation,
            target=check,
            data={
                "person": person.pk,
                "kind": kind,
                "country": country,
                "attachment": cleaned is not None,
            },
        )
    return check


def _attachment_context(check: Check) -> str:
    return f"safeguarding.checkattachment.{check.pk}"


def read_attachment(*, actor, check: Check) -> tuple[bytes, str]:
    """Decrypt an attachment for its download; the read is logged."""
    attachment = check.attachment
    data = crypto.decrypt_bytes(
        attachment.key_id, bytes(attachment.ciphertext), context=_attachment_context(check)
    )
    log_access(actor=actor, person=check.person, kind=AccessLogEntry.Kind.ATTACHMENT)
    return data, attachment.content_type


# --- residence declaration -------------------------------------------------------------------


def record_residence(
    *, actor, person: Person, declared_on: date, text_version: str
) -> ResidenceDeclaration:
    """art. 21 ust. 5: the declaration of states lived in during the last 20 years (its date
    and the version of its wording; the periods are added one by one)."""
    if declared_on is None or declared_on > today():
        raise SafeguardingError(_("The date cannot be in the future."), field="declared_on")
    text_version = " ".join((text_version or "").split())
    if not text_version or len(text_version) > 40:
        raise SafeguardingError(
            _("Enter the version of the declaration's text."), field="text_version"
        )
    if not person.is_admitted:
        starts = _open_engagement_starts(person)
        if starts and declared_on > min(starts):
            raise SafeguardingError(
                _(
                    "This check is dated after the person started (%(date)s): the checks must "
                    "come first. Correct the start date if it was entered wrongly."
                )
                % {"date": min(starts).isoformat()},
                field="declared_on",
            )
    periods = [p.as_period() for p in person.residence_periods.all()]
    if any(p.end > declared_on for p in periods):
        raise SafeguardingError(_("A declared period ends after this date."), field="declared_on")
    with transaction.atomic():
        declaration, _created = ResidenceDeclaration.objects.update_or_create(
            person=person,
            defaults={
                "declared_on": declared_on,
                "text_version": text_version,
                "recorded_by": actor,
                "recorded_by_label": _label(actor),
                "reused_from_organisation": "",
            },
        )
        refresh_status(person)
        log_action(
            "safeguarding.residence.declared",
            actor=actor,
            organisation=person.organisation,
            target=declaration,
            data={"person": person.pk},
        )
    return declaration


def add_residence_period(
    *, actor, person: Person, country: str, start_date: date, end_date: date
) -> ResidencePeriod:
    declaration = ResidenceDeclaration.objects.filter(person=person).first()
    if declaration is None:
        raise SafeguardingError(_("Record the declaration first."), field="country")
    country = (country or "").strip().upper()
    if not labels.is_country(country):
        raise SafeguardingError(_("Choose a country from the list."), field="country")
    if start_date is None or end_date is None:
        raise SafeguardingError(_("Enter both dates."), field="start_date")
    new = vetting.Period(country, start_date, end_date)
    existing = [p.as_period() for p in person.residence_periods.all()]
    try:
        vetting.check_period(new, existing, declaration.declared_on)
    except vetting.PeriodError as exc:
        messages = {
            "order": _("The end cannot precede the start."),
            "future": _("The period cannot end after the date of the declaration."),
            "poland": _("Periods in Poland are not declared."),
        }
        if exc.code == "overlap":
            raise SafeguardingError(
                _(
                    "This period overlaps another declared period (%(country)s, %(start)s – "
                    "%(end)s)."
                )
                % {
                    "country": labels.country_name(exc.other.country),
                    "start": exc.other.start.isoformat(),
                    "end": exc.other.end.isoformat(),
                },
                field="start_date",
            )
        raise SafeguardingError(messages[exc.code], field="start_date")
    with transaction.atomic():
        period = ResidencePeriod.objects.create(
            person=person, country=country, start_date=start_date, end_date=end_date
        )
        refresh_status(person)
        log_action(
            "safeguarding.residence.period_added",
            actor=actor,
            organisation=person.organisation,
            target=period,
            data={"person": person.pk, "country": country},
        )
    return period


def remove_residence_period(*, actor, period: ResidencePeriod) -> None:
    person = period.person
    with transaction.atomic():
        pk = period.pk
        period.delete()
        refresh_status(person)
        log_action(
            "safeguarding.residence.period_removed",
            actor=actor,
            organisation=person.organisation,
            target=person,
            data={"period": pk},
        )


# --- admission -------------------------------------------------------------------------------


def admit(*, actor, person: Person, on: date | None = None) -> Person:
    """Mark the person admitted to work with children. Refused, with the list of what is
    missing, unless every check art. 21 requires is recorded with no entry (art. 23)."""
    on = on or today()
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=person.pk)
        st = refresh_status(person)
        if st.missing:
            raise SafeguardingError(
                _("The person cannot be admitted yet: these checks are missing."),
                items=[labels.requirement_label(r) for r in st.missing],
            )
        if st.adverse:
            raise SafeguardingError(_("The person cannot be admitted: a check found an entry."))
        if person.is_admitted:
            raise SafeguardingError(_("The person is already admitted."))
        if on > today():
            raise SafeguardingError(_("The date cannot be in the future."), field="on")
        latest = max(st.latest.values())
        if on < latest:
            raise SafeguardingError(
                _("Admission cannot precede the checks (the latest was made on %(date)s).")
                % {"date": latest.isoformat()}
            )
        early = person.engagements.filter(start_date__lt=latest).order_by("start_date").first()
        if early is not None:
            raise SafeguardingError(
                _("The start cannot precede the checks (the latest was made on %(date)s).")
                % {"date": latest.isoformat()}
            )
        person.admitted_on = on
        person.admitted_by = actor
        person.checks_completed_on = latest
        person.reminded_for = None
        person.save(
            update_fields=["admitted_on", "admitted_by", "checks_completed_on", "reminded_for"]
        )
        refresh_status(person)
        log_action(
            "safeguarding.person.admitted",
            actor=actor,
            organisation=person.organisation,
            target=person,
        )
    return person


# --- reads -----------------------------------------------------------------------------------


def log_access(*, actor, person: Person | None, kind: str, organisation=None) -> AccessLogEntry:
    """Record a read (the access log the organisation's manager can see)."""
    return AccessLogEntry.objects.create(
        organisation=organisation or person.organisation,
        person_id_ref=person.pk if person is not None else None,
        kind=kind,
        actor=actor,
        actor_label=_label(actor),
    )
