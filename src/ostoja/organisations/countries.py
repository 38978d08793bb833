"""ISO 3166-1 alpha-2 country codes and their names. Django-free.

The codes are the 249 officially assigned ones (ISO 3166 Maintenance Agency), written out here
rather than taken from CLDR: CLDR's territory list also holds codes that are not countries
(``EU``, ``UN``, ``XK``, ``ZZ``…), and a list that changes with a library upgrade would make an
organisation valid one day and invalid the next. Names come from CLDR through Babel (already a
dependency), in the language asked for.
"""

from __future__ import annotations

import functools

from babel import Locale, UnknownLocaleError

from .teryt import fold

ISO_3166_ALPHA2 = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS
    BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE
    EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM
    HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC
    LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA
    NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW
    SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO
    TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
    """.split()  # noqa: SIM905 - a block that reads like the ISO table
)


def normalise(code: str) -> str:
    """``" pl "`` → ``"PL"`` (no other change: a wrong code stays wrong)."""
    return (code or "").strip().upper()


def is_country(code: str) -> bool:
    return code in ISO_3166_ALPHA2


@functools.lru_cache(maxsize=8)
def _names(language: str) -> dict[str, str]:
    try:
        territories = Locale.parse(language.replace("-", "_")).territories
    except (UnknownLocaleError, ValueError):
        territories = Locale("en").territories
    return {code: territories.get(code, code) for code in ISO_3166_ALPHA2}


def name(code: str, language: str = "en") -> str:
    """The country's name in ``language`` (the code itself if unknown)."""
    return _names(language).get(code, code)


def choices(language: str = "en") -> list[tuple[str, str]]:
    """``(code, name)`` sorted by name in ``language``, Poland first (most organisations)."""
    names = _names(language)
    rest = sorted((c for c in names if c != "PL"), key=lambda c: fold(names[c]))
    return [("PL", names["PL"])] + [(c, names[c]) for c in rest]
