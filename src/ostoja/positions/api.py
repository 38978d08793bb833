"""Published joint positions with their signatory organisations (open data, no token).

What the public page of a position shows, as JSON: the final text (Markdown), when it was
published, and the organisations that co-signed it and when (a withdrawn signature is not
listed; the person who signed for an organisation is not published). Drafts, comment rounds
and positions still open for co-signing are not here; standards of help are not positions.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Count, Q
from django.http import Http404
from django.urls import reverse
from ninja import Field, Path, Query, Router, Schema

from ostoja.directory.search_text import unaccent_pl

from . import services
from .models import Document, DocumentKind, Stage

router = Router(tags=["positions"])

MAX_PER_PAGE = 100
MAX_PAGE = 100_000
PRINTABLE = r"^[^\x00-\x1f\x7f]*$"


def published_positions():
    return Document.objects.filter(
        kind=DocumentKind.POSITION, stage=Stage.PUBLISHED, final_version__isnull=False
    )


def fold(text: str) -> str:
    return unaccent_pl(text).casefold()


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


class PositionOrganisationOut(Schema):
    slug: str
    name: str


class PositionSignatoryOut(Schema):
    organisation: PositionOrganisationOut
    signed_at: dt.datetime


class PositionOut(Schema):
    id: int
    slug: str
    title: str
    published_at: dt.datetime
    signatories: int = Field(description="How many organisations co-signed it.")
    url: str = Field(description="The public page.")
    pdf_url: str = Field(description="The PDF with the list of signatory organisations.")


class PositionDetailOut(PositionOut):
    body: str = Field(description="The final text, Markdown source.")
    version: int = Field(description="The number of the version that was co-signed.")
    signatory_organisations: list[PositionSignatoryOut] = Field(
        description="The organisations that co-signed, by name."
    )


class PositionPage(Schema):
    count: int
    page: int
    per_page: int
    pages: int
    items: list[PositionOut]


class PositionFilters(Schema):
    q: str | None = Field(
        None,
        max_length=200,
        pattern=PRINTABLE,
        description="Words of the title (every word must occur; case and Polish "
        "diacritics are ignored).",
    )
    page: int = Field(1, ge=1, le=MAX_PAGE)
    per_page: int = Field(20, ge=1, le=MAX_PER_PAGE)


def _position_json(doc: Document, signatories: int) -> dict:
    return {
        "id": doc.pk,
        "slug": doc.slug,
        "title": doc.title,
        "published_at": doc.published_at,
        "signatories": signatories,
        "url": absolute(reverse("positions:public", kwargs={"slug": doc.slug})),
        "pdf_url": absolute(reverse("positions:pdf", kwargs={"slug": doc.slug})),
    }


@router.get(
    "/v1/positions",
    response=PositionPage,
    auth=None,
    summary="Published joint positions (open data)",
)
def positions(request, filters: Query[PositionFilters]):
    """A page of the partnership's published joint positions, newest first, with the
    number of signatory organisations. `q`: every word must be in the title."""
    qs = published_positions()
    words = [fold(w) for w in (filters.q or "").split()[:10]]
    if words:
        # Published positions are few (dozens a year): matched in Python, so that case and
        # Polish diacritics fold the same on SQLite (whose LIKE folds ASCII only) as on
        # PostgreSQL -- "SZKÓŁ" and "szkol" find "szkół".
        qs = qs.filter(
            pk__in=[
                pk
                for pk, title in qs.values_list("pk", "title")
                if all(w in fold(title) for w in words)
            ]
        )
    qs = qs.annotate(
        live_signatures=Count("signatures", filter=Q(signatures__withdrawn_at__isnull=True))
    ).order_by("-published_at", "-pk")
    count = qs.count()
    start = (filters.page - 1) * filters.per_page
    items = list(qs[start : start + filters.per_page]) if start < count else []
    return {
        "count": count,
        "page": filters.page,
        "per_page": filters.per_page,
        "pages": -(-count // filters.per_page),
        "items": [_position_json(d, d.live_signatures) for d in items],
    }


@router.get(
    "/v1/positions/{position_id}",
    response=PositionDetailOut,
    auth=None,
    summary="One published joint position with its signatory organisations",
)
def position(request, position_id: int = Path(..., ge=1, le=2**63 - 1)):
    """The final text of a published position and the organisations that co-signed it. A
    position that is not published (a draft, a comment round, co-signing still open) is a
    404, as an unknown id is."""
    doc = published_positions().select_related("final_version").filter(pk=position_id).first()
    if doc is None:
        raise Http404
    signatures = list(services.signatories(doc))
    return {
        **_position_json(doc, len(signatures)),
        "body": doc.final_version.body,
        "version": doc.final_version.number,
        "signatory_organisations": [
            {
                "organisation": {"slug": s.organisation.slug, "name": s.organisation.name},
                "signed_at": s.signed_at,
            }
            for s in signatures
        ],
    }
