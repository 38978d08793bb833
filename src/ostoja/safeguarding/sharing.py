"""Reusing checks between member organisations, with the person's consent.

The person consents (on paper, recorded by an officer of the organisation that holds the
checks) that **one named organisation** may see which checks were made, when and by whom. The
officer gives the person a random code (80 bits); only its SHA-256 is stored. An officer of the
named organisation enters the code: the register then creates (or completes) its own record of
the person with the KRK information, foreign records and residence declaration marked
"reused — made on … by … at …" — no result, reference or attachment is copied. The **register
check is never reused**: art. 21 ust. 1 obliges every organiser to check the Register itself.

Every attempt is recorded (``ShareUse``), accepted or refused: an unknown (guessed) code, a
withdrawn or expired consent, or a code presented by an organisation the consent does not name.
After ``MAX_REFUSALS_PER_HOUR`` refusals an organisation's attempts are refused for the rest
of the hour, so codes cannot be guessed.

Only a person whose required checks are complete and show no entry can be shared: a reused
check therefore implies "no entry" at the source, which is the minimum the receiver needs.
(Whether a certificate "presented" to one organiser may be relied on by another is a legal
question the organisations must settle; the register records exactly what was reused.)
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ostoja.audit.services import log_action
from ostoja.organisations.models import Organisation

from . import crypto, services, vetting
from .errors import SafeguardingError
from .models import (
    Check,
    Person,
    ResidenceDeclaration,
    ResidencePeriod,
    Result,
    ShareConsent,
    ShareUse,
)

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CODE_LENGTH = 16  # 16 × 5 bits = 80 bits
VALID_DAYS = 30
MAX_REFUSALS_PER_HOUR = 10


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def normalise_code(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())[:64]


def format_code(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def create_share(
    *, actor, person: Person, recipient: Organisation, consent_on: date
) -> tuple[ShareConsent, str]:
    """Record the person's consent for ``recipient``; return the consent and the code (shown
    once, never stored)."""
    if recipient is None or recipient.pk == person.organisation_id:
        raise SafeguardingError(_("Choose another organisation."), field="recipient")
    if consent_on is None or consent_on > services.today():
        raise SafeguardingError(_("The date cannot be in the future."), field="consent_on")
    st = services.person_status(person)
    if st.missing or st.adverse:
        raise SafeguardingError(
            _("Only a record with every required check complete can be shared.")
        )
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    with transaction.atomic():
        consent = ShareConsent.objects.create(
            person=person,
            recipient=recipient,
            code_hash=_hash(code),
            code_hint=code[-4:],
            consent_on=consent_on,
            expires_at=timezone.now() + timedelta(days=VALID_DAYS),
            created_by=actor,
        )
        log_action(
            "safeguarding.share.created",
            actor=actor,
            organisation=person.organisation,
            target=consent,
            data={"person": person.pk, "recipient": recipient.pk},
        )
    return consent, format_code(code)


def withdraw_share(*, actor, consent: ShareConsent) -> ShareConsent:
    if consent.withdrawn_at is not None:
        raise SafeguardingError(_("This consent was already withdrawn."))
    with transaction.atomic():
        consent.withdrawn_at = timezone.now()
        consent.save(update_fields=["withdrawn_at"])
        log_action(
            "safeguarding.share.withdrawn",
            actor=actor,
            organisation=consent.person.organisation,
            target=consent,
            data={"person": consent.person_id},
        )
    return consent


@dataclass
class Redemption:
    ok: bool
    outcome: str
    person: Person | None = None
    message: str = ""


_REFUSALS = {
    ShareUse.Outcome.UNKNOWN: _("This code is not valid."),
    ShareUse.Outcome.WITHDRAWN: _("This code is not valid."),
    ShareUse.Outcome.EXPIRED: _("This code has expired: ask the person for a new one."),
    ShareUse.Outcome.OTHER_ORG: _("This code is not valid."),
    ShareUse.Outcome.THROTTLED: _("Too many invalid codes: try again in an hour."),
}


def _record(*, actor, organisation, outcome, consent=None) -> ShareUse:
    use = ShareUse.objects.create(
        consent=consent, organisation=organisation, outcome=outcome, actor=actor
    )
    log_action(
        "safeguarding.share.used"
        if outcome == ShareUse.Outcome.ACCEPTED
        else "safeguarding.share.refused",
        actor=actor,
        organisation=organisation,
        target=use,
        data={"outcome": outcome, "consent": consent.pk if consent else None},
    )
    return use


def redeem(*, actor, organisation: Organisation, code: str) -> Redemption:
    """Use a share code for ``organisation``. Refusals are recorded and committed too; the
    caller shows ``message`` (a guessed, withdrawn and third-party code get the same answer,
    so the answer does not tell a guesser that a code exists)."""
    now = timezone.now()
    normal = normalise_code(code)
    with transaction.atomic():
        refusals = (
            ShareUse.objects.filter(organisation=organisation, at__gte=now - timedelta(hours=1))
            .exclude(outcome=ShareUse.Outcome.ACCEPTED)
            .count()
        )
        if refusals >= MAX_REFUSALS_PER_HOUR:
            _record(actor=actor, organisation=organisation, outcome=ShareUse.Outcome.THROTTLED)
            return Redemption(False, ShareUse.Outcome.THROTTLED, message=_REFUSALS["throttled"])
        consent = (
            ShareConsent.objects.select_related("person__organisation")
            .filter(code_hash=_hash(normal))
            .first()
            if len(normal) == CODE_LENGTH
            else None
        )
        if consent is None:
            outcome = ShareUse.Outcome.UNKNOWN
        elif consent.recipient_id != organisation.pk:
            outcome = ShareUse.Outcome.OTHER_ORG
        elif consent.withdrawn_at is not None:
            outcome = ShareUse.Outcome.WITHDRAWN
        elif consent.expires_at <= now:
            outcome = ShareUse.Outcome.EXPIRED
        else:
            outcome = ShareUse.Outcome.ACCEPTED
        if outcome != ShareUse.Outcome.ACCEPTED:
            _record(actor=actor, organisation=organisation, outcome=outcome, consent=consent)
            return Redemption(False, outcome, message=_REFUSALS[outcome])
        use = _record(actor=actor, organisation=organisation, outcome=outcome, consent=consent)
        person = _import(actor=actor, organisation=organisation, source=consent.person, use=use)
    return Redemption(True, outcome, person=person)


def _import(*, actor, organisation, source: Person, use: ShareUse) -> Person:
    """Create (or complete) the receiving organisation's record from the source's checks."""
    target = None
    if source.pesel_index:
        target = Person.objects.filter(
            organisation=organisation, pesel_index=crypto.blind_index(source.pesel, purpose="pesel")
        ).first()
    if target is None:
        target = Person.objects.create(
            organisation=organisation,
            full_name=source.full_name,
            previous_names=source.previous_names,
            date_of_birth=source.date_of_birth,
            pesel=source.pesel,
            pesel_index=source.pesel_index,
            foreign_id=source.foreign_id,
            citizenships=list(source.citizenships),
            created_by=actor,
        )
    source_org = source.organisation.name[:200]
    for check in source.checks.exclude(kind=Check.Kind.REGISTER):
        latest = (
            source.checks.filter(kind=check.kind, country=check.country)
            .order_by("-checked_on", "-id")
            .first()
        )
        if latest.pk != check.pk:
            continue
        Check.objects.create(
            person=target,
            kind=check.kind,
            country=check.country,
            checked_on=check.checked_on,
            issued_on=check.issued_on,
            # Only complete, entry-free records can be shared (see the module docstring).
            result=Result.NO_ENTRY,
            both_registers=False,
            scope_confirmed=check.scope_confirmed,
            declaration_instead=check.declaration_instead,
            reused_from_organisation=source_org,
            reused_recorded_by=check.recorded_by_label,
            reused_use=use,
            recorded_by=actor,
            recorded_by_label=services._label(actor),
        )
    residence = ResidenceDeclaration.objects.filter(person=source).first()
    if residence is not None and not ResidenceDeclaration.objects.filter(person=target).exists():
        ResidenceDeclaration.objects.create(
            person=target,
            declared_on=residence.declared_on,
            text_version=residence.text_version,
            recorded_by=actor,
            recorded_by_label=residence.recorded_by_label,
            reused_from_organisation=source_org,
        )
        existing = [p.as_period() for p in target.residence_periods.all()]
        for period in source.residence_periods.all():
            p = period.as_period()
            try:
                vetting.check_period(p, existing, residence.declared_on)
            except vetting.PeriodError:
                continue
            ResidencePeriod.objects.create(
                person=target, country=p.country, start_date=p.start, end_date=p.end
            )
            existing.append(p)
    services.refresh_status(target)
    log_action(
        "safeguarding.share.imported",
        actor=actor,
        organisation=organisation,
        target=target,
        data={"use": use.pk},
    )
    return target
