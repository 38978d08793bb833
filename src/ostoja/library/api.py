"""The materials library, read-only, for member organisations' websites and tools.

* ``GET /v1/library/materials`` -- a page of materials, most relevant first when searching
  (the same search as the library page: Polish and English, metadata and extracted text);
* ``GET /v1/library/materials/{id}`` -- one material with its description, its current file
  and, for a journal issue, the table of contents.

Who sees what is the library's rule (:mod:`ostoja.library.permissions`): public materials to
anyone, members-only ones to the partnership's members. A request is a member's when it
carries the API token of a partner organisation (``Authorization: Bearer ost_…``) or comes
from a signed-in partnership member's session. Without a token the endpoints are open (public
materials); a token that is presented must be valid, else 401 -- a mistyped token never
silently shows less. A members-only material is a 404 for anyone else, as an unknown id is.

Nothing here records who read what: listing and reading count no download.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.conf import settings
from django.http import Http404
from django.urls import reverse
from ninja import Field, Path, Query, Router, Schema
from ninja.errors import AuthenticationError

from ostoja.core.api_errors import ApiError
from ostoja.network import membership
from ostoja.organisations.services import authenticate_token

from . import permissions, search
from .models import Access, Material

router = Router(tags=["library"])

MAX_PER_PAGE = 100
#: Beyond any real library (20 a page): a page past the last one is an empty page, a page
#: number past this is refused (422) before any query runs.
MAX_PAGE = 100_000
#: Query text must be printable: control characters (NUL above all) never reach the database.
PRINTABLE = r"^[^\x00-\x1f\x7f]*$"


def reader_is_member(request) -> bool:
    """Whether the request may see members-only materials (see the module docstring)."""
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _sep, secret = header.partition(" ")
        token = authenticate_token(secret.strip()) if scheme.lower() == "bearer" else None
        if token is None:
            raise AuthenticationError
        return membership.partner_organisations().filter(pk=token.organisation_id).exists()
    return permissions.is_member(getattr(request, "user", None))


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


class LibraryPublisherOut(Schema):
    slug: str
    name: str


class LibraryFileOut(Schema):
    version: int = Field(description="Version number; the newest is the current file.")
    name: str = Field(description="The file's name as uploaded.")
    content_type: str
    size: int = Field(description="Bytes.")
    pages: int | None = Field(description="Pages of a PDF, once its text has been read.")
    uploaded_at: dt.datetime
    download_url: str = Field(
        description="The download page; it checks access itself (members-only files need a "
        "member's signed-in session)."
    )


class LibraryMaterialOut(Schema):
    id: int
    title: str
    authors: str
    publisher: LibraryPublisherOut | None
    year: int | None
    language: str = Field(description="`pl`, `en` or `other`.")
    kind: str = Field(
        description="`publication`, `guide`, `tool`, `test`, `dataset`, `recording` or `journal`."
    )
    audience: str
    topic: str
    licence: str
    access: str = Field(description="`public`, or `members` (partnership members only).")
    link: str | None = Field(description="Where the material is, when it is a link.")
    has_file: bool
    downloads: int = Field(description="Downloads counted, never who downloaded.")
    url: str = Field(description="The material's page in the library.")


class LibraryJournalIssueOut(Schema):
    year: int
    number: int
    title: str
    contents: list[str] = Field(description="The table of contents: one article a line.")


class LibraryMaterialDetailOut(LibraryMaterialOut):
    description: str = Field(description="Markdown source.")
    file: LibraryFileOut | None = Field(description="The current file, if the material has one.")
    versions: int = Field(description="How many files were uploaded over time.")
    journal_issue: LibraryJournalIssueOut | None


class LibraryMaterialPage(Schema):
    count: int = Field(description="Materials matching, over all pages.")
    page: int
    per_page: int
    pages: int = Field(description="Number of pages (0 when nothing matches).")
    items: list[LibraryMaterialOut]


class LibraryFilters(Schema):
    q: str | None = Field(
        None,
        max_length=search.MAX_QUERY,
        pattern=PRINTABLE,
        description="Words to find in the metadata and the full text (every word must occur; "
        "Polish endings and diacritics are folded).",
    )
    topic: str | None = Field(
        None,
        max_length=120,
        pattern=PRINTABLE,
        description="The whole topic, ignoring case and Polish diacritics.",
    )
    language: Literal["pl", "en", "other"] | None = None
    kind: (
        Literal["publication", "guide", "tool", "test", "dataset", "recording", "journal"] | None
    ) = None
    audience: (
        Literal["professionals", "parents", "children", "teachers", "policy", "everyone"] | None
    ) = None
    year: int | None = Field(None, ge=1900, le=2100)
    page: int = Field(1, ge=1, le=MAX_PAGE)
    per_page: int = Field(20, ge=1, le=MAX_PER_PAGE)


def material_json(material: Material) -> dict:
    publisher = material.publisher
    return {
        "id": material.pk,
        "title": material.title,
        "authors": material.authors,
        "publisher": {"slug": publisher.slug, "name": publisher.name} if publisher else None,
        "year": material.year,
        "language": material.language,
        "kind": material.kind,
        "audience": material.audience,
        "topic": material.topic,
        "licence": material.licence,
        "access": material.access,
        "link": material.link or None,
        "has_file": material.current_version is not None,
        "downloads": material.download_count,
        "url": absolute(reverse("library:material", kwargs={"pk": material.pk})),
    }


def material_detail_json(material: Material) -> dict:
    current = material.current_version
    issue = getattr(material, "journal_issue", None)
    return {
        **material_json(material),
        "description": material.description,
        "file": None
        if current is None
        else {
            "version": current.number,
            "name": current.original_name,
            "content_type": current.content_type,
            "size": current.size,
            "pages": current.page_count,
            "uploaded_at": current.uploaded_at,
            "download_url": absolute(reverse("library:download", kwargs={"pk": material.pk})),
        },
        "versions": len(material.versions.all()),
        "journal_issue": None
        if issue is None
        else {
            "year": issue.year,
            "number": issue.number,
            "title": issue.title,
            "contents": issue.articles(),
        },
    }


@router.get(
    "/v1/library/materials",
    response={200: LibraryMaterialPage, 401: ApiError},
    auth=None,
    summary="Materials of the library (public; members-only ones for members)",
)
def materials(request, filters: Query[LibraryFilters]):
    """A page of the library's materials matching the filters, most relevant first when `q`
    is given (else newest first). Members-only materials are included for a partner
    organisation's token or a partnership member's session. A page past the last one is
    empty."""
    members = reader_is_member(request)
    qs = search.search(
        search.Filters(
            text=filters.q or "",
            kind=filters.kind or "",
            language=filters.language or "",
            audience=filters.audience or "",
            year=filters.year,
            topic=filters.topic or "",
        ),
        members=members,
    )
    count = qs.count()
    start = (filters.page - 1) * filters.per_page
    items = []
    if start < count:
        items = list(
            qs.select_related("publisher").prefetch_related("versions")[
                start : start + filters.per_page
            ]
        )
    return {
        "count": count,
        "page": filters.page,
        "per_page": filters.per_page,
        "pages": -(-count // filters.per_page),
        "items": [material_json(m) for m in items],
    }


@router.get(
    "/v1/library/materials/{material_id}",
    response={200: LibraryMaterialDetailOut, 401: ApiError},
    auth=None,
    summary="One material of the library",
)
def material(request, material_id: int = Path(..., ge=1, le=2**63 - 1)):
    """A material with its description (Markdown), its current file and, for an issue of the
    quarterly, the table of contents. A members-only material answers 404 to anyone but a
    member, as an unknown id does."""
    members = reader_is_member(request)
    found = (
        search.visible(members)
        .select_related("publisher", "journal_issue")
        .prefetch_related("versions")
        .filter(pk=material_id)
        .first()
    )
    if found is None or (found.access != Access.PUBLIC and not members):
        raise Http404
    return material_detail_json(found)
