"""Signal types: how each kind of hash is parsed, validated, formatted and compared.

The names (``pdq``, ``md5``, ``sha1``, ``sha256``) follow python-threatexchange so that hash
lists exchanged with partner hotlines and platforms map one to one.

Canonical form of every signal is lower-case hexadecimal without separators. ``parse`` accepts
mixed case and surrounding whitespace (hash lists arrive from spreadsheets and e-mails) and
returns the canonical form; anything else is rejected with a :class:`SignalParseError` (a
``ValueError``) whose message names the problem without echoing large input back.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import ClassVar

__all__ = [
    "EXACT_MISMATCH",
    "ExactSignalType",
    "PdqSignalType",
    "SIGNAL_TYPES",
    "SignalParseError",
    "SignalType",
    "get_signal_type",
]

_HEX_DIGITS = frozenset("0123456789abcdef")
#: ASCII hex digits only (``str.isdigit``/``\d`` would also take other scripts' digits).
_ASCII_HEX = re.compile(r"[0-9a-fA-F]+")

#: Distance between two different exact hashes (md5/sha*): "infinitely" far apart.
EXACT_MISMATCH = math.inf


class SignalParseError(ValueError):
    """A signal value is malformed. The message says what is wrong and where."""


def _describe_char(ch: str) -> str:
    """Readable description of one offending character (never the whole input)."""
    if ch.isprintable() and not ch.isspace():
        return f"{ch!r} (U+{ord(ch):04X})"
    return f"U+{ord(ch):04X}"


@dataclass(frozen=True)
class SignalType:
    """A kind of hash with a fixed length of hexadecimal digits."""

    name: str
    hex_length: int
    label: str

    #: None for exact signals; a default match threshold for distance-based ones.
    default_threshold: ClassVar[int | None] = None

    @property
    def byte_length(self) -> int:
        return self.hex_length // 2

    @property
    def bit_length(self) -> int:
        return self.hex_length * 4

    # -- parsing ------------------------------------------------------------------------------
    def parse(self, value: str) -> str:
        """Return the canonical (lower-case hex) form of ``value`` or raise SignalParseError.

        Mixed case and surrounding whitespace are accepted; anything else is not.
        """
        if not isinstance(value, str):
            raise TypeError(
                f"{self.name} hash must be a str of hexadecimal digits, not {type(value).__name__}"
            )
        text = value.strip()
        # The common case in one C-level match (an API call parses up to 10,000 of them);
        # anything else takes the character loop below, which names the problem.
        if len(text) == self.hex_length and _ASCII_HEX.fullmatch(text):
            return text.lower()
        if not text:
            raise SignalParseError(f"{self.name} hash is empty")
        # Check characters before length so that "wrong length" is never reported for a
        # value that is not hexadecimal at all. ``str.lower`` is applied per character to
        # ASCII letters only: Unicode case folding could turn one character into two.
        for pos, ch in enumerate(text):
            low = ch.lower() if "A" <= ch <= "Z" else ch
            if low not in _HEX_DIGITS:
                raise SignalParseError(
                    f"{self.name} hash contains a non-hexadecimal character "
                    f"{_describe_char(ch)} at position {pos}"
                )
        if len(text) != self.hex_length:
            raise SignalParseError(
                f"{self.name} hash must be {self.hex_length} hexadecimal digits "
                f"({self.bit_length} bits), got {len(text)}"
            )
        return text.lower()

    def validate(self, value: str) -> None:
        """Raise SignalParseError (or TypeError) if ``value`` does not parse."""
        self.parse(value)

    def is_valid(self, value: object) -> bool:
        try:
            self.parse(value)  # type: ignore[arg-type]
        except (SignalParseError, TypeError):
            return False
        return True

    # -- formatting ---------------------------------------------------------------------------
    def format(self, value: str | bytes | bytearray | memoryview) -> str:
        """Canonical hex form of a raw digest (bytes) or of a hex string."""
        if isinstance(value, str):
            return self.parse(value)
        if isinstance(value, bytes | bytearray | memoryview):
            raw = bytes(value)
            if len(raw) != self.byte_length:
                raise SignalParseError(
                    f"{self.name} digest must be {self.byte_length} bytes, got {len(raw)}"
                )
            return raw.hex()
        raise TypeError(f"{self.name} value must be a hex str or bytes, not {type(value).__name__}")

    def to_bytes(self, value: str) -> bytes:
        return bytes.fromhex(self.parse(value))

    # -- comparison ---------------------------------------------------------------------------
    def distance(self, a: str, b: str) -> int | float:
        raise NotImplementedError

    def matches(self, a: str, b: str, threshold: int | None = None) -> bool:
        raise NotImplementedError


@dataclass(frozen=True)
class ExactSignalType(SignalType):
    """Cryptographic digests: two values match only when they are identical."""

    def distance(self, a: str, b: str) -> int | float:
        """0 for identical digests, :data:`EXACT_MISMATCH` (``math.inf``) otherwise."""
        return 0 if self.parse(a) == self.parse(b) else EXACT_MISMATCH

    def matches(self, a: str, b: str, threshold: int | None = None) -> bool:
        if threshold is not None:
            raise ValueError(f"{self.name} is an exact signal type: threshold must be None")
        return self.parse(a) == self.parse(b)


@dataclass(frozen=True)
class PdqSignalType(SignalType):
    """PDQ perceptual hash: 256 bits, compared by Hamming distance."""

    #: Meta's recommended threshold for a confident match (python-threatexchange uses 31).
    default_threshold: ClassVar[int] = 31
    #: Hashes of images with quality below this are too featureless to match reliably.
    min_quality: ClassVar[int] = 50

    def distance(self, a: str, b: str) -> int:
        """Hamming distance (0..256) between two PDQ hashes."""
        return (int(self.parse(a), 16) ^ int(self.parse(b), 16)).bit_count()

    def matches(self, a: str, b: str, threshold: int | None = None) -> bool:
        t = self.default_threshold if threshold is None else threshold
        if isinstance(t, bool) or not isinstance(t, int):
            raise TypeError("threshold must be an int")
        if not 0 <= t <= self.bit_length:
            raise ValueError(f"threshold must be between 0 and {self.bit_length}, got {t}")
        return self.distance(a, b) <= t


PDQ = PdqSignalType("pdq", 64, "PDQ (perceptual, 256 bits)")
MD5 = ExactSignalType("md5", 32, "MD5 (exact)")
SHA1 = ExactSignalType("sha1", 40, "SHA-1 (exact)")
SHA256 = ExactSignalType("sha256", 64, "SHA-256 (exact)")

#: Registry of signal types by name.
SIGNAL_TYPES: dict[str, SignalType] = {s.name: s for s in (PDQ, MD5, SHA1, SHA256)}


def get_signal_type(name: str) -> SignalType:
    """Look up a signal type by name; KeyError with the known names if unknown."""
    try:
        return SIGNAL_TYPES[name]
    except (KeyError, TypeError):
        known = ", ".join(sorted(SIGNAL_TYPES))
        raise KeyError(f"unknown signal type {name!r}; known: {known}") from None
