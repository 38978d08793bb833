"""A controlled clock for the scheduler (tests move time; nothing sleeps)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

WARSAW = ZoneInfo("Europe/Warsaw")


def warsaw(*args) -> datetime:
    return datetime(*args, tzinfo=WARSAW)


class Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, *args) -> datetime:
        self.now = warsaw(*args)
        return self.now

    def advance(self, **delta) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock():
    return Clock(warsaw(2026, 3, 2, 12, 0))  # a Monday


@pytest.fixture
def executed(monkeypatch):
    """Record every command the scheduler's runs execute (the real command still runs)."""
    from ostoja.scheduler import services

    calls = []
    real = services.run_command

    def recording(command, args):
        calls.append((command, list(args)))
        return real(command, args)

    monkeypatch.setattr(services, "run_command", recording)
    return calls
