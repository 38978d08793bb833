"""Hosting trace: host → IP addresses → country and ASN → hosting provider (pure Python).

* Name resolution is pluggable (:class:`Resolver`): :class:`SystemResolver` asks the operating
  system with a timeout; :class:`FakeResolver` answers from a dict in tests. Nothing here
  fetches the reported URL: only its host name is resolved.
* :class:`GeoLookup` reads MaxMind-format ``.mmdb`` files (GeoLite2 or DB-IP Lite, country and
  ASN editions) with ``maxminddb``. Missing, unreadable or corrupt files do not raise: the
  result says what is missing in ``errors`` and the item stays actionable.
* :func:`trace_host` never raises for network or data problems; :func:`match_provider` maps the
  result to a provider key with rules by IP range (most specific wins) or by ASN.

Error codes (each ``errors`` entry is ``"<code>: <detail>"``): ``invalid_host``,
``dns_failed``, ``dns_timeout``, ``dns_empty``, ``dns_bad_answer``, ``country_db_missing``,
``country_db_corrupt``, ``asn_db_missing``, ``asn_db_corrupt``, ``geo_not_found``,
``geo_lookup_failed``.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol, runtime_checkable

import maxminddb

MAX_ADDRESSES = 16


class ResolveError(Exception):
    """Resolution failed; ``code`` is ``dns_failed``, ``dns_timeout`` or ``dns_empty``."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(detail or code)
        self.code = code


@runtime_checkable
class Resolver(Protocol):
    def resolve(self, host: str) -> list[str]:
        """IP addresses (text) of ``host``; raise :class:`ResolveError` on failure."""


class SystemResolver:
    """The operating system's resolver (``getaddrinfo``) with a timeout.

    ``getaddrinfo`` itself cannot time out, so it runs in a daemon thread; after ``timeout``
    seconds the trace goes on without it (the thread ends on its own when the OS gives up).
    """

    def __init__(self, timeout: float = 5.0):
        self.timeout = timeout

    def resolve(self, host: str) -> list[str]:
        outcome: dict = {}

        def work():
            try:
                outcome["infos"] = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
            except (OSError, UnicodeError) as exc:
                outcome["error"] = exc

        thread = threading.Thread(target=work, name=f"resolve {host[:40]}", daemon=True)
        thread.start()
        thread.join(self.timeout)
        if thread.is_alive():
            raise ResolveError("dns_timeout", f"no answer within {self.timeout:g} s")
        if "error" in outcome:
            raise ResolveError("dns_failed", str(outcome["error"]))
        addresses = [info[4][0] for info in outcome.get("infos", [])]
        if not addresses:
            raise ResolveError("dns_empty", "no addresses")
        return addresses


class FakeResolver:
    """Answers from ``mapping``: host → list of IPs, or an exception to raise. Unknown hosts
    fail like NXDOMAIN. ``calls`` records every host asked, for assertions."""

    def __init__(self, mapping: Mapping[str, list[str] | Exception]):
        self.mapping = {k.lower().rstrip("."): v for k, v in mapping.items()}
        self.calls: list[str] = []

    def resolve(self, host: str) -> list[str]:
        self.calls.append(host)
        answer = self.mapping.get(host.lower().rstrip("."))
        if answer is None:
            raise ResolveError("dns_failed", f"{host}: name does not resolve")
        if isinstance(answer, Exception):
            raise answer
        if not answer:
            raise ResolveError("dns_empty", "no addresses")
        return list(answer)


# --- GeoIP / ASN ----------------------------------------------------------------------------


@dataclass(frozen=True)
class GeoResult:
    country: str | None = None
    asn: int | None = None
    as_org: str | None = None
    errors: tuple[str, ...] = ()


class GeoLookup:
    """Country and ASN lookups in ``.mmdb`` files; either path may be None (not configured).

    Field names read (GeoLite2 and DB-IP Lite share them): ``country.iso_code`` (falling back
    to ``registered_country.iso_code``) in the country database, ``autonomous_system_number``
    and ``autonomous_system_organization`` in the ASN database.
    """

    def __init__(self, country_db: str | Path | None = None, asn_db: str | Path | None = None):
        self._paths = {"country": country_db, "asn": asn_db}
        self._readers: dict = {}
        self._open_errors: dict[str, str] = {}
        self._lock = threading.Lock()

    def _reader(self, kind: str):
        with self._lock:
            if kind in self._readers or kind in self._open_errors:
                return self._readers.get(kind)
            path = self._paths[kind]
            if not path:
                self._open_errors[kind] = f"{kind}_db_missing: no {kind} database configured"
                return None
            try:
                reader = maxminddb.open_database(str(path), maxminddb.MODE_MEMORY)
            except FileNotFoundError:
                self._open_errors[kind] = f"{kind}_db_missing: {path} does not exist"
                return None
            except (maxminddb.InvalidDatabaseError, OSError, ValueError) as exc:
                self._open_errors[kind] = f"{kind}_db_corrupt: {path}: {exc}"[:300]
                return None
            self._readers[kind] = reader
            return reader

    def _get(self, kind: str, ip: str, errors: list[str]):
        reader = self._reader(kind)
        if reader is None:
            errors.append(self._open_errors[kind])
            return None
        try:
            record = reader.get(ip)
        except (maxminddb.InvalidDatabaseError, ValueError, TypeError, OSError) as exc:
            errors.append(f"geo_lookup_failed: {kind} database, {ip}: {exc}"[:300])
            return None
        if record is None:
            errors.append(f"geo_not_found: {ip} is not in the {kind} database")
        return record if isinstance(record, dict) else None

    def lookup(self, ip: str) -> GeoResult:
        errors: list[str] = []
        country = asn = as_org = None
        record = self._get("country", ip, errors)
        if record:
            for key in ("country", "registered_country"):
                code = (record.get(key) or {}).get("iso_code")
                if isinstance(code, str) and len(code) == 2 and code.isalpha():
                    country = code.upper()
                    break
        record = self._get("asn", ip, errors)
        if record:
            number = record.get("autonomous_system_number")
            asn = number if type(number) is int and number > 0 else None
            org = record.get("autonomous_system_organization")
            as_org = org[:200] if isinstance(org, str) and org else None
        return GeoResult(country, asn, as_org, tuple(errors))

    def close(self) -> None:
        with self._lock:
            for reader in self._readers.values():
                reader.close()
            self._readers.clear()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# --- the trace ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AddressInfo:
    ip: str
    country: str | None = None
    asn: int | None = None
    as_org: str | None = None


@dataclass(frozen=True)
class TraceResult:
    """The outcome of one trace. ``country``/``asn``/``as_org`` come from the first address
    (in resolver order) that has them; every address is in ``addresses``."""

    host: str
    ips: tuple[str, ...] = ()
    country: str | None = None
    asn: int | None = None
    as_org: str | None = None
    errors: tuple[str, ...] = ()
    traced_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    addresses: tuple[AddressInfo, ...] = ()

    @property
    def ok(self) -> bool:
        """Hosting is known (an address and a country)."""
        return bool(self.ips) and self.country is not None

    @property
    def error_codes(self) -> tuple[str, ...]:
        return tuple(e.split(":", 1)[0] for e in self.errors)

    @property
    def countries(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(a.country for a in self.addresses if a.country))

    def to_dict(self) -> dict:
        """JSON-ready (for storing the trace with the item)."""
        return {
            "host": self.host,
            "ips": list(self.ips),
            "country": self.country,
            "asn": self.asn,
            "as_org": self.as_org,
            "errors": list(self.errors),
            "traced_at": self.traced_at.isoformat(),
            "addresses": [a.__dict__.copy() for a in self.addresses],
        }


def normalise_host(host: str) -> str:
    """Lower-case A-label host without a trailing dot or IPv6 brackets; ValueError if bad."""
    if not isinstance(host, str):
        raise ValueError("host must be text")
    host = host.strip().rstrip(".").lower()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if not host or len(host) > 253 or any(c.isspace() or c in "/@?#" for c in host):
        raise ValueError(f"not a host name: {host[:80]!r}")
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise ValueError(f"not a valid international host name: {exc}") from exc
    labels = ascii_host.split(".")
    if not all(0 < len(label) <= 63 for label in labels):
        raise ValueError("host name labels are 1–63 characters")
    return ascii_host


def trace_host(
    host: str,
    resolver: Resolver,
    geo: GeoLookup,
    *,
    now: datetime | None = None,
) -> TraceResult:
    """Resolve ``host`` and look every address up; never raises for DNS or database faults."""
    traced_at = now or datetime.now(UTC)
    try:
        host = normalise_host(host)
    except ValueError as exc:
        return TraceResult(
            host=str(host)[:253], errors=(f"invalid_host: {exc}",), traced_at=traced_at
        )
    errors: list[str] = []
    try:
        ipaddress.ip_address(host)
        raw = [host]  # an IP literal needs no DNS
    except ValueError:
        try:
            raw = resolver.resolve(host)
        except ResolveError as exc:
            return TraceResult(host=host, errors=(f"{exc.code}: {exc}",), traced_at=traced_at)
        except Exception as exc:  # noqa: BLE001 - a broken resolver plug-in must not crash a trace
            return TraceResult(
                host=host, errors=(f"dns_failed: {type(exc).__name__}: {exc}",), traced_at=traced_at
            )
    ips: list[str] = []
    for value in raw or []:
        try:
            ip = str(ipaddress.ip_address(str(value).split("%")[0]))
        except ValueError:
            errors.append(f"dns_bad_answer: {str(value)[:60]!r} is not an IP address")
            continue
        if ip not in ips:
            ips.append(ip)
    ips = ips[:MAX_ADDRESSES]
    if not ips:
        errors.append("dns_empty: no usable addresses")
    addresses = []
    for ip in ips:
        found = geo.lookup(ip)
        errors.extend(e for e in found.errors if e not in errors)
        addresses.append(AddressInfo(ip, found.country, found.asn, found.as_org))
    first = next((a for a in addresses if a.country), None)
    first_asn = next((a for a in addresses if a.asn), None)
    return TraceResult(
        host=host,
        ips=tuple(ips),
        country=first.country if first else None,
        asn=first_asn.asn if first_asn else None,
        as_org=first_asn.as_org if first_asn else None,
        errors=tuple(errors),
        traced_at=traced_at,
        addresses=tuple(addresses),
    )


# --- provider matching ----------------------------------------------------------------------


@dataclass(frozen=True)
class ProviderRule:
    """Addresses in ``network`` or announced by ``asn`` belong to ``provider`` (a key, e.g. an
    organisation slug). Exactly one of ``asn``/``network`` is set; use :meth:`parse`."""

    provider: str
    asn: int | None = None
    network: ipaddress.IPv4Network | ipaddress.IPv6Network | None = None

    @classmethod
    def parse(cls, spec: str | int, provider: str) -> ProviderRule:
        """``"AS64500"``, ``64500``, ``"192.0.2.0/24"``, ``"2001:db8::/32"`` or a single IP."""
        if not provider:
            raise ValueError("A rule needs a provider key.")
        if isinstance(spec, int) and not isinstance(spec, bool):
            number = spec
        elif isinstance(spec, str) and spec.strip().upper().startswith("AS"):
            digits = spec.strip()[2:]
            if not (digits.isascii() and digits.isdigit()):
                raise ValueError(f"Not an ASN: {spec!r}")
            number = int(digits)
        elif isinstance(spec, str):
            return cls(provider, network=ipaddress.ip_network(spec.strip(), strict=False))
        else:
            raise ValueError(f"Not a rule: {spec!r}")
        if not 0 < number < 2**32:
            raise ValueError(f"ASN out of range: {spec!r}")
        return cls(provider, asn=number)


@dataclass(frozen=True)
class ProviderMatch:
    provider: str
    ip: str | None
    rule: ProviderRule
    reason: str  # "network" or "asn"


def _rules(rules) -> list[ProviderRule]:
    if isinstance(rules, Mapping):
        return [ProviderRule.parse(spec, provider) for spec, provider in rules.items()]
    out = []
    for rule in rules:
        out.append(rule if isinstance(rule, ProviderRule) else ProviderRule.parse(*rule))
    return out


def match_provider(
    trace: TraceResult,
    rules: Iterable[ProviderRule | tuple[str | int, str]] | Mapping[str | int, str],
) -> ProviderMatch | None:
    """The hosting provider for a trace, or None.

    Order: the trace's addresses in resolver order; for an address, the most specific
    matching IP range wins, then an ASN rule for the address's ASN. IP ranges beat ASNs
    because they are what a provider actually registered with us; an ASN may be a transit
    network announcing a customer's space.
    """
    parsed = _rules(rules)
    networks = sorted(
        (r for r in parsed if r.network is not None), key=lambda r: -r.network.prefixlen
    )
    by_asn = {}
    for r in parsed:
        if r.asn is not None:
            by_asn.setdefault(r.asn, r)
    infos = trace.addresses or tuple(AddressInfo(ip) for ip in trace.ips)
    for info in infos:
        address = ipaddress.ip_address(info.ip)
        for rule in networks:
            if address.version == rule.network.version and address in rule.network:
                return ProviderMatch(rule.provider, info.ip, rule, "network")
        if info.asn is not None and info.asn in by_asn:
            return ProviderMatch(by_asn[info.asn].provider, info.ip, by_asn[info.asn], "asn")
    if trace.asn is not None and trace.asn in by_asn:
        return ProviderMatch(by_asn[trace.asn].provider, None, by_asn[trace.asn], "asn")
    return None
