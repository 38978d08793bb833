"""Abuse limits for the hotline's anonymous pages (see ``ostoja.core.ratelimit``)."""

from ostoja.core.ratelimit import CacheRateLimiter

#: bucket -> (requests allowed, window in seconds). Override with OSTOJA_HOTLINE_RATE_LIMITS.
DEFAULT_LIMITS = {"report": (10, 3600), "status": (30, 3600)}

_limiter = CacheRateLimiter("hotline", "OSTOJA_HOTLINE_RATE_LIMITS", DEFAULT_LIMITS)
allow = _limiter.allow
