"""X-ARF v4 csam reports: what is emitted, that it validates, and what is refused."""

import json
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest

from ostoja.takedown.xarf import (
    SCHEMA,
    Party,
    build_csam_report,
    dumps,
    is_valid,
    validate_report,
)

HOTLINE = Party("Dyżurnet.pl (test)", "dyzurnet@hotline.example", "hotline.example")
SEEN = datetime(2025, 3, 1, 12, 30, tzinfo=UTC)
RID = "5f0c6d3e-8f3b-4c1e-9a57-1d2b3c4d5e6f"


def report(**kwargs):
    args = {"url": "https://files.example.com/a/b?x=1", "observed_at": SEEN, "reporter": HOTLINE}
    args.update(kwargs)
    return build_csam_report(**args)


def test_minimal_report_has_exactly_the_documented_fields():
    r = report(report_id=RID)
    assert r == {
        "xarf_version": "4.0.0",
        "report_id": RID,
        "timestamp": "2025-03-01T12:30:00Z",
        "reporter": {
            "org": "Dyżurnet.pl (test)",
            "contact": "dyzurnet@hotline.example",
            "domain": "hotline.example",
        },
        "sender": r["reporter"],
        "source_identifier": "files.example.com",
        "source_port": 443,
        "category": "content",
        "type": "csam",
        "url": "https://files.example.com/a/b?x=1",
        "domain": "files.example.com",
        "classification": "baseline",
        "detection_method": "manual_review",
    }
    assert validate_report(r) == []


def test_full_report_with_trace_data_validates():
    sender = Party("Ostoja", "noreply@ostoja.example", "ostoja.example")
    r = report(
        sender=sender,
        source_ip="2001:db8::1",
        classification="A1",
        evidence_source="user_report",
        media_type="video",
        hosting_provider="Example Hosting sp. z o.o.",
        asn=64500,
        country_code="pl",
        verified_at=SEEN + timedelta(hours=1),
        description="Reported by the public; confirmed by an analyst.",
        tags=["ostoja:notice", "source:public-report"],
        url="http://files.example.com:8080/x",
    )
    assert r["source_identifier"] == "2001:db8::1"
    assert r["source_port"] == 8080
    assert r["country_code"] == "PL"
    assert r["sender"]["org"] == "Ostoja"
    assert r["verified_at"] == "2025-03-01T13:30:00Z"
    assert is_valid(r)
    assert json.loads(dumps(r)) == r


def test_times_are_converted_to_utc_and_naive_times_refused():
    warsaw = timezone(timedelta(hours=2))
    assert report(observed_at=datetime(2025, 6, 1, 14, 0, tzinfo=warsaw))["timestamp"] == (
        "2025-06-01T12:00:00Z"
    )
    with pytest.raises(ValueError):
        report(observed_at=datetime(2025, 6, 1, 14, 0))


def test_international_and_ip_hosts():
    r = report(url="https://zażółć.example/ścieżka")
    # The official domain pattern refuses punycode: the A-label host is the source only,
    # and the URL is the URI of the same resource (test_xarf_official.py has every case).
    assert "domain" not in r and r["source_identifier"] == "xn--za-6ja4f8n1l.example"
    assert r["url"] == "https://xn--za-6ja4f8n1l.example/%C5%9Bcie%C5%BCka"
    ip = report(url="http://192.0.2.7/x")
    assert "domain" not in ip and ip["source_identifier"] == "192.0.2.7" and is_valid(ip)


def test_a_random_uuid_when_none_is_given():
    assert uuid.UUID(report()["report_id"]).version == 4
    assert report()["report_id"] != report()["report_id"]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"url": "ftp://example.com/x"},
        {"url": "https:///x"},
        {"url": "javascript:alert(1)"},
        {"classification": "C"},
        {"detection_method": "guess"},
        {"media_type": "picture"},
        {"asn": 0},
        {"asn": 2**32},
        {"country_code": "POL"},
        {"tags": ["NoNamespace"]},
        {"tags": [f"t:{i}" for i in range(21)]},
        {"description": "x" * 1001},
        {"source_ip": "999.1.1.1"},
        {"report_id": "not-a-uuid"},
        {"reporter": Party("Org", "not-an-email", "example.com")},
        {"reporter": Party("Org", "a@example.com", "bad domain!")},
        {"reporter": Party("", "a@example.com", "example.com")},
    ],
)
def test_invalid_input_is_refused(kwargs):
    with pytest.raises(ValueError):
        report(**kwargs)


def test_validation_reports_each_problem_with_its_place():
    r = report()
    r["timestamp"] = "yesterday"
    r["category"] = "messaging"
    del r["url"]
    problems = validate_report(r)
    assert any(p.startswith("timestamp:") for p in problems)
    assert any(p.startswith("category:") for p in problems)
    assert any("'url' is a required property" in p for p in problems)
    assert validate_report("not an object")
    assert validate_report({})


@pytest.mark.parametrize("value", ["2025-13-01T00:00:00Z", "2025-03-01 12:00:00Z", "2025-03-01"])
def test_date_time_format_is_checked(value):
    r = report()
    r["timestamp"] = value
    assert not is_valid(r)


def test_ostoja_profile_refuses_material_and_pointers_to_it():
    for name, value in [
        ("evidence", [{"content_type": "image/png", "payload": "AAAA"}]),
        ("screenshot_url", "https://shots.example/1.png"),
        ("hash_values", {"sha256": "0" * 64}),
    ]:
        r = report()
        r[name] = value
        assert any(p.startswith(f"{name}:") for p in validate_report(r))


def test_the_schema_is_the_official_csam_schema():
    assert SCHEMA["$id"] == "https://xarf.org/schemas/v4/types/content-csam.json"
    props = SCHEMA["allOf"][1]["properties"]
    assert props["classification"]["enum"] == ["baseline", "A1", "A2", "B1", "B2"]
    assert props["type"] == {"const": "csam"}
    assert set(SCHEMA["allOf"][1]["required"]) == {"classification", "detection_method"}
