"""The staff check-in page (a phone at the door) and its two small JSON endpoints."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_POST

from ostoja.core.permissions import permission_required

from . import permissions
from .models import CheckinList
from .services import EventError, checkin


def _list(request, list_id) -> CheckinList:
    if not request.user.is_authenticated:
        raise PermissionDenied
    return get_object_or_404(
        CheckinList.objects.select_related("event", "session", "day").filter(
            event__in=permissions.checkin_events(request.user)
        ),
        pk=list_id,
    )


@require_GET
@permission_required(permissions.can_check_in)
def index(request):
    events = (
        permissions.checkin_events(request.user)
        .prefetch_related("checkin_lists")
        .order_by("-starts_at")
    )
    return render(request, "events/checkin_index.html", {"events": events})


@login_required
@require_GET
def page(request, list_id):
    checkin_list = _list(request, list_id)
    query = request.GET.get("q", "")
    results = checkin.search(checkin_list, query) if query.strip() else []
    return render(
        request,
        "events/checkin.html",
        {
            "list": checkin_list,
            "event": checkin_list.event,
            "query": query,
            "results": results,
            "counts": checkin.counts(checkin_list.event),
        },
    )


@login_required
@require_POST
def scan(request, list_id):
    """Redeem a scanned secret or a typed ticket code (JSON in, JSON out)."""
    checkin_list = _list(request, list_id)
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except ValueError:
            data = None
        if not isinstance(data, dict):
            return JsonResponse(
                {"status": "error", "reason": "invalid", "message": "JSON"}, status=400
            )
    else:
        data = request.POST
    value = str(data.get("secret", "") or data.get("code", ""))[:200]
    registration = None
    if not value.strip() and str(data.get("registration", "")).isdigit():
        registration = checkin_list.event.registrations.filter(pk=int(data["registration"])).first()
        if registration is None:
            return JsonResponse({"status": "error", "reason": "invalid", "message": ""}, status=404)
    elif value.strip() and len("".join(value.split())) <= 10:
        registration = checkin.find_by_code(checkin_list, value)
        if registration is None:
            value = "-"  # a code that matches nothing: answered as an invalid ticket
    try:
        answer = checkin.redeem(
            checkin_list,
            secret=value if registration is None else "",
            registration=registration,
            nonce=str(data.get("nonce", ""))[:190],
            gate=str(data.get("gate", "") or request.user.email)[:100],
            user=request.user,
        )
    except EventError as exc:
        return JsonResponse(
            {"status": "error", "reason": "invalid", "message": str(exc.message)}, status=exc.status
        )
    if request.content_type != "application/json":
        return render(
            request,
            "events/checkin.html",
            {
                "list": checkin_list,
                "event": checkin_list.event,
                "answer": answer,
                "counts": checkin.counts(checkin_list.event),
                "query": "",
                "results": [],
            },
        )
    return JsonResponse(answer)


@login_required
@require_GET
def live_counts(request, list_id):
    checkin_list = _list(request, list_id)
    return JsonResponse({"lists": checkin.counts(checkin_list.event)})
