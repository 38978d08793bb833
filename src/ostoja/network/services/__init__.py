"""State changes of the partnership network (each validates, runs in one transaction, writes
its audit entry and sends its e-mails through the outbox). Views, commands and tests call
these and nothing else; :mod:`ostoja.network.membership` holds the membership contract."""

from .applications import (
    ApplicationData,
    access_token,
    admit_application,
    answer_application,
    ask_applicant,
    confirm_application,
    find_by_access_token,
    find_by_confirmation,
    refuse_application,
    submit_application,
)
from .charter import accept as accept_charter
from .charter import not_accepted, send_reminders
from .charter import publish as publish_charter
from .coverage import set_target
from .errors import LinkUnusable, NetworkError
from .partners import allowed_targets, change_state

__all__ = [
    "ApplicationData",
    "LinkUnusable",
    "NetworkError",
    "accept_charter",
    "access_token",
    "admit_application",
    "allowed_targets",
    "answer_application",
    "ask_applicant",
    "change_state",
    "confirm_application",
    "find_by_access_token",
    "find_by_confirmation",
    "not_accepted",
    "publish_charter",
    "refuse_application",
    "send_reminders",
    "set_target",
    "submit_application",
]
