"""The current request id, readable from anywhere (audit log, log lines, task enqueueing)."""

from __future__ import annotations

import contextvars

current_request_id: contextvars.ContextVar[str] = contextvars.ContextVar(
    "ostoja_request_id", default=""
)


def get_request_id() -> str:
    return current_request_id.get()
