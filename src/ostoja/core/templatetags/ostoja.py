"""Template helpers shared by every app."""

import json

from django import template
from django.urls import translate_url
from django.utils.translation import get_language

register = template.Library()


@register.simple_tag(takes_context=True)
def language_url(context, code: str) -> str:
    """The current page in another language (falls back to that language's home page)."""
    request = context.get("request")
    path = request.get_full_path() if request else "/"
    translated = translate_url(path, code)
    if translated == path and code != get_language():
        return "/" if code == "pl" else f"/{code}/"
    return translated


@register.filter
def pretty_json(value) -> str:
    """Compact, readable JSON for audit data (auto-escaped by the template)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
