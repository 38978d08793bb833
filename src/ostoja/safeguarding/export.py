"""The register's export for an inspection (CSV and PDF).

It shows compliance and no more: for each person with an engagement, the role, kind of
activity, basis and dates, when they were admitted, and for each required check when it was
made and by whom (and whether it was reused from another organisation). No PESEL, date of
birth, previous names, identity document, printout reference or attachment is exported.
The PDF embeds DejaVu Sans (Bitstream Vera licence, ``fonts/LICENSE``) for Polish letters.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from django.utils import timezone
from django.utils.translation import gettext as _

from . import labels, vetting
from .models import Person, ResidenceDeclaration

FONT_DIR = Path(__file__).resolve().parent / "fonts"


@dataclass
class Row:
    name: str
    engagements: str
    admitted: str
    checks: list[tuple[str, str]]  # (requirement, "date · by")
    missing: list[str]
    due: str


def _fmt(day) -> str:
    return day.isoformat() if day else "—"


def rows(organisation) -> list[Row]:
    people = (
        Person.objects.of(organisation)
        .filter(engagements__isnull=False)
        .distinct()
        .defer("previous_names", "date_of_birth", "pesel", "foreign_id")
        .prefetch_related("engagements", "checks", "residence_periods")
        .order_by("full_name", "id")
    )
    declarations = {
        d.person_id: d
        for d in ResidenceDeclaration.objects.filter(person__organisation=organisation)
    }
    result = []
    for person in people:
        decl = declarations.get(person.pk)
        st = vetting.status(
            citizenships=person.citizenships,
            declared_on=decl.declared_on if decl else None,
            periods=[p.as_period() for p in person.residence_periods.all()],
            checks=[
                vetting.RecordedCheck(c.kind, c.checked_on, c.country, c.result)
                for c in person.checks.all()
            ],
        )
        latest = {}
        for c in sorted(person.checks.all(), key=lambda c: (c.checked_on, c.pk)):
            latest[(c.kind, c.country)] = c
        checks = []
        for req in st.required:
            if req.kind == vetting.RESIDENCE:
                if decl:
                    by = decl.recorded_by_label
                    if decl.reused_from_organisation:
                        by = _("%(by)s, reused from %(org)s") % {
                            "by": by,
                            "org": decl.reused_from_organisation,
                        }
                    checks.append(
                        (labels.requirement_label(req), f"{_fmt(decl.declared_on)} · {by}")
                    )
                continue
            c = latest.get(req.key)
            if c is None:
                continue
            by = c.recorded_by_label
            if c.is_reused:
                by = _("%(by)s, reused from %(org)s") % {
                    "by": c.reused_recorded_by,
                    "org": c.reused_from_organisation,
                }
            extra = _(" (declaration)") if c.declaration_instead else ""
            checks.append((labels.requirement_label(req), f"{_fmt(c.checked_on)} · {by}{extra}"))
        engagements = "; ".join(
            f"{e.role} ({e.get_activity_display()}, {e.get_basis_display()}, "
            f"{_fmt(e.start_date)} – {_fmt(e.end_date) if e.end_date else _('ongoing')})"
            for e in person.engagements.all()
        )
        result.append(
            Row(
                name=person.full_name,
                engagements=engagements,
                admitted=_fmt(person.admitted_on) if person.admitted_on else _("not admitted"),
                checks=checks,
                missing=[labels.requirement_label(r) for r in st.missing],
                due=_fmt(person.recheck_due) if person.recheck_due else "—",
            )
        )
    return result


def to_csv(organisation) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            _("Full name"),
            _("Engagements"),
            _("Admitted on"),
            _("Checks made (date · by whom)"),
            _("Missing"),
            _("Re-check due"),
        ]
    )
    for row in rows(organisation):
        writer.writerow(
            [
                _safe_cell(row.name),
                _safe_cell(row.engagements),
                row.admitted,
                _safe_cell(" | ".join(f"{label}: {value}" for label, value in row.checks)),
                _safe_cell(" | ".join(row.missing)),
                row.due,
            ]
        )
    return out.getvalue()


def _safe_cell(value: str) -> str:
    """Neutralise spreadsheet formulas (CSV injection): a cell starting with = + - @ is
    prefixed with an apostrophe."""
    if value and value[0] in "=+-@\t\r":
        return "'" + value
    return value


def to_pdf(organisation) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    title = _("Vetting register — export for an inspection")
    pdf.set_title(title)
    pdf.set_creator("Ostoja")
    pdf.add_page()

    def line(text: str, height: float = 4.5, size: int = 9, style: str = "") -> None:
        pdf.set_font("DejaVu", style, size)
        pdf.multi_cell(0, height, text, new_x="LMARGIN", new_y="NEXT")

    line(title, 7, 14, "B")
    line(
        _("%(org)s · generated %(when)s · art. 21 of the Act of 13 May 2016")
        % {"org": organisation.name, "when": timezone.localtime().strftime("%Y-%m-%d %H:%M")},
        5,
        10,
    )
    pdf.ln(3)
    data = rows(organisation)
    if not data:
        line(_("No one is recorded with an engagement."), 5, 10)
    for row in data:
        line(row.name, 6, 11, "B")
        line(row.engagements)
        line(
            _("Admitted on: %(date)s · re-check due: %(due)s")
            % {"date": row.admitted, "due": row.due}
        )
        for label, value in row.checks:
            line(f"✓ {label}: {value}")
        for label in row.missing:
            line(_("✗ missing: %(check)s") % {"check": label})
        pdf.ln(2)
    return bytes(pdf.output())
