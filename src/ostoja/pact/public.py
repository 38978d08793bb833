"""What the public pages, the open data and the API show — one place, so the pages, the CSV,
the JSON list and the Lanzarote export can never disagree."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from ostoja.organisations import teryt

from .catalogue import PILLARS
from .models import Answer, Assessment, PlanItem, Signatory, SignatoryKind
from .progress import by_pillar, rolled_up


@dataclass
class ListedSignatory:
    """A signatory as the public lists show it: read with ``values_list`` (building 2,873
    model instances was most of the overview's time)."""

    pk: int
    slug: str
    name: str
    kind: str
    teryt_code: str
    country: str
    voivodeship: str
    signed_on: object
    state: str
    left_on: object
    progress: dict | None

    @property
    def is_polish(self) -> bool:
        return self.country == "PL"

    def get_kind_display(self) -> str:
        return str(SignatoryKind(self.kind).label)


@dataclass
class PublicSignatory:
    signatory: ListedSignatory
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


#: What the public lists, the CSV and the JSON read of a signatory (not the contact data).
_LIST_FIELDS = (
    "pk",
    "slug",
    "name",
    "kind",
    "teryt_code",
    "country",
    "voivodeship",
    "signed_on",
    "state",
    "left_on",
    "progress",
)


def filtered(
    signatories: list[PublicSignatory], *, kind: str = "", voivodeship: str = "", pillar: str = ""
) -> list[PublicSignatory]:
    """The overview's filters, applied to a list already read (no second query)."""
    return [
        p
        for p in signatories
        if (not kind or p.signatory.kind == kind)
        and (not voivodeship or p.signatory.voivodeship == voivodeship)
        and (not pillar or pillar in p.progress)
    ]


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
    signatories = [ListedSignatory(*row) for row in qs.values_list(*_LIST_FIELDS)]
    # Stored progress (services.refresh_progress); computed for rows that have none yet.
    missing = plan_progress([s.pk for s in signatories if s.progress is None])
    result = [
        PublicSignatory(s, s.progress if s.progress is not None else missing.get(s.pk, {}))
        for s in signatories
    ]
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


@dataclass
class PeerComparison:
    rank: int | None  # the signatory's place (1 = most progress), None if not in the group
    size: int
    median: int | None  # median overall progress of those with a plan
    rows: list[tuple[int, PublicSignatory]]  # (place, signatory): the top and the neighbours


def peer_comparison(signatory: Signatory, *, top: int = 5, around: int = 3) -> PeerComparison:
    """The signatory among its peers: its place, the group's median, the first ``top`` and
    ``around`` places either side of it (a rural gmina has 1,500 peers: no page lists them
    all; the overview filtered by kind and the open data do)."""
    ranked = peers(signatory)
    rank = next((n for n, p in enumerate(ranked, 1) if p.signatory.pk == signatory.pk), None)
    values = sorted(p.overall for p in ranked if p.overall is not None)
    median = values[len(values) // 2] if values else None
    shown = set(range(1, min(top, len(ranked)) + 1))
    if rank is not None:
        shown |= set(range(max(1, rank - around), min(len(ranked), rank + around) + 1))
    rows = [(n, ranked[n - 1]) for n in sorted(shown)]
    return PeerComparison(rank=rank, size=len(ranked), median=median, rows=rows)


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
    return list(assessment.answers.select_related("measure", "revision").order_by("measure__order"))


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
