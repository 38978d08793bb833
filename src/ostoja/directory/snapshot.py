"""The editable state of a service as one plain dict: what a proposal carries and a diff shows.

A *snapshot* is JSON (dates as ISO strings) so it can be stored in a proposal, compared with
the live service, written to the audit log and applied in one transaction::

    {
      "name": {"pl": "...", "en": "..."}, "description": {...}, ...   # TRANSLATED
      "url": "", "email": "", "status": "active", "coverage": "local",  # SCALARS
      "minimum_age": None, "maximum_age": None, "wait_time_stated_on": "2026-01-10",
      "voivodeships": ["14"], "terms": ["audience.parents-and-carers"], "languages": ["pl"],
      "phones": [{"number": "22 123 45 67", "description": {"pl": "..."}}],
      "locations": [{"name": "", "address_1": "", "postal_code": "", "city": "",
                     "voivodeship": "", "latitude": None, "longitude": None,
                     "transportation": {...}, "accessibility": {...}}],
    }

:func:`clean_snapshot` is the one validator (the edit form, the service functions and the
demo loader all go through it); :func:`diff` lists what changed, per language.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils.translation import gettext_lazy as _

from ostoja.organisations.models import Voivodeship

from .geo import parse_postcode
from .taxonomy import known_term_codes, term_label
from .translation import clean as clean_text
from .translation import current_language, default_language

TRANSLATED = (
    "name",
    "alternate_name",
    "description",
    "application_process",
    "confidentiality",
    "eligibility_description",
    "fees_description",
    "wait_time",
    "hours",
    "alert",
)
SCALARS = (
    "url",
    "email",
    "status",
    "coverage",
    "minimum_age",
    "maximum_age",
    "wait_time_stated_on",
)
LISTS = ("voivodeships", "terms", "languages", "phones", "locations")
#: Texts every service must have in the default language: people must know what it is, how
#: to make contact and what happens to what they say.
REQUIRED_TRANSLATED = ("name", "description", "application_process", "confidentiality")

MAX_PHONES = 10
MAX_LOCATIONS = 30
MAX_LANGUAGES = 20
NAME_LENGTH = 300

LABELS = {
    "name": _("Name"),
    "alternate_name": _("Other name"),
    "description": _("What it offers"),
    "application_process": _("How to make contact"),
    "confidentiality": _("What happens to what you say"),
    "eligibility_description": _("Who can use it"),
    "fees_description": _("Costs"),
    "wait_time": _("Waiting time"),
    "hours": _("Opening hours"),
    "alert": _("Important notice"),
    "url": _("Website"),
    "email": _("E-mail"),
    "status": _("Status"),
    "coverage": _("Where it can be used"),
    "minimum_age": _("Minimum age"),
    "maximum_age": _("Maximum age"),
    "wait_time_stated_on": _("Waiting time stated on"),
    "voivodeships": _("Voivodeships"),
    "terms": _("Categories"),
    "languages": _("Languages"),
    "phones": _("Phone numbers"),
    "locations": _("Locations"),
}

#: Languages a service can be offered in (ISO 639-1, or 639-3 where there is no 639-1 code).
SERVICE_LANGUAGES = {
    "pl": _("Polish"),
    "en": _("English"),
    "uk": _("Ukrainian"),
    "ru": _("Russian"),
    "be": _("Belarusian"),
    "de": _("German"),
    "pjm": _("Polish Sign Language"),
}

STATUSES = ("active", "inactive", "defunct", "temporarily closed")
COVERAGES = ("national", "regional", "local")
_PHONE = re.compile(r"^\+?[0-9][0-9 ()\-]{1,28}[0-9]$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")


def empty_snapshot() -> dict[str, Any]:
    snapshot: dict[str, Any] = dict.fromkeys(TRANSLATED)
    for key in TRANSLATED:
        snapshot[key] = {}
    snapshot.update(
        url="",
        email="",
        status="active",
        coverage="local",
        minimum_age=None,
        maximum_age=None,
        wait_time_stated_on=None,
        voivodeships=[],
        terms=[],
        languages=[],
        phones=[],
        locations=[],
    )
    return snapshot


def _int_or_none(value, name, errors, low=0, high=120):
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        errors[name] = _("Enter a whole number.")
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        errors[name] = _("Enter a whole number.")
        return None
    if not low <= number <= high:
        errors[name] = _("Enter a number between %(low)s and %(high)s.") % {
            "low": low,
            "high": high,
        }
        return None
    return number


def _float_or_none(value, name, errors, low, high):
    if value in (None, ""):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        errors[name] = _("Enter a number.")
        return None
    if not math.isfinite(number) or not low <= number <= high:
        errors[name] = _("Enter a number between %(low)s and %(high)s.") % {
            "low": low,
            "high": high,
        }
        return None
    return number


def _plain(value, max_length=NAME_LENGTH) -> str:
    if not isinstance(value, str):
        return ""
    return " ".join(value.split())[:max_length]


def clean_snapshot(data: Any) -> dict[str, Any]:
    """Validate and normalise a snapshot; ``ValidationError`` (by field) if it is not valid."""
    if not isinstance(data, dict):
        raise ValidationError(_("A service must be an object."))
    errors: dict[str, Any] = {}
    out = empty_snapshot()
    default = default_language()

    for key in TRANSLATED:
        limit = NAME_LENGTH if key in ("name", "alternate_name") else 5000
        try:
            out[key] = clean_text(data.get(key), max_length=limit)
        except TypeError:
            errors[key] = _("Enter text for each language.")
    for key in REQUIRED_TRANSLATED:
        if key not in errors and not out[key].get(default):
            errors[key] = _("This is required in Polish.")

    url = _plain(data.get("url"), 500)
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            errors["url"] = _("Enter a web address starting with https:// or http://.")
    out["url"] = url
    email = _plain(data.get("email"), 254)
    if email:
        try:
            EmailValidator()(email)
        except ValidationError:
            errors["email"] = _("Enter a valid e-mail address.")
    out["email"] = email
    status = data.get("status") or "active"
    if status not in STATUSES:
        errors["status"] = _("Choose a valid status.")
    out["status"] = status
    coverage = data.get("coverage") or "local"
    if coverage not in COVERAGES:
        errors["coverage"] = _("Choose where the service can be used.")
    out["coverage"] = coverage

    out["minimum_age"] = _int_or_none(data.get("minimum_age"), "minimum_age", errors)
    out["maximum_age"] = _int_or_none(data.get("maximum_age"), "maximum_age", errors)
    if (
        out["minimum_age"] is not None
        and out["maximum_age"] is not None
        and out["minimum_age"] > out["maximum_age"]
    ):
        errors["maximum_age"] = _("The maximum age cannot be below the minimum age.")

    stated = data.get("wait_time_stated_on")
    if stated in (None, ""):
        out["wait_time_stated_on"] = None
    else:
        try:
            stated_date = stated if isinstance(stated, date) else date.fromisoformat(str(stated))
            if stated_date > date.today():
                errors["wait_time_stated_on"] = _("This date cannot be in the future.")
            out["wait_time_stated_on"] = stated_date.isoformat()
        except ValueError:
            errors["wait_time_stated_on"] = _("Enter a valid date.")
    if out["wait_time"] and not out["wait_time_stated_on"] and "wait_time_stated_on" not in errors:
        errors["wait_time_stated_on"] = _("Say when the waiting time was stated.")

    voivodeships = data.get("voivodeships") or []
    if not isinstance(voivodeships, list) or any(v not in Voivodeship.values for v in voivodeships):
        errors["voivodeships"] = _("Choose valid voivodeships.")
        voivodeships = []
    out["voivodeships"] = sorted(set(voivodeships))
    if coverage == "regional" and not out["voivodeships"] and "voivodeships" not in errors:
        errors["voivodeships"] = _("Choose the voivodeships where the service can be used.")
    if coverage != "regional":
        out["voivodeships"] = []

    terms = data.get("terms") or []
    known = known_term_codes()
    if not isinstance(terms, list) or any(t not in known for t in terms):
        errors["terms"] = _("Choose valid categories.")
        terms = []
    out["terms"] = sorted(set(terms))
    if "terms" not in errors and not any(t.startswith("audience.") for t in out["terms"]):
        errors["terms"] = _("Choose who the service is for.")

    languages = data.get("languages") or []
    if (
        not isinstance(languages, list)
        or len(languages) > MAX_LANGUAGES
        or any(not isinstance(c, str) or not _LANGUAGE.match(c) for c in languages)
    ):
        errors["languages"] = _("Choose valid languages.")
        languages = []
    out["languages"] = sorted(set(languages))

    out["phones"] = _clean_phones(data.get("phones"), errors)
    out["locations"] = _clean_locations(data.get("locations"), errors)
    if coverage == "local" and not out["locations"] and "locations" not in errors:
        errors["locations"] = _("A service used only at its locations needs at least one.")

    if errors:
        raise ValidationError(errors)
    return out


def _clean_phones(value, errors) -> list[dict[str, Any]]:
    if value in (None, ""):
        return []
    if not isinstance(value, list) or len(value) > MAX_PHONES:
        errors["phones"] = _("At most %(n)s phone numbers.") % {"n": MAX_PHONES}
        return []
    phones = []
    for item in value:
        if not isinstance(item, dict):
            errors["phones"] = _("Enter valid phone numbers.")
            return []
        number = _plain(item.get("number"), 40)
        if not number:
            continue
        if not _PHONE.match(number):
            errors["phones"] = _("Enter phone numbers with digits, spaces and + only.")
            return []
        try:
            description = clean_text(item.get("description"), max_length=300)
        except TypeError:
            description = {}
        phones.append({"number": number, "description": description})
    return phones


def _clean_locations(value, errors) -> list[dict[str, Any]]:
    if value in (None, ""):
        return []
    if not isinstance(value, list) or len(value) > MAX_LOCATIONS:
        errors["locations"] = _("At most %(n)s locations.") % {"n": MAX_LOCATIONS}
        return []
    locations = []
    for item in value:
        if not isinstance(item, dict):
            errors["locations"] = _("Enter valid locations.")
            return []
        location = {
            "name": _plain(item.get("name")),
            "address_1": _plain(item.get("address_1")),
            "postal_code": _plain(item.get("postal_code"), 20),
            "city": _plain(item.get("city"), 200),
            "voivodeship": item.get("voivodeship") or "",
        }
        if not any(location.values()):
            continue
        if not location["city"]:
            errors["locations"] = _("Every location needs a town.")
            return []
        if location["postal_code"]:
            try:
                location["postal_code"] = parse_postcode(location["postal_code"])
            except ValueError:
                errors["locations"] = _("Enter postcodes like 00-950.")
                return []
        if location["voivodeship"] not in ("", *Voivodeship.values):
            errors["locations"] = _("Choose a valid voivodeship.")
            return []
        location["latitude"] = _float_or_none(item.get("latitude"), "locations", errors, -90, 90)
        location["longitude"] = _float_or_none(
            item.get("longitude"), "locations", errors, -180, 180
        )
        if (location["latitude"] is None) != (location["longitude"] is None):
            errors["locations"] = _("Give both latitude and longitude, or neither.")
            return []
        for key in ("transportation", "accessibility"):
            try:
                location[key] = clean_text(item.get(key), max_length=1000)
            except TypeError:
                location[key] = {}
        locations.append(location)
    return locations


# --------------------------------------------------------------------------------------------
# Differences
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DiffRow:
    key: str
    label: str
    language: str  # "" for fields that are not translated
    old: str
    new: str


def _display(key: str, value: Any) -> str:
    if value in (None, "", [], {}):
        return ""
    if key == "phones":
        return "\n".join(
            " — ".join(filter(None, [p["number"], " / ".join(p.get("description", {}).values())]))
            for p in value
        )
    if key == "locations":
        lines = []
        for loc in value:
            parts = [loc.get("name"), loc.get("address_1"), loc.get("postal_code"), loc.get("city")]
            line = ", ".join(p for p in parts if p)
            if loc.get("latitude") is not None:
                line += f" ({loc['latitude']:.4f}, {loc['longitude']:.4f})"
            lines.append(line)
        return "\n".join(lines)
    if key == "terms":
        return ", ".join(term_label(code, current_language()) for code in value)
    if key == "voivodeships":
        return ", ".join(Voivodeship(code).label for code in value if code in Voivodeship.values)
    if key == "languages":
        return ", ".join(str(SERVICE_LANGUAGES.get(code, code)) for code in value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def diff(old: dict[str, Any] | None, new: dict[str, Any]) -> list[DiffRow]:
    """What differs between two snapshots (``old`` None: everything in ``new`` is new)."""
    old = old or empty_snapshot()
    rows: list[DiffRow] = []
    for key in TRANSLATED:
        before, after = old.get(key) or {}, new.get(key) or {}
        for language in sorted(set(before) | set(after), key=lambda c: (c != "pl", c)):
            if before.get(language, "") != after.get(language, ""):
                rows.append(
                    DiffRow(
                        key,
                        str(LABELS[key]),
                        language,
                        before.get(language, ""),
                        after.get(language, ""),
                    )
                )
    for key in SCALARS + LISTS:
        before, after = old.get(key), new.get(key)
        if _display(key, before) != _display(key, after):
            rows.append(
                DiffRow(key, str(LABELS[key]), "", _display(key, before), _display(key, after))
            )
    return rows
