"""A published position as a PDF (fpdf2, the DejaVu font shipped with safeguarding)."""

from __future__ import annotations

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from ostoja.core.text import plain_text
from ostoja.safeguarding.export import FONT_DIR


def position_pdf(document, signatures) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_title(document.title)
    pdf.set_creator("Ostoja")
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 16)
    pdf.multi_cell(0, 8, document.title, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("DejaVu", "", 9)
    published = timezone.localtime(document.published_at) if document.published_at else None
    if published:
        date = formats.date_format(published, "DATE_FORMAT")
        pdf.multi_cell(
            0, 5, _("Published on %(date)s") % {"date": date}, new_x="LMARGIN", new_y="NEXT"
        )
    pdf.ln(4)
    pdf.set_font("DejaVu", "", 11)
    for paragraph in plain_text(document.final_version.body).split("\n\n"):
        pdf.multi_cell(0, 6, paragraph.strip(), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
    pdf.ln(4)
    pdf.set_font("DejaVu", "B", 12)
    pdf.multi_cell(0, 7, _("Signatory organisations"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    for n, signature in enumerate(signatures, 1):
        when = formats.date_format(timezone.localtime(signature.signed_at), "SHORT_DATE_FORMAT")
        pdf.multi_cell(
            0, 6, f"{n}. {signature.organisation.name} ({when})", new_x="LMARGIN", new_y="NEXT"
        )
    return bytes(pdf.output())
