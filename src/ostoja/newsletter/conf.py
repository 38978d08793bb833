"""Newsletter settings, each with a default (nothing needs configuring to run).

=======================================  ===========  ==========================================
setting                                  default      meaning
=======================================  ===========  ==========================================
``NEWSLETTER_FROM_EMAIL``                DEFAULT_     the ``From`` of every issue
                                         FROM_EMAIL
``NEWSLETTER_MAIL_DOMAIN``               outbox's     domain of the bounce (VERP) and mailto
                                         Message-ID   unsubscribe addresses and of ``List-Id``
                                         domain
``NEWSLETTER_CONFIRM_HOURS``             48           how long a confirmation link works
``NEWSLETTER_SOFT_BOUNCE_THRESHOLD``     5            soft-bounce score that stops delivery
                                                      (Mailman's ``bounce_score_threshold``)
``NEWSLETTER_SOFT_BOUNCE_STALE_DAYS``    7            a score older than this starts again
``NEWSLETTER_BATCH_SIZE``                200          messages per SMTP connection
``NEWSLETTER_DKIM``                      {}           ``{"selector", "domain", "key_file"}``
                                                      or ``"key"`` (PEM); empty: no signing
``NEWSLETTER_BOUNCE_MAILBOX``            {}           ``{"protocol": "imap"|"pop3", "host",
                                                      "port", "user", "password", "ssl",
                                                      "folder"}``
``NEWSLETTER_BOUNCE_WEBHOOK_SECRET``     ""           bearer token of the provider webhook;
                                                      empty: the webhook answers 404
=======================================  ===========  ==========================================
"""

from __future__ import annotations

from django.conf import settings

from ostoja.outbox import conf as outbox_conf


def _get(name, default):
    return getattr(settings, name, default)


def from_email() -> str:
    return _get("NEWSLETTER_FROM_EMAIL", "") or settings.DEFAULT_FROM_EMAIL


def mail_domain() -> str:
    return _get("NEWSLETTER_MAIL_DOMAIN", "") or outbox_conf.message_id_domain()


def confirm_hours() -> int:
    return max(1, int(_get("NEWSLETTER_CONFIRM_HOURS", 48)))


def soft_bounce_threshold() -> int:
    return max(1, int(_get("NEWSLETTER_SOFT_BOUNCE_THRESHOLD", 5)))


def soft_bounce_stale_days() -> int:
    return max(1, int(_get("NEWSLETTER_SOFT_BOUNCE_STALE_DAYS", 7)))


def batch_size() -> int:
    return max(1, int(_get("NEWSLETTER_BATCH_SIZE", 200)))


def dkim() -> dict:
    return dict(_get("NEWSLETTER_DKIM", {}) or {})


def bounce_mailbox() -> dict:
    return dict(_get("NEWSLETTER_BOUNCE_MAILBOX", {}) or {})


def bounce_webhook_secret() -> str:
    return str(_get("NEWSLETTER_BOUNCE_WEBHOOK_SECRET", "") or "")
