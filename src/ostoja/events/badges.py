"""Badges: A6 PDF pages (name, organisation, QR of the ticket), one or all at once."""

from __future__ import annotations

import io
from pathlib import Path

from fpdf import FPDF

from . import tickets

FONT_DIR = Path(__file__).resolve().parent.parent / "safeguarding" / "fonts"


def _pdf() -> FPDF:
    pdf = FPDF(orientation="P", unit="mm", format=(105, 148))  # A6
    pdf.set_auto_page_break(False)
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_title("Badges")
    pdf.set_creator("Ostoja")
    return pdf


def render(registrations, event) -> bytes:
    pdf = _pdf()
    for registration in registrations:
        pdf.add_page()
        pdf.set_font("DejaVu", "", 8)
        pdf.set_xy(8, 8)
        pdf.multi_cell(89, 4, event.title, align="C")
        pdf.set_font("DejaVu", "B", 18)
        pdf.set_xy(8, 30)
        pdf.multi_cell(89, 8, registration.name, align="C")
        pdf.set_font("DejaVu", "", 11)
        pdf.set_x(8)
        pdf.multi_cell(89, 5.5, registration.organisation_name or "", align="C")
        pdf.set_font("DejaVu", "", 9)
        pdf.set_x(8)
        pdf.multi_cell(89, 5, registration.category.name, align="C")
        png = tickets.qr_png(tickets.secret_for(registration.secret_salt), scale=5)
        pdf.image(io.BytesIO(png), x=30, y=88, w=45, h=45)
        pdf.set_font("DejaVu", "", 8)
        pdf.set_xy(8, 136)
        pdf.cell(89, 4, registration.code, align="C")
    return bytes(pdf.output())
