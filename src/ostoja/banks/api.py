"""The matching API: platforms check hashes and images against the enabled hash banks.

Authentication: an organisation token with the ``match`` scope. Answers name the bank, the
distance and the classification of each match; the lists themselves are never returned.

Images sent to ``/v1/match/image`` are read into memory, hashed and dropped. They are never
written to disk (only Django's in-memory upload handler is configured, and bodies above the
limit are refused before they are read), to the database or to a log line.
"""

from __future__ import annotations

import json
import re
from typing import Literal

from django.db.models import Count, Q
from django.http import HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from ostoja.core.api_auth import TokenAuth
from ostoja.core.api_errors import ApiError
from ostoja.core.api_fields import alias_schema, fold_alias
from ostoja.matching import (
    DEFAULT_THRESHOLD,
    ImageRejected,
    PdqSignalType,
    get_signal_type,
)
from ostoja.matching.pdq_image import DEFAULT_MAX_PIXELS

from . import image_limits, services, signing
from .models import HashBank

router = Router(tags=["matching"])

MAX_HASHES = 10_000
#: 20 MB: with the decoded image (at most 64 MB) an accepted upload stays under 100 MB of
#: memory (issue 11; bench/image_memory_bench.py).
MAX_IMAGE_BYTES = 20 * 1024 * 1024
#: Room for the multipart boundaries and the small form fields around the image.
MULTIPART_SLACK = 64 * 1024
SignalName = Literal["pdq", "md5", "sha1", "sha256"]

PDQ_EXAMPLE = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
MD5_EXAMPLE = "d41d8cd98f00b204e9800998ecf8427e"


# -- schemas ------------------------------------------------------------------------------------


class MatchHashIn(BaseModel):
    """A hash to match: ``{"signal_type", "value"}``; ``type`` is accepted for
    ``signal_type`` (the spelling of the reports API)."""

    signal_type: SignalName = Field(
        ...,
        description="Hash type (python-threatexchange's names for photos: pdq, md5, sha1, sha256).",
        examples=["pdq"],
    )
    value: str = Field(
        ...,
        max_length=200,
        description=(
            "Hexadecimal digits: 64 for pdq and sha256, 40 for sha1, 32 for md5. Upper or "
            "mixed case is accepted and answered in lower case."
        ),
        examples=[PDQ_EXAMPLE],
    )

    # A plain pydantic model: ninja's Schema hands "before" validators a wrapper, not the dict.
    model_config = ConfigDict(json_schema_extra=alias_schema(field="signal_type", alias="type"))

    @model_validator(mode="before")
    @classmethod
    def _type_is_signal_type(cls, data):
        return fold_alias(data, field="signal_type", alias="type")

    @field_validator("signal_type", mode="before")
    @classmethod
    def _lower_type(cls, v):
        return v.strip().lower() if isinstance(v, str) else v

    @field_validator("value")
    @classmethod
    def _canonical(cls, v: str, info: ValidationInfo) -> str:
        signal_type = info.data.get("signal_type")
        if signal_type is None:  # the type itself was invalid; that error is reported
            return v
        return _parse_hash(signal_type, v)


def _parse_hash(signal_type: str, value: str) -> str:
    """The canonical hash, or a ValueError whose message is in the request's language."""
    try:
        return get_signal_type(signal_type).parse(value)
    except ValueError:
        pass
    text = value.strip()
    expected = get_signal_type(signal_type).hex_length
    if not text:
        message = _("The %(type)s hash is empty.") % {"type": signal_type}
    else:
        pos = next((i for i, ch in enumerate(text) if ch not in "0123456789abcdefABCDEF"), None)
        if pos is not None:
            message = _(
                "The %(type)s hash has a character that is not a hexadecimal digit at "
                "position %(pos)d."
            ) % {"type": signal_type, "pos": pos}
        else:
            message = _(
                "A %(type)s hash has %(expected)d hexadecimal digits; this one has %(got)d."
            ) % {"type": signal_type, "expected": expected, "got": len(text)}
    raise PydanticCustomError("value_error", "{error}", {"error": message})


class MatchIn(Schema):
    hashes: list[MatchHashIn] = Field(
        ...,
        min_length=1,
        max_length=MAX_HASHES,
        description=f"1 to {MAX_HASHES:,} hashes.",
    )
    pdq_threshold: int = Field(
        DEFAULT_THRESHOLD,
        ge=0,
        le=services.PDQ_MAX_THRESHOLD,
        description="Largest Hamming distance that counts as a PDQ match (default 31, "
        "Meta's recommendation; lower is stricter).",
    )

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "hashes": [
                        {"signal_type": "pdq", "value": PDQ_EXAMPLE},
                        {"signal_type": "md5", "value": MD5_EXAMPLE.upper()},
                    ],
                    "pdq_threshold": 31,
                }
            ]
        }
    }


class ClassificationOut(Schema):
    classification: str = Field(
        ..., description="`baseline` (INTERPOL's international baseline) or `national`."
    )
    category: str = Field(..., description="The bank's category code (free text, may be empty).")
    age_band: str = Field(..., description="`0-2`, `3-13`, `14-17`, `unknown` or empty.")


class MatchOut(Schema):
    bank: str | None = Field(
        ...,
        description="The bank's short name (slug); null for another organisation's private "
        "bank (see `disclosure`).",
        examples=["pl-baseline"],
    )
    bank_name: str | None
    organisation: str | None = Field(
        ...,
        description="Slug of the organisation that owns the bank; null when a private bank's "
        "owner does not disclose it.",
    )
    distance: int = Field(..., description="0 for exact hashes; Hamming distance for PDQ.")
    classification: ClassificationOut
    disclosure: Literal["full", "owner", "known"] = Field(
        "full",
        description="`full`: a bank your organisation may see (its own or a shared one). "
        "`owner`: known material in another organisation's private bank, which discloses "
        "only the owner and the classification code. `known`: known material, classification "
        "code only. (Owners may also withhold matches entirely.)",
    )


class HashResultOut(Schema):
    signal_type: str
    value: str = Field(..., description="The hash as sent, in canonical lower-case form.")
    matches: list[MatchOut] = Field(
        ..., description="Ordered by distance; empty if nothing matched."
    )
    truncated: bool = Field(
        False,
        description=f"More than {services.MAX_MATCHES_PER_HASH} matches; only the "
        "closest are listed.",
    )


class MatchOutList(Schema):
    results: list[HashResultOut] = Field(..., description="One result per hash, in order.")
    matched: int = Field(..., description="How many of the hashes matched at least once.")
    pdq_threshold: int

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "results": [
                        {
                            "signal_type": "pdq",
                            "value": PDQ_EXAMPLE,
                            "matches": [
                                {
                                    "bank": "pl-baseline",
                                    "bank_name": "Baseline (PL)",
                                    "organisation": "dyzurnet",
                                    "distance": 4,
                                    "classification": {
                                        "classification": "baseline",
                                        "category": "A",
                                        "age_band": "3-13",
                                    },
                                }
                            ],
                            "truncated": False,
                        },
                        {
                            "signal_type": "md5",
                            "value": MD5_EXAMPLE,
                            "matches": [],
                            "truncated": False,
                        },
                    ],
                    "matched": 1,
                    "pdq_threshold": 31,
                }
            ]
        }
    }


class ImageResultOut(HashResultOut):
    variant: str | None = Field(
        None,
        description="For PDQ: `original`, or the rotation/flip (with `dihedral`).",
    )
    skipped: str | None = Field(
        None,
        description="`low_quality`: the PDQ hash was not matched because the image has too "
        "little detail (quality below 50) to match reliably.",
    )


class ImageMatchOut(Schema):
    results: list[ImageResultOut]
    matched: int
    pdq_quality: int = Field(..., description="PDQ quality 0–100; below 50 is unreliable.")
    pdq_threshold: int


class BankOut(Schema):
    bank: str
    bank_name: str
    organisation: str
    version: int
    entries: dict[str, int] = Field(..., description="Active entries per signal type.")


class SigningKeyOut(Schema):
    algorithm: str = "Ed25519"
    key_id: str
    public_key_pem: str


def _error(status: int, detail: str, field: str = "", kind: str = ""):
    errors = [{"field": field, "message": detail, "type": kind}] if field else []
    return Status(status, {"detail": detail, "errors": errors})


ERRORS = {400: ApiError, 401: ApiError, 403: ApiError, 413: ApiError, 422: ApiError}


def _result_dict(r: services.HashMatches) -> dict:
    """One result as ``HashResultOut`` (its fields in the schema's order)."""
    return {
        "signal_type": r.signal_type,
        "value": r.value,
        "matches": [
            {
                "bank": m.bank,
                "bank_name": m.bank_name,
                "organisation": m.organisation,
                "distance": m.distance,
                "classification": m.classification,
                "disclosure": m.disclosure,
            }
            for m in r.matches
        ],
        "truncated": r.truncated,
    }


# -- endpoints ----------------------------------------------------------------------------------


@router.post(
    "/v1/match",
    auth=TokenAuth("match"),
    response={200: MatchOutList, **ERRORS},
    summary="Match hashes against the hash banks",
    description=(
        f"Up to {MAX_HASHES:,} hashes per call. Each is matched against every enabled bank: "
        "PDQ within `pdq_threshold` bits, MD5/SHA-1/SHA-256 exactly. A change to a bank is "
        "matched within seconds. Invalid input (unknown type, non-hex or wrong-length value, "
        f"an empty list, more than {MAX_HASHES:,} hashes) is answered with 422 naming the "
        "field, e.g. `hashes.3.value`; bodies over 2 MB with 413."
    ),
)
def match(request, payload: MatchIn):
    results = services.match_hashes(
        [(h.signal_type, h.value) for h in payload.hashes],
        pdq_threshold=payload.pdq_threshold,
        for_organisation=request.organisation,
        canonical=True,  # validated above
    )
    body = {
        "results": [_result_dict(r) for r in results],
        "matched": sum(1 for r in results if r.matches),
        "pdq_threshold": payload.pdq_threshold,
    }
    # Built here in the shape of MatchOutList (tests/banks/test_api.py checks it against the
    # schema) and rendered as django-ninja would: re-validating 10,000 results through
    # pydantic took longer than matching them (bench/match_api_bench.py).
    return HttpResponse(json.dumps(body), content_type="application/json; charset=utf-8")


_IMAGE_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["image"],
                "properties": {
                    "image": {
                        "type": "string",
                        "format": "binary",
                        "description": "The image file (JPEG, PNG, GIF, WebP, BMP, TIFF…), "
                        "at most 20 MB and 16.8 megapixels (JPEG: 67).",
                    },
                    "dihedral": {
                        "type": "boolean",
                        "default": False,
                        "description": "Also match the 7 rotations and flips of the image.",
                    },
                    "pdq_threshold": {
                        "type": "integer",
                        "minimum": 0,
                        "maximum": services.PDQ_MAX_THRESHOLD,
                        "default": DEFAULT_THRESHOLD,
                    },
                },
            }
        }
    },
}


def _threshold(value: str | None) -> int | None:
    """``pdq_threshold`` of a form: 0..31 (default 31), or None if it is not that.

    ASCII digits only and at most 4 of them: ``str.isdigit`` is also true for "²" and for a
    4,301-digit number, and ``int()`` raises on both."""
    text = (value or "").strip() or str(DEFAULT_THRESHOLD)
    if not re.fullmatch(r"[0-9]{1,4}", text) or int(text) > services.PDQ_MAX_THRESHOLD:
        return None
    return int(text)


def _flag(value: str | None) -> bool | None:
    text = (value or "").strip().lower()
    if text in ("", "0", "false", "no", "off"):
        return False
    if text in ("1", "true", "yes", "on"):
        return True
    return None


@router.post(
    "/v1/match/image",
    auth=TokenAuth("match"),
    response={200: ImageMatchOut, **ERRORS, 503: ApiError},
    summary="Hash an image in memory and match it",
    description=(
        "Send the image as `multipart/form-data` in the field `image`. It is hashed in memory "
        "(PDQ, and MD5/SHA-1/SHA-256 of the file's bytes) and discarded: never written to "
        "disk, the database or the logs. The answer lists the hashes and their matches.\n\n"
        "Errors: 400 not multipart or malformed; 413 larger than 20 MB; 422 no `image` "
        "field, not an image, truncated or corrupt, or more than 16.8 megapixels (4096 x "
        "4096; a JPEG up to 67, as it is decoded at reduced scale); 503 (with `Retry-After`) "
        "when the server is hashing as many images as it allows at once."
    ),
    openapi_extra={"requestBody": _IMAGE_BODY},
)
@image_limits.limited_image_hashing
def match_image(request):
    if not request.content_type.startswith("multipart/form-data"):
        return _error(400, _("Send the image as multipart/form-data in the field 'image'."))
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_IMAGE_BYTES + MULTIPART_SLACK:
        # Refused before the body is read: nothing of it is held anywhere.
        return _error(
            413,
            _("The image is larger than %(mb)d MB.") % {"mb": MAX_IMAGE_BYTES // 2**20},
            "image",
            "too_large",
        )
    try:
        files = request.FILES
        form = request.POST
    except MultiPartParserError:
        return _error(400, _("The multipart body is malformed."))
    uploads = files.getlist("image")
    if not uploads:
        return _error(
            422, _("The field 'image' with the image file is missing."), "image", "missing"
        )
    if len(uploads) > 1:
        return _error(422, _("Send one image per request."), "image", "too_many")
    dihedral = _flag(form.get("dihedral"))
    if dihedral is None:
        return _error(422, _("dihedral must be true or false."), "dihedral", "bool_parsing")
    threshold = _threshold(form.get("pdq_threshold"))
    if threshold is None:
        return _error(
            422,
            _("pdq_threshold must be a whole number from 0 to %(max)d.")
            % {"max": services.PDQ_MAX_THRESHOLD},
            "pdq_threshold",
            "range",
        )
    upload = uploads[0]
    if upload.size > MAX_IMAGE_BYTES:
        upload.close()
        return _error(
            413,
            _("The image is larger than %(mb)d MB.") % {"mb": MAX_IMAGE_BYTES // 2**20},
            "image",
            "too_large",
        )
    try:
        # The in-memory upload itself is decoded and digested: no copy of its bytes is made.
        hashes = services.hash_image(upload.file, dihedral=dihedral, max_bytes=MAX_IMAGE_BYTES)
    except ImageRejected as exc:
        return _error(*_rejection(exc))
    finally:
        upload.close()  # frees the only copy of the bytes
    usable = hashes.quality >= PdqSignalType.min_quality
    queries: list[tuple[str, str, str | None]] = []
    if hashes.dihedral:
        seen = set()
        from ostoja.matching.pdq_image import DIHEDRAL_NAMES

        for name, value in zip(DIHEDRAL_NAMES, hashes.dihedral, strict=True):
            if value not in seen:
                seen.add(value)
                queries.append(("pdq", value, name))
    else:
        queries.append(("pdq", hashes.pdq, "original"))
    queries += [("md5", hashes.md5, None), ("sha1", hashes.sha1, None)]
    queries.append(("sha256", hashes.sha256, None))
    to_match = [(t, v) for t, v, _variant in queries if t != "pdq" or usable]
    matched = iter(
        services.match_hashes(
            to_match, pdq_threshold=threshold, for_organisation=request.organisation
        )
    )
    results = []
    for t, v, variant in queries:
        if t == "pdq" and not usable:
            result = {"signal_type": t, "value": v, "matches": [], "truncated": False}
            result["skipped"] = "low_quality"
        else:
            result = _result_dict(next(matched))
        result["variant"] = variant
        results.append(result)
    return Status(
        200,
        {
            "results": results,
            "matched": sum(1 for r in results if r["matches"]),
            "pdq_quality": hashes.quality,
            "pdq_threshold": threshold,
        },
    )


def _rejection(exc: ImageRejected) -> tuple[int, str, str, str]:
    messages = {
        "too_large": (
            413,
            _("The image is larger than %(mb)d MB.") % {"mb": MAX_IMAGE_BYTES // 2**20},
        ),
        "too_many_pixels": (
            422,
            _(
                "The image has too many pixels to decode safely (a decompression bomb?): "
                "at most %(mp).1f megapixels are accepted, fewer for 32-bit colour and for "
                "TIFF or WebP."
            )
            % {"mp": DEFAULT_MAX_PIXELS / 1e6},
        ),
        "not_an_image": (422, _("The file is not an image in a supported format.")),
        "corrupt": (422, _("The image is truncated or corrupt.")),
    }
    status, message = messages.get(exc.reason, (422, _("The image cannot be hashed.")))
    return status, message, "image", exc.reason


@router.get(
    "/v1/banks",
    auth=TokenAuth("match"),
    response={200: list[BankOut], 401: ApiError, 403: ApiError},
    summary="The banks your organisation may see",
    description="Enabled banks that are shared, or owned by your organisation. Hashes are "
    "also matched against other organisations' private banks, which are not listed; a match "
    "against one says only what its owner allows (see `disclosure` in the match answers).",
)
def list_banks(request):
    rows = (
        HashBank.objects.enabled()
        .visible_to_organisation(request.organisation)
        .select_related("owner")
        .annotate(
            **{
                f"n_{t}": Count(
                    "entries", filter=Q(entries__removed_at__isnull=True, entries__signal_type=t)
                )
                for t in ("pdq", "md5", "sha1", "sha256")
            }
        )
    )
    out = []
    for bank in rows:
        counts = {t: getattr(bank, f"n_{t}") for t in ("pdq", "md5", "sha1", "sha256")}
        out.append(
            {
                "bank": bank.slug,
                "bank_name": bank.name,
                "organisation": bank.owner.slug,
                "version": bank.version,
                "entries": counts,
            }
        )
    return out


@router.get(
    "/v1/banks/signing-key",
    auth=None,
    response={200: SigningKeyOut, 404: ApiError},
    summary="The public key that verifies this site's bank exports",
    description="Verify an export with `manage.py banks_verify_export FILE --public-key KEY` "
    "or `ostoja.banks.signing.verify_export`.",
)
def signing_key(request):
    try:
        key = signing.load_private_key()
    except signing.SigningKeyMissing:
        return _error(404, _("This site has no bank signing key."))
    return Status(
        200,
        {
            "algorithm": "Ed25519",
            "key_id": signing.key_id(key),
            "public_key_pem": signing.public_key_pem(key),
        },
    )
