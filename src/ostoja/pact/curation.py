"""The catalogue of measures as coordinators curate it: load the shipped file, add, reword,
reorder, retire and restore measures — every change a new catalogue version.

Versioning: a :class:`CatalogueVersion` row per change; a measure's ``catalogue_version``
is the version in which its wording last changed, and each wording is kept as a
:class:`MeasureRevision`. An answer points at the revision it answered, so a submitted
self-assessment keeps the wording it was given whatever is edited later. Reordering changes
no wording and makes no version (it is audited all the same).
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils.translation import gettext as _

from ostoja.audit.services import log_action

from . import catalogue
from .models import CatalogueVersion, Measure, MeasureRevision, Pillar

CODE_RE = re.compile(r"^[A-Z][A-Z0-9]{0,7}-[0-9]{1,3}$")
WORDING = ("pillar", "title", "description", "good_practice", "lanzarote", "legal_duties", "source")
LIMITS = {"title": 300, "description": 3000, "good_practice": 3000, "duty": 500, "source": 300}


def current_version() -> int:
    return CatalogueVersion.objects.aggregate(n=Max("number"))["n"] or 0


def _new_version(*, actor, change: str, at_least: int = 0) -> int:
    """The next catalogue version (under a lock, so two coordinators never share one)."""
    list(CatalogueVersion.objects.select_for_update().order_by("-number")[:1])
    number = max(current_version() + 1, at_least)
    CatalogueVersion.objects.create(number=number, created_by=actor, change=change[:300])
    return number


def _snapshot(measure: Measure, *, actor=None) -> MeasureRevision:
    revision, _created = MeasureRevision.objects.update_or_create(
        measure=measure,
        catalogue_version=measure.catalogue_version,
        defaults={**{f: getattr(measure, f) for f in WORDING}, "created_by": actor},
    )
    return revision


def current_revisions(measure_ids=None) -> dict[int, int]:
    """measure id → id of the revision holding its current wording."""
    qs = MeasureRevision.objects.filter(catalogue_version=F("measure__catalogue_version"))
    if measure_ids is not None:
        qs = qs.filter(measure_id__in=measure_ids)
    return dict(qs.values_list("measure_id", "pk"))


# --- the shipped file ----------------------------------------------------------------------


def sync_catalogue(*, actor=None, path=None) -> dict:
    """Load the shipped catalogue (or ``path``): new measures are added, texts updated,
    measures no longer listed retired (old answers keep them).

    A file whose version is not newer than the database's catalogue is not applied: the
    coordinators' edits in the browser are never overwritten by an older file."""
    version, measures = catalogue.load(path) if path else catalogue.load()
    created = updated = retired = 0
    with transaction.atomic():
        if Measure.objects.exists() and version <= current_version():
            return {"version": version, "created": 0, "updated": 0, "retired": 0}
        _new_version(actor=actor, change=f"catalogue file {version}", at_least=version)
        codes = set()
        for m in measures:
            codes.add(m.code)
            fields = {
                "pillar": m.pillar,
                "order": m.order,
                "title": m.title,
                "description": m.description,
                "good_practice": m.good_practice,
                "lanzarote": list(m.lanzarote),
                "legal_duties": list(m.legal_duties),
                "source": m.source,
                "catalogue_version": version,
                "retired_in": None,
            }
            obj, was_created = Measure.objects.get_or_create(code=m.code, defaults=fields)
            if was_created:
                created += 1
            elif any(getattr(obj, k) != v for k, v in fields.items()):
                for key, value in fields.items():
                    setattr(obj, key, value)
                obj.save()
                updated += 1
            else:
                continue
            _snapshot(obj, actor=actor)
        retired = (
            Measure.objects.filter(retired_in__isnull=True)
            .exclude(code__in=codes)
            .update(retired_in=version)
        )
        log_action(
            "pact.catalogue.loaded",
            actor=actor,
            data={"version": version, "created": created, "updated": updated, "retired": retired},
        )
    return {"version": version, "created": created, "updated": updated, "retired": retired}


def active_measures():
    """Measures in force. A fresh installation loads the shipped catalogue on first use."""
    if not Measure.objects.exists():
        sync_catalogue(actor=None)
    return Measure.objects.filter(retired_in__isnull=True)


# --- editing in the browser ----------------------------------------------------------------


def _clean_texts(errors: dict, name: str, texts: dict, *, required: bool, limit: int) -> dict:
    cleaned = {lang: str((texts or {}).get(lang) or "").strip() for lang in catalogue.LANGS}
    if required and not all(cleaned.values()):
        errors[name] = _("Give the text in Polish and in English.")
    elif not required and bool(cleaned["pl"]) != bool(cleaned["en"]):
        errors[name] = _("Give the text in both languages, or in neither.")
    elif any(len(v) > limit for v in cleaned.values()):
        errors[name] = _("The text is longer than %(limit)s characters.") % {"limit": limit}
    return cleaned


def _clean_wording(fields: dict) -> dict:
    """Check a measure's wording; every problem at once, translated."""
    errors: dict[str, str] = {}
    pillar = fields.get("pillar")
    if pillar not in Pillar.values:
        errors["pillar"] = _("Choose one of the four Ps or governance.")
    title = _clean_texts(errors, "title", fields.get("title"), required=True, limit=LIMITS["title"])
    description = _clean_texts(
        errors,
        "description",
        fields.get("description"),
        required=True,
        limit=LIMITS["description"],
    )
    good_practice = _clean_texts(
        errors,
        "good_practice",
        fields.get("good_practice"),
        required=False,
        limit=LIMITS["good_practice"],
    )
    articles = [str(a).strip() for a in fields.get("lanzarote") or [] if str(a).strip()]
    if not all(a.isdigit() and 1 <= int(a) <= 50 for a in articles):
        errors["lanzarote"] = _(
            "Give the articles of the Lanzarote Convention as numbers from 1 to 50."
        )
    else:
        articles = sorted(set(articles), key=int)
    duties = []
    for duty in fields.get("legal_duties") or []:
        pl, en = str(duty.get("pl") or "").strip(), str(duty.get("en") or "").strip()
        if not (pl and en):
            errors["legal_duties"] = _(
                "Give each legal duty in Polish and in English (one a line, in the same order)."
            )
            break
        if len(pl) > LIMITS["duty"] or len(en) > LIMITS["duty"]:
            errors["legal_duties"] = _("A legal duty is longer than %(limit)s characters.") % {
                "limit": LIMITS["duty"]
            }
            break
        duties.append({"pl": pl, "en": en})
    source = str(fields.get("source") or "").strip()
    if not source:
        errors["source"] = _("Say where the measure comes from.")
    elif len(source) > LIMITS["source"]:
        errors["source"] = _("The text is longer than %(limit)s characters.") % {
            "limit": LIMITS["source"]
        }
    if errors:
        raise ValidationError(errors)
    return {
        "pillar": pillar,
        "title": title,
        "description": description,
        "good_practice": good_practice,
        "lanzarote": articles,
        "legal_duties": duties,
        "source": source,
    }


def add_measure(*, actor, code: str, **fields) -> Measure:
    """A new measure at the end of its P; it is asked in self-assessments started from now."""
    active_measures()  # the shipped catalogue first, so the new measure is not alone
    code = (code or "").strip().upper()
    errors = {}
    if not CODE_RE.match(code):
        errors["code"] = _("A code is letters, a hyphen and a number, e.g. PRE-12.")
    elif Measure.objects.filter(code=code).exists():
        errors["code"] = _("A measure with this code already exists.")
    try:
        wording = _clean_wording(fields)
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        version = _new_version(actor=actor, change=f"{code} added")
        order = (Measure.objects.aggregate(n=Max("order"))["n"] or 0) + 1
        measure = Measure.objects.create(
            code=code, order=order, catalogue_version=version, **wording
        )
        _snapshot(measure, actor=actor)
        log_action(
            "pact.catalogue.measure_added",
            actor=actor,
            target=measure,
            data={"code": code, "version": version},
        )
    return measure


def change_measure(measure: Measure, *, actor, **fields) -> Measure:
    """Reword a measure: a new catalogue version and a new revision; answers already given
    keep the revision they answered. Nothing changed, nothing recorded."""
    wording = _clean_wording(fields)
    changed = sorted(k for k, v in wording.items() if getattr(measure, k) != v)
    if not changed:
        return measure
    with transaction.atomic():
        measure = Measure.objects.select_for_update().get(pk=measure.pk)
        version = _new_version(actor=actor, change=f"{measure.code} changed")
        for key, value in wording.items():
            setattr(measure, key, value)
        measure.catalogue_version = version
        measure.save()
        _snapshot(measure, actor=actor)
        log_action(
            "pact.catalogue.measure_changed",
            actor=actor,
            target=measure,
            data={"code": measure.code, "version": version, "changed": changed},
        )
    return measure


def move_measure(measure: Measure, *, actor, up: bool) -> Measure:
    """Move a measure one place up or down among the measures in force of its P."""
    with transaction.atomic():
        everything = list(Measure.objects.select_for_update().order_by("order", "code"))
        # Number everything afresh first (equal orders could not be swapped).
        for n, m in enumerate(everything, start=1):
            m.order = n
        group = [m for m in everything if m.pillar == measure.pillar and m.retired_in is None]
        at = next((n for n, m in enumerate(group) if m.pk == measure.pk), None)
        if at is None:
            raise ValidationError(_("A retired measure has no place in the catalogue."))
        other = at - 1 if up else at + 1
        if not 0 <= other < len(group):
            raise ValidationError(
                _("The measure is already first.") if up else _("The measure is already last.")
            )
        group[at].order, group[other].order = group[other].order, group[at].order
        Measure.objects.bulk_update(everything, ["order"])
        log_action(
            "pact.catalogue.measure_moved",
            actor=actor,
            target=measure,
            data={
                "code": measure.code,
                "direction": "up" if up else "down",
                "swapped_with": group[other].code,
            },
        )
    measure.refresh_from_db()
    return measure


def retire_measure(measure: Measure, *, actor) -> Measure:
    """Retire a measure: no longer asked nor offered for plans; answers and plan items that
    name it stay as they are."""
    with transaction.atomic():
        measure = Measure.objects.select_for_update().get(pk=measure.pk)
        if measure.retired_in is not None:
            raise ValidationError(_("This measure has already been retired."))
        version = _new_version(actor=actor, change=f"{measure.code} retired")
        measure.retired_in = version
        measure.save(update_fields=["retired_in"])
        log_action(
            "pact.catalogue.measure_retired",
            actor=actor,
            target=measure,
            data={"code": measure.code, "version": version},
        )
    return measure


def restore_measure(measure: Measure, *, actor) -> Measure:
    with transaction.atomic():
        measure = Measure.objects.select_for_update().get(pk=measure.pk)
        if measure.retired_in is None:
            raise ValidationError(_("This measure is in the catalogue."))
        version = _new_version(actor=actor, change=f"{measure.code} restored")
        measure.retired_in = None
        measure.save(update_fields=["retired_in"])
        log_action(
            "pact.catalogue.measure_restored",
            actor=actor,
            target=measure,
            data={"code": measure.code, "version": version},
        )
    return measure
