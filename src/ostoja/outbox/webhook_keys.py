"""Webhook signing secrets are referenced, never copied into messages or the audit log.

A message stores ``hmac_key_id`` (sent to the receiver so it knows which secret to use) and
``hmac_secret_ref`` (where the secret lives). The reference is resolved only at send time:

* ``settings:<name>`` → ``settings.OUTBOX_WEBHOOK_SECRETS[name]``
* ``env:<VARIABLE>`` → the environment variable
* any scheme an app registers with :func:`register_scheme`, e.g. the takedown app can resolve
  ``takedown-endpoint:<id>`` from its own (encrypted) storage.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from . import conf


class SecretUnavailable(LookupError):
    """The reference names no secret (yet): a configuration problem, retried later."""


_SCHEMES: dict[str, Callable[[str], str | bytes | None]] = {}


def register_scheme(scheme: str, resolver: Callable[[str], str | bytes | None]) -> None:
    """Let ``<scheme>:<rest>`` references be resolved by ``resolver(rest)``."""
    if not scheme or ":" in scheme:
        raise ValueError("A scheme is a non-empty name without ':'.")
    _SCHEMES[scheme] = resolver


def _from_settings(name: str):
    return conf.webhook_secrets().get(name)


def _from_env(name: str):
    return os.environ.get(name)


register_scheme("settings", _from_settings)
register_scheme("env", _from_env)


def is_valid_ref(ref: str) -> bool:
    scheme, sep, rest = (ref or "").partition(":")
    return bool(sep and rest) and scheme in _SCHEMES


def resolve(ref: str) -> bytes:
    scheme, sep, rest = (ref or "").partition(":")
    resolver = _SCHEMES.get(scheme) if sep else None
    if resolver is None:
        raise SecretUnavailable(f"Unknown secret reference scheme in {ref!r}.")
    value = resolver(rest)
    if not value:
        raise SecretUnavailable(f"No secret is configured for {ref!r}.")
    return value.encode("utf-8") if isinstance(value, str) else bytes(value)
