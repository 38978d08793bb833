"""Human names of countries and requirements, in the active language (Babel's CLDR data)."""

from __future__ import annotations

from functools import lru_cache

from babel import Locale
from django.utils import translation
from django.utils.translation import gettext as _

from . import vetting

# CLDR pseudo-territories that are not states.
_NOT_STATES = {"EU", "EZ", "UN", "QO", "ZZ", "XA", "XB", "XK"}


@lru_cache(maxsize=4)
def _territories(language: str) -> dict[str, str]:
    names = Locale.parse(language).territories
    return {
        code: name
        for code, name in names.items()
        if len(code) == 2 and code.isalpha() and code not in _NOT_STATES
    }


def countries(language: str | None = None) -> dict[str, str]:
    """ISO 3166-1 alpha-2 code → name, for the active language."""
    return _territories((language or translation.get_language() or "pl").split("-")[0])


def country_choices() -> list[tuple[str, str]]:
    names = countries()
    return sorted(names.items(), key=lambda item: item[1])


def country_name(code: str) -> str:
    return countries().get(code, code)


def is_country(code: str) -> bool:
    return code in _territories("en")


def requirement_label(req: vetting.Requirement) -> str:
    if req.kind == vetting.REGISTER:
        return _("Register of Sexual Offenders: both registers checked")
    if req.kind == vetting.KRK:
        return _("National Criminal Register (KRK) information")
    if req.kind == vetting.RESIDENCE:
        return _("Declaration of states lived in during the last 20 years")
    if req.reason == "citizenship":
        return _("Criminal-record information of %(country)s (citizenship)") % {
            "country": country_name(req.country)
        }
    return _("Criminal-record information of %(country)s (or a declaration)") % {
        "country": country_name(req.country)
    }
