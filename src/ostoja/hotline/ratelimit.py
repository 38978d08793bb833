"""Abuse limits for the hotline's anonymous pages (see ``ostoja.core.ratelimit``).

The report form counts only *accepted* reports (``remaining`` before, ``consume`` after the
report is stored): typing mistakes and refused input never use up a reporter's allowance.
Status lookups count every attempt (a guessed code is what the limit is for).
"""

from ostoja.core.ratelimit import CacheRateLimiter

#: bucket -> (requests allowed, window in seconds). Override with OSTOJA_HOTLINE_RATE_LIMITS.
DEFAULT_LIMITS = {"report": (10, 3600), "status": (30, 3600)}

_limiter = CacheRateLimiter("hotline", "OSTOJA_HOTLINE_RATE_LIMITS", DEFAULT_LIMITS)
allow = _limiter.allow
remaining = _limiter.remaining
consume = _limiter.consume
