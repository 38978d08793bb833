"""Demo data of the partnership: 24 fictitious member organisations spread over the
voivodeships (lubuskie and świętokrzyskie left empty, so the coverage page shows gaps), two
charter versions (the second waiting for acceptances), one application waiting for review.
Every name ends in "(demo)"."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from ostoja.organisations.models import Organisation
from ostoja.organisations.services import create_organisation

from . import identifiers, membership, services
from .models import (
    Application,
    CharterAcceptance,
    CharterVersion,
    Partner,
    PartnerState,
    PartnerStateChange,
)

CHARTER_V1 = """\
## § 1. Czym jest Partnerstwo

Krajowe Partnerstwo na rzecz Ochrony Dzieci przed Przemocą jest nieformalną koalicją
organizacji i instytucji działających na rzecz ochrony dzieci przed krzywdzeniem.

## § 2. Cele

1. Wspólne działania i wymiana doświadczeń.
2. Lobbing na rzecz poprawy systemu ochrony dzieci w Polsce.
3. Podnoszenie kompetencji profesjonalistów pracujących z dziećmi krzywdzonymi.

## § 3. Członkostwo

Członkiem może zostać organizacja pozarządowa lub instytucja, która pomaga dzieciom
krzywdzonym. Koordynator przyjmuje organizację po rozpatrzeniu zgłoszenia; organizacja
podpisuje Deklarację Współpracy.
"""

CHARTER_V2 = (
    CHARTER_V1
    + """
## § 4. Ochrona danych dzieci

Członkowie nie publikują na platformie danych pozwalających zidentyfikować dziecko.
"""
)

DECLARATION = """\
Organizacja deklaruje współpracę w ramach Krajowego Partnerstwa na rzecz Ochrony Dzieci przed
Przemocą, w szczególności wymianę doświadczeń, udział w spotkaniach i wspólne działania
na rzecz poprawy systemu ochrony dzieci.
"""

# (name, seat voivodeship, voivodeships worked in, areas, months ago joined)
MEMBERS = [
    ("Fundacja Bezpieczne Dzieciństwo (demo)", "14", ["14"], ["therapy", "intervention"], 20),
    ("Stowarzyszenie Tęczowy Dom (demo)", "14", ["14", "10"], ["prevention", "family"], 18),
    ("Centrum Pomocy Dziecku Przystań (demo)", "02", ["02"], ["therapy", "diagnosis"], 20),
    ("Fundacja Dolnośląska Tarcza (demo)", "02", ["02", "16"], ["legal"], 15),
    ("Stowarzyszenie Nadwiślański Azyl (demo)", "04", ["04"], ["helpline"], 12),
    ("Fundacja Lubelska Dla Dzieci (demo)", "06", ["06"], ["intervention"], 19),
    ("Ośrodek Interwencji Kryzysowej Zamość (demo)", "06", ["06"], ["intervention"], 6),
    ("Fundacja Łódzki Parasol (demo)", "10", ["10"], ["therapy"], 17),
    ("Krakowskie Centrum Ochrony Dzieci (demo)", "12", ["12"], ["diagnosis", "training"], 20),
    ("Stowarzyszenie Małopolska Razem (demo)", "12", ["12", "18"], ["prevention"], 9),
    ("Fundacja Opolska Przystań (demo)", "16", ["16"], ["family"], 4),
    ("Fundacja Podkarpacki Dom (demo)", "18", ["18"], ["therapy"], 14),
    ("Stowarzyszenie Podlaski Promyk (demo)", "20", ["20"], ["prevention", "training"], 11),
    ("Fundacja Bałtycka Ostoja (demo)", "22", ["22"], ["helpline", "therapy"], 20),
    ("Gdańskie Centrum Praw Dziecka (demo)", "22", ["22", "28"], ["legal", "advocacy"], 16),
    ("Śląska Fundacja Ochrony Dzieci (demo)", "24", ["24"], ["intervention"], 19),
    ("Stowarzyszenie Bezpieczny Śląsk (demo)", "24", ["24"], ["prevention"], 7),
    ("Fundacja Warmińska Przystań (demo)", "28", ["28"], ["family"], 10),
    ("Poznańskie Centrum Terapii Dziecka (demo)", "30", ["30"], ["therapy", "research"], 20),
    ("Stowarzyszenie Wielkopolska dla Dzieci (demo)", "30", ["30"], ["advocacy"], 8),
    ("Fundacja Pomorze Zachodnie (demo)", "32", ["32"], ["intervention", "legal"], 13),
    ("Szczecińskie Centrum Wsparcia Rodzin (demo)", "32", ["32"], ["family"], 3),
    ("Fundacja Mazowiecka Sieć Pomocy (demo)", "14", ["14"], ["research", "training"], 5),
]
#: Orgs of the demo users that are partners: the network member's, and the coordinator's.
DEMO_PARTNER_SLUGS = ["demo-fundacja-polnoc", "demo-koalicja"]


def _numbers(n: int) -> dict:
    """A valid NIP and REGON for the n-th demo organisation (9th NIP digit chosen to fit)."""
    for tail in range(10):
        body = f"52{n:05d}{tail}1"[:9]
        try:
            nip = identifiers.with_check_digit("nip", body)
            break
        except ValueError:
            continue
    regon = identifiers.with_check_digit("regon9", f"14{n:06d}")
    return {"nip": nip, "regon": regon}


def _joined(partner: Partner, months_ago: int, now) -> None:
    when = now - dt.timedelta(days=30 * months_ago)
    PartnerStateChange.objects.filter(partner=partner).update(at=when)
    Partner.objects.filter(pk=partner.pk).update(member_since=when.date())


def seed_demo(stdout) -> None:
    if CharterVersion.objects.exists():
        return
    User = get_user_model()
    coordinator = User.objects.filter(email="koordynator@demo.ostoja.invalid").first()
    now = timezone.now()
    v1 = CharterVersion.objects.create(
        number=1,
        charter=CHARTER_V1,
        declaration=DECLARATION,
        summary="Pierwsza wersja (demo).",
        published_at=now - dt.timedelta(days=30 * 21),
        published_by=coordinator,
    )
    organisations = []
    for n, (name, seat, voivodeships, areas, months) in enumerate(MEMBERS, start=1):
        org = create_organisation(
            actor=None,
            name=name,
            kind="ngo",
            voivodeship=seat,
            contact_email=f"biuro{n}@partnerstwo.demo.invalid",
        )
        organisations.append((org, voivodeships, areas, months, n))
    for k, slug in enumerate(DEMO_PARTNER_SLUGS):
        org = Organisation.objects.filter(slug=slug).first()
        if org is not None:
            seat = org.voivodeship or "14"
            organisations.append((org, [seat], ["prevention", "advocacy"], 21, 90 + k))
    for org, voivodeships, areas, months, n in organisations:
        Partner.objects.update_or_create(
            organisation=org,
            defaults={
                "description": (
                    f"{org.name} pomaga dzieciom krzywdzonym i ich rodzinom: "
                    "konsultacje, terapia, szkolenia dla profesjonalistów."
                ),
                "voivodeships": voivodeships,
                "areas": areas,
                "legal_form": "foundation" if org.name.startswith("Fundacja") else "association",
                **_numbers(n),
            },
        )
        partner = membership.set_state(
            org, PartnerState.MEMBER, actor=coordinator, reason="Przyjęcie (demo)"
        )
        _joined(partner, months, now)
        CharterAcceptance.objects.create(
            organisation=org,
            version=v1,
            signatory_name="Jan Przykładowy (demo)",
            signatory_function="prezes zarządu",
            accepted_at=now - dt.timedelta(days=30 * months),
        )
    # One member suspended a while ago: the trend shows the drop.
    suspended = organisations[6][0]
    membership.set_state(
        suspended, PartnerState.SUSPENDED, actor=coordinator, reason="Brak kontaktu (demo)"
    )
    PartnerStateChange.objects.filter(
        partner__organisation=suspended, to_state=PartnerState.SUSPENDED
    ).update(at=now - dt.timedelta(days=40))
    if coordinator is not None:
        v2 = services.publish_charter(
            actor=coordinator,
            charter=CHARTER_V2,
            declaration=DECLARATION,
            summary="Dodano § 4 o ochronie danych dzieci (demo).",
            accept_by=timezone.localdate() + dt.timedelta(days=21),
        )
        for org, *_rest in organisations[:9]:
            CharterAcceptance.objects.create(
                organisation=org,
                version=v2,
                signatory_name="Anna Przykładowa (demo)",
                signatory_function="prezeska zarządu",
            )
    application, token = services.submit_application(
        services.ApplicationData(
            name="Stowarzyszenie Lubuska Kotwica (demo)",
            legal_form="association",
            nip=_numbers(500)["nip"],
            regon=_numbers(500)["regon"],
            krs="0000123456",
            description="Prowadzimy punkt konsultacyjny dla rodziców i dzieci w Zielonej Górze.",
            voivodeships=["08"],
            areas=["family", "prevention"],
            contact_name="Ewa Kontaktowa",
            contact_email="kotwica@partnerstwo.demo.invalid",
            signatory_name="Ewa Kontaktowa (demo)",
            signatory_function="prezeska",
            accepted=True,
            charter_number=services.applications.current_charter().number,
        ),
        language="pl",
    )
    services.confirm_application(token)
    stdout.write(
        f"Network: {Partner.objects.filter(state='member').count()} member organisations, "
        f"{CharterVersion.objects.count()} charter versions, "
        f"{Application.objects.count()} application(s)."
    )
