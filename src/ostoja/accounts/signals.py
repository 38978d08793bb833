"""Audit receivers for authentication events (allauth and Django signals)."""

from allauth.account.signals import password_changed, password_reset, user_logged_in
from allauth.mfa.signals import authenticator_added, authenticator_removed, authenticator_reset
from django.contrib.auth.signals import user_logged_out, user_login_failed
from django.dispatch import receiver

from ostoja.audit.services import log_action


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    log_action("accounts.user.logged_in", actor=user, target=user)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        log_action("accounts.user.logged_out", actor=user, target=user)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    # The e-mail typed is recorded (masked password); the client address is not.
    log_action(
        "accounts.user.login_failed",
        data={"email": str(credentials.get("email") or credentials.get("username") or "")[:254]},
    )


@receiver(password_changed)
def _password_changed(sender, request, user, **kwargs):
    log_action("accounts.user.password_changed", actor=user, target=user)


@receiver(password_reset)
def _password_reset(sender, request, user, **kwargs):
    log_action("accounts.user.password_reset", actor=user, target=user)


@receiver(authenticator_added)
def _mfa_added(sender, request, user, authenticator, **kwargs):
    action = (
        "accounts.user.mfa_enabled" if authenticator.type == "totp" else "accounts.user.mfa_added"
    )
    log_action(action, actor=user, target=user, data={"type": authenticator.type})
    if request is not None and authenticator.type in ("totp", "webauthn"):
        request.session["ostoja_mfa_ok"] = True


@receiver(authenticator_removed)
def _mfa_removed(sender, request, user, authenticator, **kwargs):
    log_action(
        "accounts.user.mfa_removed", actor=user, target=user, data={"type": authenticator.type}
    )
    if request is not None:
        request.session.pop("ostoja_mfa_ok", None)


@receiver(authenticator_reset)
def _mfa_reset(sender, request, user, authenticator, **kwargs):
    log_action(
        "accounts.user.mfa_reset", actor=user, target=user, data={"type": authenticator.type}
    )
