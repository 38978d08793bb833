"""Model fields whose values are stored encrypted (see ``crypto``). They cannot be filtered
or sorted on in the database; a keyed hash column is added where a look-up is needed."""

from __future__ import annotations

from datetime import date

from django.db import models

from . import crypto


class EncryptedTextField(models.TextField):
    """Text encrypted with AES-GCM at rest, bound to its column; plain ``str`` in Python."""

    def _context(self) -> str:
        return f"{self.model._meta.label_lower}.{self.name}"

    def from_db_value(self, value, expression, connection):
        if value is None:
            return value
        return self.to_python_value(crypto.decrypt_text(value, context=self._context()))

    def to_python_value(self, text: str):
        return text

    def to_stored_text(self, value) -> str:
        return "" if value is None else str(value)

    def get_prep_value(self, value):
        if value is None:
            return None
        return crypto.encrypt_text(self.to_stored_text(value), context=self._context())


class EncryptedDateField(EncryptedTextField):
    """A date stored as encrypted ISO text; ``datetime.date`` (or None) in Python."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def to_python_value(self, text: str):
        return date.fromisoformat(text) if text else None

    def to_stored_text(self, value) -> str:
        if value is None or value == "":
            return ""
        if isinstance(value, date):
            return value.isoformat()
        return date.fromisoformat(str(value)).isoformat()

    def get_prep_value(self, value):
        if value is None or value == "":
            return None
        return super().get_prep_value(value)
