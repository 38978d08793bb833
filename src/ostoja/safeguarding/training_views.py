"""The training register: the organisation's safeguarding officers and managers."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from ostoja.organisations.models import Organisation

from . import permissions, services, training
from .errors import SafeguardingError
from .forms import date_field
from .models import TrainingRecord
from .views import _apply_error, guarded


class TrainingForm(forms.Form):
    person_name = forms.CharField(label=gettext_lazy("Member of staff"), max_length=200)
    title = forms.CharField(label=pgettext_lazy("one training", "Training"), max_length=200)
    completed_on = date_field(gettext_lazy("Completed on"))
    source = forms.ChoiceField(
        label=gettext_lazy("Source"),
        choices=TrainingRecord.Source.choices,
        initial=TrainingRecord.Source.MANUAL,
    )
    valid_months = forms.IntegerField(
        label=gettext_lazy("Repeat after (months)"), min_value=1, max_value=120, initial=24
    )


def _org(request, slug):
    org = Organisation.objects.filter(slug=slug).first()
    if org is None or not permissions.has_any_role_in(request.user, org):
        raise Http404
    return org


@require_http_methods(["GET", "POST"])
@guarded
def trainings(request, slug):
    org = _org(request, slug)
    form = TrainingForm(request.POST or None, initial={"completed_on": services.today()})
    if request.method == "POST" and form.is_valid():
        try:
            training.record_training(actor=request.user, organisation=org, **form.cleaned_data)
        except SafeguardingError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, _("The training was recorded."))
            return redirect("safeguarding:trainings", slug=org.slug)
    return render(
        request,
        "safeguarding/trainings.html",
        {
            "organisation": org,
            "form": form,
            "today": services.today(),
            "records": TrainingRecord.objects.filter(organisation=org),
        },
        status=422 if request.method == "POST" else 200,
    )


@require_POST
@guarded
def training_delete(request, slug, pk):
    org = _org(request, slug)
    record = get_object_or_404(TrainingRecord.objects.filter(organisation=org), pk=pk)
    training.delete_training(actor=request.user, record=record)
    messages.success(request, _("The training record was deleted."))
    return redirect("safeguarding:trainings", slug=org.slug)
