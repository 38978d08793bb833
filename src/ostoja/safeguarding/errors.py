"""The one error type of the register's services: a translated message, optionally a list."""

from __future__ import annotations


class SafeguardingError(ValueError):
    """A request the register refuses. ``message`` is translated (lazily); ``items`` lists
    what is missing (e.g. the checks still required for admission); ``field`` names the form
    field the message belongs to, if any."""

    def __init__(self, message, *, items=(), field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.items = list(items)
        self.field = field
