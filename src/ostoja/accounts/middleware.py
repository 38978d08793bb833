"""Session rules for privileged users: MFA set-up first, and an idle timeout."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext as _

from ostoja.organisations.permissions import requires_mfa

from .mfa import has_second_factor

# URL names a user who still has to set up MFA may reach (an authenticator app or a passkey).
_MFA_SETUP_ALLOWED = {
    "mfa_activate_totp",
    "mfa_index",
    "mfa_view_recovery_codes",
    "mfa_generate_recovery_codes",
    "mfa_download_recovery_codes",
    "mfa_add_webauthn",
    "mfa_list_webauthn",
    "mfa_edit_webauthn",
    "mfa_remove_webauthn",
    "mfa_reauthenticate_webauthn",
    "account_logout",
    "account_reauthenticate",
    "healthz",
    "home",
}
#: Session key: the page a person wanted when they were sent to MFA set-up (the recovery-codes
#: and passkey pages offer it as the way on).
MFA_NEXT_SESSION_KEY = "ostoja_mfa_next"
_ALWAYS_ALLOWED_PREFIXES = ("/static/", "/api/", "/healthz", "/hsds/")


def _url_name(request) -> str | None:
    try:
        return resolve(request.path_info).view_name
    except Resolver404:
        return None


class RequireMfaMiddleware:
    """Send users whose role reaches hotline data or administration through MFA set-up."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not request.path_info.startswith(_ALWAYS_ALLOWED_PREFIXES)
            and requires_mfa(user)
            and _url_name(request) not in _MFA_SETUP_ALLOWED
            and not request.session.get("ostoja_mfa_ok")
        ):
            if has_second_factor(user):
                request.session["ostoja_mfa_ok"] = True
            else:
                if request.method == "GET":
                    request.session[MFA_NEXT_SESSION_KEY] = request.get_full_path()
                messages.warning(
                    request,
                    _(
                        "Your role gives access to sensitive data. Set up two-factor "
                        "authentication before you continue."
                    ),
                )
                return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)


class StaffIdleTimeoutMiddleware:
    """Log out privileged users after a period without activity (default 30 minutes)."""

    SESSION_KEY = "ostoja_last_activity"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and (requires_mfa(user) or user.is_staff):
            now = time.time()
            timeout = settings.OSTOJA_STAFF_IDLE_TIMEOUT_MINUTES * 60
            last = request.session.get(self.SESSION_KEY)
            if isinstance(last, int | float) and now - last > timeout:
                logout(request)
                messages.info(
                    request,
                    _(
                        "You were signed out after %(minutes)d minutes without activity. "
                        "Please sign in again."
                    )
                    % {"minutes": settings.OSTOJA_STAFF_IDLE_TIMEOUT_MINUTES},
                )
                return redirect(f"{reverse('account_login')}?next={request.path}")
            request.session[self.SESSION_KEY] = now
        return self.get_response(request)
