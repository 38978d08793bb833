"""Abuse limits for anonymous pages, kept only in the cache and never tied to an address.

The client address is used for one thing: to count requests. It is never stored in the
database or logged. The cache key is an HMAC of (bucket, time window, address) under the
site's secret key, so the cache holds no address either, and keys of different windows cannot
be linked to each other. Counters vanish when their window ends.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from django.conf import settings
from django.core.cache import cache


class CacheRateLimiter:
    """Fixed-window counters per bucket; ``namespace`` keeps apps' buckets apart."""

    def __init__(self, namespace: str, setting_name: str, defaults: dict[str, tuple[int, int]]):
        self.namespace = namespace
        self.setting_name = setting_name
        self.defaults = defaults

    def limits(self, bucket: str) -> tuple[int, int]:
        configured = getattr(settings, self.setting_name, None) or {}
        return tuple(configured.get(bucket, self.defaults[bucket]))

    def key(self, bucket: str, window: int, address: str) -> str:
        digest = hmac.new(
            settings.SECRET_KEY.encode(), f"{bucket}|{window}|{address}".encode(), hashlib.sha256
        ).hexdigest()
        return f"{self.namespace}:rl:{bucket}:{digest[:40]}"

    def allow(self, request, bucket: str) -> bool:
        """Count one request; False once the bucket's limit is exceeded in the current window."""
        limit, seconds = self.limits(bucket)
        window = int(time.time() // seconds)
        key = self.key(bucket, window, request.META.get("REMOTE_ADDR", ""))
        if cache.add(key, 1, timeout=seconds):
            return limit >= 1
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.add(key, 1, timeout=seconds)
            count = 1
        return count <= limit
