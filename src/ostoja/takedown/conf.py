"""Settings of the takedown app, each with a default (nothing must be configured to run).

=================================  ===============================  ===============================
setting                            default                          meaning
=================================  ===============================  ===============================
``OSTOJA_TAKEDOWN_RESOLVER``       ``"ostoja.takedown.trace.        dotted path of the DNS resolver:
                                   SystemResolver"``                a class (instantiated with
                                                                    ``timeout=``) or a factory
``OSTOJA_TAKEDOWN_DNS_TIMEOUT``    5                                seconds per name resolution
``OSTOJA_GEOIP_COUNTRY_DB``        None                             path of a country ``.mmdb``
                                                                    (GeoLite2 / DB-IP Lite)
``OSTOJA_GEOIP_ASN_DB``            None                             path of an ASN ``.mmdb``
``OSTOJA_HOME_COUNTRY``            ``"PL"``                         hosted here → police + NTD;
                                                                    elsewhere → partner hotline
``OSTOJA_POLICE_CONTACT``          ``""``                           slug of a police organisation
                                                                    or an e-mail address
``OSTOJA_RENOTICE_HOURS``          24                               re-notice interval
``OSTOJA_ESCALATE_DAYS``           7                                days after the first notice
                                                                    before supervisors are alerted
``OSTOJA_RETRACE_MINUTES``         60                               retry interval for items whose
                                                                    hosting is unknown
``OSTOJA_NTD_LINK_TTL_DAYS``       30                               validity of providers' links
``OSTOJA_URLLIST_OVERLAP_SECONDS`` 60                               ``next_since`` lags "now" by
                                                                    this much (see ``api.py``)
``OSTOJA_TAKEDOWN_RATE_LIMITS``    see ``ratelimit.DEFAULT_LIMITS`` anonymous pages' limits
``OSTOJA_APPEAL_RETENTION_DAYS``   90                               appellants' e-mail addresses
                                                                    and names are deleted this
                                                                    many days after the decision
=================================  ===============================  ===============================
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings


def _get(name, default):
    value = getattr(settings, name, default)
    return default if value is None else value


def resolver_path() -> str:
    return _get("OSTOJA_TAKEDOWN_RESOLVER", "ostoja.takedown.trace.SystemResolver")


def dns_timeout() -> float:
    return float(_get("OSTOJA_TAKEDOWN_DNS_TIMEOUT", 5))


def country_db():
    return getattr(settings, "OSTOJA_GEOIP_COUNTRY_DB", None) or None


def asn_db():
    return getattr(settings, "OSTOJA_GEOIP_ASN_DB", None) or None


def home_country() -> str:
    return str(_get("OSTOJA_HOME_COUNTRY", "PL")).upper()


def police_contact() -> str:
    return str(_get("OSTOJA_POLICE_CONTACT", "")).strip()


def renotice_interval() -> timedelta:
    return timedelta(hours=max(0.01, float(_get("OSTOJA_RENOTICE_HOURS", 24))))


def escalate_after() -> timedelta:
    return timedelta(days=max(0.001, float(_get("OSTOJA_ESCALATE_DAYS", 7))))


def retrace_interval() -> timedelta:
    return timedelta(minutes=max(1.0, float(_get("OSTOJA_RETRACE_MINUTES", 60))))


def link_ttl_seconds() -> int:
    return int(float(_get("OSTOJA_NTD_LINK_TTL_DAYS", 30)) * 86400)


def urllist_overlap() -> timedelta:
    return timedelta(seconds=max(0, int(_get("OSTOJA_URLLIST_OVERLAP_SECONDS", 60))))


def site_url() -> str:
    return (getattr(settings, "SITE_URL", "") or "http://127.0.0.1:8000").rstrip("/")


def appeal_retention_days() -> int:
    return max(0, int(_get("OSTOJA_APPEAL_RETENTION_DAYS", 90)))
