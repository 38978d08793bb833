"""The declaration of signing the Pact as a PDF (A4, the platform's font from core/pdf.py).

It records what the signature holds — the authority, who signed and when, the council's
resolution, the contact person and the state of verification — with the commitments of
the four Ps. It carries the contact person, so it is served to the authority's officers and
the coordinators only (views.declaration), in the language of the request.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from ostoja.core.pdf import FONT, new_document
from ostoja.organisations import teryt

from .models import Signatory


def _commitments() -> list[tuple[str, str]]:
    return [
        (
            _("Prevention"),
            _(
                "raise awareness, train people who work with children, educate children "
                "about their rights and safety, support preventive programmes."
            ),
        ),
        (
            _("Protection"),
            _(
                "child-friendly services for victims and their families, helplines, "
                "child-protection standards in the authority's own units."
            ),
        ),
        (
            _("Prosecution"),
            _(
                "cooperation with the police, prosecutors and courts, child-friendly "
                "interviews, no child heard more often than needed."
            ),
        ),
        (
            _("Participation"),
            _("children and civil society take part in planning, doing and evaluating."),
        ),
    ]


def _state_line(signatory: Signatory) -> str:
    if signatory.state == Signatory.State.VERIFIED and signatory.verified_at:
        return _("Signature verified by the coordinator on %(date)s.") % {
            "date": timezone.localtime(signatory.verified_at).date().isoformat()
        }
    if signatory.state == Signatory.State.LEFT and signatory.left_on:
        return _("The authority left the Pact on %(date)s.") % {
            "date": signatory.left_on.isoformat()
        }
    return _("State of the signature: %(state)s.") % {"state": signatory.get_state_display()}


def declaration_pdf(signatory: Signatory, *, public_url: str = "") -> bytes:
    title = _("Declaration of signing the Pact")
    pdf = new_document(title=f"{title}: {signatory.name}")
    pdf.add_page()
    pdf.set_auto_page_break(auto=True, margin=15)

    def line(text: str, height: float = 6, size: int = 11, style: str = "", align="L") -> None:
        pdf.set_font(FONT, style, size)
        pdf.multi_cell(0, height, text, new_x="LMARGIN", new_y="NEXT", align=align)

    line(_("Pact of Towns and Regions to Stop Sexual Violence against Children"), 7, 12, "B", "C")
    line(title, 8, 16, "B", "C")
    pdf.ln(6)
    line(signatory.name, 10, 18, "B", "C")
    where = signatory.get_kind_display()
    if signatory.teryt_code:
        unit = teryt.get(signatory.teryt_code)
        label = teryt.register().label(unit) if unit else ""
        where = f"{where} · TERYT {signatory.teryt_code}" + (f" · {label}" if label else "")
    else:
        where = f"{where} · {signatory.country}"
    line(where, 6, 10, align="C")
    pdf.ln(6)
    line(
        _(
            "%(name)s signed the Pact of Towns and Regions of the Congress of Local and "
            "Regional Authorities of the Council of Europe on %(date)s, and commits to "
            "develop and implement an action plan against sexual violence against children "
            "guided by the Pact and the Lanzarote Convention."
        )
        % {"name": signatory.name, "date": signatory.signed_on.isoformat()}
    )
    pdf.ln(4)
    facts = [
        (
            _("Signed by"),
            f"{signatory.signed_by_name}, {signatory.signed_by_function}",
        ),
        (_("Date signed"), signatory.signed_on.isoformat()),
        (
            _("Council resolution"),
            signatory.resolution_url
            or (_("PDF file attached to the signature") if signatory.resolution_file else "—"),
        ),
        (
            _("Contact person"),
            f"{signatory.contact_name} <{signatory.contact_email}>",
        ),
    ]
    for label, value in facts:
        pdf.set_font(FONT, "B", 10)
        pdf.cell(55, 6, label)
        pdf.set_font(FONT, "", 10)
        pdf.multi_cell(0, 6, value, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    line(_state_line(signatory), 6, 10)
    pdf.ln(4)
    line(_("The commitments of the four Ps"), 7, 12, "B")
    for name, text in _commitments():
        line(f"{name}: {text}", 6, 10)
    pdf.ln(8)
    made = timezone.localdate().isoformat()
    line(_("Made by Ostoja on %(date)s from the record of the signature.") % {"date": made}, 5, 8)
    if public_url:
        line(_("Public page: %(url)s") % {"url": public_url}, 5, 8)
    return bytes(pdf.output())
