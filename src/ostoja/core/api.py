"""The JSON API (django-ninja): one NinjaAPI, token auth, uniform error bodies.

Each app contributes a ``router`` in its ``api`` module; they are mounted here.
"""

from __future__ import annotations

import importlib

from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from .api_auth import TokenAuth

api = NinjaAPI(
    title="Ostoja API",
    version="1",
    description=(
        "Partner API of the Ostoja platform. Authenticate with an organisation token: "
        '`Authorization: Bearer ost_…`. Errors are JSON: `{"detail": …, "errors": '
        '[{"field": …, "message": …}]}`.'
    ),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def _field_name(loc) -> str:
    parts = [str(p) for p in loc if p not in ("body", "payload", "query", "path")]
    return ".".join(parts) or "body"


@api.exception_handler(ValidationError)
def _validation_error(request, exc: ValidationError):
    errors = [
        {
            "field": _field_name(e.get("loc", ())),
            "message": e.get("msg", ""),
            "type": e.get("type", ""),
        }
        for e in exc.errors
    ]
    summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
    return api.create_response(
        request,
        {"detail": _("Invalid input: %(summary)s") % {"summary": summary}, "errors": errors},
        status=422,
    )


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    message = str(exc)
    errors = []
    if exc.status_code == 400 and "parse request body" in message:
        message = _("The request body is not valid JSON.")
        errors = [{"field": "body", "message": message, "type": "json_invalid"}]
    return api.create_response(
        request, {"detail": message, "errors": errors}, status=exc.status_code
    )


@api.exception_handler(Http404)
def _not_found(request, exc):
    return api.create_response(request, {"detail": _("Not found."), "errors": []}, status=404)


@api.exception_handler(AuthenticationError)
def _auth_error(request, exc):
    return api.create_response(
        request, {"detail": _("Missing or invalid API token."), "errors": []}, status=401
    )


@api.exception_handler(RequestDataTooBig)
def _too_big(request, exc):
    return api.create_response(
        request, {"detail": _("The request body is too large."), "errors": []}, status=413
    )


class WhoAmI(Schema):
    organisation: str
    organisation_name: str
    scopes: list[str]


@api.get("/v1/whoami", response=WhoAmI, auth=TokenAuth(), tags=["tokens"], summary="Check a token")
def whoami(request):
    token = request.auth
    return {
        "organisation": token.organisation.slug,
        "organisation_name": token.organisation.name,
        "scopes": token.scopes,
    }


# Apps whose ``api`` module exposes ``router`` (mounted at the API root; paths start with /v1/).
API_APPS = [
    "ostoja.hotline",
    "ostoja.takedown",
    "ostoja.banks",
    "ostoja.directory",
    "ostoja.network",
    "ostoja.pact",
]

for _app in API_APPS:
    try:
        _module = importlib.import_module(f"{_app}.api")
    except ModuleNotFoundError as exc:  # app or its API not built yet
        if exc.name not in (_app, f"{_app}.api"):
            raise
        continue
    api.add_router("", _module.router)
