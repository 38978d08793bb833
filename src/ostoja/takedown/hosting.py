"""The Django side of the hosting trace: configured resolver and ``.mmdb`` files, provider rules
from the database, traces stored per item (see ``trace.py`` for the pure core).

* The resolver is a dotted path (``OSTOJA_TAKEDOWN_RESOLVER``): a class is instantiated with
  ``timeout=`` if it accepts it, any other callable is called without arguments. Tests point
  it at a :class:`~ostoja.takedown.trace.FakeResolver`; nothing here ever fetches the URL.
* ``.mmdb`` readers are opened once per process and re-opened when a path or the file's
  modification time changes (a weekly GeoLite2 update needs no restart).
* :func:`trace_item` never raises for DNS or database faults; the stored trace carries the
  error codes and the case stays actionable.
"""

from __future__ import annotations

import inspect
import ipaddress
import os
import threading
from dataclasses import dataclass

from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ostoja.organisations.models import Organisation

from . import conf, trace
from .models import HostingTrace, ProviderRule

_geo_lock = threading.Lock()
_geo_state: dict = {"key": None, "lookup": None}


def get_resolver() -> trace.Resolver:
    target = import_string(conf.resolver_path())
    if inspect.isclass(target):
        try:
            params = inspect.signature(target).parameters
        except (TypeError, ValueError):
            params = {}
        if "timeout" in params:
            return target(timeout=conf.dns_timeout())
        return target()
    return target()


def _mtime(path) -> float | None:
    try:
        return os.stat(path).st_mtime if path else None
    except OSError:
        return None


def get_geo() -> trace.GeoLookup:
    country, asn = conf.country_db(), conf.asn_db()
    key = (str(country), _mtime(country), str(asn), _mtime(asn))
    with _geo_lock:
        if _geo_state["key"] != key:
            old = _geo_state["lookup"]
            _geo_state["lookup"] = trace.GeoLookup(country, asn)
            _geo_state["key"] = key
            if old is not None:
                old.close()
        return _geo_state["lookup"]


def provider_rules() -> list[trace.ProviderRule]:
    rules = []
    for rule in ProviderRule.objects.all().only("organisation_id", "asn", "network"):
        spec = rule.asn if rule.asn is not None else rule.network
        try:
            rules.append(trace.ProviderRule.parse(spec, str(rule.organisation_id)))
        except ValueError:
            continue  # validated on save; a hand-edited bad row must not break every trace
    return rules


def parse_rule_spec(spec: str) -> tuple[int | None, str]:
    """``"AS64500"``/``"64500"`` → (64500, ""); ``"192.0.2.0/24"`` → (None, "192.0.2.0/24").

    Raises ``ValueError`` with a readable message. Networks are normalised (host bits cleared);
    a single address becomes a /32 or /128. Ranges wider than /8 (IPv4) or /16 (IPv6) are
    refused: they would claim a large part of the internet for one provider.
    """
    text = (spec or "").strip()
    invalid = _("Enter an AS number (AS64500) or an IP range (192.0.2.0/24).")
    if not text or len(text) > 49:
        raise ValueError(invalid)
    digits = text[2:] if text.upper().startswith("AS") else text
    if digits.isascii() and digits.isdigit():
        number = int(digits)
        if not 0 < number < 2**32:
            raise ValueError(_("AS numbers are between 1 and 4294967295."))
        return number, ""
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError as exc:
        raise ValueError(invalid) from exc
    if network.prefixlen < (8 if network.version == 4 else 16):
        raise ValueError(_("The IP range is too wide (at most /8 for IPv4, /16 for IPv6)."))
    return None, str(network)


@dataclass(frozen=True)
class Hosting:
    """The hosting in force for an item: the latest override, else the latest lookup."""

    trace: HostingTrace | None
    country: str
    provider: Organisation | None

    @property
    def known(self) -> bool:
        return bool(self.country)


def latest_override(item) -> HostingTrace | None:
    return (
        HostingTrace.objects.filter(item=item, kind=HostingTrace.Kind.OVERRIDE)
        .select_related("provider")
        .order_by("-traced_at", "-pk")
        .first()
    )


def latest_lookup(item) -> HostingTrace | None:
    return (
        HostingTrace.objects.filter(item=item, kind=HostingTrace.Kind.LOOKUP)
        .select_related("provider")
        .order_by("-traced_at", "-pk")
        .first()
    )


def effective(item) -> Hosting:
    chosen = latest_override(item) or latest_lookup(item)
    if chosen is None:
        return Hosting(None, "", None)
    return Hosting(chosen, chosen.country, chosen.provider)


def trace_item(item, *, purpose: str, actor=None, resolver=None, now=None) -> HostingTrace:
    """Trace the item's host now and store the result (never raises for network faults)."""
    now = now or timezone.now()
    resolver = resolver or get_resolver()
    result = trace.trace_host(item.host, resolver, get_geo(), now=now)
    match = trace.match_provider(result, provider_rules()) if result.ips else None
    provider = None
    if match is not None:
        provider = Organisation.objects.filter(pk=int(match.provider)).first()
    return HostingTrace.objects.create(
        item=item,
        kind=HostingTrace.Kind.LOOKUP,
        purpose=purpose,
        host=result.host[:253],
        ips=list(result.ips),
        addresses=[a.__dict__.copy() for a in result.addresses],
        country=result.country or "",
        asn=result.asn,
        as_org=(result.as_org or "")[:200],
        provider=provider,
        match_reason=match.reason if match else "",
        errors=[str(e)[:300] for e in result.errors][:20],
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        traced_at=now,
    )


#: What each trace error code (``trace.py``) means for the analyst, and what to do next.
TRACE_PROBLEMS = {
    "invalid_host": gettext_lazy(
        "The host name cannot be looked up: it is not a valid domain name."
    ),
    "dns_failed": gettext_lazy(
        "The host name could not be resolved: the domain may no longer exist, or this server "
        "cannot reach a DNS resolver (hosting traces need DNS)."
    ),
    "dns_timeout": gettext_lazy(
        "The DNS server did not answer in time. Try again in a few minutes."
    ),
    "dns_empty": gettext_lazy("The domain exists but points to no IP address."),
    "dns_bad_answer": gettext_lazy("The DNS answer contained something that is not an IP address."),
    "country_db_missing": gettext_lazy(
        "No country database is configured (OSTOJA_GEOIP_COUNTRY_DB), so the country of the "
        "address cannot be found."
    ),
    "country_db_corrupt": gettext_lazy("The country database cannot be read."),
    "asn_db_missing": gettext_lazy(
        "No network database is configured (OSTOJA_GEOIP_ASN_DB), so the network operator "
        "cannot be found."
    ),
    "asn_db_corrupt": gettext_lazy("The network database cannot be read."),
    "geo_not_found": gettext_lazy("The address is not in the country or network database."),
    "geo_lookup_failed": gettext_lazy("Looking the address up in a database failed."),
}


def explain_problems(codes) -> list[str]:
    """Translated sentences for trace error codes (each once, in order; unknown codes too)."""
    out: list[str] = []
    for code in codes:
        text = str(TRACE_PROBLEMS.get(code) or _("The trace failed (%(code)s).") % {"code": code})
        if text not in out:
            out.append(text)
    return out
