"""Demo data of the Pact: real authorities from the TERYT register with clearly fictitious
people and plans (every signatory name ends in "(demo)")."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from . import services
from .models import AnswerStatus, Assessment, Measure, Signatory

# (TERYT code or "", country, name abroad, kind abroad, signed, state, plan progress)
DEMO_SIGNATORIES = [
    ("2261", "PL", "", "", dt.date(2025, 3, 12), "verified", [80, 45, 60]),
    ("0606", "PL", "", "", dt.date(2025, 9, 1), "verified", [30, 10]),
    ("12", "PL", "", "", dt.date(2026, 2, 20), "verified", [5]),
    ("0606022", "PL", "", "", dt.date(2026, 6, 5), "verified", [50]),
    ("0403012", "PL", "", "", dt.date(2026, 11, 18), "pending", []),
    ("", "EE", "Tartu", "foreign_town", dt.date(2024, 11, 18), "verified", [70, 90]),
]
ITEM_MEASURES = ["GOV-1", "PRE-3", "PAR-1", "PRO-1", "PRE-1"]


def seed_demo(stdout) -> None:
    if Signatory.objects.filter(signed_by_name__endswith="(demo)").exists():
        return
    services.active_measures()  # loads the catalogue
    coordinator = get_user_model().objects.filter(email="koordynator@demo.ostoja.invalid").first()
    measures = {m.code: m for m in Measure.objects.all()}
    today = timezone.localdate()
    for code, country, name, kind, signed_on, state, progress in DEMO_SIGNATORIES:
        signatory = services.sign_pact(
            actor=None,
            teryt_code=code,
            country=country,
            name=name,
            foreign_kind=kind,
            signed_by_name="Jan Przykładowy (demo)",
            signed_by_function="burmistrz / mayor",
            signed_on=signed_on,
            contact_name="Anna Kontaktowa",
            contact_email="pakt@demo.ostoja.invalid",
            resolution_url="https://example.org/uchwala-demo.pdf",
        )
        if state == "pending":
            continue
        services.verify_signatory(signatory, actor=coordinator, accept=True)
        start = max(signed_on, dt.date(today.year, 1, 1))
        parent = None
        for n, value in enumerate(progress):
            measure = measures[ITEM_MEASURES[n % len(ITEM_MEASURES)]]
            item = services.save_plan_item(
                signatory,
                actor=None,
                title=f"{measure.title_text}",
                measure=measure,
                parent=parent if n == 2 else None,
                responsible_unit="Wydział Spraw Społecznych",
                partners="Fundacja Bezpieczna Północ (demo)",
                budget_pln=None,
                indicator="liczba osób przeszkolonych / people trained",
                progress=value,
                children_participation=(
                    "Młodzieżowa rada zaopiniowała plan (demo)." if n == 0 else ""
                ),
                starts_on=start,
                ends_on=start.replace(year=start.year + 2),
            )
            services.add_milestone(
                item,
                actor=None,
                title="Przegląd postępów (demo)",
                due_on=start + dt.timedelta(days=180),
            )
            parent = parent or item
        if code == "2261":
            assessment = services.start_assessment(signatory, signed_on.year, actor=None)
            for answer in assessment.answers.select_related("measure")[:6]:
                services.save_answer(
                    answer,
                    actor=None,
                    status=AnswerStatus.IN_PROGRESS,
                    explanation="Opis stanu wdrożenia (demo).",
                )
            services.submit_assessment(assessment, actor=None)
            services.assign_reviewer(signatory, actor=None, reviewer=coordinator)
            # The first biennial review, written and signed off.
            start, end = services.review_period(signatory, today)
            review = services.save_review_report(
                signatory,
                actor=None,
                period_start=start,
                period_end=end,
                report=(
                    "## Co zrobiliśmy (demo)\n\nSzkolenia kadry szkół i świetlic, "
                    "młodzieżowa rada opiniuje plan.\n\n## Czego nie zrobiliśmy\n\n"
                    "Punkt konsultacyjny dla rodziców ruszy w przyszłym roku."
                ),
            )
            services.sign_off_review(review, actor=None, signed_off_by_name="Jan Przykładowy")
    stdout.write(
        f"Pact: {Signatory.objects.count()} demo signatories, "
        f"{Assessment.objects.count()} self-assessment(s)."
    )
