"""Applications to join the partnership: submit (no account), confirm the e-mail address,
the conversation with the coordinator, admission or refusal."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ostoja.audit.services import log_action
from ostoja.core import child_data
from ostoja.organisations import services as organisation_services
from ostoja.organisations.models import Organisation, Voivodeship
from ostoja.organisations.roles import Role

from .. import identifiers, membership
from ..models import (
    CONFIRMATION_VALID_FOR,
    OPEN_STATES,
    Application,
    ApplicationMessage,
    ApplicationState,
    Area,
    CharterAcceptance,
    CharterVersion,
    LegalForm,
    Partner,
    PartnerState,
)
from . import mail
from .errors import LinkUnusable, NetworkError

MAX_DESCRIPTION = 5000
MAX_MESSAGE = 5000
#: Kinds of child-identifying data refused in a description that will be published. A phone
#: number is allowed: an organisation's description often gives its helpline.
REFUSED_IN_DESCRIPTION = {"pesel", "name_dob"}


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def access_token(application: Application) -> str:
    """The applicant's secret link to the application (rebuilt, never stored)."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(),
        f"network.application:{application.pk}:{application.access_nonce}".encode(),
        hashlib.sha256,
    ).hexdigest()[:40]
    return f"{application.pk}-{digest}"


def find_by_access_token(token: str) -> Application | None:
    pk, _sep, _digest = (token or "").partition("-")
    if not pk.isdigit() or len(pk) > 18:
        return None
    application = Application.objects.filter(pk=int(pk)).exclude(state="unconfirmed").first()
    if application is None or not hmac.compare_digest(access_token(application), token):
        return None
    return application


def current_charter() -> CharterVersion | None:
    return CharterVersion.objects.order_by("-number").first()


# --- input -----------------------------------------------------------------------------------


@dataclass
class ApplicationData:
    name: str
    legal_form: str
    nip: str
    regon: str
    description: str
    voivodeships: list[str]
    areas: list[str]
    contact_name: str
    contact_email: str
    signatory_name: str
    signatory_function: str
    accepted: bool
    charter_number: int | None
    krs: str = ""
    website: str = ""


def _required(errors: dict, field: str, value: str, limit: int = 200) -> str:
    value = " ".join((value or "").split())
    if not value:
        errors[field] = _("This field is required.")
    elif len(value) > limit:
        errors[field] = _("At most %(n)s characters.") % {"n": limit}
    return value


def clean(data: ApplicationData) -> dict:
    """Validated, normalised fields; raises ValidationError (per field, translated)."""
    errors: dict = {}
    out = {
        "name": _required(errors, "name", data.name),
        "contact_name": _required(errors, "contact_name", data.contact_name),
        "signatory_name": _required(errors, "signatory_name", data.signatory_name),
        "signatory_function": _required(errors, "signatory_function", data.signatory_function),
    }
    if data.legal_form not in LegalForm.values:
        errors["legal_form"] = _("Choose the legal form.")
    out["legal_form"] = data.legal_form
    nip = identifiers.digits(data.nip, prefix="PL")
    if not identifiers.valid_nip(nip):
        errors["nip"] = _(
            "This is not a valid NIP: it has 10 digits and the last one is a check digit. "
            "Check for a typing mistake."
        )
    regon = identifiers.digits(data.regon)
    if not identifiers.valid_regon(regon):
        errors["regon"] = _(
            "This is not a valid REGON: it has 9 or 14 digits and ends with a check digit. "
            "Check for a typing mistake."
        )
    krs = identifiers.digits(data.krs)
    if krs and not identifiers.valid_krs(krs):
        errors["krs"] = _("A KRS number has 10 digits (with the leading zeros).")
    out.update(nip=nip, regon=regon, krs=krs)
    website = (data.website or "").strip()
    if website:
        try:
            URLValidator(schemes=["http", "https"])(website)
        except ValidationError:
            errors["website"] = _("Enter a web address starting with https:// or http://.")
    out["website"] = website[:300]
    description = (data.description or "").strip()
    if not description:
        errors["description"] = _("This field is required.")
    elif len(description) > MAX_DESCRIPTION:
        errors["description"] = _("At most %(n)s characters.") % {"n": MAX_DESCRIPTION}
    elif set(child_data.kinds(description)) & REFUSED_IN_DESCRIPTION:
        errors["description"] = _(
            "The description seems to contain data that could identify a child (a PESEL "
            "number, or a name next to a date of birth). It will be public: remove it."
        )
    out["description"] = description
    voivodeships = sorted(set(data.voivodeships or []))
    if not voivodeships or not set(voivodeships) <= set(Voivodeship.values):
        errors["voivodeships"] = _("Choose at least one voivodeship.")
    out["voivodeships"] = voivodeships
    areas = [a for a in Area.values if a in set(data.areas or [])]
    if not areas or len(areas) != len(set(data.areas or [])):
        errors["areas"] = _("Choose at least one area of work.")
    out["areas"] = areas
    email = (data.contact_email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        errors["contact_email"] = _("Enter a valid e-mail address.")
    out["contact_email"] = email
    if not data.accepted:
        errors["accepted"] = _(
            "The person authorised to act for the organisation must accept the charter and "
            "the declaration of cooperation."
        )
    if errors:
        raise ValidationError(errors)
    return out


# --- duplicates ------------------------------------------------------------------------------

ALREADY_MEMBER = _(
    "An organisation with this NIP, REGON or KRS number is already a member of the "
    "partnership. If you act for it, ask its manager for access, or write to the coordinator."
)
ALREADY_APPLIED = _(
    "An application for an organisation with this NIP, REGON or KRS number is already open. "
    "Whoever submitted it received a link to follow it by e-mail; an unconfirmed application "
    "lapses after 48 hours."
)


def _same_organisation(nip: str, regon: str, krs: str) -> Q:
    q = Q(nip=nip) | Q(regon=regon)
    if krs:
        q |= Q(krs=krs)
    return q


def existing_partner(nip: str, regon: str, krs: str) -> Partner | None:
    return (
        Partner.objects.filter(_same_organisation(nip, regon, krs))
        .exclude(nip="", regon="", krs="")
        .select_related("organisation")
        .order_by("pk")
        .first()
    )


def _check_duplicates(fields: dict, *, now) -> None:
    partner = existing_partner(fields["nip"], fields["regon"], fields["krs"])
    if partner and partner.state in (PartnerState.MEMBER, PartnerState.SUSPENDED):
        raise NetworkError(ALREADY_MEMBER, code="already_member", status=409)
    same = (
        Application.objects.select_for_update()
        .filter(state__in=list(OPEN_STATES))
        .filter(_same_organisation(fields["nip"], fields["regon"], fields["krs"]))
    )
    for other in same:
        if other.state == ApplicationState.UNCONFIRMED and other.confirm_expires_at <= now:
            # A lapsed, never-confirmed application does not block the real organisation.
            other.state = ApplicationState.EXPIRED
            other.save(update_fields=["state"])
            continue
        raise NetworkError(ALREADY_APPLIED, code="already_applied", status=409)


# --- the applicant ---------------------------------------------------------------------------


@transaction.atomic
def submit_application(data: ApplicationData, *, language: str = "pl") -> tuple[Application, str]:
    """Store an application and e-mail the confirmation link; return it and the link's
    secret. Nothing reaches the coordinator until the address is confirmed."""
    fields = clean(data)
    charter = current_charter()
    if charter is None:
        raise NetworkError(
            _("Applications open when the coordinator publishes the charter."),
            code="no_charter",
            status=409,
        )
    if data.charter_number != charter.number:
        raise NetworkError(
            _(
                "The charter changed while you were filling in the form. Read the new "
                "version and accept it again."
            ),
            code="charter_changed",
            status=409,
            field="accepted",
        )
    now = timezone.now()
    _check_duplicates(fields, now=now)
    token = secrets.token_urlsafe(32)
    try:
        with transaction.atomic():
            application = Application.objects.create(
                **fields,
                language=language if language in dict(settings.LANGUAGES) else "pl",
                charter=charter,
                confirm_hash=hash_token(token),
                confirm_expires_at=now + CONFIRMATION_VALID_FOR,
                access_nonce=secrets.token_hex(16),
                created_at=now,
            )
    except IntegrityError:  # a concurrent application for the same organisation won
        raise NetworkError(ALREADY_APPLIED, code="already_applied", status=409) from None
    mail.send(
        "confirm",
        to=application.contact_email,
        language=application.language,
        context={
            "application": application,
            "url": mail.absolute("network:confirm", application.language, token=token),
            "expires_at": application.confirm_expires_at,
        },
        dedup_key=f"network:application:{application.pk}:confirm",
        related=application,
        sensitive=True,
    )
    log_action(
        "network.application.submitted",
        target=application,
        data={"name": application.name, "nip": application.nip},
    )
    return application, token


def find_by_confirmation(token: str) -> Application | None:
    if not token or len(token) > 100:
        return None
    return Application.objects.filter(confirm_hash=hash_token(token)).first()


def confirm_application(token: str) -> tuple[Application, str]:
    """The applicant confirmed the address: the application goes to the coordinator.
    Returns the application and the applicant's access token. The link works once."""
    application, secret, error = _confirm(token)
    if error is not None:  # raised after the commit, so that a lapse stays recorded
        raise error
    return application, secret


@transaction.atomic
def _confirm(token: str):
    found = find_by_confirmation(token)
    if found is None:
        error = NetworkError(_("This confirmation link is not valid."), code="unknown", status=404)
        return None, "", error
    application = Application.objects.select_for_update().get(pk=found.pk)
    if application.confirmed_at is not None:
        error = LinkUnusable(
            _(
                "This confirmation link was already used. Follow your application with the "
                "link from the second e-mail we sent you."
            ),
            code="used",
        )
        return application, "", error
    if application.state != ApplicationState.UNCONFIRMED or (
        application.confirm_expires_at <= timezone.now()
    ):
        if application.state == ApplicationState.UNCONFIRMED:
            application.state = ApplicationState.EXPIRED
            application.save(update_fields=["state"])
            log_action("network.application.expired", target=application)
        error = LinkUnusable(
            _("This confirmation link has expired. Please submit the application again."),
            code="expired",
        )
        return application, "", error
    application.state = ApplicationState.SUBMITTED
    application.confirmed_at = timezone.now()
    application.save(update_fields=["state", "confirmed_at"])
    secret = access_token(application)
    mail.send(
        "submitted",
        to=application.contact_email,
        language=application.language,
        context={
            "application": application,
            "url": mail.absolute("network:application_status", application.language, token=secret),
        },
        dedup_key=f"network:application:{application.pk}:submitted",
        related=application,
        sensitive=True,
    )
    _tell_coordinators(application, "new_application", "new")
    log_action(
        "network.application.confirmed",
        target=application,
        data={"name": application.name},
    )
    return application, secret, None


def _tell_coordinators(application: Application, template: str, key: str) -> None:
    for user_id, email, language in mail.coordinators():
        mail.send(
            template,
            to=email,
            language=language or "pl",
            context={
                "application": application,
                "url": mail.absolute("network:application", language or "pl", pk=application.pk),
            },
            dedup_key=f"network:application:{application.pk}:{key}:{user_id}",
            related=application,
        )


def _tell_applicant(application: Application, template: str, key: str, **context) -> None:
    mail.send(
        template,
        to=application.contact_email,
        language=application.language,
        context={
            "application": application,
            "url": mail.absolute(
                "network:application_status",
                application.language,
                token=access_token(application),
            ),
            **context,
        },
        dedup_key=f"network:application:{application.pk}:{key}",
        related=application,
        sensitive=True,
    )


def _message_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise NetworkError(_("Write a message."), code="empty", field="body")
    if len(body) > MAX_MESSAGE:
        raise NetworkError(
            _("At most %(n)s characters.") % {"n": MAX_MESSAGE}, code="too_long", field="body"
        )
    return body


def _locked(application: Application) -> Application:
    return Application.objects.select_for_update().get(pk=application.pk)


REVIEWABLE = (ApplicationState.SUBMITTED, ApplicationState.INFO_REQUESTED)


def _require_reviewable(application: Application) -> None:
    if application.state not in REVIEWABLE:
        raise NetworkError(
            _("This application is closed: it was already decided or never confirmed."),
            code="closed",
            status=409,
        )


@transaction.atomic
def answer_application(application: Application, *, body: str) -> ApplicationMessage:
    """The applicant writes on the application (through the secret link)."""
    body = _message_body(body)
    application = _locked(application)
    _require_reviewable(application)
    message = ApplicationMessage.objects.create(
        application=application, author_kind=ApplicationMessage.Author.APPLICANT, body=body
    )
    application.state = ApplicationState.SUBMITTED
    application.save(update_fields=["state"])
    _tell_coordinators(application, "answered", f"answer:{message.pk}")
    log_action("network.application.answered", target=application, data={"message": message.pk})
    return message


def _require_coordinator(actor) -> None:
    if not membership.is_coordinator(actor):
        raise NetworkError(_("Only a coordinator may do this."), code="forbidden", status=403)


@transaction.atomic
def ask_applicant(application: Application, *, actor, body: str) -> ApplicationMessage:
    """The coordinator asks for more information; the applicant answers on the same page."""
    _require_coordinator(actor)
    body = _message_body(body)
    application = _locked(application)
    _require_reviewable(application)
    message = ApplicationMessage.objects.create(
        application=application,
        author_kind=ApplicationMessage.Author.COORDINATOR,
        author=actor,
        body=body,
    )
    application.state = ApplicationState.INFO_REQUESTED
    application.save(update_fields=["state"])
    _tell_applicant(application, "question", f"question:{message.pk}", message=message)
    log_action(
        "network.application.info_requested",
        actor=actor,
        target=application,
        data={"message": message.pk},
    )
    return message


@transaction.atomic
def admit_application(
    application: Application, *, actor, kind: str = Organisation.Kind.NGO
) -> Organisation:
    """Admit the organisation: create it (or take back the one that left), make it a member,
    record its acceptance of the charter, and invite the contact person as its manager."""
    from ostoja.people import services as people_services

    _require_coordinator(actor)
    if kind not in Organisation.Kind.values:
        raise NetworkError(_("There is no such kind of organisation."), code="kind", field="kind")
    application = _locked(application)
    _require_reviewable(application)
    partner = existing_partner(application.nip, application.regon, application.krs)
    if partner and partner.state in (PartnerState.MEMBER, PartnerState.SUSPENDED):
        raise NetworkError(ALREADY_MEMBER, code="already_member", status=409)
    if partner:  # it left once and comes back: same organisation, its history continues
        organisation = partner.organisation
        reason = _("Admitted again on application no. %(n)s") % {"n": application.pk}
    else:
        organisation = organisation_services.create_organisation(
            actor=actor,
            name=application.name,
            kind=kind,
            voivodeship=application.voivodeships[0],
            contact_email=application.contact_email,
            website=application.website,
            language=application.language,
        )
        reason = _("Admitted on application no. %(n)s") % {"n": application.pk}
    Partner.objects.update_or_create(
        organisation=organisation,
        defaults={
            "description": application.description,
            "voivodeships": application.voivodeships,
            "areas": application.areas,
            "legal_form": application.legal_form,
            "nip": application.nip,
            "regon": application.regon,
            "krs": application.krs,
        },
    )
    membership.set_state(organisation, PartnerState.MEMBER, actor=actor, reason=str(reason))
    CharterAcceptance.objects.get_or_create(
        organisation=organisation,
        version=application.charter,
        defaults={
            "signatory_name": application.signatory_name,
            "signatory_function": application.signatory_function,
            "accepted_at": application.confirmed_at or application.created_at,
        },
    )
    try:
        people_services.invite(
            actor=actor,
            organisation=organisation,
            email=application.contact_email,
            role=Role.ORGANISATION_MANAGER,
            language=application.language,
        )
    except people_services.PeopleError as exc:
        if exc.code not in ("already_member", "already_invited"):
            raise NetworkError(exc.message, code=exc.code, status=exc.status) from exc
    application.state = ApplicationState.ADMITTED
    application.organisation = organisation
    application.decided_at = timezone.now()
    application.decided_by = actor
    application.save(update_fields=["state", "organisation", "decided_at", "decided_by"])
    _tell_applicant(application, "admitted", "admitted", organisation=organisation)
    log_action(
        "network.application.admitted",
        actor=actor,
        organisation=organisation,
        target=application,
        data={"name": application.name, "organisation": organisation.pk},
    )
    return organisation


@transaction.atomic
def refuse_application(application: Application, *, actor, reason: str) -> Application:
    """Refuse with a reason, which the applicant receives by e-mail."""
    _require_coordinator(actor)
    reason = (reason or "").strip()
    if not reason:
        raise NetworkError(
            _("Give the reason: the applicant receives it."), code="no_reason", field="reason"
        )
    if len(reason) > MAX_MESSAGE:
        raise NetworkError(
            _("At most %(n)s characters.") % {"n": MAX_MESSAGE}, code="too_long", field="reason"
        )
    application = _locked(application)
    _require_reviewable(application)
    application.state = ApplicationState.REFUSED
    application.decision_reason = reason
    application.decided_at = timezone.now()
    application.decided_by = actor
    application.save(update_fields=["state", "decision_reason", "decided_at", "decided_by"])
    _tell_applicant(application, "refused", "refused")
    log_action("network.application.refused", actor=actor, target=application)
    return application
