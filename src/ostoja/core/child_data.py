"""A check for data that could identify a child, run before free text is published.

Forum posts, supervision notes, consultation messages and other text written by
professionals must not identify children. :func:`findings` flags what looks like:

* a PESEL number (11 digits with a valid check digit — a wrong check digit is not flagged);
* a phone number (Polish mobile/landline shapes, with or without +48);
* a capitalised first name and surname next to a date of birth (``ur. 3.05.2015``,
  ``born 2015-05-03``, ``12-letni Jan Kowalski``).

It is a warning, not a filter: the author can edit or confirm, and the moderators see the
flag. The findings name the *kind* of data and where it is, never echo it into logs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

PESEL_WEIGHTS = (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)

_PESEL = re.compile(r"(?<!\d)(\d{11})(?!\d)")
_PHONE = re.compile(
    r"(?<![\d\w])(?:\+48[\s-]?|0048[\s-]?)?(?:\d{3}[\s-]?\d{3}[\s-]?\d{3}|\(?\d{2}\)?[\s-]?\d{3}[\s-]?\d{2}[\s-]?\d{2})(?![\d\w])"
)
_DATE = r"(?:\d{1,2}[./-]\d{1,2}[./-](?:19|20)\d{2}|(?:19|20)\d{2}-\d{2}-\d{2})"
_WORD = r"[A-ZĄĆĘŁŃÓŚŹŻ][a-ząćęłńóśźż]+"
_NAME = rf"{_WORD}\s+{_WORD}(?:-{_WORD})?"
_BORN = r"(?:ur\.|urodzon[ay]|urodz\.|born|b\.|data urodzenia|date of birth|DOB)[:\s]*"
_NAME_DOB = re.compile(
    rf"{_NAME}[\s,(]*{_BORN}{_DATE}|{_BORN}{_DATE}[\s,)]*{_NAME}|\d{{1,2}}-?(?:letni|letnia|latek|latka|year-old)\s+{_NAME}",
    re.UNICODE,
)


def valid_pesel(digits: str) -> bool:
    if len(digits) != 11 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:10], PESEL_WEIGHTS, strict=True))
    return (10 - total % 10) % 10 == int(digits[10])


@dataclass(frozen=True)
class Finding:
    kind: str  # "pesel", "phone", "name_dob"
    start: int
    end: int

    @property
    def label(self):
        return KIND_LABELS[self.kind]


KIND_LABELS = {
    "pesel": _("a PESEL number"),
    "phone": _("a phone number"),
    "name_dob": _("a name next to a date of birth or age"),
}


def findings(text: str) -> list[Finding]:
    """What in ``text`` may identify a child, in order of position."""
    text = text or ""
    found: list[Finding] = []
    pesel_spans = []
    for m in _PESEL.finditer(text):
        if valid_pesel(m.group(1)):
            found.append(Finding("pesel", m.start(1), m.end(1)))
            pesel_spans.append((m.start(1), m.end(1)))
    for m in _PHONE.finditer(text):
        if any(s <= m.start() < e for s, e in pesel_spans):
            continue
        found.append(Finding("phone", m.start(), m.end()))
    for m in _NAME_DOB.finditer(text):
        found.append(Finding("name_dob", m.start(), m.end()))
    return sorted(found, key=lambda f: f.start)


def kinds(text: str) -> list[str]:
    """The distinct kinds found, for storing a flag (never the matched text)."""
    return sorted({f.kind for f in findings(text)})
