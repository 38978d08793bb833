"""Hash matching for Ostoja: signal types, PDQ hashing of images, exact indexes.

A plain-Python library without Django: ``ostoja.banks`` and the API wrap it.
"""

from .exact_index import ExactIndex
from .pdq_image import ImageRejected, PdqImageHash, pdq_from_image
from .pdq_index import (
    DEFAULT_THRESHOLD,
    DuplicateIdError,
    IndexFileError,
    PdqIndex,
    SearchResult,
    brute_force_search,
)
from .signals import (
    EXACT_MISMATCH,
    SIGNAL_TYPES,
    ExactSignalType,
    PdqSignalType,
    SignalParseError,
    SignalType,
    get_signal_type,
)

__all__ = [
    "DEFAULT_THRESHOLD",
    "DuplicateIdError",
    "EXACT_MISMATCH",
    "ExactIndex",
    "ExactSignalType",
    "ImageRejected",
    "IndexFileError",
    "PdqImageHash",
    "PdqIndex",
    "PdqSignalType",
    "SIGNAL_TYPES",
    "SearchResult",
    "SignalParseError",
    "SignalType",
    "brute_force_search",
    "get_signal_type",
    "pdq_from_image",
]
