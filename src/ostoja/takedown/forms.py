"""Forms of the takedown pages. Validation of meaning stays in the services; forms check shape."""

from __future__ import annotations

from datetime import date

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ostoja.organisations.models import Organisation

from .models import AppealState, CaseState
from .services import CONTACT_KINDS

MAX_NOTE = 2000


class _NoControls:
    """Mixin: refuse control characters in every text field (the services refuse them too)."""

    def clean(self):
        data = super().clean()
        for name, value in list(data.items()):
            if isinstance(value, str) and any(
                (ord(c) < 32 and c not in "\n\r\t") or ord(c) == 0x7F for c in value
            ):
                self.add_error(name, _("Remove control characters."))
        return data


class PeriodForm(forms.Form):
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To (inclusive)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        for name in ("start", "end"):
            value = data.get(name)
            if value and not date(2000, 1, 1) <= value <= date(2100, 12, 31):
                self.add_error(name, _("Choose a date between 2000 and 2100."))
        if start and end and start > end:
            self.add_error("end", _("The end of the period is before its start."))
        return data


class CaseFilterForm(forms.Form):
    VIEWS = [
        ("open", pgettext_lazy("cases", "Open")),
        ("attention", _("Needs attention (hosting or recipient unknown)")),
        ("delivery", _("Delivery problems")),
        ("supervisor", _("Waiting for a supervisor")),
        ("all", _("All")),
        *[(s.value, s.label) for s in CaseState],
    ]
    view = forms.ChoiceField(label=_("Show"), choices=VIEWS, required=False)


class OverrideForm(_NoControls, forms.Form):
    country = forms.CharField(
        label=_("Hosting country"),
        max_length=2,
        min_length=2,
        help_text=_("Two-letter code (ISO 3166-1), e.g. PL or DE."),
    )
    provider = forms.ModelChoiceField(
        label=_("Hosting provider"),
        queryset=Organisation.objects.filter(kind=Organisation.Kind.HOSTING_PROVIDER),
        required=False,
        empty_label=pgettext_lazy("provider", "Unknown"),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why the trace is wrong, e.g. the site is behind a CDN (audit-logged)."),
    )

    def clean_country(self):
        return self.cleaned_data["country"].strip().upper()


class CheckForm(_NoControls, forms.Form):
    RESULTS = [
        ("online", _("Checked: still online")),
        ("removed", _("Checked: removed")),
        ("partner_removed", _("The partner hotline confirmed the removal")),
    ]
    result = forms.ChoiceField(label=_("Result"), choices=RESULTS, widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("Note"),
        max_length=MAX_NOTE,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ResolveForm(_NoControls, forms.Form):
    DECISIONS = [
        ("continue", _("The notice stands: keep sending it")),
        ("withdraw", _("Withdraw the notice and take the address off the block list")),
    ]
    decision = forms.ChoiceField(label=_("Decision"), choices=DECISIONS, widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("Reason"), max_length=MAX_NOTE, widget=forms.Textarea(attrs={"rows": 3})
    )


class ResponseForm(_NoControls, forms.Form):
    ACTIONS = [
        ("removed", _("The content has been removed or access to it disabled")),
        ("acknowledged", _("We received the notice and are working on it")),
        ("disputed", _("We dispute the notice (please explain below)")),
    ]
    action = forms.ChoiceField(label=_("Your answer"), choices=ACTIONS, widget=forms.RadioSelect)
    comment = forms.CharField(
        label=_("Comment (optional)"),
        max_length=MAX_NOTE,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self):
        data = super().clean()
        if data.get("action") == "disputed" and not (data.get("comment") or "").strip():
            self.add_error("comment", _("Please tell us why you dispute the notice."))
        return data


class AppealForm(_NoControls, forms.Form):
    url = forms.CharField(
        label=_("The blocked address"),
        max_length=2048,
        help_text=_("The web address of your site that is blocked."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "dir": "ltr"}),
    )
    email = forms.EmailField(
        label=_("Your e-mail address"),
        max_length=254,
        help_text=_("We send the decision to this address and use it for nothing else."),
    )
    name = forms.CharField(label=_("Your name (optional)"), max_length=200, required=False)
    message = forms.CharField(
        label=_("Why should the block be lifted?"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "For example: the content has been removed, or the address was listed by mistake."
        ),
    )
    # Honeypot: hidden from people by CSS; bots fill it.
    website = forms.CharField(required=False, label=_("Leave this field empty"))


class AppealDecisionForm(_NoControls, forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (AppealState.UPHELD.value, _("The block stays")),
            (AppealState.LIFTED.value, _("Take the address off the block list")),
            (AppealState.CLOSED.value, _("Close without a decision (spam, unrelated)")),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Explanation for the site owner"),
        max_length=MAX_NOTE,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ProviderRuleForm(_NoControls, forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Hosting provider"),
        queryset=Organisation.objects.filter(kind=Organisation.Kind.HOSTING_PROVIDER),
    )
    spec = forms.CharField(
        label=_("AS number or IP range"),
        max_length=49,
        help_text=_("AS64500, 192.0.2.0/24 or 2001:db8::/32"),
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class ContactPointForm(_NoControls, forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.filter(kind__in=CONTACT_KINDS)
    )
    email = forms.EmailField(label=_("Abuse contact e-mail"), required=False)
    language = forms.ChoiceField(label=_("Language of notices"), choices=settings.LANGUAGES)
    webhook_url = forms.URLField(
        label=_("Webhook URL"), required=False, max_length=2000, assume_scheme="https"
    )
    webhook_key_id = forms.CharField(label=_("Signing key id"), required=False, max_length=100)
    webhook_secret_ref = forms.CharField(
        label=_("Signing secret reference"),
        required=False,
        max_length=200,
        help_text=_("settings:NAME or env:VARIABLE — never the secret itself."),
    )
