"""Cross-cutting middleware: request ids and privacy headers."""

from __future__ import annotations

import re
import uuid

from .request_context import current_request_id

_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    """Give every request an id (taken from a sane ``X-Request-ID`` or generated).

    The id is stored in a context variable so the audit log and log lines can carry it,
    and echoed back in the response so a user can quote it in a support request.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = current_request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            current_request_id.reset(token)
        response["X-Request-ID"] = request_id
        return response


class PrivacyHeadersMiddleware:
    """Headers that every Ostoja page sends.

    Views that show sensitive content (public help pages, hotline data, the report form)
    mark themselves with ``ostoja.core.decorators.private_page``; those get ``no-store``.
    Authenticated pages are never cached either: they can show hotline data.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        user = getattr(request, "user", None)
        if getattr(response, "ostoja_no_store", False) or (user and user.is_authenticated):
            response["Cache-Control"] = "no-store"
            response["Pragma"] = "no-cache"
        return response


class FetchMetadataOriginMiddleware:
    """Make CSRF checks work with ``Referrer-Policy: no-referrer``.

    Under ``no-referrer`` browsers send ``Origin: null`` (and no Referer) with same-origin form
    posts, which Django's CSRF check rejects. ``Sec-Fetch-Site`` is a forbidden header that
    pages cannot set: when the browser says the request is ``same-origin``, we restore the
    origin so Django's check (and the CSRF token check) proceed normally. Cross-site posts
    still arrive with ``Origin: null``/another origin and are rejected.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.META.get("HTTP_ORIGIN") == "null"
            and request.META.get("HTTP_SEC_FETCH_SITE") == "same-origin"
        ):
            request.META["HTTP_ORIGIN"] = f"{request.scheme}://{request.get_host()}"
        return self.get_response(request)
