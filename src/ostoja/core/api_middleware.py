"""Under ``/api/``: the language of ``Accept-Language``, and JSON for every answer.

The human pages take their language from the URL (``/`` Polish, ``/en/`` English), so
``LocaleMiddleware`` sets Polish for every unprefixed path, ``/api/`` included. API clients
say which language they want in ``Accept-Language``; this middleware (placed right after
``LocaleMiddleware``) activates it for API requests (Polish when none of ours is asked for).

Django answers some API requests itself, before or around django-ninja: an unknown path
(the project's 404 page), a method the path does not take (ninja's plain-text 405), a body
with more than ``DATA_UPLOAD_MAX_NUMBER_FIELDS`` fields (the 400 page), an uncaught error (the
500 page). Any such non-JSON error answer under ``/api/`` is replaced by the API's JSON error
body with the same status (and its ``Allow`` / ``Retry-After`` headers).
"""

from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import trans_real

from .api_errors import error_body, status_detail

API_PREFIX = "/api/"
_KEPT_HEADERS = ("Allow", "Retry-After", "X-Request-ID")


def api_language(request) -> str:
    """The first language of ``Accept-Language`` that the site has, else the default."""
    header = request.headers.get("Accept-Language", "")
    for code, _quality in trans_real.parse_accept_lang_header(header):
        if code == "*":
            break
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


def _is_json(response) -> bool:
    return response.get("Content-Type", "").split(";")[0].strip().lower() == "application/json"


class ApiJsonMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith(API_PREFIX):
            return self.get_response(request)
        language = api_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        if response.status_code >= 400 and not _is_json(response):
            replacement = JsonResponse(
                error_body(status_detail(response.status_code)), status=response.status_code
            )
            for header in _KEPT_HEADERS:
                if header in response:
                    replacement[header] = response[header]
            response = replacement
        patch_vary_headers(response, ("Accept-Language",))
        response["Content-Language"] = language
        return response
