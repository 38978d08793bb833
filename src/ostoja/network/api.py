"""Open data: the public list of the partnership's member organisations (no token)."""

from __future__ import annotations

from ninja import Router, Schema

from . import public

router = Router(tags=["network"])


class NetworkMemberOut(Schema):
    slug: str
    name: str
    description: str
    website: str | None
    voivodeships: list[str]
    areas: list[str]
    member_since: str | None


@router.get(
    "/v1/network/members",
    response=list[NetworkMemberOut],
    auth=None,
    summary="Member organisations of the national partnership (open data)",
)
def members(request):
    """Every member organisation: its description (Markdown source), the TERYT codes of the
    voivodeships it works in, its areas of work and the date it joined."""
    return [public.member_json(m) for m in public.members()]
