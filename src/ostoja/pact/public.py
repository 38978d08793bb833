"""What the public pages, the open data and the API show — one place, so the pages, the CSV,
the JSON list and the Lanzarote export can never disagree."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q, Sum, Value
from django.db.models.functions import Coalesce

from ostoja.organisations import teryt

from .catalogue import PILLARS
from .models import Answer, Assessment, PlanItem, Signatory, SignatoryKind
from .progress import by_pillar, overall, rolled_up


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
        return overall(self.progress)


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


def _public_queryset(*, kind: str = "", voivodeship: str = "", pillar: str = "", country=""):
    qs = Signatory.objects.public()
    if kind:
        qs = qs.filter(kind=kind)
    if voivodeship:
        qs = qs.filter(voivodeship=voivodeship)
    if country:
        qs = qs.filter(country=country)
    if pillar:
        qs = qs.filter(progress__has_key=pillar)
    return qs


def _listed(rows) -> list[PublicSignatory]:
    result = []
    for row in rows:
        s = ListedSignatory(*row)
        result.append(PublicSignatory(s, s.progress or {}))
    return result


def public_signatories(
    *, kind: str = "", voivodeship: str = "", pillar: str = "", country: str = ""
) -> list[PublicSignatory]:
    """Every public signatory matching the filters, by name (the open data reads them all)."""
    qs = _public_queryset(kind=kind, voivodeship=voivodeship, pillar=pillar, country=country)
    return _listed(qs.order_by("name", "pk").values_list(*_LIST_FIELDS))


def overview_page(
    *, kind: str = "", voivodeship: str = "", pillar: str = "", page=None, per_page: int = 100
):
    """One page of the overview's list, filtered and paged in the database (the overview
    needs no more than the rows it shows)."""
    from django.core.paginator import Paginator

    qs = _public_queryset(kind=kind, voivodeship=voivodeship, pillar=pillar)
    result = Paginator(qs.order_by("name", "pk").values_list(*_LIST_FIELDS), per_page).get_page(
        page
    )
    result.object_list = _listed(result.object_list)
    return result


def totals() -> dict[str, int]:
    """Signatories now (verified) and those of them abroad, counted in the database."""
    counts = Signatory.objects.public().aggregate(
        total=Count("pk", filter=Q(state=Signatory.State.VERIFIED)),
        abroad=Count("pk", filter=~Q(country="PL")),
    )
    return {"total": counts["total"], "abroad": counts["abroad"]}


def voivodeship_table() -> list[dict]:
    """One row per voivodeship (all 16, also those without a signatory), in code order: the
    signatories now, and the mean of their plans' overall progress (those who left count
    in the mean: their plans stay public)."""
    rows = {
        row["voivodeship"]: row
        for row in Signatory.objects.public()
        .filter(country="PL")
        .values("voivodeship")
        .annotate(
            live=Count("pk", filter=Q(state=Signatory.State.VERIFIED)),
            summed=Sum("overall_progress"),
            planned=Count("overall_progress"),
        )
    }
    result = []
    for unit in teryt.register().voivodeships():
        row = rows.get(unit.voivodeship_code) or {}
        planned = row.get("planned") or 0
        result.append(
            {
                "code": unit.code,
                "name": unit.name,
                "signatories": row.get("live", 0),
                "progress": row["summed"] // planned if planned else None,
            }
        )
    return result


@dataclass
class PeerComparison:
    rank: int | None  # the signatory's place (1 = most progress), None if not in the group
    size: int
    median: int | None  # median overall progress of those with a plan
    rows: list[tuple[int, PublicSignatory]]  # (place, signatory): the top and the neighbours


def peer_comparison(signatory: Signatory, *, top: int = 5, around: int = 3) -> PeerComparison:
    """The signatory among its peers of the same kind (urban / rural / urban-rural gmina,
    city with powiat rights, powiat, voivodeship, or the same kind abroad), ranked by overall
    progress (no plan last), then by name: its place, the group's median, the first ``top``
    and ``around`` places either side of it. Ranked in the database: a rural gmina has 1,500
    peers and the page shows a dozen."""
    group = Signatory.objects.public().filter(kind=signatory.kind)
    ranked = group.annotate(score=Coalesce("overall_progress", Value(-1))).order_by(
        "-score", "name", "pk"
    )
    score = -1 if signatory.overall_progress is None else signatory.overall_progress
    counts = ranked.aggregate(
        size=Count("pk"),
        planned=Count("overall_progress"),
        ahead=Count(
            "pk",
            filter=Q(score__gt=score)
            | Q(score=score, name__lt=signatory.name)
            | Q(score=score, name=signatory.name, pk__lt=signatory.pk),
        ),
    )
    size, n = counts["size"], counts["planned"]
    in_group = signatory.state in (Signatory.State.VERIFIED, Signatory.State.LEFT)
    rank = counts["ahead"] + 1 if in_group else None
    planned = group.filter(overall_progress__isnull=False)
    median = (
        planned.order_by("overall_progress").values_list("overall_progress", flat=True)[n // 2]
        if n
        else None
    )
    places = set(range(1, min(top, size) + 1))
    rows = [
        (place, p) for place, p in enumerate(_listed(ranked.values_list(*_LIST_FIELDS)[:top]), 1)
    ]
    if rank is not None:
        first = max(1, rank - around)
        last = min(size, rank + around)
        near = _listed(ranked.values_list(*_LIST_FIELDS)[first - 1 : last])
        rows += [(place, p) for place, p in enumerate(near, first) if place not in places]
    return PeerComparison(rank=rank, size=size, median=median, rows=rows)


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
