"""The one error the positions services raise: a translated message, an HTTP status."""


class PositionsError(Exception):
    status = 422

    def __init__(self, message, *, field: str | None = None, status: int | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field
        if status is not None:
            self.status = status
