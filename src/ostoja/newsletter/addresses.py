"""The addresses and links a newsletter message carries, and reading them back.

* **VERP bounce address** (the envelope sender): ``bounce+<subscriber>.<issue>.<mac>@domain``.
  A bounce comes back to it, so the bounce itself says whom it is about, whatever the remote
  server writes in its report. The MAC (HMAC-SHA256 under the site's secret, 12 hex
  characters) stops anyone from forging a bounce address for somebody else's subscription;
  the address carries numbers, not the subscriber's e-mail address.
* **Unsubscribe**: ``https://…/newsletter/u/<token>/`` and ``mailto:unsubscribe+<token>@domain``
  with the subscriber's random token.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from . import conf

BOUNCE_LOCAL = "bounce"
UNSUBSCRIBE_LOCAL = "unsubscribe"
_VERP = re.compile(r"\bbounce\+(\d{1,18})\.(\d{1,18})\.([0-9a-f]{12})@", re.I)
_MAILTO = re.compile(r"\bunsubscribe\+([A-Za-z0-9_-]{16,64})@", re.I)


def _mac(subscriber_id: int, issue_id: int) -> str:
    key = settings.SECRET_KEY.encode()
    msg = f"ostoja-newsletter-verp:{subscriber_id}:{issue_id}".encode()
    return hmac.new(key, msg, hashlib.sha256).hexdigest()[:12]


def verp_address(subscriber_id: int, issue_id: int) -> str:
    mac = _mac(subscriber_id, issue_id)
    return f"{BOUNCE_LOCAL}+{subscriber_id}.{issue_id}.{mac}@{conf.mail_domain()}"


def parse_verp(text: str) -> tuple[int, int] | None:
    """``(subscriber_id, issue_id)`` from a text holding a genuine VERP address, else None."""
    for match in _VERP.finditer(text or ""):
        sub, issue, mac = int(match.group(1)), int(match.group(2)), match.group(3).lower()
        if hmac.compare_digest(mac, _mac(sub, issue)):
            return sub, issue
    return None


def unsubscribe_mailto(token: str) -> str:
    return f"{UNSUBSCRIBE_LOCAL}+{token}@{conf.mail_domain()}"


def parse_unsubscribe_mailto(text: str) -> str | None:
    match = _MAILTO.search(text or "")
    return match.group(1) if match else None


def unsubscribe_url(token: str, language: str = "pl") -> str:
    with translation.override(language):
        path = reverse("newsletter:unsubscribe", args=[token])
    return f"{settings.SITE_URL}{path}"


def list_id(newsletter) -> str:
    # RFC 2919: an ASCII identifier under a domain we control; no display phrase (a Polish
    # name would have to be MIME-encoded, which some filters do not decode).
    return f"<{newsletter.slug}.{conf.mail_domain()}>"
