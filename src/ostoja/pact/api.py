"""Open data: the public list of Pact signatories (no token: it is public information)."""

from __future__ import annotations

from ninja import Router, Schema

from . import public

router = Router(tags=["pact"])


class PactProgressOut(Schema):
    prevention: int | None
    protection: int | None
    prosecution: int | None
    participation: int | None
    governance: int | None


class PactSignatoryOut(Schema):
    teryt: str | None
    country: str
    name: str
    kind: str
    voivodeship: str | None
    signed_on: str
    state: str
    left_on: str | None
    progress: PactProgressOut


@router.get(
    "/v1/pact/signatories",
    response=list[PactSignatoryOut],
    auth=None,
    summary="Signatories of the Pact of Towns and Regions (open data)",
)
def signatories(request):
    """Every verified signatory (and those who left, with the date), with the progress of its
    action plan per P in percent (null where it plans nothing under that P)."""
    return [public.signatory_json(p) for p in public.public_signatories()]
