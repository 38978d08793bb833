"""State changes of user accounts. Views, commands and tests call these, nothing else."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from ostoja.audit.services import log_action


@transaction.atomic
def create_user(
    *,
    actor,
    email: str,
    password: str | None,
    full_name: str = "",
    language: str = "pl",
    email_verified: bool = False,
    check_password: bool = True,
):
    """Create an account (coordinators admit members; there is no open sign-up by default)."""
    User = get_user_model()
    email = User.objects.normalize_email(email).strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValueError(f"A user with the e-mail address {email} already exists.")
    user = User(email=email, full_name=full_name, language=language)
    if password and check_password:
        validate_password(password, user)
    user.set_password(password) if password else user.set_unusable_password()
    user.save()
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=email_verified)
    log_action("accounts.user.created", actor=actor, target=user, data={"email": email})
    return user


@transaction.atomic
def set_language(*, actor, user, language: str):
    user.language = language
    user.save(update_fields=["language"])
    log_action(
        "accounts.user.language_changed", actor=actor, target=user, data={"language": language}
    )
    return user
