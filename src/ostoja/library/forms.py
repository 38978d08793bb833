"""Forms of the library (parsing only; the rules are in services)."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .models import Access, Audience, JournalFormat, Kind, Language


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("any"))] + Kind.choices
    )
    language = forms.ChoiceField(
        label=_("Language"), required=False, choices=[("", _("any"))] + Language.choices
    )
    audience = forms.ChoiceField(
        label=_("Audience"), required=False, choices=[("", _("any"))] + Audience.choices
    )
    year = forms.IntegerField(label=_("Year"), required=False, min_value=1900, max_value=2100)


class MaterialForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    authors = forms.CharField(label=_("Authors"), max_length=500, required=False)
    publisher = forms.ModelChoiceField(
        label=_("Publishing organisation"), queryset=None, required=False
    )
    year = forms.IntegerField(label=_("Year"), required=False, min_value=1900, max_value=2100)
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices)
    audience = forms.ChoiceField(label=_("Audience"), choices=Audience.choices)
    topic = forms.CharField(label=_("Topic"), max_length=120, required=False)
    licence = forms.CharField(label=_("Licence"), max_length=120, required=False)
    access = forms.ChoiceField(label=_("Who may open it"), choices=Access.choices)
    description = forms.CharField(
        label=_("Description (Markdown)"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    link = forms.URLField(label=_("Link (instead of a file)"), required=False, max_length=500)
    file = forms.FileField(label=_("File"), required=False)

    def __init__(self, *args, publishers=None, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["publisher"].queryset = publishers
        if editing:
            self.fields["file"].label = _("New version of the file")
            self.fields["note"] = forms.CharField(
                label=_("What changed in this version"), max_length=300, required=False
            )

    def material_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("file", None)
        data.pop("note", None)
        return data


class OrderForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("For the organisation"), queryset=None)
    copies = forms.IntegerField(label=_("Copies"), min_value=1, max_value=10000)
    delivery_address = forms.CharField(
        label=_("Delivery address"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, organisations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        if organisations is not None and len(organisations) == 1:
            self.fields["organisation"].initial = organisations[0]


class StockForm(forms.Form):
    copies = forms.IntegerField(label=_("Copies in stock"), min_value=0, max_value=1_000_000)


class SubscriptionForm(forms.Form):
    format = forms.ChoiceField(
        label=pgettext_lazy("journal", "Format"), choices=JournalFormat.choices
    )
    copies = forms.IntegerField(label=_("Printed copies"), min_value=1, max_value=50, initial=1)
    address = forms.CharField(
        label=_("Delivery address"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    email = forms.EmailField(label=_("E-mail for the electronic edition"), required=False)


class IssueForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=1990, max_value=2100)
    number = forms.IntegerField(label=_("Number"), min_value=1, max_value=8)
    title = forms.CharField(label=_("Title of the issue"), max_length=300, required=False)
    contents = forms.CharField(
        label=_("Table of contents (one article per line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    material = forms.ModelChoiceField(
        label=_("The issue in the library"), queryset=None, required=False
    )

    def __init__(self, *args, **kwargs):
        from .models import Material

        super().__init__(*args, **kwargs)
        self.fields["material"].queryset = Material.objects.filter(kind=Kind.JOURNAL)
        self.fields["year"].initial = timezone.localdate().year
