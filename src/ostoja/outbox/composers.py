"""E-mails completed at delivery: the row is written in the business transaction, its body
and attachments are rendered by the deliverer.

Most e-mails are rendered when they are enqueued. Some are costly to render and sit on a hot
path — a conference ticket carries a QR code and an ``.ics`` invitation, and 6,000 people may
register within a minute — so the request stores only what the e-mail is about (a small
JSON ``payload`` and the *name* of a composer) and the deliverer, outside the request, calls
the composer to fill in ``body_text``, ``body_html`` and ``attachments`` just before the first
send. The composed content is written to the row, so a retry sends the same bytes and the row
shows what was sent. This is what pretix does with its ticket and calendar attachments (built
in the mail task, not in the request).

A composer is a function ``(payload: dict) -> Composed``, registered by name at import time
(an app's ``ready()``). It runs in the message's language. Raising
``django.core.exceptions.ObjectDoesNotExist`` (the thing the e-mail was about is gone, e.g.
deleted by retention) fails the message permanently; any other exception is retried like a
transport error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

MAX_NAME = 64


@dataclass
class Composed:
    body_text: str
    body_html: str = ""
    attachments: list = field(default_factory=list)


_REGISTRY: dict[str, Callable[[dict], Composed]] = {}


def register(name: str):
    """Decorator: make ``function`` the composer called ``name``."""
    if not name or len(name) > MAX_NAME:
        raise ValueError(f"A composer's name is 1–{MAX_NAME} characters.")

    def decorator(function):
        if _REGISTRY.get(name, function) is not function:
            raise ValueError(f"Two composers are called {name!r}.")
        _REGISTRY[name] = function
        return function

    return decorator


def get(name: str) -> Callable[[dict], Composed] | None:
    return _REGISTRY.get(name)
