"""Coordinators browse and filter the audit log."""

from datetime import datetime, time

from django import forms
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from ostoja.core.permissions import permission_required
from ostoja.organisations.models import Organisation

from .models import AuditEntry
from .permissions import can_view_audit_log
from .sentences import describe, describe_target


class AuditFilterForm(forms.Form):
    action = forms.CharField(label=_("Action starts with"), required=False, max_length=100)
    actor = forms.CharField(label=_("Actor e-mail contains"), required=False, max_length=254)
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.all(), required=False
    )
    target = forms.CharField(label=_("Target contains"), required=False, max_length=100)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


@require_GET
@permission_required(can_view_audit_log)
def audit_list(request):
    form = AuditFilterForm(request.GET or None)
    qs = AuditEntry.objects.select_related("organisation")
    if form.is_valid():
        d = form.cleaned_data
        if d["action"]:
            qs = qs.filter(action__startswith=d["action"])
        if d["actor"]:
            qs = qs.filter(actor_label__icontains=d["actor"])
        if d["organisation"]:
            qs = qs.filter(organisation=d["organisation"])
        if d["target"]:
            qs = qs.filter(target_label__icontains=d["target"])
        tz = timezone.get_current_timezone()
        if d["date_from"]:
            qs = qs.filter(created_at__gte=datetime.combine(d["date_from"], time.min, tz))
        if d["date_to"]:
            qs = qs.filter(created_at__lte=datetime.combine(d["date_to"], time.max, tz))
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    for entry in page:
        entry.sentence = describe(entry.action)
        entry.target_text = describe_target(entry.target_type, entry.target_id, entry.target_label)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/list.html",
        {"form": form, "page": page, "query": query.urlencode()},
        status=200 if (form.is_valid() or not request.GET) else 400,
    )
