"""Helpers shared by the race tests and their worker processes (no pytest imports here)."""

from __future__ import annotations

import time

from ostoja.outbox.models import OutboxMessage


def wait_until_under_way(sent: int = 3, timeout: float = 30) -> None:
    """Block until the deliverers have sent ``sent`` messages (or ``timeout`` passed)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if OutboxMessage.objects.filter(state=OutboxMessage.State.SENT).count() >= sent:
            return
        time.sleep(0.002)
