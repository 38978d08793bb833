"""What the public partnership page and the open data show: one place, so that the page and
the JSON list never disagree."""

from __future__ import annotations

from dataclasses import dataclass

from ostoja.core.text import render_markdown
from ostoja.organisations.models import Voivodeship

from . import membership
from .models import Area, Partner

_VOIVODESHIPS = dict(Voivodeship.choices)
_AREAS = dict(Area.choices)


@dataclass
class PublicMember:
    partner: Partner

    @property
    def organisation(self):
        return self.partner.organisation

    @property
    def voivodeship_codes(self) -> list[str]:
        codes = list(self.partner.voivodeships or [])
        if not codes and self.organisation.voivodeship:
            codes = [self.organisation.voivodeship]
        return codes

    @property
    def voivodeship_names(self) -> list[str]:
        return [_VOIVODESHIPS.get(c, c) for c in self.voivodeship_codes]

    @property
    def area_labels(self) -> list[str]:
        return [str(_AREAS[a]) for a in self.partner.areas or [] if a in _AREAS]

    @property
    def description_html(self):
        return render_markdown(self.partner.description)


def members() -> list[PublicMember]:
    partners = (
        Partner.objects.filter(organisation__in=membership.partner_organisations())
        .select_related("organisation")
        .order_by("organisation__name")
    )
    return [PublicMember(p) for p in partners]


def member_json(m: PublicMember) -> dict:
    org = m.organisation
    return {
        "slug": org.slug,
        "name": org.name,
        "description": m.partner.description,
        "website": org.website or None,
        "voivodeships": m.voivodeship_codes,
        "areas": list(m.partner.areas or []),
        "member_since": m.partner.member_since.isoformat() if m.partner.member_since else None,
    }
