"""The one error the library's services raise: a translated message, an HTTP status."""

from __future__ import annotations


class LibraryError(Exception):
    status = 422

    def __init__(self, message, *, field: str | None = None, status: int | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field
        if status is not None:
            self.status = status
