"""Fictitious demo data of joint positions, standards and campaigns (``manage.py seed_demo``,
after the network's and the library's).

* a joint position taken through the whole way: comments, a second version, co-signing by
  three member organisations through the people authorised for them, publication, sending to
  two addressees through the outbox, and the ministry's recorded answer;
* a draft recommendation in an open comment round, with comments anchored to paragraphs (one
  of them outdated by the second version) and a reply;
* an adopted standard of help with two organisations' declarations;
* a nationwide campaign with a kit from the library, three organisations taking part, and
  their local events on the public calendar (plus one event of its own).

Every name is invented and marked "(demo)"; e-mail addresses are under ``.invalid``.
Idempotent: nothing is added when the demo position exists.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from ostoja.network import membership
from ostoja.organisations.roles import Role
from ostoja.organisations.services import add_membership

from . import drafting, services
from .models import Addressee, Campaign, Document, LocalEvent

COORDINATOR = "koordynator@demo.ostoja.invalid"
MEMBER = "czlonek@demo.ostoja.invalid"
MANAGER = "menedzer@demo.ostoja.invalid"
#: A manager of a second member organisation (Kraków), so that two organisations besides the
#: coordinator's sign through their own people.
KRAKOW_MANAGER = ("menedzer.krakow@demo.ostoja.invalid", "Krystyna Krakowska")
KRAKOW_ORG = "Krakowskie Centrum Ochrony Dzieci (demo)"
DEMO_LOGINS = [(Role.ORGANISATION_MANAGER, KRAKOW_MANAGER[0])]

POSITION_TITLE = (
    "Stanowisko Partnerstwa w sprawie wdrażania standardów ochrony małoletnich w szkołach (demo)"
)
POSITION_V1 = """\
Krajowe Partnerstwo na rzecz Ochrony Dzieci przed Przemocą z zadowoleniem przyjmuje \
obowiązek wprowadzenia standardów ochrony małoletnich w szkołach i placówkach.

Po roku obowiązywania przepisów widzimy jednak, że wiele szkół przyjęło standardy jedynie \
formalnie, bez szkoleń personelu i bez osoby odpowiedzialnej za ich stosowanie.

Rekomendujemy, aby Ministerstwo Edukacji przygotowało wzorcowe materiały szkoleniowe dla \
rad pedagogicznych i zapewniło ich finansowanie."""
POSITION_V2 = """\
Krajowe Partnerstwo na rzecz Ochrony Dzieci przed Przemocą z zadowoleniem przyjmuje \
obowiązek wprowadzenia standardów ochrony małoletnich w szkołach i placówkach.

Po roku obowiązywania przepisów widzimy jednak, że wiele szkół przyjęło standardy jedynie \
formalnie: bez szkoleń personelu, bez osoby odpowiedzialnej za ich stosowanie i bez \
przeglądu standardów po pierwszym roku.

Rekomendujemy, aby Ministerstwo Edukacji przygotowało wzorcowe materiały szkoleniowe dla \
rad pedagogicznych i zapewniło ich finansowanie.

Rekomendujemy także, aby kuratoria oświaty w ramach nadzoru pedagogicznego sprawdzały, czy \
standardy są stosowane w praktyce, a nie tylko czy zostały przyjęte."""

DRAFT_TITLE = (
    "Rekomendacje w sprawie bezpłatnej pomocy psychologicznej dla dzieci – ofiar przemocy (demo)"
)
DRAFT_V1 = """\
Dzieci, które doświadczyły przemocy, czekają na bezpłatną pomoc psychologiczną średnio \
kilka miesięcy, a poza dużymi miastami często nie otrzymują jej wcale.

Proponujemy, aby Narodowy Fundusz Zdrowia finansował terapię dziecka i rodzica \
niekrzywdzącego w organizacjach pozarządowych, które spełniają standardy pomocy.

Proponujemy utworzenie jednego rejestru miejsc pomocy, aktualizowanego co miesiąc."""
DRAFT_V2 = """\
Dzieci, które doświadczyły przemocy, czekają na bezpłatną pomoc psychologiczną średnio \
kilka miesięcy, a poza dużymi miastami często nie otrzymują jej wcale.

Proponujemy, aby Narodowy Fundusz Zdrowia finansował terapię dziecka i rodzica \
niekrzywdzącego w organizacjach pozarządowych, które spełniają standardy pomocy.

Proponujemy, aby wojewódzkie ośrodki koordynujące publikowały co miesiąc liczbę wolnych \
miejsc terapii dla dzieci w swoim województwie."""

STANDARD_TITLE = "Standard pomocy dziecku wykorzystanemu seksualnie i jego rodzinie (demo)"
STANDARD_BODY = """\
## 1. Pierwszy kontakt

Dziecko i rodzic niekrzywdzący otrzymują pierwszą konsultację w ciągu 7 dni od zgłoszenia.

## 2. Diagnoza

Diagnozę prowadzi psycholog z doświadczeniem w pracy z dziećmi krzywdzonymi, w przyjaznym \
pokoju, z udziałem rodzica niekrzywdzącego, jeśli to służy dziecku.

## 3. Pomoc

Plan pomocy obejmuje terapię dziecka, wsparcie rodzica i, gdy trzeba, pomoc prawną w \
postępowaniu karnym i rodzinnym."""

# (name, kind, e-mail)
ADDRESSEES = [
    ("Ministerstwo Edukacji (demo)", "ministry", "kancelaria@men.demo.invalid"),
    ("Rzecznik Praw Dziecka (demo)", "rpd", "rpd@rpd.demo.invalid"),
    (
        "Sejmowa Komisja do Spraw Dzieci i Młodzieży (demo)",
        "committee",
        "komisja@sejm.demo.invalid",
    ),
]

CAMPAIGN_TITLE = "Zima bez przemocy w sieci (demo)"
CAMPAIGN_GOAL = """\
Ogólnopolska kampania organizacji członkowskich przed feriami zimowymi: **rodzice i \
nauczyciele** dowiadują się, jak rozpoznać uwodzenie dziecka w internecie i gdzie szukać \
pomocy. Każda organizacja prowadzi w swoim województwie spotkania i dyżury konsultacyjne."""
KIT_TITLES = [
    "Standardy ochrony dzieci w szkole. Poradnik dla dyrekcji i rad pedagogicznych (demo)",
    "Jak rozmawiać z dzieckiem o bezpieczeństwie w internecie. Broszura dla rodziców (demo)",
]


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _krakow_manager(coordinator):
    """The Kraków member organisation's manager (created once), or ``None``."""
    from ostoja.accounts.services import create_user
    from ostoja.core.management.commands.seed_demo import DEMO_PASSWORD

    org = membership.partner_organisations().filter(name=KRAKOW_ORG).first()
    if org is None:
        return None, None
    email, name = KRAKOW_MANAGER
    user = get_user_model().objects.filter(email=email).first() or create_user(
        actor=None, email=email, password=DEMO_PASSWORD, full_name=name, email_verified=True
    )
    add_membership(actor=None, user=user, organisation=org, role=Role.ORGANISATION_MANAGER)
    return user, org


def _paragraph(body: str, n: int) -> str:
    return drafting.keyed(body)[n][0]


@transaction.atomic
def seed_demo(stdout) -> None:
    if Document.objects.filter(title=POSITION_TITLE).exists():
        return
    users = get_user_model().objects
    coordinator = users.filter(email=COORDINATOR).first()
    member = users.filter(email=MEMBER).first()
    manager = users.filter(email=MANAGER).first()
    partners = membership.partner_organisations()
    coalition = partners.filter(slug="demo-koalicja").first()
    foundation = partners.filter(slug="demo-fundacja-polnoc").first()
    if None in (coordinator, member, manager, coalition, foundation):
        return  # the core and network demo data are not there
    krakow_manager, krakow = _krakow_manager(coordinator)
    today = timezone.localdate()

    # The address book.
    addressees = {}
    for name, kind, email in ADDRESSEES:
        addressees[kind] = Addressee.objects.filter(name=name).first() or services.add_addressee(
            actor=coordinator, name=name, kind=kind, email=email
        )

    # A position from draft to the ministry's answer.
    position = services.create_document(
        actor=coordinator, kind="position", title=POSITION_TITLE, body=POSITION_V1, editors=[member]
    )
    services.open_comments(actor=coordinator, document=position, until=today + dt.timedelta(days=7))
    comment = services.add_comment(
        actor=member,
        document=position,
        paragraph_key=_paragraph(POSITION_V1, 1),
        body="Warto dodać, że szkoły nie robią przeglądu standardów po pierwszym roku – to "
        "wymóg ustawy, o którym dyrekcje często nie wiedzą.",
    )
    services.add_comment(
        actor=coordinator,
        document=position,
        parent=comment,
        body="Dziękujemy, dopisujemy to w drugiej wersji.",
    )
    services.add_version(
        actor=member,
        document=position,
        body=POSITION_V2,
        note="Przegląd standardów po roku; rekomendacja dla kuratoriów.",
    )
    services.call_for_signatures(
        actor=coordinator, document=position, deadline=timezone.now() + dt.timedelta(days=3)
    )
    services.sign(actor=coordinator, document=position, organisation=coalition)
    services.sign(actor=manager, document=position, organisation=foundation)
    if krakow_manager is not None:
        services.sign(actor=krakow_manager, document=position, organisation=krakow)
    position = services.publish(actor=coordinator, document=position)
    dispatches = services.send(
        actor=coordinator,
        document=position,
        addressees=[addressees["ministry"], addressees["rpd"]],
    )
    services.record_reply(
        actor=coordinator,
        dispatch=next(d for d in dispatches if d.addressee == addressees["ministry"]),
        kind="answer",
        on=today,
        summary="Ministerstwo dziękuje za stanowisko i zapowiada materiały szkoleniowe dla "
        "rad pedagogicznych w przyszłym roku szkolnym (demo).",
    )

    # A draft in its comment round; the comment on the removed paragraph becomes outdated.
    draft = services.create_document(
        actor=coordinator, kind="position", title=DRAFT_TITLE, body=DRAFT_V1, editors=[member]
    )
    services.open_comments(actor=coordinator, document=draft, until=today + dt.timedelta(days=14))
    services.add_comment(
        actor=member,
        document=draft,
        paragraph_key=_paragraph(DRAFT_V1, 2),
        body="Jeden ogólnopolski rejestr już był i nikt go nie aktualizował. Może lepiej "
        "zobowiązać ośrodki wojewódzkie?",
    )
    services.add_version(
        actor=coordinator,
        document=draft,
        body=DRAFT_V2,
        note="Zamiast jednego rejestru – dane ośrodków wojewódzkich.",
    )
    question = services.add_comment(
        actor=manager,
        document=draft,
        paragraph_key=_paragraph(DRAFT_V2, 1),
        body="Czy chodzi też o terapię rodzeństwa dziecka?",
    )
    services.add_comment(
        actor=member,
        document=draft,
        parent=question,
        body="Dobre pytanie – proponuję dopisać rodzeństwo w kolejnej wersji.",
    )

    # An adopted standard of help, declared by two organisations.
    standard = services.create_document(
        actor=coordinator, kind="standard", title=STANDARD_TITLE, body=STANDARD_BODY
    )
    standard = services.publish(actor=coordinator, document=standard)
    services.declare_adoption(
        actor=manager,
        document=standard,
        organisation=foundation,
        adopted=True,
        adopted_on=today - dt.timedelta(days=30),
    )
    services.declare_adoption(
        actor=coordinator, document=standard, organisation=coalition, adopted=False, adopted_on=None
    )

    # A campaign with its kit and the organisations' local events.
    from ostoja.library.models import Material

    campaign = services.create_campaign(
        actor=coordinator,
        title=CAMPAIGN_TITLE,
        scope=Campaign.Scope.NATIONAL,
        starts_on=today - dt.timedelta(days=3),
        ends_on=today + dt.timedelta(days=60),
        goal=CAMPAIGN_GOAL,
        kit=list(Material.objects.filter(title__in=KIT_TITLES)),
    )
    taking_part = [
        (coordinator, coalition, "Koordynacja kampanii, materiały i konferencja prasowa."),
        (manager, foundation, "Spotkania dla rodziców w szkołach Trójmiasta."),
    ]
    if krakow_manager is not None:
        taking_part.append(
            (krakow_manager, krakow, "Dyżury konsultacyjne dla nauczycieli w Krakowie.")
        )
    for actor, organisation, contribution in taking_part:
        services.join_campaign(
            actor=actor, campaign=campaign, organisation=organisation, contribution=contribution
        )
    events = [
        (
            coordinator,
            coalition,
            "Konferencja prasowa otwierająca kampanię (demo)",
            today + dt.timedelta(days=5),
            11,
            "Warszawa",
            "14",
            campaign,
        ),
        (
            manager,
            foundation,
            "Spotkanie dla rodziców: bezpieczne ferie w sieci (demo)",
            today + dt.timedelta(days=12),
            17,
            "Gdańsk",
            "22",
            campaign,
        ),
        (
            manager,
            foundation,
            "Dzień otwarty poradni dla rodzin (demo)",
            today + dt.timedelta(days=26),
            10,
            "Gdynia",
            "22",
            None,
        ),
    ]
    if krakow_manager is not None:
        events.append(
            (
                krakow_manager,
                krakow,
                "Dyżur konsultacyjny dla nauczycieli (demo)",
                today + dt.timedelta(days=19),
                15,
                "Kraków",
                "12",
                campaign,
            )
        )
    for actor, organisation, title, day, hour, town, voivodeship, in_campaign in events:
        services.add_event(
            actor=actor,
            organisation=organisation,
            title=title,
            starts_at=_at(day, hour),
            ends_at=_at(day, hour + 2),
            town=town,
            voivodeship=voivodeship,
            description="Wstęp wolny. Spotkanie prowadzą psycholożki organizacji (demo).",
            campaign=in_campaign,
        )
    stdout.write(
        f"Positions: {Document.objects.count()} joint texts (a published position with "
        f"{services.signatories(position).count()} signatories, a draft in its comment round, "
        f"an adopted standard); campaign “{campaign.title}” with "
        f"{LocalEvent.objects.count()} local events."
    )
