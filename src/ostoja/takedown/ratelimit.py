"""Abuse limits for the takedown app's anonymous pages (appeal form, providers' links).

The same scheme as the hotline (``ostoja.core.ratelimit``), with separate buckets and key
prefix so the hotline's public form is unaffected by traffic here.
"""

from ostoja.core.ratelimit import CacheRateLimiter

#: bucket -> (requests allowed, window in seconds). Override with OSTOJA_TAKEDOWN_RATE_LIMITS.
DEFAULT_LIMITS = {
    "appeal": (5, 3600),  # appeals sent from one address per hour
    "link": (60, 3600),  # provider-link requests (GET and POST) per address per hour
    "bad_link": (20, 3600),  # rejected links per address per hour (each is audit-logged)
}

_limiter = CacheRateLimiter("takedown", "OSTOJA_TAKEDOWN_RATE_LIMITS", DEFAULT_LIMITS)
allow = _limiter.allow
