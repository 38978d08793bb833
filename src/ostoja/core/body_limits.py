"""Refuse request bodies a view cannot use, before they are read (issue 11, item 1).

Django reads a multipart body completely when ``request.POST`` is first touched (the CSRF
check does it), and with the in-memory upload handler every file part is held in memory even
if the form has no file field: the anonymous report form accepted and held 60 MB bodies it
then ignored. This middleware looks at ``Content-Length`` before anything reads the body and
answers 413 (a translated page) when it is larger than the view can use:

* a view that takes files says so with :func:`accepts_upload` (its own limit);
* every other view gets ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (the most Django accepts in form
  fields anyway) plus room for multipart boundaries.

The JSON API (namespace ``api``) checks its own bodies and answers in JSON, so it is left out.
It must come before ``CsrfViewMiddleware`` in ``MIDDLEWARE``.
"""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import render

#: Multipart boundaries and headers around small form fields.
MULTIPART_SLACK = 64 * 1024
_BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def accepts_upload(max_bytes: int):
    """Mark a view that takes uploaded files of up to ``max_bytes`` (whole body)."""

    def decorate(view):
        view.max_body_bytes = int(max_bytes)
        return view

    return decorate


def body_limit(view) -> int:
    marked = getattr(view, "max_body_bytes", None)
    if marked is None:
        marked = getattr(getattr(view, "__wrapped__", None), "max_body_bytes", None)
    if marked is not None:
        return int(marked) + MULTIPART_SLACK
    return int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0) + MULTIPART_SLACK


class RequestBodyLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method not in _BODY_METHODS:
            return None
        match = getattr(request, "resolver_match", None)
        if match is not None and "api" in match.namespaces:
            return None
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > body_limit(view_func):
            response = render(request, "413.html", status=413)
            response["Connection"] = "close"  # the unread body is not worth keeping alive for
            return response
        return None
