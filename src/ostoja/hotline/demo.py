"""Demo data for the hotline: a queue that looks real, with fictitious, neutral content only.

``seed_demo(stdout)`` is called by ``manage.py seed_demo`` after the demo organisations and
users exist. It is idempotent: if the demo hotline already has demo reports, it does nothing.
Every address is on example.com / example.net / example.org; descriptions are neutral notes
of the kind a reporter writes about *where* something is, never what it shows.

Reports go through the real service functions (so items, priorities and the audit log are
exactly what intake produces); afterwards their timestamps are moved into the past so the
queue shows waiting times and overdue items, and the items are re-scored.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from ostoja.organisations.models import Organisation

from . import services
from .intake import ReportInput
from .models import Channel, Item, Report

DEMO_HOTLINE = "demo-dyzurny-punkt"
SOURCES = {
    "police": "demo-policja",
    "platform": "demo-platforma",
    "hosting": "demo-hosting",
    "partner": "demo-hotline-de",
    "public": None,
}
HOSTS = [
    "https://example.com/galeria/",
    "https://img.example.net/i/",
    "http://forum.example.org/watek/",
    "https://files.example.com/f/",
    "https://video.example.net/v/",
    "https://social.example.org/profil/",
]
DESCRIPTIONS = [
    "Link znaleziony w komentarzu pod artykułem.",
    "Adres przesłany w wiadomości prywatnej przez nieznaną osobę.",
    "Odnośnik w podpisie użytkownika na forum.",
    "Strona z listą plików, trzecia pozycja od góry.",
    "Profil, który obserwuje wiele kont nastolatków.",
    "Adres pojawił się w wynikach wyszukiwania.",
    "",
]
ESCALATIONS = [
    "Zgłaszający pisze, że zna dziecko i że sytuacja trwa teraz (dane fikcyjne).",
    "Transmisja zapowiedziana na dziś wieczór (dane fikcyjne).",
    "Dziecko prosi o pomoc w wiadomościach (dane fikcyjne).",
]


def _plan(rng: random.Random) -> list[dict]:
    plans = []
    kinds = ["public"] * 12 + ["platform"] * 8 + ["hosting"] * 4 + ["police"] * 5 + ["partner"] * 5
    incident = (
        ["csam"] * 20 + ["grooming"] * 5 + ["sextortion"] * 4 + ["sexualised"] * 3 + ["other"] * 2
    )
    for n in range(34):
        kind = kinds[n % len(kinds)]
        host = HOSTS[n % len(HOSTS)]
        urls = [f"{host}{100 + n}"]
        if n % 5 == 4:
            # The same address reported again by another source (one item, several reports).
            urls = list(plans[n - 3]["urls"][:1])
        if n % 12 == 11:
            urls = list(plans[1]["urls"][:1])
        if n % 9 == 0:
            urls.append(f"{HOSTS[(n + 2) % len(HOSTS)]}{100 + n}-kopia")
        annotations = []
        if n % 11 == 3:
            annotations.append("live_streaming")
        if n % 13 == 5:
            annotations.append("infant_toddler")
        if n % 6 == 1 and kind != "public":
            annotations.append("self_generated")
        if n % 10 == 7 and kind != "public":
            annotations.append("generative_ai")
        hashes = []
        if kind in ("platform", "partner", "police") and n % 2 == 0:
            hashes.append(("md5", f"{rng.getrandbits(128):032x}"))
            hashes.append(("pdq", f"{rng.getrandbits(256):064x}"))
        plans.append(
            {
                "kind": kind,
                "urls": urls,
                "incident_type": incident[n % len(incident)],
                "where_seen": ["website", "social_network", "messenger", "online_game", "p2p"][
                    n % 5
                ],
                "description": DESCRIPTIONS[n % len(DESCRIPTIONS)],
                "escalate_reason": ESCALATIONS[n % 3] if n in (4, 17, 29) else "",
                "annotations": annotations,
                "hashes": hashes,
                "reference": f"DEMO-{2025000 + n}" if kind != "public" else "",
                "email": f"zglaszajacy{n}@example.test"
                if kind == "public" and n % 4 == 0
                else None,
                "hours_ago": [1, 3, 5, 8, 14, 20, 26, 30, 40, 55, 70, 90][n % 12] + (n % 5) / 2,
            }
        )
    return plans


def seed_demo(stdout) -> None:
    hotline = Organisation.objects.filter(slug=DEMO_HOTLINE).first()
    if hotline is None:
        return
    if Report.objects.filter(hotline=hotline, channel=Channel.DEMO).exists():
        stdout.write("Hotline demo reports already present.")
        return
    rng = random.Random(2025)  # noqa: S311 - fictitious hashes, not security
    orgs = {
        key: Organisation.objects.filter(slug=slug).first() if slug else None
        for key, slug in SOURCES.items()
    }
    now = timezone.now()
    demo_code = None
    with transaction.atomic():
        for plan in _plan(rng):
            source = orgs.get(plan["kind"])
            submitted = services.submit_report(
                actor=None,
                hotline=hotline,
                channel=Channel.DEMO,
                source_organisation=source,
                data=ReportInput(
                    incident_type=plan["incident_type"],
                    urls=plan["urls"],
                    hashes=plan["hashes"],
                    annotations=plan["annotations"],
                    escalate_reason=plan["escalate_reason"],
                    reporter_reference=plan["reference"],
                    where_seen=plan["where_seen"],
                    description=plan["description"],
                    reporter_email=plan["email"],
                ),
            )
            when = now - timedelta(hours=plan["hours_ago"])
            Report.objects.filter(pk=submitted.report.pk).update(created_at=when)
            demo_code = demo_code or submitted.status_code
        # Items: first and last seen from their reports' (back-dated) times.
        for it in Item.objects.filter(hotline=hotline):
            times = list(Report.objects.filter(urls__item=it).values_list("created_at", flat=True))
            Item.objects.filter(pk=it.pk).update(
                first_seen=min(times), last_seen=max(times), created_at=min(times)
            )
        _assess_some(hotline, now)
        services.rescore_items(hotline.pk, now=now)
    stdout.write(
        f"Hotline: {Report.objects.filter(hotline=hotline).count()} demo reports, "
        f"{Item.objects.filter(hotline=hotline).count()} items."
    )
    if demo_code:
        stdout.write(
            f"Try the public status page /report/status/ with the demo code "
            f"{services.format_status_code(demo_code)}"
        )


def _assess_some(hotline, now) -> None:
    """A few items already assessed, so closed and actionable items exist too."""
    User = get_user_model()
    analyst = User.objects.filter(email="analityk@demo.ostoja.invalid").first()
    supervisor = User.objects.filter(email="superwizor@demo.ostoja.invalid").first()
    if analyst is None or supervisor is None:
        return
    items = list(Item.objects.filter(hotline=hotline, escalate_reason="").order_by("pk"))
    outcomes = [
        (analyst, {"outcome": "not_illegal", "notes": "Strona bez nielegalnych treści."}),
        (analyst, {"outcome": "not_found", "notes": "Strona zwraca błąd 404."}),
        (
            supervisor,
            {
                "outcome": "illegal_national",
                "legal_articles": ["202.4"],
                "content_type": "image",
                "site_type": "image_host",
                "age_band": "3-13",
                "gender": "unknown",
                "severity": "medium",
            },
        ),
        (
            analyst,
            {
                "outcome": "illegal_baseline",
                "content_type": "video",
                "site_type": "file_host",
                "age_band": "14-17",
                "gender": "girl",
                "severity": "low",
            },
        ),
    ]
    for it, (user, fields) in zip(items[-len(outcomes) :], outcomes, strict=False):
        services.claim_item(it, actor=user)
        services.assess_item(it, actor=user, **fields)
    # The "not found" address is reported again: a reappeared item.
    gone = Item.objects.filter(hotline=hotline, state="closed_not_found").first()
    if gone is not None:
        services.submit_report(
            actor=None,
            hotline=hotline,
            channel=Channel.DEMO,
            source_organisation=Organisation.objects.filter(slug="demo-platforma").first(),
            data=ReportInput(
                incident_type="csam",
                urls=[gone.canonical_url],
                reporter_reference="DEMO-2025999",
                description="Adres znów działa.",
            ),
        )
