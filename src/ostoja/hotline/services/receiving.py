"""Hotline, settings, rules."""

from __future__ import annotations

import copy
import time

from django.conf import settings
from django.db import transaction
from django.db.models import Max, OuterRef, Subquery
from django.utils.translation import gettext as _

from ostoja.audit.services import log_action
from ostoja.organisations.models import Organisation

from .. import priority
from ..intake import (
    FieldError,
    check_text,
)
from ..models import (
    HotlineSettings,
    PriorityRuleSet,
    SourceKind,
)
from .common import HotlineNotConfigured

# The receiving hotline with its rules, as read by this process: (monotonic time, slug
# setting, organisation). Every report needs both, and reading them was a fifth of a single
# report's CPU time (bench: hotline intake). A rule change made in this process is seen at
# once, one made elsewhere within HOTLINE_CACHE_SECONDS; each item records the rule version
# that scored it either way, and a rule change re-scores the queue after commit.
HOTLINE_CACHE_SECONDS = 2.0
_hotline_cache: list = []


def forget_receiving_hotline() -> None:
    _hotline_cache.clear()


def receiving_hotline() -> Organisation:
    """The hotline that receives public and API reports (see the module docstring).

    The organisation comes with its rules in force, read in the same query
    (``_active_rules``), because intake needs both and every round trip counts.
    """
    slug = getattr(settings, "OSTOJA_PUBLIC_HOTLINE_SLUG", None)
    cached = _hotline_cache[0] if _hotline_cache else None
    clock = time.monotonic()
    if cached and cached[1] == slug and clock - cached[0] < HOTLINE_CACHE_SECONDS:
        return cached[2]
    latest_rules = (
        PriorityRuleSet.objects.filter(hotline=OuterRef("pk")).order_by("-version").values("rules")
    )
    qs = Organisation.objects.filter(kind=Organisation.Kind.HOTLINE).annotate(
        _active_rules=Subquery(latest_rules[:1])
    )
    if slug:
        org = qs.filter(slug=slug).first()
    else:
        org = qs.filter(verified=True, country="PL").order_by("created_at", "pk").first()
    if org is None:
        raise HotlineNotConfigured(
            "No hotline receives reports: set OSTOJA_PUBLIC_HOTLINE_SLUG or verify a hotline "
            "organisation in Poland."
        )
    if org._active_rules is None:  # never saved: the defaults, copied once per read
        org._active_rules = copy.deepcopy(priority.DEFAULT_RULES)
    _hotline_cache[:] = [(clock, slug, org)]
    return org


def source_kind_for(organisation: Organisation | None) -> str:
    if organisation is None:
        return SourceKind.PUBLIC
    return {
        Organisation.Kind.POLICE: SourceKind.POLICE,
        Organisation.Kind.HOTLINE: SourceKind.PARTNER_HOTLINE,
        Organisation.Kind.ONLINE_PLATFORM: SourceKind.PLATFORM,
        Organisation.Kind.HOSTING_PROVIDER: SourceKind.PLATFORM,
    }.get(organisation.kind, SourceKind.PUBLIC)


def settings_for(hotline_id: int) -> HotlineSettings:
    """The hotline's settings (defaults if a supervisor never changed them; not saved)."""
    found = HotlineSettings.objects.filter(hotline_id=hotline_id).first()
    return found or HotlineSettings(hotline_id=hotline_id)


def active_rules(hotline_id: int) -> dict:
    """The rules in force: the highest saved version, or the defaults (version 1)."""
    latest = (
        PriorityRuleSet.objects.filter(hotline_id=hotline_id)
        .order_by("-version")
        .values_list("rules", flat=True)
        .first()
    )
    return latest if latest is not None else copy.deepcopy(priority.DEFAULT_RULES)


@transaction.atomic
def save_rules(*, actor, hotline: Organisation, rules: dict, comment: str = "") -> PriorityRuleSet:
    """Store a new version of the hotline's priority rules (validated) and re-score its queue."""
    if not isinstance(rules, dict):
        raise ValueError(_("The rules must be a JSON object."))
    errors: list[FieldError] = []
    comment = check_text(comment, "comment", max_length=200, multiline=False, errors=errors)
    if errors:
        raise ValueError(errors[0].message)
    latest = (
        PriorityRuleSet.objects.select_for_update()
        .filter(hotline=hotline)
        .aggregate(v=Max("version"))["v"]
    )
    version = max(latest or 0, priority.DEFAULT_RULES["version"]) + 1
    rules = {**copy.deepcopy(rules), "version": version}
    try:
        priority.validate_rules(rules)
    except ValueError as exc:
        # The pure core explains in English (field paths are JSON keys anyway).
        raise ValueError(_("The rules are not valid: %(error)s") % {"error": exc}) from exc
    rule_set = PriorityRuleSet.objects.create(
        hotline=hotline, version=version, rules=rules, comment=comment, created_by=actor
    )
    log_action(
        "hotline.priority_rules.saved",
        actor=actor,
        organisation=hotline,
        target=rule_set,
        data={"version": version, "comment": comment, "rules": rules},
    )
    forget_receiving_hotline()
    transaction.on_commit(forget_receiving_hotline)
    transaction.on_commit(lambda: _enqueue_rescore(hotline.pk))
    return rule_set


def _enqueue_rescore(hotline_id: int) -> None:
    from ..tasks import rescore_hotline

    rescore_hotline.enqueue(hotline_id)


SETTINGS_FIELDS = ("four_eyes_required", "claim_minutes", "break_reminder_after", "retention_days")


@transaction.atomic
def update_settings(*, actor, hotline: Organisation, **values) -> HotlineSettings:
    unknown = set(values) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValueError(f"Unknown settings: {', '.join(sorted(unknown))}")
    current, _created = HotlineSettings.objects.select_for_update().get_or_create(hotline=hotline)
    changes = {}
    for name, value in values.items():
        old = getattr(current, name)
        if old != value:
            changes[name] = {"old": old, "new": value}
            setattr(current, name, value)
    current.full_clean()
    current.save()
    if changes:
        log_action(
            "hotline.settings.changed",
            actor=actor,
            organisation=hotline,
            target=current,
            data=changes,
        )
    return current
