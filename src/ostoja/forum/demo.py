"""Demo data of the forum: categories (one restricted to a group, one pre-moderated), a few
threads in Polish by the demo coordinator and the demo network member. Idempotent."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from ostoja.network import membership
from ostoja.network.models import PartnerState
from ostoja.organisations.models import Organisation

from . import services
from .models import Category, Post

COORDINATOR = "koordynator@demo.ostoja.invalid"
MEMBER = "czlonek@demo.ostoja.invalid"
MEMBER_ORG = "demo-fundacja-polnoc"

THREADS = [
    (
        "ogolne",
        "Spotkanie partnerstwa w marcu — propozycje tematów",
        "Zbieramy tematy na marcowe spotkanie partnerstwa. Proponuję:\n\n"
        "1. standardy ochrony dzieci w małych organizacjach,\n"
        "2. współpraca z sądami rodzinnymi,\n"
        "3. wymiana doświadczeń z superwizji.\n\nDopiszcie swoje propozycje.",
        [
            (
                "member",
                "Dorzucam temat **przyjaznych pokoi przesłuchań** w powiatach, gdzie ich brakuje.",
            )
        ],
    ),
    (
        "prawo",
        "Nowelizacja ustawy — wspólne stanowisko?",
        "Czy przygotowujemy wspólne stanowisko partnerstwa do projektu nowelizacji? "
        "Mogę przygotować pierwszą wersję do końca miesiąca.",
        [
            (
                "coordinator",
                "> Mogę przygotować pierwszą wersję\n\n"
                "Dziękujemy! Załóżmy termin uwag na 20. dzień miesiąca.",
            )
        ],
    ),
    (
        "superwizja",
        "Superwizja grupowa: zasady",
        "Przypominamy: w tej kategorii omawiamy przypadki **bez danych pozwalających "
        "rozpoznać dziecko**. Opisujemy sytuację, nie osobę.",
        [],
    ),
]


def seed_demo(stdout) -> None:
    if Category.objects.filter(slug="ogolne").exists():
        return
    users = get_user_model().objects
    coordinator = users.filter(email=COORDINATOR).first()
    member = users.filter(email=MEMBER).first()
    if coordinator is None or member is None:
        return
    # The forum needs one partner organisation to show; the network's own demo admits more.
    org = Organisation.objects.filter(slug=MEMBER_ORG).first()
    if org is not None and not membership.partner_organisations().filter(pk=org.pk).exists():
        membership.set_state(org, PartnerState.MEMBER, actor=coordinator, reason="demo")
    supervisors = services.create_group(
        actor=coordinator,
        name="Superwizorzy",
        description="Superwizorzy organizacji członkowskich.",
    )
    services.add_group_member(actor=coordinator, group=supervisors, user=coordinator)
    coordinators = services.create_group(actor=coordinator, name="Koordynatorzy")
    services.add_group_member(actor=coordinator, group=coordinators, user=coordinator)
    general = services.create_category(
        actor=coordinator,
        name="Sprawy ogólne",
        slug="ogolne",
        description="Spotkania, ogłoszenia i sprawy całego partnerstwa.",
        moderator_groups=[coordinators],
    )
    services.create_category(
        actor=coordinator,
        name="Prawo i stanowiska",
        slug="prawo",
        parent=general,
        description="Projekty ustaw i wspólne stanowiska (moderatorzy z kategorii nadrzędnej).",
        premoderated=True,
    )
    services.create_category(
        actor=coordinator,
        name="Superwizja",
        slug="superwizja",
        description="Kategoria zamknięta: tylko dla grupy Superwizorzy.",
        restricted_to=[supervisors],
        moderator_groups=[supervisors],
    )
    people = {"coordinator": coordinator, "member": member}
    for slug, title, body, replies in THREADS:
        category = Category.objects.get(slug=slug)
        thread = services.start_thread(actor=coordinator, category=category, title=title, body=body)
        for who, text in replies:
            services.reply(actor=people[who], thread=thread, body=text)
    for post in Post.objects.filter(state="pending"):
        services.moderate_post(actor=coordinator, post=post, action="approve")
    stdout.write("Forum: 3 categories (one restricted to Superwizorzy), 3 threads.")
