"""Pages of the intervention records: the organisation's safeguarding officers only."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import interventions, services
from .errors import SafeguardingError
from .forms import date_field
from .models import Intervention, InterventionStep
from .views import _apply_error, _organisation, guarded


class OpenForm(forms.Form):
    child_name = forms.CharField(label=gettext_lazy("Child (name, or initials)"), max_length=200)
    child_details = forms.CharField(
        label=gettext_lazy("Age, group or class"), max_length=200, required=False
    )
    concern = forms.CharField(
        label=gettext_lazy("What was observed or reported"),
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    opened_on = date_field(gettext_lazy("Date"))


class StepForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=InterventionStep.Kind.choices)
    on = date_field(gettext_lazy("Date"))
    text = forms.CharField(
        label=gettext_lazy("Description"),
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    reference = forms.CharField(
        label=gettext_lazy("Reference (e.g. of the notification)"), max_length=100, required=False
    )


class CloseForm(forms.Form):
    closed_on = date_field(gettext_lazy("Closed on"))


def _record(org, pk) -> Intervention:
    return get_object_or_404(Intervention.objects.filter(organisation=org), pk=pk)


@require_GET
@guarded
def intervention_list(request, slug):
    org, _policy = _organisation(request, slug, need="write")
    # The list shows numbers and dates only: a child's name appears only inside a record,
    # whose every opening is logged.
    records = Intervention.objects.filter(organisation=org).only(
        "id", "number", "opened_on", "status", "closed_on"
    )
    return render(
        request, "safeguarding/interventions/list.html", {"organisation": org, "records": records}
    )


@require_http_methods(["GET", "POST"])
@guarded
def intervention_new(request, slug):
    org, _policy = _organisation(request, slug, need="write")
    form = OpenForm(request.POST or None, initial={"opened_on": services.today()})
    if request.method == "POST" and form.is_valid():
        try:
            record = interventions.open_intervention(
                actor=request.user, organisation=org, **form.cleaned_data
            )
        except SafeguardingError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, _("The intervention record was opened."))
            return redirect("safeguarding:intervention", slug=org.slug, pk=record.pk)
    return render(
        request,
        "safeguarding/interventions/form.html",
        {
            "organisation": org,
            "form": form,
            "title": _("Open an intervention record"),
            "button": _("Open the record"),
        },
        status=422 if request.method == "POST" else 200,
    )


@require_GET
@guarded
def intervention_detail(request, slug, pk):
    org, _policy = _organisation(request, slug, need="write")
    return _detail_with(request, org, _record(org, pk), status=200)


@require_POST
@guarded
def intervention_step(request, slug, pk):
    org, _policy = _organisation(request, slug, need="write")
    record = _record(org, pk)
    form = StepForm(request.POST)
    if form.is_valid():
        try:
            interventions.add_step(actor=request.user, intervention=record, **form.cleaned_data)
        except SafeguardingError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, _("The step was recorded."))
            return redirect("safeguarding:intervention", slug=org.slug, pk=record.pk)
    return _detail_with(request, org, record, step_form=form)


@require_POST
@guarded
def intervention_close(request, slug, pk):
    org, _policy = _organisation(request, slug, need="write")
    record = _record(org, pk)
    form = CloseForm(request.POST)
    if form.is_valid():
        try:
            interventions.close_intervention(
                actor=request.user, intervention=record, closed_on=form.cleaned_data["closed_on"]
            )
        except SafeguardingError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, _("The record was closed."))
            return redirect("safeguarding:intervention", slug=org.slug, pk=record.pk)
    return _detail_with(request, org, record, close_form=form)


def _detail_with(request, org, record, *, step_form=None, close_form=None, status=422):
    interventions.log_view(actor=request.user, intervention=record)
    return render(
        request,
        "safeguarding/interventions/detail.html",
        {
            "organisation": org,
            "record": record,
            "steps": record.steps.all(),
            "step_form": step_form or StepForm(initial={"on": services.today()}),
            "close_form": close_form or CloseForm(initial={"closed_on": services.today()}),
        },
        status=status,
    )
