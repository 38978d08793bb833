"""Refusals of the learning services: a translated message, a code, the HTTP status."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ostoja.core.child_data import findings


class LearningError(Exception):
    status = 422

    def __init__(self, message, *, code: str, status: int | None = None):
        super().__init__(str(message))
        self.message = message
        self.code = code
        if status is not None:
            self.status = status


class NotAllowed(LearningError):
    status = 403


class Conflict(LearningError):
    """Someone else was faster (a full group, a slot just taken): 409."""

    status = 409


class ChildDataFound(LearningError):
    """The text may identify a child. ``kinds`` names what was found (never the data).
    ``blocking``: a PESEL is refused outright; other findings may be confirmed by the author."""

    def __init__(self, message, *, kinds: list[str], blocking: bool):
        super().__init__(message, code="child_data")
        self.kinds = kinds
        self.blocking = blocking


def check_child_data(text: str, *, confirmed: bool = False) -> list[str]:
    """Run the platform's child-identifying-data check; return the kinds the author confirmed.

    A valid PESEL number is always refused: nothing in supervision or a consultation needs a
    child's national identification number. A phone number or a name next to a date of birth
    may be legitimate (a helpline's number, an adult's name); the author sees a warning and must
    confirm before it is saved — the same warning-and-confirm as the forum.
    """
    found = findings(text)
    kinds = sorted({f.kind for f in found})
    if "pesel" in kinds:
        raise ChildDataFound(
            _(
                "The text contains a PESEL number. A child's PESEL must never be written here: "
                "remove it and describe the situation without identifying the child."
            ),
            kinds=kinds,
            blocking=True,
        )
    if kinds and not confirmed:
        labels = ", ".join(str(f.label) for f in found)
        raise ChildDataFound(
            _(
                "The text may identify a child (it contains %(what)s). Remove it, or confirm "
                "that it does not identify a child."
            )
            % {"what": labels},
            kinds=kinds,
            blocking=False,
        )
    return kinds
