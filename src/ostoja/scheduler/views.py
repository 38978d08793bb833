"""Coordinators' page: every scheduled job with its schedule, next and last run, outcome."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ostoja.core.permissions import permission_required

from . import permissions, services
from .models import JobRun
from .registry import registered_jobs


@require_GET
@permission_required(permissions.can_view_scheduler)
def job_list(request):
    return render(request, "scheduler/job_list.html", {"statuses": services.job_statuses()})


@require_GET
@permission_required(permissions.can_view_scheduler)
def job_detail(request, name):
    job = registered_jobs().get(name)
    if job is None:
        raise Http404
    (status,) = services.job_statuses([job])
    runs = JobRun.objects.filter(job=name).order_by("-scheduled_for", "-pk")
    page = Paginator(runs, 50).get_page(request.GET.get("page"))
    return render(request, "scheduler/job_detail.html", {"status": status, "page": page})
