from django import forms
from django.utils.translation import gettext_lazy as _

from .scopes import DEFAULT_SCOPES, SCOPES


class IssueTokenForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=100)
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=[(k, f"{k} — {v}") for k, v in SCOPES.items()],
        initial=list(DEFAULT_SCOPES),
        widget=forms.CheckboxSelectMultiple,
    )
