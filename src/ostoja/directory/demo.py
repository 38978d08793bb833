"""Seed data of the directory: the real national helplines, and clearly fictitious demo services.

* :func:`load_helplines` loads the real Polish national helplines from ``data/helplines.json``
  (marked as real; safe to run in production: ``manage.py directory_load_helplines``). Their
  "what is passed on" text makes no claim about an operator's rules that we cannot verify: it
  tells people what to ask.
* :func:`seed_demo` (called by ``manage.py seed_demo``) adds the helplines and fictitious
  services -- every name ends in "(demo)", every address is invented -- of the demo provider
  ``demo-poradnia`` and a few more demo providers, in several voivodeships, for every audience,
  including people worried about their sexual thoughts towards children.

Both are idempotent: ids are fixed (``uuid5``) and unchanged services are not written again.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from ostoja.directory import data
from ostoja.organisations.models import Organisation
from ostoja.organisations.services import create_organisation, set_verified

from .models import Provider, Service, ServiceChange, Source
from .services import propose_change, provider_for, publish_service, service_snapshot
from .taxonomy import ensure_taxonomy

DEMO_NAMESPACE = uuid.UUID("5d0c2a48-4f0e-5c55-9a43-0d1b8f6f7a01")
#: Ids of the helplines' operators (HSDS organizations): uuid5(OPERATOR_NAMESPACE, Polish name).
OPERATOR_NAMESPACE = uuid.UUID("c6f1e0a4-3b7d-5f0e-8d2a-7e5b9c4a1f02")

HELPLINE_APPLICATION = {
    "pl": "Zadzwoń pod numer {number}. {hours}.",
    "en": "Call {number}. {hours}.",
}
HELPLINE_CONFIDENTIALITY = {
    "pl": (
        "Zapytaj na początku rozmowy, co pozostaje poufne i w jakich sytuacjach konsultant "
        "musi przekazać informacje innym służbom – na przykład gdy dziecku grozi "
        "niebezpieczeństwo. Zasady opisuje strona prowadzącego."
    ),
    "en": (
        "Ask at the start what stays confidential and when the counsellor has to pass "
        "information on to other services – for example when a child is in danger. The "
        "operator's website describes the rules."
    ),
}
EMERGENCY_CONFIDENTIALITY = {
    "pl": (
        "Dyspozytor zapyta, co się stało i gdzie jesteś, i przekaże to policji, pogotowiu "
        "lub straży pożarnej, żeby wysłać pomoc."
    ),
    "en": (
        "The operator will ask what happened and where you are, and pass this on to the "
        "police, ambulance or fire service so that help is sent."
    ),
}


def _out(stdout, message: str) -> None:
    if stdout is not None:
        stdout.write(message)


# --------------------------------------------------------------------------------------------
# The real national helplines
# --------------------------------------------------------------------------------------------


def _helpline_provider(helpline: dict) -> Provider:
    operator = helpline["operator"]
    provider_id = uuid.uuid5(OPERATOR_NAMESPACE, operator["pl"])
    provider = Provider.objects.filter(pk=provider_id).first()
    if provider is None:
        provider = Provider.objects.create(
            id=provider_id,
            name=operator["pl"],
            description={"pl": operator["pl"], "en": operator["en"]},
            source=Source.HELPLINE,
        )
    return provider


def helpline_snapshot(helpline: dict) -> dict:
    number = helpline.get("number")
    hours = helpline["hours"]
    if number:
        application = {
            lang: HELPLINE_APPLICATION[lang].format(number=number, hours=hours[lang].rstrip("."))
            for lang in ("pl", "en")
        }
    else:
        application = {
            "pl": f"Skorzystaj z formularza na stronie {helpline['url']}.",
            "en": f"Use the form on {helpline['url']}.",
        }
    terms = list(helpline["audience"]) + list(helpline["modalities"])
    if helpline.get("free"):
        terms.append("cost.free")
    if helpline.get("anonymous"):
        terms.append("anonymity.anonymous")
    return {
        "name": helpline["name"],
        "description": helpline["description"],
        "application_process": application,
        "confidentiality": (
            EMERGENCY_CONFIDENTIALITY if helpline["code"] == "112" else HELPLINE_CONFIDENTIALITY
        ),
        "eligibility_description": helpline["audience_text"],
        "fees_description": {"pl": "Bezpłatnie.", "en": "Free of charge."}
        if helpline.get("free")
        else {},
        "hours": {"pl": hours["pl"], "en": hours["en"]},
        "url": helpline.get("url") or "",
        "status": "active",
        "coverage": "national",
        "terms": terms,
        "languages": ["pl"],
        "phones": [{"number": number, "description": {}}] if number else [],
        "locations": [],
    }


@transaction.atomic
def load_helplines(stdout=None, *, actor=None) -> int:
    """Create or update the real national helplines; returns how many were written."""
    ensure_taxonomy()
    written = 0
    for helpline in data.load_helplines():
        _service, changed = publish_service(
            actor=actor,
            provider=_helpline_provider(helpline),
            data=helpline_snapshot(helpline),
            service_id=uuid.UUID(helpline["id"]),
            source=Source.HELPLINE,
        )
        written += int(changed)
    _out(stdout, f"Directory: {written} national helpline(s) loaded or updated.")
    return written


# --------------------------------------------------------------------------------------------
# Fictitious demo services
# --------------------------------------------------------------------------------------------

# (slug, name, voivodeship, e-mail)
DEMO_PROVIDERS = [
    (
        "demo-centrum-prewencji",
        "Centrum Prewencji Przykładowe (demo)",
        "14",
        "kontakt@prewencja.demo.invalid",
    ),
    (
        "demo-fundacja-ocaleni",
        "Fundacja Przykładowa dla Ocalałych (demo)",
        "12",
        "biuro@ocaleni.demo.invalid",
    ),
    (
        "demo-poradnia-polnoc",
        "Poradnia Rodzinna Północ (demo)",
        "22",
        "rejestracja@polnoc-poradnia.demo.invalid",
    ),
]

PREVENTION_CONFIDENTIALITY = {
    "pl": (
        "Myśli i uczucia nie są przestępstwem i nikomu ich nie zgłaszamy. Możesz rozmawiać "
        "bez podawania imienia i nazwiska. Jeśli jednak powiesz nam o konkretnym przestępstwie "
        "seksualnym wobec dziecka, o którym mówi art. 240 Kodeksu karnego, albo o tym, że "
        "dziecku grozi krzywda teraz, mamy prawny obowiązek zawiadomić policję lub prokuraturę. "
        "Powiemy Ci o tym, zanim to zrobimy, jeśli to możliwe."
    ),
    "en": (
        "Thoughts and feelings are not a crime and we do not report them to anyone. You can "
        "talk without giving your name. But if you tell us about a specific sexual crime "
        "against a child listed in Article 240 of the Polish Criminal Code, or that a child "
        "is in danger now, we are required by law to notify the police or the prosecutor. "
        "Where we can, we will tell you before we do."
    ),
}
CHILD_CONFIDENTIALITY = {
    "pl": (
        "To, co powiesz, zostaje między Tobą a psychologiem. Wyjątek: jeśli ktoś Cię krzywdzi "
        "albo grozi Ci niebezpieczeństwo, musimy zadbać o Twoje bezpieczeństwo i możemy "
        "powiadomić policję, sąd rodzinny lub opiekuna, któremu ufasz. Zawsze najpierw z Tobą "
        "o tym porozmawiamy."
    ),
    "en": (
        "What you say stays between you and the psychologist. The exception: if someone is "
        "hurting you or you are in danger, we have to keep you safe and may tell the police, "
        "the family court or an adult you trust. We will always talk to you about it first."
    ),
}
ADULT_CONFIDENTIALITY = {
    "pl": (
        "Rozmowy są poufne i objęte tajemnicą zawodową. Nie zawiadamiamy nikogo bez Twojej "
        "zgody, chyba że dowiemy się, że dziecku grozi krzywda teraz – wtedy musimy działać."
    ),
    "en": (
        "Conversations are confidential and covered by professional secrecy. We tell no one "
        "without your consent, unless we learn that a child is in danger now – then we must act."
    ),
}
PROFESSIONAL_CONFIDENTIALITY = {
    "pl": (
        "Konsultacje dotyczą sytuacji, nie osób: nie podawaj danych dziecka ani rodziny. "
        "Pomożemy Ci ustalić, czy i komu musisz przekazać informacje (np. procedura Niebieskiej "
        "Karty, zawiadomienie prokuratury)."
    ),
    "en": (
        "Consultations are about situations, not people: do not give the names of a child or "
        "family. We help you work out whether and to whom you must pass information on (e.g. "
        "the Blue Card procedure, notifying the prosecutor)."
    ),
}


def _demo_services(today) -> list[tuple[str, str, dict, int]]:
    """(key, provider slug, snapshot, days since last verified)."""
    stated = (today - timedelta(days=10)).isoformat()
    return [
        (
            "prevention-line",
            "demo-centrum-prewencji",
            {
                "name": {
                    "pl": "Telefon „Zanim skrzywdzisz” (demo)",
                    "en": "“Before you harm” helpline (demo)",
                },
                "description": {
                    "pl": "Anonimowa rozmowa z psychologiem dla osób, które niepokoją ich własne "
                    "myśli seksualne dotyczące dzieci. Pomagamy zrozumieć, co się dzieje, i "
                    "zaplanować, jak nikogo nie skrzywdzić.",
                    "en": "Anonymous conversations with a psychologist for people troubled by "
                    "their sexual thoughts about children. We help you understand what is "
                    "happening and plan how not to harm anyone.",
                },
                "application_process": {
                    "pl": "Zadzwoń lub napisz na czacie. Nie musisz podawać imienia.",
                    "en": "Call or use the chat. You do not have to give your name.",
                },
                "confidentiality": PREVENTION_CONFIDENTIALITY,
                "hours": {
                    "pl": "Poniedziałek–piątek 16:00–22:00",
                    "en": "Monday–Friday 4 pm–10 pm",
                },
                "fees_description": {"pl": "Bezpłatnie.", "en": "Free of charge."},
                "status": "active",
                "coverage": "national",
                "terms": [
                    "audience.worried-about-thoughts",
                    "audience.viewed-abuse-material",
                    "stage.never-offended",
                    "stage.viewed-abuse-material",
                    "modality.phone",
                    "modality.chat",
                    "anonymity.anonymous",
                    "anonymity.confidential",
                    "cost.free",
                    "evidence.being-evaluated",
                ],
                "languages": ["pl", "en"],
                "phones": [{"number": "800 000 001", "description": {"pl": "numer fikcyjny"}}],
            },
            30,
        ),
        (
            "self-help",
            "demo-centrum-prewencji",
            {
                "name": {
                    "pl": "Program samopomocy online „Kontrola” (demo)",
                    "en": "“Control” online self-help programme (demo)",
                },
                "description": {
                    "pl": "Anonimowy program w internecie: moduły o radzeniu sobie z pragnieniami, "
                    "o przestaniu oglądania materiałów przedstawiających wykorzystywanie dzieci "
                    "i o tym, gdzie szukać terapii.",
                    "en": "An anonymous online programme: modules on coping with urges, on "
                    "stopping viewing child sexual abuse material and on where to find therapy.",
                },
                "application_process": {
                    "pl": "Wejdź na stronę programu i zacznij bez rejestracji.",
                    "en": "Go to the programme's website and start without registering.",
                },
                "confidentiality": {
                    "pl": "Program nie zbiera danych osobowych ani adresów IP. Nikt nie czyta "
                    "Twoich odpowiedzi.",
                    "en": "The programme collects no personal data or IP addresses. No one "
                    "reads your answers.",
                },
                "status": "active",
                "coverage": "national",
                "url": "https://kontrola.demo.invalid/",
                "terms": [
                    "audience.worried-about-thoughts",
                    "audience.viewed-abuse-material",
                    "stage.never-offended",
                    "stage.viewed-abuse-material",
                    "stage.under-investigation",
                    "modality.online-self-help",
                    "anonymity.anonymous",
                    "cost.free",
                    "evidence.evaluated",
                ],
                "languages": ["pl", "en", "uk"],
            },
            60,
        ),
        (
            "therapy-warsaw",
            "demo-centrum-prewencji",
            {
                "name": {
                    "pl": "Terapia dla osób z zainteresowaniem seksualnym dziećmi (demo)",
                    "en": "Therapy for people sexually interested in children (demo)",
                },
                "description": {
                    "pl": "Indywidualna i grupowa psychoterapia zapobiegawcza prowadzona przez "
                    "seksuologów. Także dla osób w trakcie postępowania lub po wyroku.",
                    "en": "Individual and group preventive psychotherapy led by sexologists. "
                    "Also for people under investigation or after a conviction.",
                },
                "application_process": {
                    "pl": "Zadzwoń, by umówić pierwszą konsultację. Możesz przyjść bez "
                    "skierowania.",
                    "en": "Call to book a first consultation. No referral needed.",
                },
                "confidentiality": PREVENTION_CONFIDENTIALITY,
                "wait_time": {
                    "pl": "około 3 tygodni na pierwszą wizytę",
                    "en": "about 3 weeks for a first appointment",
                },
                "wait_time_stated_on": stated,
                "fees_description": {
                    "pl": "Bezpłatnie w ramach NFZ albo odpłatnie (200 zł za sesję).",
                    "en": "Free under the NFZ, or paid (PLN 200 a session).",
                },
                "status": "active",
                "coverage": "local",
                "minimum_age": 18,
                "terms": [
                    "audience.worried-about-thoughts",
                    "audience.viewed-abuse-material",
                    "stage.never-offended",
                    "stage.viewed-abuse-material",
                    "stage.under-investigation",
                    "stage.convicted",
                    "modality.in-person",
                    "modality.group",
                    "modality.video",
                    "anonymity.confidential",
                    "cost.nfz",
                    "cost.paid",
                    "evidence.evaluated",
                ],
                "languages": ["pl", "en"],
                "phones": [{"number": "22 000 00 01", "description": {}}],
                "locations": [
                    {
                        "name": "Centrum Prewencji Przykładowe (demo)",
                        "address_1": "ul. Przykładowa 1",
                        "postal_code": "00-001",
                        "city": "Warszawa",
                    }
                ],
            },
            20,
        ),
        (
            "stop-viewing-group",
            "demo-fundacja-ocaleni",
            {
                "name": {
                    "pl": "Grupa „Przestań oglądać” (demo)",
                    "en": "“Stop viewing” group (demo)",
                },
                "description": {
                    "pl": "Cotygodniowa grupa terapeutyczna dla osób, które oglądały materiały "
                    "przedstawiające wykorzystywanie seksualne dzieci i chcą przestać.",
                    "en": "A weekly therapy group for people who have viewed child sexual "
                    "abuse material and want to stop.",
                },
                "application_process": {
                    "pl": "Napisz e-mail; oddzwonimy i umówimy rozmowę wstępną (także przez "
                    "wideo).",
                    "en": "Send an e-mail; we will call back to arrange an intake talk (also "
                    "by video).",
                },
                "confidentiality": PREVENTION_CONFIDENTIALITY,
                "email": "grupa@ocaleni.demo.invalid",
                "status": "active",
                "coverage": "local",
                "minimum_age": 18,
                "terms": [
                    "audience.viewed-abuse-material",
                    "stage.viewed-abuse-material",
                    "stage.under-investigation",
                    "modality.group",
                    "modality.video",
                    "anonymity.confidential",
                    "cost.paid",
                    "evidence.not-evaluated",
                ],
                "languages": ["pl"],
                "locations": [
                    {
                        "address_1": "ul. Wymyślona 5",
                        "postal_code": "30-001",
                        "city": "Kraków",
                    }
                ],
            },
            45,
        ),
        (
            "children-wroclaw",
            "demo-poradnia",
            {
                "name": {
                    "pl": "Pomoc psychologiczna dla dzieci i młodzieży (demo)",
                    "en": "Psychological help for children and young people (demo)",
                },
                "description": {
                    "pl": "Bezpłatna pomoc psychologiczna i prawna dla dzieci, które doznały "
                    "krzywdy, oraz ich bliskich. Przyjazny pokój przesłuchań.",
                    "en": "Free psychological and legal help for children who were harmed, and "
                    "their families. A child-friendly interview room.",
                },
                "application_process": {
                    "pl": "Zadzwoń do rejestracji albo przyjdź z dorosłym, któremu ufasz.",
                    "en": "Call reception, or come with an adult you trust.",
                },
                "confidentiality": CHILD_CONFIDENTIALITY,
                "wait_time": {"pl": "do 7 dni", "en": "up to 7 days"},
                "wait_time_stated_on": stated,
                "hours": {
                    "pl": "Poniedziałek–piątek 8:00–18:00",
                    "en": "Monday–Friday 8 am–6 pm",
                },
                "fees_description": {"pl": "Bezpłatnie.", "en": "Free of charge."},
                "status": "active",
                "coverage": "local",
                "minimum_age": 4,
                "maximum_age": 18,
                "terms": [
                    "audience.children-and-young-people",
                    "audience.parents-and-carers",
                    "modality.in-person",
                    "anonymity.confidential",
                    "cost.free",
                    "evidence.evaluated",
                ],
                "languages": ["pl", "uk"],
                "phones": [{"number": "71 000 00 01", "description": {"pl": "rejestracja"}}],
                "locations": [
                    {
                        "name": "Poradnia Bezpieczna Przystań (demo)",
                        "address_1": "ul. Fikcyjna 10",
                        "postal_code": "50-001",
                        "city": "Wrocław",
                    }
                ],
            },
            90,
        ),
        (
            "parents-legnica",
            "demo-poradnia",
            {
                "name": {
                    "pl": "Konsultacje dla rodziców – filia Legnica (demo)",
                    "en": "Advice for parents – Legnica branch (demo)",
                },
                "description": {
                    "pl": "Spotkania dla rodziców i opiekunów dziecka, które doznało krzywdy, "
                    "oraz dla rodzin osoby, która może skrzywdzić dziecko.",
                    "en": "Sessions for parents and carers of a child who was harmed, and for "
                    "families of a person who might harm a child.",
                },
                "application_process": {
                    "pl": "Zadzwoń, umówimy termin w ciągu tygodnia.",
                    "en": "Call and we will find a time within a week.",
                },
                "confidentiality": ADULT_CONFIDENTIALITY,
                "status": "active",
                "coverage": "local",
                "terms": [
                    "audience.parents-and-carers",
                    "modality.in-person",
                    "modality.video",
                    "anonymity.confidential",
                    "cost.free",
                    "evidence.not-evaluated",
                ],
                "languages": ["pl"],
                "phones": [{"number": "76 000 00 02", "description": {}}],
                "locations": [
                    {
                        "address_1": "ul. Nieistniejąca 3",
                        "postal_code": "59-220",
                        "city": "Legnica",
                    }
                ],
            },
            420,  # not checked for over a year: shown as possibly out of date
        ),
        (
            "teen-chat",
            "demo-fundacja-ocaleni",
            {
                "name": {"pl": "Czat dla nastolatków (demo)", "en": "Chat for teenagers (demo)"},
                "description": {
                    "pl": "Anonimowy czat z psychologiem dla młodzieży, która doświadczyła "
                    "przemocy seksualnej, także w internecie.",
                    "en": "An anonymous chat with a psychologist for young people who have "
                    "experienced sexual violence, including online.",
                },
                "application_process": {
                    "pl": "Otwórz czat na stronie. Nie podajesz imienia ani numeru.",
                    "en": "Open the chat on the website. No name or number needed.",
                },
                "confidentiality": CHILD_CONFIDENTIALITY,
                "status": "active",
                "coverage": "national",
                "url": "https://czat.demo.invalid/",
                "minimum_age": 12,
                "maximum_age": 18,
                "terms": [
                    "audience.children-and-young-people",
                    "modality.chat",
                    "anonymity.anonymous",
                    "cost.free",
                    "evidence.being-evaluated",
                ],
                "languages": ["pl", "uk"],
            },
            15,
        ),
        (
            "survivors-krakow",
            "demo-fundacja-ocaleni",
            {
                "name": {
                    "pl": (
                        "Grupa wsparcia dla dorosłych, którzy doświadczyli wykorzystywania (demo)"
                    ),
                    "en": "Support group for adult survivors (demo)",
                },
                "description": {
                    "pl": "Grupa prowadzona przez terapeutkę dla dorosłych, którzy jako dzieci "
                    "doświadczyli wykorzystywania seksualnego.",
                    "en": "A therapist-led group for adults who were sexually abused as children.",
                },
                "application_process": {
                    "pl": "Napisz e-mail, umówimy rozmowę przed dołączeniem do grupy.",
                    "en": "Send an e-mail and we will arrange a talk before you join.",
                },
                "confidentiality": ADULT_CONFIDENTIALITY,
                "email": "grupa-dorosli@ocaleni.demo.invalid",
                "status": "active",
                "coverage": "regional",
                "voivodeships": ["12"],
                "minimum_age": 18,
                "terms": [
                    "audience.adult-survivors",
                    "modality.group",
                    "modality.in-person",
                    "anonymity.confidential",
                    "cost.free",
                    "evidence.not-evaluated",
                ],
                "languages": ["pl", "en"],
                "locations": [
                    {
                        "address_1": "ul. Wymyślona 5",
                        "postal_code": "30-001",
                        "city": "Kraków",
                    }
                ],
            },
            100,
        ),
        (
            "parents-gdansk",
            "demo-poradnia-polnoc",
            {
                "name": {
                    "pl": "Poradnia dla rodziców i opiekunów (demo)",
                    "en": "Counselling for parents and carers (demo)",
                },
                "description": {
                    "pl": "Pomoc dla rodziców zaniepokojonych zachowaniem dziecka lub dorosłego "
                    "wobec dziecka, także w internecie. Spotkania w Gdańsku i przez wideo dla "
                    "całego województwa.",
                    "en": "Help for parents worried about a child's or an adult's behaviour "
                    "towards a child, including online. Meetings in Gdańsk, and by video for "
                    "the whole voivodeship.",
                },
                "application_process": {
                    "pl": "Zadzwoń albo napisz; pierwsza rozmowa trwa 50 minut.",
                    "en": "Call or write; the first conversation takes 50 minutes.",
                },
                "confidentiality": ADULT_CONFIDENTIALITY,
                "wait_time": {"pl": "około 2 tygodni", "en": "about 2 weeks"},
                "wait_time_stated_on": stated,
                "status": "active",
                "coverage": "regional",
                "voivodeships": ["22"],
                "terms": [
                    "audience.parents-and-carers",
                    "modality.in-person",
                    "modality.video",
                    "modality.email",
                    "anonymity.confidential",
                    "cost.nfz",
                    "evidence.not-evaluated",
                ],
                "languages": ["pl"],
                "phones": [{"number": "58 000 00 03", "description": {}}],
                "locations": [
                    {
                        "address_1": "ul. Zmyślona 7",
                        "postal_code": "80-001",
                        "city": "Gdańsk",
                    }
                ],
            },
            5,
        ),
        (
            "teen-thoughts-poznan",
            "demo-poradnia-polnoc",
            {
                "name": {
                    "pl": "Terapia dla młodzieży z niepokojącymi myślami seksualnymi (demo)",
                    "en": "Therapy for young people with troubling sexual thoughts (demo)",
                },
                "description": {
                    "pl": "Pomoc dla nastolatków, których niepokoją ich myśli lub zachowania "
                    "seksualne wobec młodszych dzieci. Rozmowy z młodzieżą i jej rodzicami.",
                    "en": "Help for teenagers troubled by their sexual thoughts or behaviour "
                    "towards younger children. Sessions with the young person and their parents.",
                },
                "application_process": {
                    "pl": "Zadzwoń sam(a) albo z rodzicem. Pierwsza rozmowa może być przez "
                    "telefon.",
                    "en": "Call on your own or with a parent. The first talk can be by phone.",
                },
                "confidentiality": PREVENTION_CONFIDENTIALITY,
                "status": "active",
                "coverage": "local",
                "minimum_age": 13,
                "maximum_age": 18,
                "terms": [
                    "audience.worried-about-thoughts",
                    "audience.parents-and-carers",
                    "stage.never-offended",
                    "modality.in-person",
                    "modality.phone",
                    "anonymity.confidential",
                    "cost.nfz",
                    "evidence.being-evaluated",
                ],
                "languages": ["pl"],
                "phones": [{"number": "61 000 00 04", "description": {}}],
                "locations": [
                    {
                        "address_1": "ul. Przykładowa 12",
                        "postal_code": "60-001",
                        "city": "Poznań",
                    }
                ],
            },
            40,
        ),
        (
            "families-lublin",
            "demo-poradnia",
            {
                "name": {
                    "pl": "Wsparcie dla bliskich osób oskarżonych lub skazanych (demo)",
                    "en": "Support for families of people accused or convicted (demo)",
                },
                "description": {
                    "pl": "Rozmowy dla partnerów, rodziców i dzieci osób, wobec których toczy się "
                    "postępowanie o przestępstwo seksualne wobec dziecka.",
                    "en": "Sessions for partners, parents and children of people facing "
                    "proceedings for a sexual offence against a child.",
                },
                "application_process": {
                    "pl": "Zadzwoń lub połącz się przez wideo.",
                    "en": "Call or join by video.",
                },
                "confidentiality": ADULT_CONFIDENTIALITY,
                "status": "active",
                "coverage": "local",
                "terms": [
                    "audience.parents-and-carers",
                    "stage.under-investigation",
                    "stage.convicted",
                    "modality.video",
                    "modality.phone",
                    "modality.in-person",
                    "anonymity.confidential",
                    "cost.free",
                    "evidence.not-evaluated",
                ],
                "languages": ["pl"],
                "phones": [{"number": "81 000 00 05", "description": {}}],
                "locations": [
                    {
                        "address_1": "ul. Fikcyjna 2",
                        "postal_code": "20-001",
                        "city": "Lublin",
                    }
                ],
            },
            200,
        ),
        (
            "professionals",
            "demo-centrum-prewencji",
            {
                "name": {
                    "pl": "Konsultacje dla profesjonalistów (demo)",
                    "en": "Consultations for professionals (demo)",
                },
                "description": {
                    "pl": "Konsultacje dla nauczycieli, terapeutów, lekarzy i kuratorów: jak "
                    "rozpoznać ryzyko, jak rozmawiać z osobą, która boi się, że skrzywdzi "
                    "dziecko, i jakie obowiązki ma instytucja.",
                    "en": "Consultations for teachers, therapists, doctors and probation "
                    "officers: recognising risk, talking to someone who fears they may harm a "
                    "child, and what an institution must do.",
                },
                "application_process": {
                    "pl": "Napisz e-mail z krótkim opisem sytuacji (bez danych osobowych).",
                    "en": "Send an e-mail with a short description (no personal data).",
                },
                "confidentiality": PROFESSIONAL_CONFIDENTIALITY,
                "email": "konsultacje@prewencja.demo.invalid",
                "status": "active",
                "coverage": "national",
                "terms": [
                    "audience.professionals",
                    "modality.email",
                    "modality.video",
                    "cost.free",
                    "evidence.not-evaluated",
                ],
                "languages": ["pl", "en"],
            },
            10,
        ),
    ]


def _demo_provider(slug: str, name: str, voivodeship: str, email: str) -> Provider:
    organisation = Organisation.objects.filter(slug=slug).first()
    if organisation is None:
        organisation = create_organisation(
            actor=None,
            name=name,
            kind=Organisation.Kind.SERVICE_PROVIDER,
            slug=slug,
            voivodeship=voivodeship,
            country="PL",
            contact_email=email,
            language="pl",
        )
        set_verified(actor=None, organisation=organisation, verified=True)
    provider = provider_for(organisation)
    if provider.source != Source.DEMO:
        provider.source = Source.DEMO
        provider.description = provider.description or {
            "pl": "Fikcyjna organizacja pokazowa.",
            "en": "A fictitious demo organisation.",
        }
        provider.save(update_fields=["source", "description"])
    return provider


@transaction.atomic
def seed_demo(stdout=None) -> None:
    """Load the helplines and the demo services (idempotent)."""
    load_helplines(stdout)
    providers = {}
    for slug, name, voivodeship, email in DEMO_PROVIDERS:
        providers[slug] = _demo_provider(slug, name, voivodeship, email)
    poradnia = Organisation.objects.filter(slug="demo-poradnia").first()
    if poradnia is not None:
        providers["demo-poradnia"] = _demo_provider(
            poradnia.slug, poradnia.name, poradnia.voivodeship, poradnia.contact_email
        )
    today = timezone.localdate()
    written = 0
    for key, slug, snapshot, age_days in _demo_services(today):
        provider = providers.get(slug)
        if provider is None:
            continue
        _service, changed = publish_service(
            actor=None,
            provider=provider,
            data=snapshot,
            service_id=uuid.uuid5(DEMO_NAMESPACE, key),
            source=Source.DEMO,
            assured_date=today - timedelta(days=age_days),
        )
        written += int(changed)
    _seed_pending_proposal()
    _out(stdout, f"Directory: {written} demo service(s) loaded or updated.")


def _seed_pending_proposal() -> None:
    """One waiting proposal by the demo service editor, so the review queue is not empty."""
    from django.contrib.auth import get_user_model

    editor = get_user_model().objects.filter(email="redaktor@demo.ostoja.invalid").first()
    service = Service.objects.filter(pk=uuid.uuid5(DEMO_NAMESPACE, "children-wroclaw")).first()
    if editor is None or service is None or ServiceChange.objects.filter(service=service).exists():
        return
    snapshot = service_snapshot(service)
    snapshot["wait_time"] = {"pl": "do 10 dni", "en": "up to 10 days"}
    snapshot["wait_time_stated_on"] = timezone.localdate().isoformat()
    propose_change(actor=editor, data=snapshot, service=service)
