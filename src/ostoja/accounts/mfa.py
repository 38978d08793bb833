"""Whether a user has a working second factor (allauth MFA)."""

from allauth.mfa.models import Authenticator


def has_totp(user) -> bool:
    if not user.is_authenticated:
        return False
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
