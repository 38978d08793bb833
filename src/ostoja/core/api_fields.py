"""A field accepted under two names in an API body (``type`` / ``signal_type`` of a hash).

The reports API calls a hash's algorithm ``type``, the matching API ``signal_type``
(python-threatexchange's word), and an earlier OpenAPI document showed the one where the
other was meant. Both bodies accept both names: a ``mode="before"`` model validator folds the
alias into the field (:func:`fold_alias`), so validation and error paths use the field's own
name, and :func:`alias_schema` documents the alias as an optional property (one of the two
is required).
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _
from pydantic_core import PydanticCustomError


def fold_alias(data, *, field: str, alias: str):
    """``data`` with ``alias`` moved to ``field`` (both given and different: an error)."""
    if not isinstance(data, dict) or alias not in data:
        return data
    data = dict(data)
    value = data.pop(alias)
    if field in data and data[field] != value:
        raise PydanticCustomError(
            "value_error",
            "{error}",
            {"error": _("%(a)s and %(b)s differ; send one of them.") % {"a": field, "b": alias}},
        )
    data[field] = value
    return data


def alias_schema(*, field: str, alias: str, example: dict | None = None) -> Callable:
    """``json_schema_extra``: document ``alias`` as a second name of the required ``field``."""

    def extra(schema: dict, _model) -> None:
        properties = schema.setdefault("properties", {})
        original = dict(properties.get(field, {}))
        original.pop("title", None)
        original["description"] = f"The same as `{field}`: send one of the two."
        properties[alias] = original
        required = [name for name in schema.get("required", []) if name != field]
        schema["required"] = required
        schema["anyOf"] = [{"required": [field]}, {"required": [alias]}]
        if example is not None:
            schema["examples"] = [example]

    return extra
