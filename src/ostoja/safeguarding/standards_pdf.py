"""The adopted standards as a PDF (fpdf2, DejaVu Sans for Polish letters)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from . import elements
from .export import FONT_DIR


def to_pdf(organisation, document) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    title = _("Child-protection standards")
    pdf.set_title(f"{title} — {organisation.name}")
    pdf.set_creator("Ostoja")
    pdf.add_page()

    def line(text: str, height: float = 5, size: int = 10, style: str = "") -> None:
        pdf.set_font("DejaVu", style, size)
        pdf.multi_cell(0, height, text, new_x="LMARGIN", new_y="NEXT")

    line(title, 8, 16, "B")
    line(organisation.name, 6, 12, "B")
    line(
        _("Version %(version)s, adopted on %(date)s by %(body)s (%(decision)s).")
        % {
            "version": document.version,
            "date": document.adopted_on.isoformat(),
            "body": document.adopted_by_body,
            "decision": document.decision_reference,
        }
    )
    for element in elements.ELEMENTS:
        pdf.ln(3)
        line(str(element.title), 6, 12, "B")
        line(document.sections.get(element.key, ""))
    for heading, text in (
        (_("The short version for children"), document.children_text),
        (_("The version for parents"), document.parents_text),
    ):
        pdf.ln(3)
        line(heading, 6, 12, "B")
        line(text)
    return bytes(pdf.output())
