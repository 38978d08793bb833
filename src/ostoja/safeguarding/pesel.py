"""PESEL numbers (the Polish national identification number). Django-free.

A PESEL is 11 digits: YYMMDD (the month carries the century: +80 for 1800–1899, +0 for
1900–1999, +20 for 2000–2099, +40 for 2100–2199, +60 for 2200–2299), a serial number, and a
check digit: with weights 1 3 7 9 1 3 7 9 1 3 over the first ten digits, the check digit is
``(10 - sum % 10) % 10`` (Act of 24 September 2010 on population records, art. 15, and the
regulation on the PESEL number's structure).
"""

from __future__ import annotations

from datetime import date

WEIGHTS = (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)
# month offset -> first year of the century
_CENTURIES = {80: 1800, 0: 1900, 20: 2000, 40: 2100, 60: 2200}


class PeselError(ValueError):
    """Why a PESEL is not valid: ``code`` is one of 'format', 'checksum', 'date', 'mismatch'."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def check_digit(first_ten: str) -> int:
    return (10 - sum(int(d) * w for d, w in zip(first_ten, WEIGHTS, strict=True)) % 10) % 10


def birth_date(pesel: str) -> date:
    """The date of birth a (format-valid) PESEL encodes; PeselError('date') if impossible."""
    yy, mm, dd = int(pesel[0:2]), int(pesel[2:4]), int(pesel[4:6])
    offset = (mm // 20) * 20
    if offset not in _CENTURIES:
        raise PeselError("date")
    try:
        return date(_CENTURIES[offset] + yy, mm - offset, dd)
    except ValueError:
        raise PeselError("date")


def validate(pesel: str, date_of_birth: date | None = None) -> str:
    """Return the normalised PESEL or raise :class:`PeselError`.

    The number must be 11 ASCII digits, carry a correct check digit, encode a real date, and
    (when ``date_of_birth`` is given) encode that date.
    """
    value = (pesel or "").strip()
    if len(value) != 11 or not value.isascii() or not value.isdigit():
        raise PeselError("format")
    if check_digit(value[:10]) != int(value[10]):
        raise PeselError("checksum")
    encoded = birth_date(value)
    if date_of_birth is not None and encoded != date_of_birth:
        raise PeselError("mismatch")
    return value


def make(born: date, serial: int) -> str:
    """A valid PESEL for ``born`` with the 4-digit ``serial`` (tests and demo data only)."""
    offset = {v: k for k, v in _CENTURIES.items()}[born.year // 100 * 100]
    head = f"{born.year % 100:02d}{born.month + offset:02d}{born.day:02d}{serial % 10000:04d}"
    return head + str(check_digit(head))
