"""Demo data of notice and takedown: provider rules, contact points and a few cases.

``seed_demo(stdout)`` is called by ``manage.py seed_demo`` after the demo organisations, users
and the hotline's demo items exist. It is idempotent: if the demo hotline already has
takedown cases, it only makes sure the rules and contact points exist.

Nothing here resolves a name or opens a connection: the hosting traces are written as demo
data (documentation address ranges 192.0.2.0/24 and 198.51.100.0/24, documentation AS
numbers 64500/64501) and the cases are routed on them. Every address is example.com-style;
messages go to ``*.demo.invalid`` addresses through the outbox (the dev settings print
e-mails on the console).
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from ostoja.hotline import services as hotline_services
from ostoja.hotline.intake import ReportInput
from ostoja.hotline.models import Channel, Item, ItemState, Report
from ostoja.organisations.models import Organisation

from . import hosting, services
from .models import Appeal, Case, HostingTrace, Notice, ProviderRule

DEMO_HOTLINE = "demo-dyzurny-punkt"
DEMO_PROVIDER = "demo-hosting"
DEMO_PARTNER = "demo-hotline-de"
PL = {"ips": ["192.0.2.41"], "country": "PL", "asn": 64500, "as_org": "Przykladowy Hosting DEMO"}
DE = {"ips": ["198.51.100.23"], "country": "DE", "asn": 64501, "as_org": "Beispiel Hosting DEMO"}
# (address, hosting, hours from first report to the answer, answer) — fictitious.
EXTRA = [
    ("https://files.example.com/demo/a", PL, 6, "removed"),
    ("https://files.example.com/demo/b", PL, 30, "removed"),
    ("https://img.example.net/demo/c", PL, 80, "removed"),
    ("https://img.example.net/demo/d", PL, None, "acknowledged"),
    ("https://forum.example.org/demo/e", DE, 50, "removed"),
    ("https://forum.example.org/demo/f", DE, None, None),
    ("https://unknown.example.org/demo/g", None, None, None),
]
ASSESSMENT = {
    "outcome": "illegal_baseline",
    "content_type": "image",
    "site_type": "image_host",
    "age_band": "3-13",
    "gender": "unknown",
    "severity": "medium",
}


def seed_demo(stdout) -> None:
    hotline = Organisation.objects.filter(slug=DEMO_HOTLINE).first()
    provider = Organisation.objects.filter(slug=DEMO_PROVIDER).first()
    partner = Organisation.objects.filter(slug=DEMO_PARTNER).first()
    if hotline is None or provider is None or partner is None:
        stdout.write("Takedown: demo organisations missing, nothing seeded.")
        return
    with transaction.atomic():
        _directory(provider, partner)
    if Case.objects.filter(hotline=hotline).exists():
        stdout.write("Takedown: demo cases already present.")
        return
    User = get_user_model()
    analyst = User.objects.filter(email="analityk@demo.ostoja.invalid").first()
    supervisor = User.objects.filter(email="superwizor@demo.ostoja.invalid").first()
    if analyst is None or supervisor is None:
        stdout.write("Takedown: demo users missing, nothing seeded.")
        return
    now = timezone.now()
    with transaction.atomic():
        # The hotline demo's items already assessed as illegal.
        for index, item in enumerate(
            Item.objects.filter(hotline=hotline, state=ItemState.ACTIONABLE).order_by("pk")
        ):
            start = now - timedelta(hours=1)  # opened "now"
            _case(item, supervisor, PL if index % 2 == 0 else DE, start, answer_after=None)
        # A few more, with answers at different times, for the statistics page.
        for days_ago, (url, where, answer_after, answer) in enumerate(EXTRA, start=2):
            item = _illegal_item(hotline, analyst, url, now - timedelta(days=days_ago))
            if item is not None:
                _case(item, analyst, where, item.first_seen, answer_after, answer)
        Appeal.objects.get_or_create(
            hotline=hotline,
            url="https://files.example.com/demo/a",
            defaults={
                "email": "wlasciciel@strona.demo.invalid",
                "message": "Strona została usunięta wczoraj (dane fikcyjne).",
                "language": "pl",
            },
        )
    stdout.write(
        f"Takedown: {Case.objects.filter(hotline=hotline).count()} demo cases, "
        f"{ProviderRule.objects.count()} provider rules. Splash page: /blocked/"
    )


def _directory(provider, partner) -> None:
    for spec in ("AS64500", "192.0.2.0/24"):
        asn, network = hosting.parse_rule_spec(spec)
        if not ProviderRule.objects.filter(asn=asn, network=network).exists():
            services.add_provider_rule(
                actor=None, organisation=provider, spec=spec, note="Demo (adresy dokumentacyjne)"
            )
    if not hasattr(provider, "takedown_contact"):
        services.save_contact_point(
            actor=None, organisation=provider, email=provider.contact_email, language="pl"
        )
    if not hasattr(partner, "takedown_contact"):
        services.save_contact_point(
            actor=None, organisation=partner, email=partner.contact_email, language="en"
        )


def _illegal_item(hotline, analyst, url, when):
    submitted = hotline_services.submit_report(
        actor=None,
        hotline=hotline,
        channel=Channel.DEMO,
        data=ReportInput(incident_type="csam", urls=[url], description="Dane fikcyjne (demo)."),
    )
    if not submitted.urls or not submitted.urls[0].accepted:
        return None
    Report.objects.filter(pk=submitted.report.pk).update(created_at=when)
    item = Item.objects.get(pk=submitted.urls[0].item_id)
    Item.objects.filter(pk=item.pk).update(first_seen=when, last_seen=when, created_at=when)
    item.refresh_from_db()
    hotline_services.claim_item(item, actor=analyst)
    hotline_services.assess_item(item, actor=analyst, now=when + timedelta(hours=1), **ASSESSMENT)
    item.refresh_from_db()
    return item


def _case(item, actor, where, start, answer_after=None, answer=None) -> None:
    opened = start + timedelta(hours=1)
    case = services.handle_illegal_assessment(actor=actor, item=item, now=opened)
    if case is None:
        return
    HostingTrace.objects.create(
        item=item,
        purpose=HostingTrace.Purpose.ASSESSMENT,
        host=item.host,
        ips=where["ips"] if where else [],
        addresses=[],
        country=where["country"] if where else "",
        asn=where["asn"] if where else None,
        as_org=where["as_org"] if where else "",
        errors=[] if where else ["dns_failed: demo: the name does not resolve"],
        traced_at=opened,
    )
    if where is not None:
        HostingTrace.objects.filter(item=item).update(
            provider=Organisation.objects.filter(slug=DEMO_PROVIDER).first()
            if where is PL
            else None,
            match_reason="asn" if where is PL else "",
        )
    case = services.process_case(case, actor=actor, now=opened, retrace=False)
    if answer:
        notice = case.notices.filter(kind__in=[Notice.Kind.NTD, Notice.Kind.REFERRAL]).first()
        if notice is not None:
            when = start + timedelta(hours=answer_after or 2)
            services.record_response(
                notice=notice,
                action=answer,
                via=services.Via.PROVIDER_LINK,
                comment="Demo.",
                now=min(when, timezone.now()),
            )
