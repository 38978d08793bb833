"""Building library data for tests through the service functions; synthetic files."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile

from ostoja.library import services


def pdf_bytes(pages=("Pierwsza strona o ochronie dzieci.",), *, encrypt: str = "") -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 8, text)
    data = bytes(pdf.output())
    if encrypt:
        from pypdf import PdfReader, PdfWriter

        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
        writer.encrypt(user_password=encrypt, owner_password=encrypt + "-owner")
        out = io.BytesIO()
        writer.write(out)
        data = out.getvalue()
    return data


def page_bomb() -> bytes:
    """A small, valid PDF whose page tree claims ten million pages."""
    from pypdf import PdfWriter
    from pypdf.generic import NameObject, NumberObject

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer._root_object["/Pages"].get_object()[NameObject("/Count")] = NumberObject(10_000_000)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def nested_bomb(depth: int = 100_000) -> bytes:
    """A PDF whose page content is an array nested ``depth`` levels deep."""
    nested = b"[" * depth + b"]" * depth
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Count 1/Kids[3 0 R]>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Resources "
        + nested
        + b">>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )


def upload(data: bytes, name: str = "raport.pdf", content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def material(*, actor=None, access="members", upload_file=None, link="", **overrides):
    fields = {
        "title": "Raport o ochronie dzieci",
        "authors": "Anna Badaczka",
        "year": 2025,
        "language": "pl",
        "kind": "publication",
        "audience": "professionals",
        "topic": "profilaktyka",
        "licence": "CC BY 4.0",
        "access": access,
        "description": "Opis raportu.",
        "link": link,
    }
    fields.update(overrides)
    if upload_file is None and not link:
        upload_file = upload(pdf_bytes())
    return services.add_material(actor=actor, upload=upload_file, **fields)
