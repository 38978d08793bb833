"""Home page, dashboard, health check and error pages."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ostoja.organisations.permissions import roles_of

from .decorators import private_page
from .modules import MODULES
from .permissions import permission_required

_FAVICON = Path(__file__).resolve().parent / "static" / "ostoja" / "favicon.ico"


@private_page  # the first page a person at risk may open on a shared device
@require_GET
def home(request):
    return render(request, "core/home.html", {"modules": MODULES})


@require_GET
@permission_required(lambda user: True)
def dashboard(request):
    user = request.user
    roles = roles_of(user)
    memberships = user.memberships.select_related("organisation").order_by("organisation__name")
    modules = [m for m in MODULES if m.roles & roles]
    return render(
        request,
        "core/dashboard.html",
        {
            "memberships": memberships,
            "modules": modules,
            "roles": roles,
            "warnings": _configuration_warnings(roles),
            "dev_mail": settings.DEBUG and "coordinator" in roles,
        },
    )


def _configuration_warnings(roles) -> list[str]:
    """Settings a coordinator must know are missing (a silent gap is worse than an error)."""
    if "coordinator" not in roles:
        return []
    warnings = []
    if not (getattr(settings, "OSTOJA_POLICE_CONTACT", "") or "").strip():
        warnings.append(
            _(
                "The police are not notified of illegal material hosted in Poland: "
                "OSTOJA_POLICE_CONTACT is not set. Set it to the slug of the police "
                "organisation or to the police contact's e-mail address (see the README)."
            )
        )
    return warnings


@require_GET
def favicon(request):
    """``/favicon.ico``, which browsers ask for on their own (the pages link the SVG icon)."""
    response = HttpResponse(_FAVICON.read_bytes(), content_type="image/x-icon")
    response["Cache-Control"] = "public, max-age=86400"
    return response


@require_GET
@never_cache
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any database failure means "unhealthy"
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def error_400(request, exception=None):
    return render(request, "400.html", status=400)


def error_403(request, exception=None):
    return render(request, "403.html", status=403)


def error_404(request, exception=None):
    return render(request, "404.html", status=404)


def error_500(request):
    return render(request, "500.html", status=500)


def csrf_failure(request, reason=""):
    return render(request, "403_csrf.html", status=403)
