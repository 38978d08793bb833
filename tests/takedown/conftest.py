"""Fixtures of the takedown app's tests: tiny .mmdb files, fake DNS, a hotline world.

Only the app tests (``test_app_*.py``) use these; the core tests keep their own fixtures.
Addresses are documentation ranges (RFC 5737), hosts example.com-style; nothing leaves
127.0.0.1.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from mmdb_writer import MMDBWriter
from netaddr import IPSet

from ostoja.takedown.trace import FakeResolver

PL_NET, DE_NET, NL_NET = "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/25"
PL_IP, PL_IP2, DE_IP, NL_IP = "192.0.2.10", "192.0.2.77", "198.51.100.7", "203.0.113.9"
UNLISTED_IP = "203.0.113.200"  # in neither database

#: host -> IP addresses (or an exception) answered by the fake resolver; tests change it.
DNS: dict = {}


def fake_resolver():
    """``OSTOJA_TAKEDOWN_RESOLVER`` in tests: answers from :data:`DNS`, never the network."""
    return FakeResolver(dict(DNS))


def build_mmdb(root):
    country = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="GeoLite2-Country")
    country.insert_network(IPSet([PL_NET]), {"country": {"iso_code": "PL"}})
    country.insert_network(IPSet([DE_NET]), {"country": {"iso_code": "DE"}})
    country.insert_network(IPSet([NL_NET]), {"registered_country": {"iso_code": "NL"}})
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
    asn.insert_network(
        IPSet([NL_NET]),
        {"autonomous_system_number": 64502, "autonomous_system_organization": "Hoster NL"},
    )
    asn.to_db_file(str(root / "asn.mmdb"))
    return root / "country.mmdb", root / "asn.mmdb"


@pytest.fixture(scope="session")
def mmdb_files(tmp_path_factory):
    return build_mmdb(tmp_path_factory.mktemp("takedown-mmdb"))


def reset_dns() -> dict:
    DNS.clear()
    DNS.update(
        {
            "files.example.com": [PL_IP],
            "img.example.net": [PL_IP2],
            "de.example.org": [DE_IP],
            "nl.example.org": [NL_IP],
            "unlisted.example.org": [UNLISTED_IP],
        }
    )
    return DNS


@pytest.fixture
def dns():
    yield reset_dns()
    DNS.clear()


def configure(settings, mmdb_files):
    """Point the takedown app at the fixture .mmdb files and the fake resolver."""
    settings.OSTOJA_GEOIP_COUNTRY_DB = str(mmdb_files[0])
    settings.OSTOJA_GEOIP_ASN_DB = str(mmdb_files[1])
    settings.OSTOJA_TAKEDOWN_RESOLVER = "tests.takedown.conftest.fake_resolver"
    settings.OSTOJA_POLICE_CONTACT = "td-police"
    settings.OSTOJA_RENOTICE_HOURS = 24
    settings.OSTOJA_ESCALATE_DAYS = 7
    settings.SITE_URL = "https://ostoja.example"
    settings.OUTBOX_DELIVER_ON_COMMIT = False  # tests deliver explicitly with deliver_due()
    return settings


@pytest.fixture
def takedown_settings(settings, mmdb_files, dns):
    return configure(settings, mmdb_files)


ILLEGAL = {
    "outcome": "illegal_baseline",
    "content_type": "image",
    "site_type": "image_host",
    "age_band": "3-13",
    "gender": "girl",
    "severity": "high",
}


@dataclass
class TakedownWorld:
    hotline: object
    analyst: object
    supervisor: object
    provider: object
    partner_de: object
    police: object
    extra: dict = field(default_factory=dict)


@pytest.fixture
def td(db, takedown_settings, user_factory):
    """A Polish hotline with staff, a provider on AS64500, a German partner hotline, police."""
    return make_world(user_factory)


def make_world(user_factory) -> TakedownWorld:
    from ostoja.takedown import services
    from tests.factories import OrganisationFactory
    from tests.hotline.factories import HotlineFactory

    hotline = HotlineFactory(
        slug="td-hotline", name="Punkt Testowy", contact_email="zespol@hotline.example"
    )
    provider = OrganisationFactory(
        kind="hosting_provider", slug="td-provider", name="Hosting Testowy", language="pl"
    )
    partner = OrganisationFactory(
        kind="hotline", slug="td-partner-de", name="Meldestelle Test", country="DE", language="en"
    )
    police = OrganisationFactory(
        kind="police",
        slug="td-police",
        name="Policja Testowa",
        contact_email="dyzur@police.example",
    )
    services.add_provider_rule(actor=None, organisation=provider, spec="AS64500")
    services.save_contact_point(
        actor=None, organisation=provider, email="abuse@provider.example", language="pl"
    )
    services.save_contact_point(
        actor=None, organisation=partner, email="team@partner.example", language="en"
    )
    return TakedownWorld(
        hotline=hotline,
        analyst=user_factory("hotline_analyst", hotline),
        supervisor=user_factory("hotline_supervisor", hotline),
        provider=provider,
        partner_de=partner,
        police=police,
    )


def illegal_item(hotline, analyst, url: str, **assessment):
    """Report ``url`` and assess it illegal through the hotline's own services."""
    from ostoja.hotline import services as hotline_services
    from ostoja.hotline.models import Item
    from tests.hotline.factories import report

    submitted = report(hotline, [url])
    item = Item.objects.get(pk=submitted.urls[0].item_id)
    hotline_services.claim_item(item, actor=analyst)
    hotline_services.assess_item(item, actor=analyst, **{**ILLEGAL, **assessment})
    item.refresh_from_db()
    return item


def open_case(td, url: str = "https://files.example.com/a/1", **assessment):
    """An illegal item with its case processed (traced and routed), as after the wiring."""
    from ostoja.takedown import services

    item = illegal_item(td.hotline, td.analyst, url, **assessment)
    case = services.handle_illegal_assessment(actor=td.analyst, item=item)
    return services.process_case(case, actor=td.analyst)
