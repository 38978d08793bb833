"""Notice and takedown (the Django app arrives in phase 2; Django-free cores live here now).

Modules: ``xarf`` (X-ARF v4 reports), ``signing`` (provider links and tokens; webhook HMAC),
``trace`` (hosting trace: DNS, GeoIP/ASN, provider matching), ``stats_core`` (time-to-removal
statistics) and ``svg_charts`` (accessible server-rendered bar charts).
"""
