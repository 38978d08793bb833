"""Every X-ARF notice against the official X-ARF v4 schemas (issue 11, item 19).

The schemas are the unmodified files of ``xarf/xarf-spec`` (``tests/fixtures/xarf-v4/``,
MIT licence beside them), loaded here on their own — not through ``ostoja.takedown.xarf`` —
and checked with jsonschema's ``FormatChecker`` (``uri`` included: rfc3986-validator).
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest
from referencing import Registry, Resource

from ostoja.takedown import xarf
from ostoja.takedown.xarf import Party, build_csam_report, validate_report

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "xarf-v4"
PACKAGE_COPY = Path(xarf.__file__).with_name("xarf_v4")
HOTLINE = Party("Dyżurnet.pl (test)", "dyzurnet@hotline.example", "hotline.example")
SEEN = datetime(2025, 3, 1, 12, 30, tzinfo=UTC)


def _official_validator() -> jsonschema.Draft202012Validator:
    resources = []
    for path in sorted(FIXTURES.rglob("*.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        resources.append((contents["$id"], Resource.from_contents(contents)))
    registry = Registry().with_resources(resources)
    master = registry["https://xarf.org/schemas/v4/xarf-v4-master.json"].contents
    checker = jsonschema.FormatChecker()
    assert "uri" in checker.checkers, "the uri format check needs rfc3986-validator"
    return jsonschema.Draft202012Validator(master, registry=registry, format_checker=checker)


OFFICIAL = _official_validator()


def official_errors(report) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in OFFICIAL.iter_errors(report)]


def report(**kwargs):
    args = {"url": "https://files.example.com/a", "observed_at": SEEN, "reporter": HOTLINE}
    args.update(kwargs)
    return build_csam_report(**args)


def test_the_fixtures_are_the_official_files_with_their_licence():
    assert "MIT License" in (FIXTURES / "LICENSE").read_text()
    assert (FIXTURES / "xarf-v4-master.json").exists()
    for name in ("LICENSE", "xarf-core.json", "types/content-base.json", "types/content-csam.json"):
        assert (PACKAGE_COPY / name).read_bytes() == (FIXTURES / name).read_bytes(), name


def test_format_checks_are_really_on():
    """A Unicode URL is not a ``uri``: the official check must say so (a checker without
    rfc3986-validator would accept it silently)."""
    base = report()
    for field, value in [
        ("url", "https://zażółć.example/ścieżka"),
        ("url", "not a uri"),
        ("timestamp", "yesterday"),
        ("report_id", "not-a-uuid"),
    ]:
        broken = {**base, field: value}
        assert official_errors(broken), (field, value)
        assert validate_report(broken), (field, value)


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        # A punycode host: the official domain pattern refuses "xn--": no domain field.
        (
            {"url": "https://zażółć.example/ścieżka?q=ł#ą"},
            {
                "url": "https://xn--za-6ja4f8n1l.example/%C5%9Bcie%C5%BCka?q=%C5%82#%C4%85",
                "source_identifier": "xn--za-6ja4f8n1l.example",
                "domain": None,
            },
        ),
        (
            {"url": "https://xn--za-6ja4f8n1l.example/x"},
            {"source_identifier": "xn--za-6ja4f8n1l.example", "domain": None},
        ),
        # A single-label host: refused by the pattern; named by url and source_identifier.
        ({"url": "http://intranet/page"}, {"source_identifier": "intranet", "domain": None}),
        # An IP host with a traced IP: no domain, the IP is the source.
        (
            {"url": "http://192.0.2.7/x", "source_ip": "192.0.2.7"},
            {"source_identifier": "192.0.2.7", "domain": None},
        ),
        # An ordinary host keeps its domain.
        ({"url": "https://files.example.com/a"}, {"domain": "files.example.com"}),
        # A tag with a dot: the dot becomes a hyphen.
        ({"tags": ["ostoja:v1.2", "ostoja:notice"]}, {"tags": ["ostoja:v1-2", "ostoja:notice"]}),
        # A Unicode path on an ASCII host: percent-encoded UTF-8.
        (
            {"url": "https://files.example.com/zdjęcie 1"},
            {"url": "https://files.example.com/zdj%C4%99cie%201"},
        ),
    ],
)
def test_hosts_and_tags_the_official_schema_refuses_are_carried_as_decided(kwargs, expected):
    r = report(**kwargs)
    for field, value in expected.items():
        assert r.get(field) == value, (field, r.get(field))
    assert official_errors(r) == []
    assert validate_report(r) == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("domain", "xn--za-6ja4f8n1l.example"),
        ("domain", "intranet"),
        ("tags", ["ostoja:v1.2"]),
        ("url", "https://zażółć.example/"),
    ],
)
def test_the_project_validation_refuses_what_the_official_schema_refuses(field, value):
    r = {**report(), field: value}
    assert official_errors(r)
    assert validate_report(r)


def test_a_tag_that_cannot_be_mended_is_refused():
    with pytest.raises(ValueError):
        report(tags=["Ostoja:Notice"])


@pytest.mark.django_db
def test_every_demo_notice_passes_the_official_schemas(td, settings):
    from ostoja.organisations.models import Membership
    from ostoja.outbox.models import OutboxMessage as Message
    from ostoja.takedown import demo, hosting, notices
    from ostoja.takedown.models import Notice
    from tests.factories import OrganisationFactory, UserFactory
    from tests.hotline.factories import HotlineFactory

    settings.OSTOJA_TAKEDOWN_RESOLVER = "tests.takedown.test_app_commands.ExplodingResolver"
    hotline = HotlineFactory(slug=demo.DEMO_HOTLINE, name="Demo hotline")
    OrganisationFactory(slug=demo.DEMO_PROVIDER, kind="hosting_provider")
    OrganisationFactory(slug=demo.DEMO_PARTNER, kind="hotline", country="DE", language="en")
    for email, role in (
        ("analityk@demo.ostoja.invalid", "hotline_analyst"),
        ("superwizor@demo.ostoja.invalid", "hotline_supervisor"),
    ):
        Membership.objects.create(user=UserFactory(email=email), organisation=hotline, role=role)
    demo.seed_demo(io.StringIO())

    built = []
    for notice in Notice.objects.filter(case__hotline=hotline).select_related("case__item"):
        trace = hosting.effective(notice.case.item).trace
        built.append(
            notices.xarf_report(notice.case, notice, trace, sequence=max(1, notice.send_count))
        )
    sent = []
    for message in Message.objects.all():
        for attachment in message.attachments or []:
            if attachment.get("name") == notices.XARF_ATTACHMENT:
                sent.append(json.loads(attachment["content"]))
        if isinstance(message.payload, dict) and isinstance(message.payload.get("xarf"), dict):
            sent.append(message.payload["xarf"])
    assert built and sent
    for r in built + sent:
        assert official_errors(r) == [], r
        assert validate_report(r) == [], r
