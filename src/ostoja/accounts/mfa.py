"""Whether a user has a working second factor (allauth MFA: an authenticator app or a passkey)."""

from allauth.mfa.models import Authenticator

#: Authenticator types that count as a second factor. Recovery codes do not: they are the
#: way back in when the real factor is lost, not a factor of their own.
SECOND_FACTOR_TYPES = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


def has_second_factor(user) -> bool:
    if not user.is_authenticated:
        return False
    return Authenticator.objects.filter(user=user, type__in=SECOND_FACTOR_TYPES).exists()
