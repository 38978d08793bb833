"""Known or new: ask the hash banks whether a report's hashes match known material.

The hotline does not know how banks are stored or matched. It calls one function, named by
the setting ``OSTOJA_KNOWN_MATERIAL_CHECKER`` (a dotted path, e.g.
``"ostoja.banks.services.check_known_for_hotline"``), with the signature of
:func:`check_known`. While the setting is unset (the banks module is not installed), the
answer is always "no match", so the hotline works on its own.

A checker that fails must not lose a report: errors are logged (without the hashes) and
treated as "not checked", so the item is neither marked known nor counted as new material.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class KnownMatch:
    """One hash that matched a bank entry."""

    bank: str  # the bank's name or slug, shown to analysts
    signal_type: str  # "md5", "sha1", "sha256", "pdq"
    value: str  # the hash as sent (lower-case hex)
    distance: int  # 0 for exact hashes; Hamming distance for PDQ
    classification: dict = field(default_factory=dict)  # e.g. {"content_type": "video"}


class CheckerUnavailable(RuntimeError):
    """The configured checker raised: the hashes could not be checked."""


def _checker() -> Callable[[list[tuple[str, str]]], list[KnownMatch]] | None:
    path = getattr(settings, "OSTOJA_KNOWN_MATERIAL_CHECKER", None)
    if not path:
        return None
    return import_string(path)


def checker_configured() -> bool:
    return bool(getattr(settings, "OSTOJA_KNOWN_MATERIAL_CHECKER", None))


def check_known(hashes: list[tuple[str, str]]) -> list[KnownMatch]:
    """Matches for ``[(signal_type, value), …]``; ``[]`` when nothing matches or no checker.

    Raises :class:`CheckerUnavailable` if the configured checker fails.
    """
    if not hashes:
        return []
    checker = _checker()
    if checker is None:
        return []
    try:
        return list(checker(list(hashes)))
    except Exception as exc:  # noqa: BLE001 - any failure of the banks means "not checked"
        logger.exception("Known-material checker failed (%s); hashes not checked", type(exc))
        raise CheckerUnavailable(str(type(exc).__name__)) from exc
