"""Charter versions: publication, acceptance by member organisations, reminders."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ostoja.audit.services import log_action
from ostoja.organisations.models import Organisation
from ostoja.outbox.models import OutboxMessage

from .. import membership, permissions
from ..models import CharterAcceptance, CharterVersion
from . import mail
from .errors import NetworkError

MAX_TEXT = 100_000
#: Days before the deadline on which members who have not accepted are reminded.
REMIND_DAYS_BEFORE = (7, 1)


def current() -> CharterVersion | None:
    return CharterVersion.objects.order_by("-number").first()


def _text(value: str, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise NetworkError(_("This field is required."), code="empty", field=field)
    if len(value) > MAX_TEXT:
        raise NetworkError(
            _("At most %(n)s characters.") % {"n": MAX_TEXT}, code="long", field=field
        )
    return value


def _ask_to_accept(version: CharterVersion, organisation: Organisation, key: str, template: str):
    for user_id, email, language in mail.managers_of(organisation):
        mail.send(
            template,
            to=email,
            language=language or "pl",
            context={
                "version": version,
                "organisation": organisation,
                "url": mail.absolute(
                    "network:charter_accept", language or "pl", number=version.number
                ),
            },
            dedup_key=f"network:charter:{version.number}:{key}:{organisation.pk}:{user_id}",
            related=version,
            organisation=organisation,
        )


@transaction.atomic
def publish(
    *, actor, charter: str, declaration: str, summary: str = "", accept_by: dt.date | None
) -> CharterVersion:
    """Publish a new version; every member organisation's managers are asked to accept it by
    ``accept_by`` (required once there are members)."""
    if not membership.is_coordinator(actor):
        raise NetworkError(_("Only a coordinator may do this."), code="forbidden", status=403)
    charter = _text(charter, "charter")
    declaration = _text(declaration, "declaration")
    summary = (summary or "").strip()[:5000]
    members = list(membership.partner_organisations())
    today = timezone.localdate()
    if members and accept_by is None:
        raise NetworkError(
            _("Set the date by which member organisations must accept the new version."),
            code="no_deadline",
            field="accept_by",
        )
    if accept_by is not None and accept_by <= today:
        raise NetworkError(
            _("The deadline must be after today."), code="past_deadline", field="accept_by"
        )
    # Lock the table's newest row so two coordinators publishing at once get two numbers.
    list(CharterVersion.objects.select_for_update().order_by("-number")[:1])
    number = (CharterVersion.objects.aggregate(n=Max("number"))["n"] or 0) + 1
    try:
        with transaction.atomic():
            version = CharterVersion.objects.create(
                number=number,
                charter=charter,
                declaration=declaration,
                summary=summary,
                accept_by=accept_by,
                published_by=actor,
            )
    except IntegrityError:
        raise NetworkError(
            _("Another version was published at the same moment. Reload and try again."),
            code="race",
            status=409,
        ) from None
    for organisation in members:
        _ask_to_accept(version, organisation, "ask", "charter_published")
    log_action(
        "network.charter.published",
        actor=actor,
        target=version,
        data={"number": number, "members_asked": len(members), "accept_by": str(accept_by or "")},
    )
    return version


@transaction.atomic
def accept(
    *,
    actor,
    organisation: Organisation,
    version: CharterVersion,
    signatory_name: str,
    signatory_function: str,
) -> CharterAcceptance:
    """The organisation's manager accepts a charter version on its behalf."""
    if not permissions.can_accept_charter(actor, organisation):
        raise NetworkError(
            _("You cannot accept the charter for this organisation."), code="forbidden", status=403
        )
    if current() != version:
        raise NetworkError(
            _("Only the current version of the charter can be accepted."),
            code="not_current",
            status=409,
        )
    name = " ".join((signatory_name or "").split())[:200]
    function = " ".join((signatory_function or "").split())[:200]
    if not name or not function:
        raise NetworkError(
            _("Give the name and function of the person authorised to act."),
            code="signatory",
            field="signatory_name",
        )
    try:
        with transaction.atomic():
            acceptance = CharterAcceptance.objects.create(
                organisation=organisation,
                version=version,
                accepted_by=actor,
                signatory_name=name,
                signatory_function=function,
            )
    except IntegrityError:
        raise NetworkError(
            _("This organisation has already accepted this version."),
            code="already_accepted",
            status=409,
        ) from None
    log_action(
        "network.charter.accepted",
        actor=actor,
        organisation=organisation,
        target=version,
        data={"number": version.number, "signatory_function": function},
    )
    return acceptance


def not_accepted(version: CharterVersion):
    """Member organisations that have not accepted ``version`` (a queryset, by name)."""
    accepted = CharterAcceptance.objects.filter(version=version).values("organisation_id")
    return membership.partner_organisations().exclude(pk__in=accepted).order_by("name")


def send_reminders(now: dt.datetime | None = None) -> int:
    """Remind members who have not accepted the current version, 7 days and 1 day before the
    deadline (each reminder once: the outbox's dedup key). Returns the number of e-mails."""
    now = now or timezone.now()
    version = current()
    if version is None or version.accept_by is None:
        return 0
    days_left = (version.accept_by - timezone.localdate(now)).days
    # The nearest stage: with one day left it is the "1 day" reminder, not the week's.
    stage = min((d for d in REMIND_DAYS_BEFORE if 0 <= days_left <= d), default=None)
    if stage is None:
        return 0
    sent = 0
    with transaction.atomic():
        organisations = list(not_accepted(version))
        for organisation in organisations:
            before = sent
            for user_id, email, language in mail.managers_of(organisation):
                key = f"network:charter:{version.number}:remind{stage}:{organisation.pk}:{user_id}"
                if OutboxMessage.objects.filter(dedup_key=key).exists():
                    continue
                mail.send(
                    "charter_reminder",
                    to=email,
                    language=language or "pl",
                    context={
                        "version": version,
                        "organisation": organisation,
                        "days_left": days_left,
                        "url": mail.absolute(
                            "network:charter_accept", language or "pl", number=version.number
                        ),
                    },
                    dedup_key=key,
                    related=version,
                    organisation=organisation,
                )
                sent += 1
            if sent > before:
                log_action(
                    "network.charter.reminded",
                    organisation=organisation,
                    target=version,
                    data={"number": version.number, "days_left": days_left},
                )
    return sent
