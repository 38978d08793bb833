"""Fictitious demo data of the library (called by ``manage.py seed_demo``, after the network's).

Public and members-only materials on several topics (two of them small PDF files written
here, the rest links to example.org), printed copies in stock with two orders, a journal issue
with its table of contents, and the demo foundation's printed subscription. Every title and
name is invented and marked "(demo)". Idempotent: nothing is added when the first demo
material exists.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from ostoja.network import membership
from ostoja.organisations.models import Organisation

from . import services
from .models import JournalSubscription, Material

COORDINATOR = "koordynator@demo.ostoja.invalid"
MEMBER = "czlonek@demo.ostoja.invalid"
MANAGER = "menedzer@demo.ostoja.invalid"
COALITION = "demo-koalicja"
FOUNDATION = "demo-fundacja-polnoc"

#: The first material: its presence means the library's demo data is there.
FIRST_TITLE = "Standardy ochrony dzieci w szkole. Poradnik dla dyrekcji i rad pedagogicznych (demo)"

GUIDE_PAGES = [
    "Standardy ochrony dzieci w szkole (demo)\n\n"
    "Od 15 sierpnia 2024 r. każda szkoła i placówka pracująca z dziećmi ma obowiązek "
    "wprowadzić standardy ochrony małoletnich. Ten poradnik prowadzi dyrekcję krok po kroku: "
    "od diagnozy ryzyka, przez politykę ochrony dzieci, po procedurę interwencji.",
    "Rozdział 1. Zasady bezpiecznej relacji personelu z dzieckiem\n\n"
    "Personel traktuje każde dziecko z szacunkiem, dba o jego prywatność i nie utrzymuje z "
    "nim kontaktów w mediach społecznościowych poza celami edukacyjnymi.",
    "Rozdział 2. Procedura interwencji\n\n"
    "Każdy pracownik, który podejrzewa krzywdzenie dziecka, informuje osobę odpowiedzialną "
    "za standardy. Osoba ta sporządza notatkę, zawiadamia rodzica niekrzywdzącego i, gdy "
    "trzeba, policję lub sąd rodzinny.",
]
REPORT_PAGES = [
    "Wykorzystywanie seksualne dzieci w Polsce. Przegląd badań 2020–2025 (demo)\n\n"
    "Raport zbiera wyniki badań populacyjnych i danych z systemu pomocy. Materiał roboczy "
    "dla organizacji członkowskich Partnerstwa, nie do rozpowszechniania.",
    "Wnioski\n\n"
    "1. Większość dzieci nie ujawnia krzywdzenia od razu; ujawnienie trwa miesiącami.\n"
    "2. Rośnie udział krzywdzenia z użyciem internetu, w tym uwodzenia (grooming).\n"
    "3. Dostęp do terapii poza dużymi miastami pozostaje ograniczony.",
]

# (title, kind, access, audience, topic, language, year, authors, licence, description, link)
LINKED = [
    (
        "Jak rozmawiać z dzieckiem o bezpieczeństwie w internecie. Broszura dla rodziców (demo)",
        "guide",
        "public",
        "parents",
        "bezpieczeństwo w internecie",
        "pl",
        2025,
        "Zespół Profilaktyki Koalicji (demo)",
        "CC BY 4.0",
        "Krótka broszura: jak zacząć rozmowę, na jakie sygnały zwrócić uwagę i gdzie szukać "
        "pomocy, gdy dziecko spotkało się z przemocą w sieci.",
        "https://example.org/demo/broszura-internet.pdf",
    ),
    (
        "Kwestionariusz wstępnej oceny ryzyka krzywdzenia dziecka (demo)",
        "test",
        "members",
        "professionals",
        "diagnoza",
        "pl",
        2024,
        "dr Anna Przykładowa (demo)",
        "do użytku wewnętrznego",
        "Narzędzie przesiewowe dla psychologów i pedagogów organizacji członkowskich, z "
        "instrukcją i kluczem interpretacji. Tylko dla członków Partnerstwa.",
        "https://example.org/demo/kwestionariusz-ryzyka",
    ),
    (
        "Nagranie webinaru: przesłuchanie dziecka w przyjaznym pokoju (demo)",
        "recording",
        "members",
        "professionals",
        "wymiar sprawiedliwości",
        "pl",
        2026,
        "sędzia Tomasz Wzorowy (demo)",
        "wszelkie prawa zastrzeżone",
        "Zapis dwugodzinnego webinaru z pytaniami uczestników.",
        "https://example.org/demo/webinar-przyjazny-pokoj",
    ),
    (
        "Child protection policies in organisations. A practical guide (demo)",
        "guide",
        "public",
        "professionals",
        "standardy ochrony dzieci",
        "en",
        2023,
        "European Child Rights Network (demo)",
        "CC BY-NC 4.0",
        "An English guide to writing and implementing a child protection policy.",
        "https://example.org/demo/child-protection-policies",
    ),
    (
        "Wykaz telefonów zaufania i punktów pomocy dla dzieci (demo)",
        "dataset",
        "public",
        "everyone",
        "pomoc dzieciom",
        "pl",
        2026,
        "Koalicja Ostoja (demo)",
        "CC0 1.0",
        "Zestawienie w formacie CSV, aktualizowane co kwartał.",
        "https://example.org/demo/telefony-zaufania.csv",
    ),
]

JOURNAL_CONTENTS = """\
Anna Przykładowa (demo) — Ujawnianie wykorzystania seksualnego przez dzieci: przegląd badań
Jan Ekspert (demo) — Standardy ochrony małoletnich rok po wejściu w życie ustawy
Maria Europejska (demo) — Barnahus w Europie: doświadczenia i wyzwania
Tomasz Wzorowy (demo) — Dziecko w postępowaniu karnym: praktyka sądów okręgowych
Ewa Ekspertka (demo) — Terapia dzieci po traumie seksualnej: studium przypadku"""


def _pdf(pages: list[str]) -> bytes:
    """A small PDF of these pages (DejaVu: Polish letters survive into the extracted text)."""
    from fpdf import FPDF

    from ostoja.safeguarding.export import FONT_DIR

    # fpdf2's font subsetting logs every glyph at INFO; the demo's output stays readable.
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.set_font("DejaVu", size=11)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 6, text)
    return bytes(pdf.output())


def _upload(name: str, pages: list[str]) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, _pdf(pages), content_type="application/pdf")


@transaction.atomic
def seed_demo(stdout) -> None:
    if Material.objects.filter(title=FIRST_TITLE).exists():
        return
    users = get_user_model().objects
    coordinator = users.filter(email=COORDINATOR).first()
    coalition = Organisation.objects.filter(slug=COALITION).first()
    foundation = Organisation.objects.filter(slug=FOUNDATION).first()
    if coordinator is None or coalition is None or foundation is None:
        return  # the core demo (organisations and users) is not there
    common = {"actor": coordinator, "publisher": coalition}
    guide = services.add_material(
        **common,
        title=FIRST_TITLE,
        authors="Jan Ekspert (demo), Katarzyna Koordynator (demo)",
        year=2025,
        language="pl",
        kind="guide",
        audience="teachers",
        topic="standardy ochrony dzieci",
        licence="CC BY 4.0",
        access="public",
        description=(
            "Poradnik o wdrażaniu **standardów ochrony małoletnich** (ustawa z 13 maja 2016 r., "
            "art. 22b–22c): diagnoza ryzyka, polityka, procedura interwencji, wzory dokumentów."
        ),
        upload=_upload("standardy-ochrony-dzieci-w-szkole.pdf", GUIDE_PAGES),
    )
    services.add_material(
        **common,
        title="Wykorzystywanie seksualne dzieci w Polsce. Przegląd badań 2020–2025 (demo)",
        authors="dr Anna Przykładowa (demo)",
        year=2026,
        language="pl",
        kind="publication",
        audience="professionals",
        topic="badania",
        licence="do użytku wewnętrznego",
        access="members",
        description="Raport roboczy dla organizacji członkowskich Partnerstwa.",
        upload=_upload("przeglad-badan-2020-2025.pdf", REPORT_PAGES),
    )
    linked = []
    for (
        title,
        kind,
        access,
        audience,
        topic,
        language,
        year,
        authors,
        licence,
        text,
        link,
    ) in LINKED:
        linked.append(
            services.add_material(
                **common,
                title=title,
                kind=kind,
                access=access,
                audience=audience,
                topic=topic,
                language=language,
                year=year,
                authors=authors,
                licence=licence,
                description=text,
                link=link,
            )
        )
    # The quarterly: the issue is a members' material with its table of contents.
    today = timezone.localdate()
    issue_material = services.add_material(
        **common,
        title=f"Dziecko krzywdzone. Teoria, badania, praktyka nr 3/{today.year} (demo)",
        authors="Redakcja kwartalnika (demo)",
        year=today.year,
        language="pl",
        kind="journal",
        audience="professionals",
        topic="kwartalnik",
        licence="wszelkie prawa zastrzeżone",
        access="members",
        description="Numer kwartalnika, bezpłatny dla każdej organizacji członkowskiej.",
        link="https://example.org/demo/dziecko-krzywdzone-3",
    )
    services.add_issue(
        actor=coordinator,
        year=today.year,
        number=3,
        title="Ujawnianie krzywdzenia i standardy ochrony (demo)",
        contents=JOURNAL_CONTENTS,
        material=issue_material,
    )
    # Printed copies: the guide is in stock; the foundation's order is reserved, and a
    # larger one from the coalition waits for the next print run.
    services.set_stock(actor=coordinator, material=guide, copies=150)
    member = users.filter(email=MEMBER).first() or coordinator
    address = "Fundacja Bezpieczna Północ (demo)\nul. Przykładowa 5\n80-001 Gdańsk"
    if membership.partner_organisations().filter(pk=foundation.pk).exists():
        services.place_order(
            actor=member,
            material=guide,
            organisation=foundation,
            copies=40,
            delivery_address=address,
        )
        manager = users.filter(email=MANAGER).first()
        subscription = services.subscribe_partner(foundation, since=today - dt.timedelta(days=600))
        services.change_subscription(
            actor=manager or coordinator,
            subscription=subscription,
            format="print",
            copies=3,
            address=address,
            email=foundation.contact_email,
        )
    if membership.partner_organisations().filter(pk=coalition.pk).exists():
        services.place_order(
            actor=coordinator,
            material=guide,
            organisation=coalition,
            copies=200,
            delivery_address="Koalicja Ostoja (demo)\nul. Wzorcowa 1\n00-001 Warszawa",
        )
    stdout.write(
        f"Library: {Material.objects.count()} materials (public and members-only), stock and "
        f"orders, journal issue 3/{today.year}, "
        f"{JournalSubscription.objects.count()} subscription(s) so far."
    )
