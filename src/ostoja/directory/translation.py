"""Translatable content of the directory: text stored as ``{language code: text}``.

Why a JSON object per field rather than a translations table or one column per language:
adding a language (Ukrainian, say) needs no migration -- only a new key in the objects and a
new entry in ``settings.LANGUAGES``; a service's texts in all languages travel together through
the edit proposal, the diff, the audit entry and the HSDS export; and reading a service needs
no join. The price -- no per-language database index -- does not matter here: free-text search
runs on a separate normalised index (see :mod:`ostoja.directory.search`), never on these
columns.

What people read is picked by :func:`pick`: the requested language, else Polish (the default
and the language every service must have), else any language that has text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.utils.translation import get_language

_CODE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})?$")
#: Upper bound on any one translated text (a description, a "what is passed on" note).
MAX_TEXT_LENGTH = 5000


def content_languages() -> list[str]:
    """Languages content is edited in: the site's languages, default first."""
    codes = [code for code, _name in settings.LANGUAGES]
    default = settings.LANGUAGE_CODE
    return [default] + [c for c in codes if c != default]


def default_language() -> str:
    return settings.LANGUAGE_CODE


def current_language() -> str:
    language = (get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def clean(value: Any, *, max_length: int = MAX_TEXT_LENGTH) -> dict[str, str]:
    """A tidy translation object: known-looking language codes, stripped non-empty strings.

    A plain string is taken as text in the default language.
    """
    if value is None:
        return {}
    if isinstance(value, str):
        value = {default_language(): value}
    if not isinstance(value, Mapping):
        raise TypeError("translated text must be an object of language code -> text")
    out: dict[str, str] = {}
    for code, text in value.items():
        code = str(code).strip().lower()
        if not _CODE.match(code) or not isinstance(text, str):
            continue
        text = text.strip()[:max_length]
        if text:
            out[code] = text
    return out


def pick_with_language(value: Any, language: str | None = None) -> tuple[str, str]:
    """``(text, language of that text)``; ``("", "")`` when there is no text at all."""
    if not value:
        return "", ""
    if isinstance(value, str):
        return value, default_language()
    language = language or current_language()
    for code in (language, default_language()):
        text = value.get(code)
        if text:
            return text, code
    for code, text in value.items():
        if text:
            return text, code
    return "", ""


def pick(value: Any, language: str | None = None) -> str:
    """The text in ``language`` (default: the active one), with fallbacks; ``""`` if none."""
    return pick_with_language(value, language)[0]


def all_text(value: Any) -> str:
    """Every translation joined (for the search index)."""
    if not value:
        return ""
    if isinstance(value, str):
        return value
    return " ".join(t for t in value.values() if isinstance(t, str))
