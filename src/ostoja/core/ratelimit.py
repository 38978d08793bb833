"""Abuse limits for anonymous pages, kept only in the cache and never tied to an address.

The client address is used for one thing: to count requests. It is never stored in the
database or logged. The cache key is an HMAC of (bucket, time window, address) under the
site's secret key, so the cache holds no address either, and keys of different windows cannot
be linked to each other. Counters vanish when their window ends.

Behind a reverse proxy every request comes from the proxy's address, so every reporter in the
country would share one counter. :func:`client_address` reads the client's address from
``X-Forwarded-For`` (with django-ipware) only when the site says a proxy is trusted:

* ``OSTOJA_TRUSTED_PROXIES`` — addresses or networks of the proxy that connects to Ostoja
  (``10.0.0.5``, ``10.0.0.0/24``). The header is read only when the connection comes from one
  of them; a client that reaches Ostoja directly cannot choose its own counter.
* ``OSTOJA_PROXY_COUNT`` — how many proxies in a row append to ``X-Forwarded-For`` (default 1
  when trusted proxies are set). The client is the address the outermost proxy saw, i.e. the
  ``OSTOJA_PROXY_COUNT``-th entry from the right; entries a client added itself are ignored.
  Set only the count (no list) when the proxies' addresses change, and only if Ostoja cannot
  be reached except through them.

Default: no proxy is trusted and ``REMOTE_ADDR`` is used.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import time
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from ipware import get_client_ip


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple:
    try:
        return tuple(ipaddress.ip_network(e.strip(), strict=False) for e in entries if e.strip())
    except ValueError as exc:
        raise ImproperlyConfigured(f"OSTOJA_TRUSTED_PROXIES: {exc}") from exc


def _proxy_settings() -> tuple[tuple, int]:
    trusted = _networks(tuple(getattr(settings, "OSTOJA_TRUSTED_PROXIES", None) or ()))
    count = getattr(settings, "OSTOJA_PROXY_COUNT", None)
    if count in (None, ""):
        count = 1 if trusted else 0
    try:
        count = int(count)
    except (TypeError, ValueError) as exc:
        raise ImproperlyConfigured("OSTOJA_PROXY_COUNT must be a whole number.") from exc
    if count < 0:
        raise ImproperlyConfigured("OSTOJA_PROXY_COUNT must not be negative.")
    return trusted, count


def _is_trusted(address: str, trusted) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if getattr(ip, "ipv4_mapped", None):
        ip = ip.ipv4_mapped
    return any(ip.version == net.version and ip in net for net in trusted)


def client_address(request) -> str:
    """The address to count a request under (never stored; see the module docstring)."""
    remote = request.META.get("REMOTE_ADDR", "")
    trusted, count = _proxy_settings()
    if count == 0:
        return remote
    if trusted and not _is_trusted(remote, trusted):
        return remote  # not through the proxy: the forwarded header is the client's own words
    ip, _routable = get_client_ip(
        request,
        proxy_count=count - 1,  # ipware counts the proxies inside the header
        request_header_order=["HTTP_X_FORWARDED_FOR"],
        strict=False,  # entries a client prepended itself do not matter
    )
    return ip or remote


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

    def _current(self, request, bucket: str) -> tuple[str, int, int]:
        limit, seconds = self.limits(bucket)
        window = int(time.time() // seconds)
        return self.key(bucket, window, client_address(request)), limit, seconds

    def remaining(self, request, bucket: str) -> int:
        """How many more requests the bucket allows in the current window (nothing counted)."""
        key, limit, _seconds = self._current(request, bucket)
        return max(0, limit - int(cache.get(key, 0)))

    def consume(self, request, bucket: str) -> int:
        """Count one request; return how many are left (negative once over the limit)."""
        key, limit, seconds = self._current(request, bucket)
        if cache.add(key, 1, timeout=seconds):
            return limit - 1
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.add(key, 1, timeout=seconds)
            count = 1
        return limit - count

    def allow(self, request, bucket: str) -> bool:
        """Count one request; False once the bucket's limit is exceeded in the current window."""
        return self.consume(request, bucket) >= 0
