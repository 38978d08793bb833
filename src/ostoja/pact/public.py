"""What the public pages, the open data and the API show — one place, so the pages, the CSV,
the JSON list and the Lanzarote export can never disagree."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from ostoja.organisations import teryt

from .catalogue import PILLARS
from .models import Answer, Assessment, PlanItem, Signatory
from .progress import by_pillar, rolled_up


@dataclass
class PublicSignatory:
    signatory: Signatory
    progress: dict[str, int] = field(default_factory=dict)  # pillar → %, only where planned
    items: int = 0

    @property
    def cells(self) -> list[int | None]:
        """Progress per pillar in catalogue order (None where nothing is planned)."""
        return [self.progress.get(pillar) for pillar in PILLARS]

    @property
    def overall(self) -> int | None:
        if not self.progress:
            return None
        return sum(self.progress.values()) // len(self.progress)


def plan_progress(signatory_ids) -> dict[int, dict[str, int]]:
    """Per signatory, the mean rolled-up progress of its top-level plan items per pillar
    (an item's pillar is its measure's, or its parent's)."""
    rows = list(
        PlanItem.objects.filter(signatory_id__in=signatory_ids).values_list(
            "pk", "parent_id", "progress", "signatory_id", "measure__pillar"
        )
    )
    values = rolled_up((pk, parent, progress) for pk, parent, progress, _s, _p in rows)
    per_signatory: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for pk, parent, _progress, signatory_id, pillar in rows:
        if parent is None:
            per_signatory[signatory_id].append((pillar or "governance", values[pk]))
    return {sid: by_pillar(items) for sid, items in per_signatory.items()}


def public_signatories(
    *, kind: str = "", voivodeship: str = "", pillar: str = "", country: str = ""
) -> list[PublicSignatory]:
    qs = Signatory.objects.public().order_by("name")
    if kind:
        qs = qs.filter(kind=kind)
    if voivodeship:
        qs = qs.filter(voivodeship=voivodeship)
    if country:
        qs = qs.filter(country=country)
    signatories = list(qs)
    progress = plan_progress([s.pk for s in signatories])
    result = [PublicSignatory(s, progress.get(s.pk, {})) for s in signatories]
    if pillar:
        result = [r for r in result if pillar in r.progress]
    return result


def voivodeship_table(signatories: list[PublicSignatory]) -> list[dict]:
    """One row per voivodeship (all 16, also those without a signatory), in code order."""
    live = Counter(
        s.signatory.voivodeship
        for s in signatories
        if s.signatory.is_polish and s.signatory.state == Signatory.State.VERIFIED
    )
    progress: dict[str, list[int]] = defaultdict(list)
    for s in signatories:
        if s.signatory.is_polish and s.overall is not None:
            progress[s.signatory.voivodeship].append(s.overall)
    rows = []
    for unit in teryt.register().voivodeships():
        values = progress.get(unit.voivodeship_code, [])
        rows.append(
            {
                "code": unit.code,
                "name": unit.name,
                "signatories": live.get(unit.code, 0),
                "progress": sum(values) // len(values) if values else None,
            }
        )
    return rows


def peers(signatory: Signatory) -> list[PublicSignatory]:
    """Signatories of the same kind (urban / rural / urban-rural gmina, city with powiat
    rights, powiat, voivodeship, or the same kind abroad), ranked by overall progress."""
    group = public_signatories(kind=signatory.kind)
    return sorted(group, key=lambda p: (-(p.overall or -1), p.signatory.name))


def latest_public_assessment(signatory: Signatory) -> Assessment | None:
    return (
        signatory.assessments.filter(
            state__in=[
                Assessment.State.SUBMITTED,
                Assessment.State.CHANGES,
                Assessment.State.ACCEPTED,
            ]
        )
        .order_by("-year")
        .first()
    )


def public_answers(assessment: Assessment) -> list[Answer]:
    return list(assessment.answers.select_related("measure").order_by("measure__order"))


def signatory_json(p: PublicSignatory) -> dict:
    s = p.signatory
    return {
        "teryt": s.teryt_code or None,
        "country": s.country,
        "name": s.name,
        "kind": s.kind,
        "voivodeship": s.voivodeship or None,
        "signed_on": s.signed_on.isoformat(),
        "state": s.state,
        "left_on": s.left_on.isoformat() if s.left_on else None,
        "progress": {pillar: p.progress.get(pillar) for pillar in PILLARS},
    }


def rolled_up_for(items: list[PlanItem]) -> dict[int, int]:
    return rolled_up((i.pk, i.parent_id, i.progress) for i in items)
