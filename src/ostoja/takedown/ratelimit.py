"""Abuse limits for the takedown app's anonymous pages (appeal form, providers' links).

The same scheme as ``ostoja.hotline.ratelimit``: counters live only in the cache, under an
HMAC of (bucket, window, address) keyed with the site's secret, so neither the cache nor the
database ever holds a client address. Separate buckets (and a separate key prefix) keep the
hotline's public form unaffected by traffic here.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from django.conf import settings
from django.core.cache import cache

#: bucket -> (requests allowed, window in seconds). Override with OSTOJA_TAKEDOWN_RATE_LIMITS.
DEFAULT_LIMITS = {
    "appeal": (5, 3600),  # appeals sent from one address per hour
    "link": (60, 3600),  # provider-link requests (GET and POST) per address per hour
    "bad_link": (20, 3600),  # rejected links per address per hour (each is audit-logged)
}


def _limits(bucket: str) -> tuple[int, int]:
    configured = getattr(settings, "OSTOJA_TAKEDOWN_RATE_LIMITS", None) or {}
    return tuple(configured.get(bucket, DEFAULT_LIMITS[bucket]))


def _key(bucket: str, window: int, address: str) -> str:
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"{bucket}|{window}|{address}".encode(), hashlib.sha256
    ).hexdigest()
    return f"takedown:rl:{bucket}:{digest[:40]}"


def allow(request, bucket: str) -> bool:
    """Count one request; False once the bucket's limit is exceeded in the current window."""
    limit, seconds = _limits(bucket)
    window = int(time.time() // seconds)
    key = _key(bucket, window, request.META.get("REMOTE_ADDR", ""))
    if cache.add(key, 1, timeout=seconds):
        return limit >= 1
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.add(key, 1, timeout=seconds)
        count = 1
    return count <= limit
