"""Every state change of events: validates, one transaction, one audit entry each.

The subjects have files of their own: ``registration`` (registering, approval, cancelling,
workshops), ``waitlist`` (offers, expiry, reordering), ``checkin`` (the redeem logic shared by
the staff page and the scanner API), ``mail`` (e-mails with the ticket and the ``.ics``),
``certificates`` (certificates of attendance), ``retention`` (deleting sensitive answers and
anonymising after the event).
"""

from .errors import EventError
from .registration import (
    approve,
    book_workshop,
    cancel_booking,
    cancel_registration,
    register,
    reject,
)
from .waitlist import accept_offer, expire_offers, move_in_queue

__all__ = [
    "EventError",
    "accept_offer",
    "approve",
    "book_workshop",
    "cancel_booking",
    "cancel_registration",
    "expire_offers",
    "move_in_queue",
    "register",
    "reject",
]
