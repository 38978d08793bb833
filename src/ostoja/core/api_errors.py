"""The JSON API's error body: one schema for every module, and translated messages.

Every error the API answers, whatever its status, has the body
``{"detail": "…", "errors": [{"field": "…", "message": "…", "type": "…"}]}``: ``detail`` and
``message`` in the request's language (``Accept-Language``: Polish or English), ``field`` a
dotted path into the request (``hashes.0.type``, ``header.Idempotency-Key``, ``body``) and
``type`` a stable machine code. Apps import :class:`ApiError` from here for their response
maps (never their own ``ErrorOut``: OpenAPI component names are global, and two schemas of
one name silently replace each other in the document).

pydantic's validation messages are English only; :func:`field_errors` replaces each with a
translated sentence chosen by its error ``type`` (and ``ctx``), so no answer mixes languages.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from ninja import Field, Schema

#: Locations that say where a value came from, not which field it is.
_SOURCES = ("body", "payload", "query", "path", "form", "file", "cookie")


class ApiFieldError(Schema):
    field: str = Field(
        description="Where: a dotted path into the request, e.g. `urls.3`, "
        "`reports.12.incident_type`, `hashes.0.value`, `header.Idempotency-Key`, `body`.",
        examples=["hashes.0.value"],
    )
    message: str = Field(description="What is wrong, in the request's language.")
    type: str = Field(description="A stable machine-readable code.", examples=["missing"])


class ApiError(Schema):
    detail: str = Field(description="What went wrong, in the request's language.")
    errors: list[ApiFieldError] = Field(
        default_factory=list, description="One item per problem in the request (may be empty)."
    )


def error_body(detail: str, errors: list[dict] | None = None) -> dict:
    return {"detail": str(detail), "errors": errors or []}


def field_path(loc) -> str:
    """``("body", "payload", "hashes", 0, "type")`` → ``"hashes.0.type"``."""
    parts = [str(p) for p in loc]
    if parts and parts[0] == "header":
        return ".".join(parts)
    # "[" marks the member of a union pydantic tried (``literal['a','b']``), not a field.
    parts = [p for p in parts if p not in _SOURCES and "[" not in p]
    return ".".join(parts) or "body"


def _choices(expected: str) -> str:
    """pydantic's ``"'md5', 'sha1' or 'pdq'"`` → ``md5, sha1, pdq`` (no English "or")."""
    found = re.findall(r"'([^']*)'", expected or "")
    return ", ".join(found) if found else str(expected or "")


def _length_message(kind: str, ctx: dict) -> str:
    key = "min_length" if kind.endswith("short") else "max_length"
    try:
        n = int(ctx.get(key))
    except (TypeError, ValueError):
        return _("The value is not valid.")
    if kind == "string_too_short":
        text = ngettext("Enter at least %(n)d character.", "Enter at least %(n)d characters.", n)
    elif kind == "string_too_long":
        text = ngettext("Enter at most %(n)d character.", "Enter at most %(n)d characters.", n)
    elif kind == "too_short":
        text = ngettext("Give at least %(n)d item.", "Give at least %(n)d items.", n)
    else:
        text = ngettext("Give at most %(n)d item.", "Give at most %(n)d items.", n)
    return text % {"n": n}


def _message(error: dict) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind == "extra_forbidden":
        return _("Unknown field.")
    if kind in ("string_type", "string_sub_type"):
        return _("Enter text.")
    if kind == "string_unicode":
        return _("The text is not valid Unicode.")
    if kind in ("int_type", "int_parsing", "int_from_float", "int_parsing_size"):
        return _("Enter a whole number.")
    if kind in ("float_type", "float_parsing", "decimal_type", "decimal_parsing"):
        return _("Enter a number.")
    if kind in ("bool_type", "bool_parsing"):
        return _("Enter true or false.")
    if kind in ("list_type", "tuple_type", "set_type", "iterable_type"):
        return _("Enter a list.")
    if kind in ("model_type", "model_attributes_type", "dict_type", "mapping_type"):
        return _("Enter an object.")
    if kind in ("literal_error", "enum"):
        return _("Choose one of: %(choices)s.") % {"choices": _choices(ctx.get("expected", ""))}
    if kind in ("string_too_short", "string_too_long", "too_short", "too_long"):
        return _length_message(kind, ctx)
    if kind == "greater_than_equal":
        return _("Enter a value of at least %(n)s.") % {"n": ctx.get("ge", "?")}
    if kind == "greater_than":
        return _("Enter a value greater than %(n)s.") % {"n": ctx.get("gt", "?")}
    if kind == "less_than_equal":
        return _("Enter a value of at most %(n)s.") % {"n": ctx.get("le", "?")}
    if kind == "less_than":
        return _("Enter a value less than %(n)s.") % {"n": ctx.get("lt", "?")}
    if kind == "string_pattern_mismatch":
        return _("The value has a form that is not allowed.")
    if kind in ("uuid_type", "uuid_parsing", "uuid_version"):
        return _("Enter a UUID.")
    if kind.startswith("datetime") or kind.startswith("timezone"):
        return _("Enter a date and time (ISO 8601 with a time zone).")
    if kind.startswith("date"):
        return _("Enter a date (ISO 8601).")
    if kind == "json_invalid":
        return _("The request body is not valid JSON.")
    if kind == "value_error":
        # Raised by our own validators with a message that is already translated.
        inner = ctx.get("error")
        if inner is not None and str(inner):
            return str(inner)
    return _("The value is not valid.")


def field_errors(errors) -> list[dict]:
    """pydantic / django-ninja validation errors → the API's translated field errors."""
    return [
        {
            "field": field_path(e.get("loc", ())),
            "message": _message(e),
            "type": str(e.get("type") or "invalid"),
        }
        for e in errors
    ]


def invalid_input_body(errors: list[dict]) -> dict:
    """The 422 body: a translated summary of the first five problems and every problem."""
    summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
    return error_body(_("Invalid input: %(summary)s") % {"summary": summary}, errors)


#: Fallback ``detail`` per status, for answers that carry no message of their own
#: (405 from the router, a 404 for an unknown path, an HTML error page that the API rewrites).
def status_detail(status: int) -> str:
    messages = {
        400: _("Bad request."),
        401: _("Missing or invalid API token."),
        403: _("Not allowed."),
        404: _("Not found."),
        405: _("This method is not allowed here."),
        406: _("Only JSON answers are available."),
        409: _("Conflict."),
        413: _("The request body is too large."),
        415: _("Unsupported media type."),
        429: _("Too many requests; try again later."),
        500: _("Internal server error."),
        503: _("The service is unavailable right now; try again later."),
    }
    return messages.get(status, _("The request failed."))
