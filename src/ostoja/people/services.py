"""State changes of people: invitations, memberships, account deactivation.

Each function validates, runs in one transaction, writes its audit entry and schedules its
side effects (e-mail through the outbox, ending sessions) for after the commit. Views, commands
and tests call these and nothing else.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from ostoja.audit.services import log_action
from ostoja.organisations import services as organisation_services
from ostoja.organisations.models import ApiToken, Membership, Organisation
from ostoja.organisations.roles import Role
from ostoja.outbox.services import enqueue_email

from . import permissions
from .models import INVITATION_VALID_FOR, Invitation, PeoplePolicy


class PeopleError(Exception):
    """A change the rules refuse. ``status`` is the HTTP status a view answers with."""

    status = 422

    def __init__(self, message, *, code: str, status: int | None = None):
        super().__init__(str(message))
        self.message = message
        self.code = code
        if status is not None:
            self.status = status


class NotAllowed(PeopleError):
    status = 403


class InvitationUnusable(PeopleError):
    """The link cannot be used (expired, revoked, already used): 410 Gone."""

    status = 410


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)  # 256 bits: unguessable, so the link needs no signature
    return token, hash_token(token)


def _normalise_email(email: str) -> str:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise PeopleError(_("Enter a valid e-mail address."), code="invalid_email")
    return email


def _check_role(actor, organisation, role: str, *, operator: bool = False) -> None:
    if role not in Role.values:
        raise PeopleError(_("There is no such role."), code="unknown_role")
    if not operator and not permissions.can_grant(actor, organisation, role):
        raise NotAllowed(
            _("You cannot grant the role “%(role)s”: it is above your own.")
            % {"role": Role(role).label},
            code="role_not_allowed",
        )


def policy_for(organisation: Organisation) -> PeoplePolicy:
    """The organisation's people policy (defaults when it never set one; not saved)."""
    try:
        return organisation.people_policy
    except PeoplePolicy.DoesNotExist:
        return PeoplePolicy(organisation=organisation)


# --- invitations ----------------------------------------------------------------------------


def invitation_url(token: str, language: str) -> str:
    with translation.override(language):
        path = reverse("people:accept", kwargs={"token": token})
    return f"{settings.SITE_URL}{path}"


def mail_language(invitation: Invitation) -> str:
    user = get_user_model().objects.filter(email__iexact=invitation.email).first()
    return (user.language if user else "") or invitation.language or "pl"


def _enqueue_invitation_email(invitation: Invitation, token: str) -> None:
    language = mail_language(invitation)
    context = {
        "invitation": invitation,
        "organisation": invitation.organisation,
        "inviter": invitation.invited_by,
        "url": invitation_url(token, language),
        "expires_at": invitation.expires_at,
    }
    with translation.override(language):
        context["role"] = Role(invitation.role).label
        subject = render_to_string("people/email/invitation_subject.txt", context)
        body = render_to_string("people/email/invitation_body.txt", context)
    enqueue_email(
        dedup_key=f"people:invitation:{invitation.pk}:{invitation.send_count}",
        to=[invitation.email],
        subject=" ".join(subject.split()),
        body_text=body.strip() + "\n",
        language=language,
        related=invitation,
        organisation=invitation.organisation,
        # The body holds a live sign-in link: shown only to the sending organisation.
        sensitive=True,
    )


@transaction.atomic
def invite(
    *,
    actor,
    organisation: Organisation,
    email: str,
    role: str,
    language: str = "",
    operator: bool = False,
) -> tuple[Invitation, str]:
    """Invite an address into an organisation with a role; return the invitation and the
    link's secret (sent by e-mail, never stored).

    ``operator=True`` is the server operator at the command line (``manage.py
    people_invite``, e.g. the first coordinator of a new installation): no role check.
    """
    if not operator and not permissions.can_manage_people(actor, organisation):
        raise NotAllowed(_("You do not manage this organisation."), code="not_manager")
    _check_role(actor, organisation, role, operator=operator)
    email = _normalise_email(email)
    if language not in dict(settings.LANGUAGES):
        language = organisation.language or "pl"
    if Membership.objects.filter(
        organisation=organisation, user__email__iexact=email, role=role
    ).exists():
        raise PeopleError(
            _("%(email)s already has this role in this organisation.") % {"email": email},
            code="already_member",
        )
    now = timezone.now()
    stale = (
        Invitation.objects.open().select_for_update().filter(organisation=organisation, email=email)
    )
    for old in stale:
        if old.expires_at > now:
            raise PeopleError(
                _(
                    "%(email)s already has a pending invitation to this organisation. "
                    "Resend it or revoke it first."
                )
                % {"email": email},
                code="already_invited",
            )
        # An expired invitation is closed so that a new one can be sent.
        old.revoked_at = now
        old.save(update_fields=["revoked_at"])
    token, digest = _new_token()
    try:
        with transaction.atomic():
            invitation = Invitation.objects.create(
                organisation=organisation,
                email=email,
                role=role,
                language=language,
                token_hash=digest,
                invited_by=actor,
                created_at=now,
                sent_at=now,
                expires_at=now + INVITATION_VALID_FOR,
            )
    except IntegrityError:  # a concurrent invitation of the same address won
        raise PeopleError(
            _("%(email)s already has a pending invitation to this organisation.")
            % {"email": email},
            code="already_invited",
        )
    _enqueue_invitation_email(invitation, token)
    log_action(
        "people.invitation.sent",
        actor=actor,
        organisation=organisation,
        target=invitation,
        data={"email": email, "role": role, **({"operator": True} if operator else {})},
    )
    return invitation, token


def _locked(invitation: Invitation) -> Invitation:
    return (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("organisation")
        .get(pk=invitation.pk)
    )


@transaction.atomic
def resend_invitation(*, actor, invitation: Invitation) -> tuple[Invitation, str]:
    """Send a new link (7 days from now); the old link stops working."""
    invitation = _locked(invitation)
    if not permissions.can_manage_people(actor, invitation.organisation):
        raise NotAllowed(_("You do not manage this organisation."), code="not_manager")
    if invitation.status in (Invitation.Status.ACCEPTED, Invitation.Status.REVOKED):
        raise PeopleError(
            _("This invitation was already accepted or revoked; it cannot be sent again."),
            code="closed",
            status=409,
        )
    _check_role(actor, invitation.organisation, invitation.role)
    token, digest = _new_token()
    now = timezone.now()
    invitation.token_hash = digest
    invitation.sent_at = now
    invitation.expires_at = now + INVITATION_VALID_FOR
    invitation.send_count = F("send_count") + 1
    invitation.save(update_fields=["token_hash", "sent_at", "expires_at", "send_count"])
    invitation.refresh_from_db(fields=["send_count"])
    _enqueue_invitation_email(invitation, token)
    log_action(
        "people.invitation.resent",
        actor=actor,
        organisation=invitation.organisation,
        target=invitation,
        data={"email": invitation.email, "send_count": invitation.send_count},
    )
    return invitation, token


@transaction.atomic
def revoke_invitation(*, actor, invitation: Invitation) -> Invitation:
    invitation = _locked(invitation)
    if not permissions.can_manage_people(actor, invitation.organisation):
        raise NotAllowed(_("You do not manage this organisation."), code="not_manager")
    if invitation.accepted_at or invitation.revoked_at:
        raise PeopleError(
            _("This invitation was already accepted or revoked."), code="closed", status=409
        )
    invitation.revoked_at = timezone.now()
    invitation.revoked_by = actor
    invitation.save(update_fields=["revoked_at", "revoked_by"])
    log_action(
        "people.invitation.revoked",
        actor=actor,
        organisation=invitation.organisation,
        target=invitation,
        data={"email": invitation.email},
    )
    return invitation


def find_invitation(token: str) -> Invitation | None:
    """The invitation a link's secret belongs to, whatever its state (None if unknown)."""
    if not token or len(token) > 100:
        return None
    return (
        Invitation.objects.select_related("organisation", "invited_by")
        .filter(token_hash=hash_token(token))
        .first()
    )


def check_usable(invitation: Invitation) -> None:
    status = invitation.status
    if status == Invitation.Status.ACCEPTED:
        raise InvitationUnusable(
            _("This invitation has already been used. Sign in to your account instead."),
            code="used",
        )
    if status == Invitation.Status.REVOKED:
        raise InvitationUnusable(
            _("This invitation was withdrawn. Ask the person who invited you for a new one."),
            code="revoked",
        )
    if status == Invitation.Status.EXPIRED:
        raise InvitationUnusable(
            _(
                "This invitation has expired (invitations are valid for 7 days). Ask the "
                "person who invited you to send it again."
            ),
            code="expired",
        )


def _lock_for_acceptance(token: str) -> Invitation:
    invitation = find_invitation(token)
    if invitation is None:
        raise InvitationUnusable(_("This invitation link is not valid."), code="unknown")
    invitation = _locked(invitation)
    if invitation.token_hash != hash_token(token):  # resent meanwhile
        raise InvitationUnusable(_("This invitation link is not valid."), code="unknown")
    check_usable(invitation)
    return invitation


def _accept(invitation: Invitation, user) -> Membership:
    membership = organisation_services.add_membership(
        actor=user, user=user, organisation=invitation.organisation, role=invitation.role
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    log_action(
        "people.invitation.accepted",
        actor=user,
        organisation=invitation.organisation,
        target=invitation,
        data={"email": invitation.email, "role": invitation.role},
    )
    return membership


@transaction.atomic
def accept_with_new_account(*, token: str, password: str, full_name: str = "", language: str = ""):
    """Create the invited person's account (the e-mail address is proven by the link) and
    add the membership. Returns the new user."""
    from ostoja.accounts.services import create_user

    invitation = _lock_for_acceptance(token)
    if get_user_model().objects.filter(email__iexact=invitation.email).exists():
        raise PeopleError(
            _("An account with this e-mail address already exists. Sign in to accept."),
            code="account_exists",
            status=409,
        )
    user = create_user(
        actor=None,
        email=invitation.email,
        password=password,
        full_name=full_name.strip()[:150],
        language=language if language in dict(settings.LANGUAGES) else invitation.language,
        email_verified=True,
    )
    _accept(invitation, user)
    return user


@transaction.atomic
def accept_with_existing_account(*, token: str, user) -> Membership:
    """Attach the organisation to the signed-in account the invitation was sent to."""
    invitation = _lock_for_acceptance(token)
    if not user.is_authenticated or user.email.lower() != invitation.email:
        raise NotAllowed(
            _("This invitation was sent to another e-mail address."), code="other_account"
        )
    if not user.is_active:
        raise NotAllowed(_("This account is deactivated."), code="inactive")
    return _accept(invitation, user)


# --- members --------------------------------------------------------------------------------


def _lock_coordinators() -> None:
    """Lock every coordinator membership, always first and always in one order.

    Called at the start of each change that could leave the platform without a coordinator,
    before any other row is locked: two coordinators demoting each other at the same moment
    then run one after the other (no deadlock, and the second sees the first's change).
    """
    list(
        Membership.objects.select_for_update(of=("self",))
        .filter(role=Role.COORDINATOR)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _ensure_another_coordinator(user, message) -> None:
    """Refuse when ``user`` is the only active coordinator left (after _lock_coordinators)."""
    others = (
        Membership.objects.filter(role=Role.COORDINATOR, user__is_active=True)
        .exclude(user=user)
        .exists()
    )
    if not others:
        raise PeopleError(message, code="last_coordinator", status=409)


def _check_membership_change(actor, membership: Membership) -> None:
    if not permissions.can_change_membership(actor, membership):
        raise NotAllowed(
            _("You cannot change a member whose role is above your own."),
            code="role_not_allowed",
        )


@transaction.atomic
def change_role(*, actor, membership: Membership, role: str) -> Membership:
    _lock_coordinators()
    membership = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("organisation", "user")
        .get(pk=membership.pk)
    )
    _check_membership_change(actor, membership)
    _check_role(actor, membership.organisation, role)
    if role == membership.role:
        return membership
    if Membership.objects.filter(
        user=membership.user, organisation=membership.organisation, role=role
    ).exists():
        raise PeopleError(
            _("This person already has that role in this organisation."),
            code="already_member",
            status=409,
        )
    if membership.role == Role.COORDINATOR:
        _ensure_another_coordinator(
            membership.user,
            _("This is the last coordinator: appoint another coordinator first."),
        )
    old = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    log_action(
        "people.membership.role_changed",
        actor=actor,
        organisation=membership.organisation,
        target=membership.user,
        data={"from": old, "to": role},
    )
    return membership


@dataclass
class Removal:
    tokens_revoked: int


@transaction.atomic
def remove_member(*, actor, membership: Membership) -> Removal:
    """Take a person out of an organisation. Their sessions end (they sign in again with
    what remains), and the API tokens they issued for it are revoked if its policy says so."""
    _lock_coordinators()
    membership = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("organisation", "user")
        .get(pk=membership.pk)
    )
    _check_membership_change(actor, membership)
    if membership.role == Role.COORDINATOR:
        _ensure_another_coordinator(
            membership.user,
            _("This is the last coordinator: appoint another coordinator first."),
        )
    user, organisation = membership.user, membership.organisation
    log_action(
        "people.membership.removed",
        actor=actor,
        organisation=organisation,
        target=user,
        data={"role": membership.role},
    )
    membership.delete()
    revoked = 0
    if not user.memberships.filter(organisation=organisation).exists():
        revoked = _revoke_tokens_of(actor, user, [organisation])
    end_sessions(user)
    return Removal(tokens_revoked=revoked)


def _revoke_tokens_of(actor, user, organisations) -> int:
    count = 0
    for organisation in organisations:
        if not policy_for(organisation).revoke_tokens_on_removal:
            continue
        tokens = ApiToken.objects.active().filter(organisation=organisation, created_by=user)
        for token in tokens:
            organisation_services.revoke_api_token(actor=actor, token=token)
            count += 1
    return count


def end_sessions(user) -> None:
    """End every session of the account, in every web process, from the next request on.

    The session version is part of the auth hash Django checks against the user row on each
    request; the session rows allauth records at sign-in are also deleted after the commit.
    """
    get_user_model().objects.filter(pk=user.pk).update(session_version=F("session_version") + 1)
    user.refresh_from_db(fields=["session_version"])
    transaction.on_commit(partial(_delete_sessions, user.pk))


def _delete_sessions(user_id: int) -> None:
    from allauth.usersessions.models import UserSession

    for session in UserSession.objects.filter(user_id=user_id):
        session.end()


@transaction.atomic
def deactivate_user(*, actor, user) -> Removal:
    """Deactivate an account (coordinators only): no sign-in, every session ended, tokens
    revoked where the organisation's policy says so. Memberships and history stay."""
    if not permissions.can_deactivate_accounts(actor):
        raise NotAllowed(_("Only coordinators deactivate accounts."), code="not_coordinator")
    _lock_coordinators()
    user = get_user_model().objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        return Removal(tokens_revoked=0)
    if user.memberships.filter(role=Role.COORDINATOR).exists():
        _ensure_another_coordinator(
            user, _("This is the last coordinator: the account cannot be deactivated.")
        )
    user.is_active = False
    user.save(update_fields=["is_active"])
    organisations = Organisation.objects.filter(memberships__user=user).distinct()
    revoked = _revoke_tokens_of(actor, user, organisations)
    end_sessions(user)
    log_action(
        "people.user.deactivated",
        actor=actor,
        target=user,
        data={"email": user.email, "tokens_revoked": revoked},
    )
    return Removal(tokens_revoked=revoked)


@transaction.atomic
def reactivate_user(*, actor, user):
    if not permissions.can_deactivate_accounts(actor):
        raise NotAllowed(_("Only coordinators reactivate accounts."), code="not_coordinator")
    user = get_user_model().objects.select_for_update().get(pk=user.pk)
    if user.is_active:
        return user
    user.is_active = True
    user.save(update_fields=["is_active"])
    log_action("people.user.reactivated", actor=actor, target=user, data={"email": user.email})
    return user


@transaction.atomic
def set_policy(*, actor, organisation: Organisation, revoke_tokens_on_removal: bool):
    if not permissions.can_manage_people(actor, organisation):
        raise NotAllowed(_("You do not manage this organisation."), code="not_manager")
    policy, _created = PeoplePolicy.objects.select_for_update().get_or_create(
        organisation=organisation
    )
    if policy.revoke_tokens_on_removal != revoke_tokens_on_removal:
        policy.revoke_tokens_on_removal = revoke_tokens_on_removal
        policy.save(update_fields=["revoke_tokens_on_removal", "updated_at"])
        log_action(
            "people.policy.changed",
            actor=actor,
            organisation=organisation,
            target=organisation,
            data={"revoke_tokens_on_removal": revoke_tokens_on_removal},
        )
    return policy
