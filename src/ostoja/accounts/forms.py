"""Form overrides plugged into allauth through its own ``MFA_FORMS`` setting."""

from allauth.mfa.totp.forms import ActivateTOTPForm as AllauthActivateTOTPForm
from allauth.mfa.totp.internal import auth
from django import forms


class ActivateTOTPForm(AllauthActivateTOTPForm):
    """The TOTP set-up form with a secret that stays the same until activation.

    allauth makes a new secret on every GET of the set-up page; a person who reloads the page,
    or comes back to it after scanning the QR code, would then type a code of a secret the
    server no longer knows. The secret is kept in the session (allauth's own key) until
    activation, which clears it.
    """

    def __init__(self, *args, **kwargs) -> None:
        # allauth's __init__ minus its ``regenerate=not self.is_bound``.
        self.user = kwargs.pop("user")
        forms.Form.__init__(self, *args, **kwargs)
        self.secret = auth.get_totp_secret(regenerate=False)
