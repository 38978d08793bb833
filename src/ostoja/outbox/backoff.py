"""Retry delays for the outbox (pure Python, no Django).

Delay before attempt ``n + 1`` after ``n`` failed attempts: ``base * 2 ** (n - 1)`` capped at
``cap`` (1 min, 2, 4, 8, 16, 32, 60, 60 … with the defaults), then shortened by up to
``jitter`` (a fraction) at random. Jitter only ever *shortens* the delay, so the cap stays a
real upper bound, and messages that failed together (the mail server was down for all of them)
do not all come back in the same second.
"""

from __future__ import annotations

import random
from collections.abc import Callable


def retry_delay(
    failed_attempts: int,
    *,
    base: float = 60.0,
    cap: float = 3600.0,
    jitter: float = 0.2,
    rand: Callable[[], float] = random.random,
) -> float:
    """Seconds to wait after ``failed_attempts`` (>= 1) failures."""
    if failed_attempts < 1:
        raise ValueError("failed_attempts starts at 1")
    if base <= 0 or cap <= 0:
        raise ValueError("base and cap must be positive")
    if not 0 <= jitter < 1:
        raise ValueError("jitter is a fraction in [0, 1)")
    # Cap the exponent first: 2 ** 10_000 would be a float overflow.
    exponent = min(failed_attempts - 1, 62)
    delay = min(cap, base * (2.0**exponent))
    return delay * (1.0 - jitter * rand())
