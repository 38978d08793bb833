from __future__ import annotations


class NetworkError(Exception):
    """A change the rules refuse; ``message`` is translated, ``status`` the HTTP answer."""

    status = 422

    def __init__(self, message, *, code: str, status: int | None = None, field: str = ""):
        super().__init__(str(message))
        self.message = message
        self.code = code
        self.field = field
        if status is not None:
            self.status = status


class LinkUnusable(NetworkError):
    """A confirmation link that expired or was already used: 410 Gone."""

    status = 410
