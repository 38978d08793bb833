"""Hosting trace with a fake resolver and tiny .mmdb files built here (never the internet)."""

import socket
import time
from datetime import UTC, datetime

import pytest
from mmdb_writer import MMDBWriter
from netaddr import IPSet

from ostoja.takedown.trace import (
    FakeResolver,
    GeoLookup,
    ProviderRule,
    ResolveError,
    Resolver,
    SystemResolver,
    TraceResult,
    match_provider,
    normalise_host,
    trace_host,
)

# Documentation ranges only (RFC 5737 / RFC 3849).
PL_NET, DE_NET, UNKNOWN_IP = "192.0.2.0/24", "198.51.100.0/24", "203.0.113.9"
PL_IP, PL_IP2, DE_IP, V6_IP = "192.0.2.10", "192.0.2.200", "198.51.100.7", "2001:db8::10"
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def mmdb(tmp_path_factory):
    """A country and an ASN database in GeoLite2 / DB-IP Lite layout."""
    root = tmp_path_factory.mktemp("mmdb")
    country = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="GeoLite2-Country")
    country.insert_network(IPSet([PL_NET]), {"country": {"iso_code": "PL"}})
    country.insert_network(IPSet([DE_NET]), {"registered_country": {"iso_code": "DE"}})
    country.insert_network(IPSet(["2001:db8::/32"]), {"country": {"iso_code": "NL"}})
    country.to_db_file(str(root / "country.mmdb"))
    asn = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="GeoLite2-ASN")
    asn.insert_network(
        IPSet([PL_NET]),
        {"autonomous_system_number": 64500, "autonomous_system_organization": "Hosting PL"},
    )
    asn.insert_network(
        IPSet([DE_NET]),
        {"autonomous_system_number": 64501, "autonomous_system_organization": "Hoster DE"},
    )
    asn.to_db_file(str(root / "asn.mmdb"))
    return root


@pytest.fixture
def geo(mmdb):
    with GeoLookup(mmdb / "country.mmdb", mmdb / "asn.mmdb") as lookup:
        yield lookup


def test_trace_resolves_and_looks_up_every_address(geo):
    resolver = FakeResolver({"files.example.com": [PL_IP, DE_IP, PL_IP]})
    result = trace_host("Files.Example.COM.", resolver, geo, now=NOW)
    assert resolver.calls == ["files.example.com"]
    assert result.host == "files.example.com"
    assert result.ips == (PL_IP, DE_IP)  # de-duplicated, resolver order kept
    assert (result.country, result.asn, result.as_org) == ("PL", 64500, "Hosting PL")
    assert result.countries == ("PL", "DE")  # registered_country used as a fallback
    assert result.errors == () and result.ok
    assert result.traced_at == NOW
    assert result.to_dict()["addresses"][1] == {
        "ip": DE_IP,
        "country": "DE",
        "asn": 64501,
        "as_org": "Hoster DE",
    }


def test_ipv6_and_ip_literals_need_no_dns(geo):
    resolver = FakeResolver({})
    v6 = trace_host(f"[{V6_IP}]", resolver, geo)
    assert v6.ips == (V6_IP,) and v6.country == "NL" and v6.asn is None
    assert "geo_not_found" in v6.error_codes  # not in the ASN database
    literal = trace_host(PL_IP, resolver, geo)
    assert literal.country == "PL" and resolver.calls == []


def test_dns_failures_become_errors_not_exceptions(geo):
    resolver = FakeResolver(
        {
            "timeout.example": ResolveError("dns_timeout", "no answer"),
            "empty.example": [],
            "junk.example": ["not-an-ip", PL_IP],
            "broken.example": RuntimeError("resolver plug-in bug"),
        }
    )
    assert trace_host("nxdomain.example", resolver, geo).error_codes == ("dns_failed",)
    timed_out = trace_host("timeout.example", resolver, geo)
    assert timed_out.error_codes == ("dns_timeout",) and not timed_out.ok
    assert trace_host("empty.example", resolver, geo).error_codes == ("dns_empty",)
    junk = trace_host("junk.example", resolver, geo)
    assert junk.ips == (PL_IP,) and junk.error_codes == ("dns_bad_answer",)
    assert trace_host("broken.example", resolver, geo).error_codes == ("dns_failed",)


@pytest.mark.parametrize(
    "host", ["", "   ", "a b.example", "user@host.example", "x" * 300, "a..b", "-" * 64 + ".pl"]
)
def test_invalid_hosts(host, geo):
    result = trace_host(host, FakeResolver({}), geo)
    assert result.error_codes == ("invalid_host",) and result.ips == ()


def test_international_host_names_are_resolved_in_a_label_form(geo):
    resolver = FakeResolver({"xn--za-6ja4f8n1l.example": [PL_IP]})
    assert trace_host("Zażółć.example", resolver, geo).country == "PL"
    assert normalise_host("ZAŻÓŁĆ.example.") == "xn--za-6ja4f8n1l.example"


def test_address_missing_from_the_databases(geo):
    result = trace_host(UNKNOWN_IP, FakeResolver({}), geo)
    assert result.ips == (UNKNOWN_IP,) and result.country is None and not result.ok
    assert result.error_codes == ("geo_not_found", "geo_not_found")


def test_missing_and_corrupt_databases_do_not_raise(tmp_path, mmdb):
    corrupt = tmp_path / "corrupt.mmdb"
    corrupt.write_bytes(b"this is not a maxmind database" * 10)
    truncated = tmp_path / "truncated.mmdb"
    truncated.write_bytes((mmdb / "asn.mmdb").read_bytes()[:40])
    resolver = FakeResolver({"h.example": [PL_IP]})
    for country_db, asn_db, codes in [
        (tmp_path / "nope.mmdb", None, {"country_db_missing", "asn_db_missing"}),
        (corrupt, truncated, {"country_db_corrupt", "asn_db_corrupt"}),
        (mmdb / "country.mmdb", corrupt, {"asn_db_corrupt"}),
    ]:
        with GeoLookup(country_db, asn_db) as geo:
            result = trace_host("h.example", resolver, geo)
            again = trace_host("h.example", resolver, geo)  # the failure is remembered
        assert set(result.error_codes) == codes, result.errors
        assert result.ips == (PL_IP,) and again.errors == result.errors
    with GeoLookup(mmdb / "country.mmdb", corrupt) as geo:
        assert trace_host("h.example", resolver, geo).country == "PL"  # the good file works


def test_system_resolver_with_an_ip_literal_and_a_timeout(monkeypatch):
    assert isinstance(SystemResolver(), Resolver)
    # A numeric host is parsed by getaddrinfo without any lookup.
    assert SystemResolver().resolve("127.0.0.1") == ["127.0.0.1"]

    def slow(*args, **kwargs):
        time.sleep(2)
        return []

    monkeypatch.setattr(socket, "getaddrinfo", slow)
    started = time.monotonic()
    with pytest.raises(ResolveError) as exc:
        SystemResolver(timeout=0.2).resolve("slow.example")
    assert exc.value.code == "dns_timeout" and time.monotonic() - started < 1.5

    def fail(*args, **kwargs):
        raise socket.gaierror(-2, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", fail)
    with pytest.raises(ResolveError) as exc:
        SystemResolver().resolve("nxdomain.example")
    assert exc.value.code == "dns_failed"


# --- provider matching ----------------------------------------------------------------------


def _trace(geo, *ips):
    return trace_host("h.example", FakeResolver({"h.example": list(ips)}), geo)


def test_most_specific_range_beats_a_wider_range_and_an_asn(geo):
    rules = [("AS64500", "asn-owner"), ("192.0.2.0/24", "wide"), ("192.0.2.0/28", "narrow")]
    match = match_provider(_trace(geo, PL_IP), rules)
    assert (match.provider, match.reason, match.ip) == ("narrow", "network", PL_IP)
    match = match_provider(_trace(geo, PL_IP2), rules)
    assert (match.provider, match.reason) == ("wide", "network")
    match = match_provider(_trace(geo, PL_IP2), [("AS64500", "asn-owner")])
    assert (match.provider, match.reason) == ("asn-owner", "asn")


def test_addresses_are_matched_in_resolver_order(geo):
    rules = {64501: "de-host", "192.0.2.0/24": "pl-host"}
    assert match_provider(_trace(geo, DE_IP, PL_IP), rules).provider == "de-host"
    assert match_provider(_trace(geo, PL_IP, DE_IP), rules).provider == "pl-host"


def test_no_match_and_ipv6_ranges(geo):
    assert match_provider(_trace(geo, UNKNOWN_IP), [("AS64500", "x")]) is None
    assert match_provider(TraceResult(host="x"), [("AS1", "x")]) is None
    six = _trace(geo, V6_IP)
    assert match_provider(six, [("192.0.2.0/24", "v4"), ("2001:db8::/48", "v6")]).provider == "v6"


@pytest.mark.parametrize("spec", ["AS", "ASx1", "AS0", "AS4294967296", "300.0.0.0/8", None, True])
def test_bad_rules_are_refused(spec):
    with pytest.raises(ValueError):
        ProviderRule.parse(spec, "p")


def test_rule_without_provider_is_refused():
    with pytest.raises(ValueError):
        ProviderRule.parse("AS1", "")
