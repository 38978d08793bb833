"""Forms of the register: they parse input; the rules live in the services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from . import labels
from .models import Activity, Basis, Result


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def date_field(label, required=True, **kwargs):
    return forms.DateField(label=label, required=required, widget=DateInput(), **kwargs)


class CountryMultipleField(forms.MultipleChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=labels.country_choices, **kwargs)


class PersonForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    previous_names = forms.CharField(
        label=_("Previous names (if any)"), max_length=300, required=False
    )
    date_of_birth = date_field(_("Date of birth"))
    pesel = forms.CharField(label=_("PESEL"), max_length=11, required=False)
    foreign_id = forms.CharField(
        label=_("Foreign identity document (type and number), for a person without a PESEL"),
        max_length=100,
        required=False,
    )
    citizenships = CountryMultipleField(
        label=_("Citizenship(s)"),
        initial=["PL"],
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )


class EngagementForm(forms.Form):
    role = forms.CharField(label=_("Function"), max_length=120)
    activity = forms.ChoiceField(
        label=_("Kind of activity with minors (art. 21 ust. 1)"), choices=Activity.choices
    )
    basis = forms.ChoiceField(label=_("Basis"), choices=Basis.choices)
    start_date = date_field(_("Start"))
    end_date = date_field(_("End (if known)"), required=False)


class EndEngagementForm(forms.Form):
    end_date = date_field(_("End"))


class CheckForm(forms.Form):
    checked_on = date_field(_("Date"))
    issued_on = date_field(_("Date of issue"), required=False)
    result = forms.ChoiceField(label=_("Result"), choices=Result.choices, widget=forms.RadioSelect)
    both_registers = forms.BooleanField(
        label=_(
            "I checked both the restricted-access register and the register of the State Commission"
        ),
        required=False,
    )
    scope_confirmed = forms.BooleanField(
        label=_("The information covers the offences listed in art. 21 ust. 3"), required=False
    )
    country = forms.ChoiceField(label=_("Country"), required=False, choices=())
    declaration_instead = forms.BooleanField(
        label=_(
            "The state issues no such information: the person made a declaration under "
            "criminal liability instead (art. 21 ust. 6)"
        ),
        required=False,
    )
    reference = forms.CharField(
        label=_("Reference of the printout (optional)"), max_length=100, required=False
    )
    attachment = forms.FileField(
        label=_("Scan (optional, PDF/PNG/JPEG up to 5 MB; stored encrypted)"), required=False
    )

    def __init__(self, *args, kind: str, countries=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        if kind == "register":
            self.fields["checked_on"].label = _("Date of the check")
            for name in ("issued_on", "scope_confirmed", "country", "declaration_instead"):
                del self.fields[name]
        elif kind == "krk":
            self.fields["checked_on"].label = _("Date presented")
            self.fields["issued_on"].required = True
            for name in ("both_registers", "country", "declaration_instead"):
                del self.fields[name]
        else:
            self.fields["checked_on"].label = _("Date presented")
            self.fields["country"].choices = [(c, labels.country_name(c)) for c in countries]
            self.fields["country"].required = True
            for name in ("both_registers", "scope_confirmed"):
                del self.fields[name]


class ResidenceForm(forms.Form):
    declared_on = date_field(_("Date of the declaration"))
    text_version = forms.CharField(
        label=_("Version of the declaration's text"), max_length=40, initial="Ostoja 2024"
    )


class PeriodForm(forms.Form):
    country = forms.ChoiceField(label=_("Country"), choices=labels.country_choices)
    start_date = date_field(_("From"))
    end_date = date_field(_("Until"))


class AdmitForm(forms.Form):
    on = date_field(_("Admitted on"))


class ShareForm(forms.Form):
    recipient = forms.SlugField(
        label=_("Short name (slug) of the organisation the person consents to"), max_length=80
    )
    consent_on = date_field(_("Date of the person's written consent"))


class RedeemForm(forms.Form):
    code = forms.CharField(label=_("Share code"), max_length=40)


class PolicyForm(forms.Form):
    recheck_months = forms.IntegerField(
        label=_("Repeat the checks every (months)"), min_value=1, max_value=120
    )
    reminder_days = forms.IntegerField(
        label=_("Remind this many days before a re-check is due"), min_value=0, max_value=365
    )
    retention_months = forms.IntegerField(
        label=_("Delete a record this many months after the engagement ends"),
        min_value=1,
        max_value=120,
    )
    intervention_retention_months = forms.IntegerField(
        label=_("Delete an intervention record this many months after it is closed"),
        min_value=1,
        max_value=360,
    )
    managers_may_read = forms.BooleanField(
        label=_("Organisation managers may read the register (with two-factor authentication)"),
        required=False,
    )


class RegisterFilterForm(forms.Form):
    STATUS = [
        ("", _("everyone")),
        ("missing", _("missing checks")),
        ("admitted", pgettext_lazy("to work with children", "admitted")),
        ("due", _("re-check due soon")),
        ("overdue", _("re-check overdue")),
        ("adverse", _("entry found")),
        ("ended", _("engagement ended")),
    ]
    q = forms.CharField(label=_("Full name"), max_length=100, required=False)
    status = forms.ChoiceField(label=_("Status"), choices=STATUS, required=False)
    activity = forms.ChoiceField(
        label=_("Kind of activity"), choices=[("", _("any"))] + Activity.choices, required=False
    )
