"""Forms of positions, standards and campaigns (parsing only; the rules are in services)."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from ostoja.organisations.models import Voivodeship

from .models import AddresseeKind, Campaign, DocumentKind, Reply


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=DocumentKind.choices)
    title = forms.CharField(label=_("Title"), max_length=300)
    body = forms.CharField(
        label=_("Text (Markdown; paragraphs separated by a blank line)"),
        widget=forms.Textarea(attrs={"rows": 14}),
    )
    editors = forms.ModelMultipleChoiceField(
        label=_("Editor group"), queryset=get_user_model().objects.none(), required=False
    )

    def __init__(self, *args, editors=None, **kwargs):
        super().__init__(*args, **kwargs)
        if editors is not None:
            self.fields["editors"].queryset = editors


class VersionForm(forms.Form):
    body = forms.CharField(label=_("Text (Markdown)"), widget=forms.Textarea(attrs={"rows": 16}))
    note = forms.CharField(label=_("What changed"), max_length=300, required=False)


class CommentForm(forms.Form):
    paragraph = forms.CharField(max_length=16, required=False, widget=forms.HiddenInput)
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)
    body = forms.CharField(
        label=_("Comment"), max_length=10000, widget=forms.Textarea(attrs={"rows": 3})
    )


class AddresseeForm(forms.Form):
    name = forms.CharField(label=_("Institution"), max_length=300)
    kind = forms.ChoiceField(label=_("Kind"), choices=AddresseeKind.choices)
    email = forms.EmailField(label=_("E-mail"))
    postal_address = forms.CharField(
        label=_("Postal address"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReplyForm(forms.Form):
    dispatch = forms.IntegerField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=_("Kind"), choices=Reply.Kind.choices)
    on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    summary = forms.CharField(
        label=_("Summary (Markdown)"), widget=forms.Textarea(attrs={"rows": 3})
    )


class CampaignForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    scope = forms.ChoiceField(label=_("Scope"), choices=Campaign.Scope.choices)
    voivodeship = forms.ChoiceField(
        label=_("Voivodeship (local campaigns)"),
        choices=[("", "—")] + Voivodeship.choices,
        required=False,
    )
    starts_on = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("Until"), widget=forms.DateInput(attrs={"type": "date"}))
    goal = forms.CharField(label=_("Goal (Markdown)"), widget=forms.Textarea(attrs={"rows": 4}))
    kit = forms.ModelMultipleChoiceField(
        label=_("Kit of materials from the library"), queryset=None, required=False
    )

    def __init__(self, *args, **kwargs):
        from ostoja.library.models import Material

        super().__init__(*args, **kwargs)
        self.fields["kit"].queryset = Material.objects.all()


class EventForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("Organisation"), queryset=None)
    campaign = forms.ModelChoiceField(label=_("Campaign"), queryset=None, required=False)
    title = forms.CharField(label=_("Title"), max_length=300)
    starts_at = forms.DateTimeField(
        label=_("Starts"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    ends_at = forms.DateTimeField(
        label=_("Ends"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    town = forms.CharField(label=_("Town"), max_length=120)
    voivodeship = forms.ChoiceField(label=_("Voivodeship"), choices=Voivodeship.choices)
    description = forms.CharField(
        label=_("Description (Markdown)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, organisations=None, **kwargs):
        from django.utils import timezone

        from ostoja.organisations.models import Organisation

        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.filter(
            pk__in=[o.pk for o in organisations or []]
        )
        self.fields["campaign"].queryset = Campaign.objects.filter(
            ends_on__gte=timezone.localdate()
        )
