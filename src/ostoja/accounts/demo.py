"""Demo TOTP secrets (published on purpose: demo accounts only, never in production)."""

from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)

# Base32 secrets of the demo coordinator and supervisor. Anyone may read them: they only
# protect fictitious demo accounts, so reviewers can sign in without an authenticator app.
DEMO_TOTP_SECRETS = {
    "koordynator@demo.ostoja.invalid": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
    "superwizor@demo.ostoja.invalid": "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU",
}


def current_code(secret: str) -> str:
    counter = next(iter(yield_hotp_counters_from_time()))
    return format_hotp_value(hotp_value(secret, counter))
