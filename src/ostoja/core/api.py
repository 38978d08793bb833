"""The JSON API (django-ninja): one NinjaAPI, token auth, uniform error bodies.

Each app contributes a ``router`` in its ``api`` module; they are mounted here.

Every answer is JSON, errors included (``core/api_errors.py`` has the one error schema and
the translated messages; ``core/api_middleware.py`` turns whatever Django itself answers under
``/api/`` — an unknown path, a 405, a 400 page — into the same body). After the routers are
mounted, :func:`_document_errors` adds to every operation the error statuses it can answer
(401/403 for tokens, 400/413/422 for bodies, 404 for ids in the path, 422 for query and
header parameters), so the OpenAPI document lists every status a client can get.
"""

from __future__ import annotations

import importlib
import logging

from django.core.exceptions import (
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.schema import OpenAPISchema

from .api_auth import TokenAuth
from .api_errors import ApiError, error_body, field_errors, invalid_input_body

logger = logging.getLogger(__name__)


class _UniqueNamesSchema(OpenAPISchema):
    """ninja's document builder, refusing two different schemas under one component name.

    ninja keeps the last definition of a name, so two modules' ``HashIn`` silently became
    one (and the document described the wrong body). A clash is now an error at build time.
    """

    def add_schema_definitions(self, definitions: dict) -> None:
        for name, definition in definitions.items():
            known = self.schemas.get(name)
            if known is not None and known != definition:
                raise ValueError(
                    f"Two API schemas are named {name!r}; give one of them another name."
                )
        super().add_schema_definitions(definitions)


class OstojaAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None) -> OpenAPISchema:
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        return _UniqueNamesSchema(self, path_prefix)


api = OstojaAPI(
    title="Ostoja API",
    version="1",
    description=(
        "Partner API of the Ostoja platform. Authenticate with an organisation token: "
        "`Authorization: Bearer ost_…`. Every answer is JSON; errors are "
        '`{"detail": …, "errors": [{"field": …, "message": …, "type": …}]}`, with '
        "`detail` and `message` in the language of `Accept-Language` (Polish or English; "
        "Polish if neither is asked for)."
    ),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def _all_path_errors(errors) -> bool:
    return bool(errors) and all(tuple(e.get("loc", ()))[:1] == ("path",) for e in errors)


@api.exception_handler(ValidationError)
def _validation_error(request, exc: ValidationError):
    if _all_path_errors(exc.errors):
        # A malformed or impossible id in the path names nothing that exists: 404, as for
        # any id that is not (or not yours).
        return api.create_response(request, error_body(_("Not found.")), status=404)
    return api.create_response(request, invalid_input_body(field_errors(exc.errors)), status=422)


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    message = str(exc)
    errors = []
    if exc.status_code == 400 and "parse request body" in message:
        message = _("The request body is not valid JSON.")
        errors = [{"field": "body", "message": message, "type": "json_invalid"}]
    return api.create_response(request, error_body(message, errors), status=exc.status_code)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return api.create_response(request, error_body(_("Not found.")), status=404)


@api.exception_handler(AuthenticationError)
def _auth_error(request, exc):
    return api.create_response(request, error_body(_("Missing or invalid API token.")), status=401)


@api.exception_handler(RequestDataTooBig)
def _too_big(request, exc):
    return api.create_response(request, error_body(_("The request body is too large.")), status=413)


@api.exception_handler(SuspiciousOperation)
def _suspicious(request, exc):
    if isinstance(exc, TooManyFieldsSent):
        message = _("The request has too many form fields.")
    elif isinstance(exc, TooManyFilesSent):
        message = _("The request has too many files.")
    else:
        message = _("Bad request.")
    logger.warning("Refused an API request: %s", type(exc).__name__)
    return api.create_response(request, error_body(message), status=400)


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
    "ostoja.newsletter",
    "ostoja.pact",
    "ostoja.events",
    "ostoja.learning",
    "ostoja.library",
    "ostoja.positions",
]

for _app in API_APPS:
    try:
        _module = importlib.import_module(f"{_app}.api")
    except ModuleNotFoundError as exc:  # app or its API not built yet
        if exc.name not in (_app, f"{_app}.api"):
            raise
        continue
    api.add_router("", _module.router)


_BODY_METHODS = {"POST", "PUT", "PATCH"}


def _document_errors(the_api: NinjaAPI) -> None:
    """Add to each operation the error statuses the API layer itself can answer.

    Status codes an endpoint answers for its own reasons (409, 503, a 404 of its own) stay
    in its ``response=`` map; this adds the ones every endpoint of its kind shares, with the
    one :class:`ApiError` body. ``_get_bound_routers`` is ninja's (1.7) list of the mounted
    routers with their operations; the URLs are built from the same list afterwards.
    """
    for bound in the_api._get_bound_routers():
        for path, path_view in bound.path_operations.items():
            for operation in path_view.operations:
                statuses: set[int] = set()
                callbacks = operation.auth_callbacks or []
                if callbacks:
                    statuses.add(401)
                    if any(getattr(cb, "scope", None) for cb in callbacks):
                        statuses.add(403)
                if set(operation.methods) & _BODY_METHODS:
                    statuses |= {400, 413, 422}
                if "{" in path:
                    statuses.add(404)
                sources = {getattr(m, "__ninja_param_source__", "") for m in operation.models}
                if sources & {"query", "header"}:
                    statuses.add(422)
                for status in sorted(statuses):
                    if status not in operation.response_models:
                        operation.response_models[status] = operation._create_response_model(
                            ApiError
                        )


_document_errors(api)
