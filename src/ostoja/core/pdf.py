"""A PDF document with the platform's font (fpdf2 + DejaVu Sans, which has every Polish letter).

Every app that renders PDF (certificates, badges, positions, standards) starts here, so the
font files live in one place (``core/fonts``, with their licence).
"""

from __future__ import annotations

from pathlib import Path

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVu"


def new_document(*, orientation: str = "P", format: str | tuple = "A4", title: str = ""):
    """An empty fpdf2 document with DejaVu Sans regular and bold registered."""
    from fpdf import FPDF

    pdf = FPDF(orientation=orientation, unit="mm", format=format)
    pdf.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_creator("Ostoja")
    if title:
        pdf.set_title(title)
    return pdf
