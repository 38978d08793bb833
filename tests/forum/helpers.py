"""Builders for forum tests: partnership members, categories, threads."""

from __future__ import annotations

import io

from PIL import Image

from ostoja.forum import services
from ostoja.network.membership import set_state
from ostoja.network.models import PartnerState
from tests.conftest import make_user
from tests.factories import OrganisationFactory


def partner_org(**kwargs):
    org = OrganisationFactory(**kwargs)
    set_state(org, PartnerState.MEMBER, reason="test")
    return org


def member(org=None, role="network_member", **kwargs):
    """A person of a partner organisation (a new one unless given)."""
    return make_user(role, org or partner_org(), **kwargs)


def outsider(**kwargs):
    """Signed in, but their organisation is not a partner."""
    return make_user("network_member", OrganisationFactory(), **kwargs)


def coordinator(**kwargs):
    return make_user("coordinator", **kwargs)


def category(name="Ogólne", *, actor=None, **kwargs):
    return services.create_category(actor=actor, name=name, **kwargs)


def group(name, *people):
    g = services.create_group(actor=None, name=name)
    for person in people:
        services.add_group_member(actor=None, group=g, user=person)
    return g


def thread(author, cat, title="Wątek testowy", body="Treść pierwszego postu.", **kwargs):
    return services.start_thread(actor=author, category=cat, title=title, body=body, **kwargs)


def png_bytes(size=(8, 8), exif=False) -> bytes:
    image = Image.new("RGB", size, (30, 120, 200))
    out = io.BytesIO()
    if exif:
        data = Image.Exif()
        data[0x010F] = "CameraMaker"  # Make
        data[0x8825] = {2: (52, 13, 0)}  # GPS info
        image.save(out, format="JPEG", exif=data)
    else:
        image.save(out, format="PNG")
    return out.getvalue()


def pdf_bytes() -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Protokol spotkania")
    return bytes(pdf.output())


def docx_bytes() -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        z.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def odt_bytes() -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.text", zipfile.ZIP_STORED)
        z.writestr("content.xml", "<office:document-content/>")
    return out.getvalue()


def plain_zip_bytes() -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("notes.txt", "hello")
    return out.getvalue()
