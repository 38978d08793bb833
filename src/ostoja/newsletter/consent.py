"""The consent text shown on the sign-up form. Change the version whenever the text changes:
each subscriber's record keeps the text and version they saw."""

from django.utils.translation import gettext_lazy as _

VERSION = "2026-12"

TEXT = _(
    "I agree to receive the newsletter I chose at this address. The coalition uses the address "
    "only to send the newsletter and keeps it until I unsubscribe; every message has a link to "
    "unsubscribe at once."
)

MEMBER_TEXT = _(
    "As a member of the partnership I subscribe to the members' newsletter at the address of my "
    "account. I can unsubscribe at any time."
)
