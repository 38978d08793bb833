"""The TERC register of Polish territorial units (TERYT), as shipped data. Django-free.

Statistics Poland publishes TERC with the state as of 1 January each year. The project ships
the file it was built with under ``organisations/data/terc-<date>.csv`` (the official columns
``WOJ, POW, GMI, RODZ, NAZWA, NAZWA_DOD, STAN_NA``; see ``data/TERC-README.md``). A yearly update
is a new file: ``manage.py teryt_update FILE`` checks it and copies it next to the old one, and
the newest file is the one used (``OSTOJA_TERC_FILE`` in the environment picks another).

Codes: a voivodeship ``WW`` (2 digits), a powiat ``WWPP`` (4), a gmina or its parts
``WWPPGGR`` (7, the last digit the kind ``RODZ``). A *local authority* (a self-government that
can join the Pact or be an organisation) is a voivodeship, a powiat or a gmina of kind 1, 2 or
3: 16 + 380 + 2,477 = 2,873 in the 2024 register. A city with powiat rights is listed twice
by GUS, as a powiat (``WWPP``) and as an urban gmina (``WWPPGG1``): both are kept, because other
registers (and the Pact's peer groups) use either code.
"""

from __future__ import annotations

import csv
import functools
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
FILE_PATTERN = re.compile(r"^terc-(\d{4}-\d{2}-\d{2})\.csv$")
COLUMNS = ("WOJ", "POW", "GMI", "RODZ", "NAZWA", "NAZWA_DOD", "STAN_NA")

# Kinds of unit, stable identifiers (the register's own words are kept in ``kind_label``).
VOIVODESHIP = "voivodeship"
POWIAT = "powiat"
CITY_POWIAT = "city_powiat"  # miasto na prawach powiatu (as a powiat)
GMINA_URBAN = "gmina_urban"  # RODZ 1
GMINA_RURAL = "gmina_rural"  # RODZ 2
GMINA_URBAN_RURAL = "gmina_urban_rural"  # RODZ 3
TOWN_PART = "town_part"  # RODZ 4: the town of an urban-rural gmina
RURAL_PART = "rural_part"  # RODZ 5: the rural area of an urban-rural gmina
DISTRICT = "district"  # RODZ 8: a district of Warsaw
DELEGATION = "delegation"  # RODZ 9: a delegation of a city

_GMINA_KINDS = {
    "1": GMINA_URBAN,
    "2": GMINA_RURAL,
    "3": GMINA_URBAN_RURAL,
    "4": TOWN_PART,
    "5": RURAL_PART,
    "8": DISTRICT,
    "9": DELEGATION,
}
AUTHORITY_KINDS = frozenset(
    {VOIVODESHIP, POWIAT, CITY_POWIAT, GMINA_URBAN, GMINA_RURAL, GMINA_URBAN_RURAL}
)


class RegisterError(ValueError):
    """A TERC file that is not a valid register."""


@dataclass(frozen=True, slots=True)
class Unit:
    code: str
    name: str
    kind: str
    kind_label: str  # the register's own words, in Polish ("gmina wiejska", "powiat", …)
    voivodeship_code: str
    powiat_code: str  # "" for a voivodeship

    @property
    def is_authority(self) -> bool:
        return self.kind in AUTHORITY_KINDS

    @property
    def level(self) -> str:
        """``voivodeship``, ``powiat`` or ``gmina`` (parts of gminas count as ``gmina``)."""
        if self.kind == VOIVODESHIP:
            return VOIVODESHIP
        if self.kind in (POWIAT, CITY_POWIAT):
            return POWIAT
        return "gmina"


@dataclass(frozen=True)
class Register:
    date: str  # the state the register refers to, ISO date
    source: str  # file name
    units: dict[str, Unit]

    def get(self, code: str) -> Unit | None:
        return self.units.get((code or "").strip())

    def authorities(self) -> list[Unit]:
        return [u for u in self.units.values() if u.is_authority]

    def voivodeships(self) -> list[Unit]:
        return [u for u in self.units.values() if u.kind == VOIVODESHIP]

    def children(self, code: str) -> list[Unit]:
        """Powiats of a voivodeship, or gminas (and their parts) of a powiat."""
        if len(code) == 2:
            return [
                u for u in self.units.values() if u.voivodeship_code == code and len(u.code) == 4
            ]
        if len(code) == 4:
            return [u for u in self.units.values() if u.powiat_code == code and len(u.code) == 7]
        return []

    def label(self, unit: Unit) -> str:
        """A name a person recognises: ``Bolesławiec (gmina wiejska), pow. bolesławiecki,
        woj. dolnośląskie``. Names of units are proper names: they stay Polish in every
        language."""
        parts = [f"{unit.name} ({unit.kind_label})"]
        if len(unit.code) == 7:
            powiat = self.units.get(unit.powiat_code)
            if powiat is not None:
                prefix = "" if powiat.kind == CITY_POWIAT else "pow. "
                parts.append(f"{prefix}{powiat.name}")
        if unit.kind != VOIVODESHIP:
            voivodeship = self.units.get(unit.voivodeship_code)
            if voivodeship is not None:
                parts.append(f"woj. {voivodeship.name}")
        return ", ".join(parts)

    def search(
        self, query: str, *, limit: int = 20, authorities_only: bool = True, voivodeship: str = ""
    ) -> list[Unit]:
        """Units whose name matches ``query`` (case and diacritics folded), or whose code starts
        with it. Names that start with the query come first, then by level and name."""
        q = fold(query)
        if not q:
            return []
        found = []
        for unit in self.units.values():
            if authorities_only and not unit.is_authority:
                continue
            if voivodeship and unit.voivodeship_code != voivodeship:
                continue
            name = _folded_name(unit.name)
            if unit.code.startswith(q) or q in name:
                rank = 0 if name.startswith(q) or unit.code.startswith(q) else 1
                found.append((rank, len(unit.code), name, unit.code, unit))
        found.sort(key=lambda item: item[:4])
        return [item[-1] for item in found[:limit]]


# The self-government's usual name for each kind of authority (Polish proper names: they stay
# Polish in every language, like the register's own words).
_AUTHORITY_NAME = {
    VOIVODESHIP: "Województwo {name}",
    POWIAT: "Powiat {name}",
    CITY_POWIAT: "Miasto na prawach powiatu {name}",
    GMINA_URBAN: "Gmina Miejska {name}",
    GMINA_RURAL: "Gmina {name}",
    GMINA_URBAN_RURAL: "Gmina {name}",
}


def authority_name(unit: Unit) -> str:
    """A name for the organisation that represents ``unit``: ``Gmina Lipowo``, ``Powiat
    bolesławiecki``, ``Województwo lubelskie``. A starting point: the form lets a person type
    the authority's own wording (``Urząd Miasta Lublin``)."""
    return _AUTHORITY_NAME.get(unit.kind, "{name}").format(name=unit.name)


def fold(text: str) -> str:
    """Lower case without diacritics (``ł`` folds to ``l``, which NFKD does not do)."""
    text = unicodedata.normalize("NFKC", text or "").strip().lower().replace("ł", "l")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@functools.lru_cache(maxsize=8192)
def _folded_name(name: str) -> str:
    return fold(name)


def _kind(row: dict) -> str:
    words = row["NAZWA_DOD"].strip()
    if not row["POW"]:
        return VOIVODESHIP
    if not row["GMI"]:
        return CITY_POWIAT if "na prawach powiatu" in words else POWIAT
    try:
        return _GMINA_KINDS[row["RODZ"]]
    except KeyError:
        raise RegisterError(f"unknown RODZ {row['RODZ']!r} for {row['NAZWA']!r}") from None


def parse(path: Path) -> Register:
    """Read and check one TERC file. Raises :class:`RegisterError` on anything unexpected."""
    units: dict[str, Unit] = {}
    dates = set()
    with open(path, encoding="utf-8-sig", newline="") as handle:
        # GUS's own download uses ";", the copy in shared/standards ",".
        delimiter = ";" if ";" in handle.readline() else ","
        handle.seek(0)
        reader = csv.DictReader(handle, delimiter=delimiter)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise RegisterError(f"missing columns: {', '.join(missing)}")
        for line, row in enumerate(reader, start=2):
            row = {k: (row.get(k) or "").strip() for k in COLUMNS}
            if not re.fullmatch(r"\d{2}", row["WOJ"]) or any(
                row[c] and not re.fullmatch(r"\d{2}" if c != "RODZ" else r"\d", row[c])
                for c in ("POW", "GMI", "RODZ")
            ):
                raise RegisterError(f"line {line}: malformed code")
            if row["GMI"] and not (row["POW"] and row["RODZ"]):
                raise RegisterError(f"line {line}: a gmina needs POW and RODZ")
            kind = _kind(row)
            code = row["WOJ"] + row["POW"] + row["GMI"] + (row["RODZ"] if row["GMI"] else "")
            if code in units:
                raise RegisterError(f"line {line}: code {code} appears twice")
            name = row["NAZWA"]
            if kind == VOIVODESHIP:
                name = name.lower()  # GUS writes voivodeships in capitals
            units[code] = Unit(
                code=code,
                name=name,
                kind=kind,
                kind_label=row["NAZWA_DOD"],
                voivodeship_code=row["WOJ"],
                powiat_code=row["WOJ"] + row["POW"] if row["POW"] else "",
            )
            dates.add(row["STAN_NA"])
    if not units:
        raise RegisterError("the file holds no units")
    if len(dates) != 1:
        raise RegisterError(f"expected one STAN_NA date, found {sorted(dates)}")
    for unit in units.values():
        if unit.kind != VOIVODESHIP and unit.voivodeship_code not in units:
            raise RegisterError(f"{unit.code}: its voivodeship is missing")
        if len(unit.code) == 7 and unit.powiat_code not in units:
            raise RegisterError(f"{unit.code}: its powiat is missing")
    date = dates.pop()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", date):
        raise RegisterError(f"STAN_NA is not an ISO date: {date!r}")
    return Register(date=date, source=path.name, units=units)


def current_file() -> Path:
    """The register file in use: ``OSTOJA_TERC_FILE``, else the newest shipped one."""
    override = os.environ.get("OSTOJA_TERC_FILE")
    if override:
        return Path(override)
    files = sorted(p for p in DATA_DIR.iterdir() if FILE_PATTERN.match(p.name))
    if not files:
        raise RegisterError(f"no terc-YYYY-MM-DD.csv in {DATA_DIR}")
    return files[-1]


@functools.lru_cache(maxsize=1)
def register() -> Register:
    """The register in use, read once per process."""
    return parse(current_file())


def get(code: str) -> Unit | None:
    return register().get(code)


def is_authority_code(code: str) -> bool:
    unit = get(code)
    return unit is not None and unit.is_authority
