"""Outbox settings, each with a default (no settings change is needed to run).

=====================================  =========  ============================================
setting                                default    meaning
=====================================  =========  ============================================
``OUTBOX_MAX_ATTEMPTS``                24         attempts before a message fails permanently
                                                  (≈ 20 hours with the default back-off)
``OUTBOX_BACKOFF_BASE_SECONDS``        60         first retry delay; doubles per failure
``OUTBOX_BACKOFF_MAX_SECONDS``         3600       longest retry delay
``OUTBOX_BACKOFF_JITTER``              0.2        delays are shortened by up to this fraction
``OUTBOX_LEASE_SECONDS``               300        how long a deliverer owns a message; at least
                                                  3 × the longest send timeout
``OUTBOX_WEBHOOK_TIMEOUT``             10         seconds to connect / wait for a webhook answer
``OUTBOX_BATCH_SIZE``                  100        messages per ``deliver_due`` run
``OUTBOX_DELIVER_ON_COMMIT``           True       queue a delivery task when a message commits
``OUTBOX_WEBHOOK_SECRETS``             {}         ``{name: secret}`` for ``settings:<name>`` refs
``OUTBOX_WEBHOOK_ALLOW_PRIVATE``       False      allow webhooks to loopback/private addresses
``OUTBOX_MESSAGE_ID_DOMAIN``           host of    right-hand side of e-mail Message-IDs
                                       SITE_URL
=====================================  =========  ============================================
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings


def _get(name, default):
    return getattr(settings, name, default)


def max_attempts() -> int:
    return max(1, int(_get("OUTBOX_MAX_ATTEMPTS", 24)))


def backoff() -> dict:
    return {
        "base": float(_get("OUTBOX_BACKOFF_BASE_SECONDS", 60)),
        "cap": float(_get("OUTBOX_BACKOFF_MAX_SECONDS", 3600)),
        "jitter": float(_get("OUTBOX_BACKOFF_JITTER", 0.2)),
    }


def webhook_timeout() -> float:
    return float(_get("OUTBOX_WEBHOOK_TIMEOUT", 10))


def email_timeout() -> float:
    return float(getattr(settings, "EMAIL_TIMEOUT", None) or 30)


def lease_seconds() -> float:
    # A lease shorter than a send could expire while the send is still running, and a second
    # deliverer would then send the same message again.
    floor = 3 * max(webhook_timeout(), email_timeout())
    return max(float(_get("OUTBOX_LEASE_SECONDS", 300)), floor)


def batch_size() -> int:
    return max(1, int(_get("OUTBOX_BATCH_SIZE", 100)))


def deliver_on_commit() -> bool:
    return bool(_get("OUTBOX_DELIVER_ON_COMMIT", True))


def webhook_secrets() -> dict:
    return dict(_get("OUTBOX_WEBHOOK_SECRETS", {}) or {})


def allow_private_webhooks() -> bool:
    return bool(_get("OUTBOX_WEBHOOK_ALLOW_PRIVATE", False))


def message_id_domain() -> str:
    configured = _get("OUTBOX_MESSAGE_ID_DOMAIN", "")
    if configured:
        return configured
    host = urlsplit(getattr(settings, "SITE_URL", "") or "").hostname
    return host or "ostoja.invalid"
