"""Polish register numbers of organisations: NIP, REGON and KRS (no Django here).

* NIP (tax number): 10 digits, the last a check digit — weights 6 5 7 2 3 4 5 6 7, sum mod 11;
  a remainder of 10 means the number can never be valid.
* REGON (statistical number): 9 digits (weights 8 9 2 3 4 5 6 7, mod 11, 10 → 0) or 14 digits
  for a local unit (weights 2 4 8 5 0 9 7 3 6 1 2 4 8, mod 11, 10 → 0), whose first nine digits
  are the parent's REGON and carry their own check digit.
* KRS (National Court Register number): 10 digits, no check digit — only the form is checked.

People write the numbers with spaces, dashes or a ``PL`` prefix; :func:`digits` removes them.
"""

from __future__ import annotations

import re

NIP_WEIGHTS = (6, 5, 7, 2, 3, 4, 5, 6, 7)
REGON9_WEIGHTS = (8, 9, 2, 3, 4, 5, 6, 7)
REGON14_WEIGHTS = (2, 4, 8, 5, 0, 9, 7, 3, 6, 1, 2, 4, 8)

_SEPARATORS = re.compile(r"[\s\-./]")


def digits(value: str, *, prefix: str = "") -> str:
    """The number without separators (and without a country prefix such as ``PL``)."""
    value = _SEPARATORS.sub("", (value or "").strip().upper())
    if prefix and value.startswith(prefix):
        value = value[len(prefix) :]
    return value


def _check(number: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(number, weights, strict=False)) % 11


def valid_nip(value: str) -> bool:
    number = digits(value, prefix="PL")
    if len(number) != 10 or not number.isascii() or not number.isdigit():
        return False
    check = _check(number[:9], NIP_WEIGHTS)
    return check != 10 and check == int(number[9])


def _valid_regon9(number: str) -> bool:
    return (_check(number[:8], REGON9_WEIGHTS) % 10) == int(number[8])


def valid_regon(value: str) -> bool:
    number = digits(value)
    if not number.isascii() or not number.isdigit():
        return False
    if len(number) == 9:
        return _valid_regon9(number)
    if len(number) == 14:
        return _valid_regon9(number[:9]) and (_check(number[:13], REGON14_WEIGHTS) % 10) == int(
            number[13]
        )
    return False


def valid_krs(value: str) -> bool:
    number = digits(value)
    return len(number) == 10 and number.isascii() and number.isdigit()


def with_check_digit(kind: str, body: str) -> str:
    """Complete a number's body with its check digit (for tests and demo data).

    ``kind`` is ``"nip"`` (9-digit body; raises ValueError when no digit fits), ``"regon9"``
    (8 digits) or ``"regon14"`` (13 digits whose first nine are a valid REGON)."""
    if kind == "nip":
        check = _check(body, NIP_WEIGHTS)
        if check == 10:
            raise ValueError("no NIP has this body")
        return f"{body}{check}"
    if kind == "regon9":
        return f"{body}{_check(body, REGON9_WEIGHTS) % 10}"
    if kind == "regon14":
        return f"{body}{_check(body, REGON14_WEIGHTS) % 10}"
    raise ValueError(kind)
