"""Demo data: the national conference "Pomoc dzieciom – ofiarom przestępstw" (2 days in
Warsaw, plenary sessions and parallel workshops), a webinar, and some registrations. All
people are fictitious (names end in "(demo)", addresses under demo.ostoja.invalid)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from ostoja.organisations.models import Organisation

from .models import Event
from .services import programme, register
from .services.checkin import redeem

SLUG = "pomoc-dzieciom-ofiarom-przestepstw"


def _at(day: dt.date, hour: int, minute: int = 0):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def seed_demo(stdout) -> None:
    if Event.objects.filter(slug=SLUG).exists():
        return
    organiser = (
        Organisation.objects.filter(slug="demo-koalicja").first() or Organisation.objects.first()
    )
    if organiser is None:
        return
    first = timezone.localdate() + dt.timedelta(days=60)
    second = first + dt.timedelta(days=1)
    event = programme.create_event(
        actor=None,
        organiser=organiser,
        slug=SLUG,
        title="Pomoc dzieciom – ofiarom przestępstw. Ogólnopolska konferencja (demo)",
        kind="conference",
        starts_at=_at(first, 9),
        ends_at=_at(second, 16, 30),
        venue="Centrum Konferencyjne (demo), ul. Przykładowa 1, Warszawa",
        visibility="public",
        published=True,
        description=(
            "Doroczna konferencja Krajowego Partnerstwa dla profesjonalistów z organizacji "
            "członkowskich, instytucji współpracujących i wymiaru sprawiedliwości, z ekspertami "
            "z Polski i Unii Europejskiej.\n\n**Dwa dni, 2000 uczestników.**"
        ),
    )
    d1, d2 = event.days.all()
    d1.title, d2.title = (
        "Dzień 1: rozpoznanie i interwencja",
        "Dzień 2: pomoc i wymiar sprawiedliwości",
    )
    d1.save()
    d2.save()
    s = {
        "a": programme.add_speaker(
            event, "dr Anna Przykładowa (demo)", "Uniwersytet Warszawski (demo)"
        ),
        "b": programme.add_speaker(event, "Jan Ekspert (demo)", "Fundacja Ostoja (demo)"),
        "c": programme.add_speaker(
            event, "Maria Europejska (demo)", "European Child Rights Network (demo)", "BE"
        ),
        "d": programme.add_speaker(event, "sędzia Tomasz Wzorowy (demo)", "Sąd Okręgowy (demo)"),
    }
    programme.add_session(
        d1,
        title="Otwarcie i wykład wprowadzający: dziecko jako ofiara przestępstwa",
        kind="plenary",
        starts_at=_at(first, 9),
        ends_at=_at(first, 11),
        hours=2,
        room="Sala główna",
        speakers=[s["a"]],
    )
    programme.add_session(
        d1,
        title="Przerwa kawowa",
        kind="break",
        starts_at=_at(first, 11),
        ends_at=_at(first, 11, 30),
    )
    programme.add_session(
        d1,
        title="Panel: standardy ochrony dzieci w Unii Europejskiej",
        kind="plenary",
        starts_at=_at(first, 11, 30),
        ends_at=_at(first, 13),
        hours=1.5,
        room="Sala główna",
        speakers=[s["c"], s["b"]],
    )
    workshops_1 = [
        ("Warsztat 1A: diagnoza krzywdzenia dziecka", 40, s["a"]),
        ("Warsztat 1B: interwencja w sytuacji wykorzystania seksualnego", 40, s["b"]),
        ("Warsztat 1C: praca z rodziną dziecka – ofiary", 35, s["c"]),
    ]
    for i, (title, cap, speaker) in enumerate(workshops_1):
        programme.add_session(
            d1,
            title=title,
            kind="workshop",
            starts_at=_at(first, 14),
            ends_at=_at(first, 16, 30),
            capacity=cap,
            hours=2.5,
            room=f"Sala {i + 1}",
            speakers=[speaker],
        )
    programme.add_session(
        d2,
        title="Przesłuchanie dziecka w przyjaznym pokoju – praktyka sądowa",
        kind="plenary",
        starts_at=_at(second, 9),
        ends_at=_at(second, 11),
        hours=2,
        room="Sala główna",
        speakers=[s["d"]],
    )
    for i, title in enumerate(
        [
            "Warsztat 2A: pomoc psychologiczna po traumie",
            "Warsztat 2B: dziecko w postępowaniu karnym",
        ]
    ):
        programme.add_session(
            d2,
            title=title,
            kind="workshop",
            starts_at=_at(second, 11, 30),
            ends_at=_at(second, 14),
            capacity=40,
            hours=2.5,
            room=f"Sala {i + 1}",
            speakers=[s["d"] if i else s["a"]],
        )
    programme.add_session(
        d2,
        title="Podsumowanie i zamknięcie",
        kind="plenary",
        starts_at=_at(second, 14, 30),
        ends_at=_at(second, 16, 30),
        hours=2,
        room="Sala główna",
    )
    members = programme.add_category(
        event,
        "Pracownicy organizacji członkowskich",
        1200,
        members_only=False,
        per_organisation_limit=25,
    )
    professionals = programme.add_category(event, "Inni profesjonaliści", 500)
    justice = programme.add_category(event, "Wymiar sprawiedliwości", 200, requires_approval=True)
    programme.add_category(event, "Prelegenci", 50, requires_approval=True)
    programme.add_category(event, "Prasa", 50, requires_approval=True)
    programme.add_question(
        event,
        "Czy potrzebujesz udogodnień dostępności (np. tłumacza PJM, pętli indukcyjnej)?",
        purpose="Pytamy, aby przygotować salę i tłumaczy.",
        sensitive=True,
    )
    programme.add_question(
        event,
        "Wymagania dietetyczne",
        purpose="Pytamy, aby zamówić odpowiednie posiłki.",
        sensitive=True,
    )
    workshops = list(d1.sessions.filter(kind="workshop"))
    people = [
        ("Katarzyna Nowak (demo)", members, 0),
        ("Piotr Wiśniewski (demo)", members, 1),
        ("Agnieszka Wójcik (demo)", professionals, 2),
        ("Tomasz Kowalczyk (demo)", professionals, 0),
        ("Magdalena Kamińska (demo)", justice, None),
        ("Michał Lewandowski (demo)", members, 1),
    ]
    secrets = []
    for n, (name, category, workshop) in enumerate(people, 1):
        registration, secret = register(
            event=event,
            category=category,
            name=name,
            email=f"uczestnik{n}@demo.ostoja.invalid",
            organisation_name="Fundacja Przykładowa (demo)",
            workshops=[workshops[workshop]] if workshop is not None else [],
        )
        secrets.append(secret)
    # A member of the partnership helps at the entrance (check-in staff, this event only).
    from django.contrib.auth import get_user_model

    helper = get_user_model().objects.filter(email="czlonek@demo.ostoja.invalid").first()
    if helper is not None:
        event.checkin_staff.add(helper)
    day1_list = event.checkin_lists.get(day=d1, session__isnull=True)
    redeem(day1_list, secret=secrets[0], gate="Wejście główne (demo)")
    webinar_day = timezone.localdate() + dt.timedelta(days=21)
    webinar = programme.create_event(
        actor=None,
        organiser=organiser,
        title="Webinar: rozmowa z dzieckiem o trudnych doświadczeniach (demo)",
        kind="webinar",
        starts_at=_at(webinar_day, 10),
        ends_at=_at(webinar_day, 11, 30),
        online_url="https://meet.example.org/ostoja-demo",
        visibility="members",
        published=True,
    )
    programme.add_category(webinar, "Uczestnicy", 100)
    stdout.write(
        "Events: the national conference (demo) with its programme and registrations, a webinar."
    )
