"""Forms of the partnership pages; the rules themselves are in the services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ostoja.organisations.models import Organisation, Voivodeship

from .models import Area, LegalForm, PartnerState


class ApplicationForm(forms.Form):
    name = forms.CharField(label=_("Name of the organisation"), max_length=200)
    legal_form = forms.ChoiceField(label=_("Legal form"), choices=LegalForm.choices)
    krs = forms.CharField(
        label=_("KRS number"),
        max_length=20,
        required=False,
        help_text=_("If the organisation is in the National Court Register (10 digits)."),
    )
    nip = forms.CharField(label=_("NIP"), max_length=20, help_text=_("10 digits"))
    regon = forms.CharField(label=_("REGON"), max_length=20, help_text=_("9 or 14 digits"))
    website = forms.CharField(label=_("Website"), max_length=300, required=False)
    description = forms.CharField(
        label=_("What the organisation does"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=5000,
        help_text=_(
            "Published on the partnership page once you are admitted. Markdown is allowed. "
            "Never include anything that could identify a child."
        ),
    )
    voivodeships = forms.MultipleChoiceField(
        label=_("Voivodeships where the organisation works"),
        choices=Voivodeship.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    areas = forms.MultipleChoiceField(
        label=_("Areas of work"), choices=Area.choices, widget=forms.CheckboxSelectMultiple
    )
    contact_name = forms.CharField(label=_("Contact person"), max_length=200)
    contact_email = forms.EmailField(
        label=_("Contact e-mail"),
        help_text=_(
            "We send a link to confirm this address; the contact person later becomes "
            "the organisation's manager on the platform."
        ),
    )
    signatory_name = forms.CharField(
        label=_("Name of the person authorised to act for the organisation"), max_length=200
    )
    signatory_function = forms.CharField(label=_("Their function"), max_length=200)
    accepted = forms.BooleanField(
        label=_(
            "On behalf of the organisation, I accept the current charter of the partnership "
            "and sign the declaration of cooperation."
        ),
        required=False,
    )
    charter_number = forms.IntegerField(widget=forms.HiddenInput)


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Message"), widget=forms.Textarea(attrs={"rows": 5}), max_length=5000
    )


class AdmitForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind of organisation"),
        choices=Organisation.Kind.choices,
        initial=Organisation.Kind.NGO,
    )


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (sent to the applicant)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
    )


class StateForm(forms.Form):
    to_state = forms.ChoiceField(label=_("New state"), choices=PartnerState.choices)
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000
    )


class PublishForm(forms.Form):
    charter = forms.CharField(
        label=_("Charter (Markdown)"), widget=forms.Textarea(attrs={"rows": 14})
    )
    declaration = forms.CharField(
        label=_("Declaration of cooperation (Markdown)"),
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    summary = forms.CharField(
        label=_("What changed"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
    )
    accept_by = forms.DateField(
        label=_("Members accept by"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class AcceptForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.none()
    )
    signatory_name = forms.CharField(
        label=_("Name of the person authorised to act for the organisation"), max_length=200
    )
    signatory_function = forms.CharField(label=_("Their function"), max_length=200)

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations


class TargetForm(forms.Form):
    minimum = forms.IntegerField(label=_("Minimum per voivodeship"), min_value=0, max_value=50)
    goal = forms.IntegerField(label=_("Goal per voivodeship"), min_value=0, max_value=50)
