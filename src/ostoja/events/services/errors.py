from __future__ import annotations


class EventError(Exception):
    """A change the rules refuse; ``status`` is the HTTP status a view answers with."""

    def __init__(self, message, *, code: str, status: int = 422, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.code = code
        self.status = status
        self.field = field
