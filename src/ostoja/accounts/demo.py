"""Demo TOTP secrets (published on purpose: demo accounts only, never in production)."""

import time

from allauth.mfa import app_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

# Base32 secrets of the demo coordinator and supervisor. Anyone may read them: they only
# protect fictitious demo accounts, so reviewers can sign in without an authenticator app.
DEMO_TOTP_SECRETS = {
    "koordynator@demo.ostoja.invalid": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
    "superwizor@demo.ostoja.invalid": "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU",
}


def current_code(secret: str) -> str:
    """The code of the current time step.

    Not the first counter allauth's ``yield_hotp_counters_from_time`` gives: with a tolerance
    of one step that is the *previous* step's code, which stops being accepted the moment the
    clock crosses the next 30-second boundary — a browser test that typed it a second later
    failed now and then. The current step's code stays valid for the next step as well."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // app_settings.TOTP_PERIOD))
