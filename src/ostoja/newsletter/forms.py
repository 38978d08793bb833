from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from . import consent
from .models import NewsletterList


class SignupForm(forms.Form):
    email = forms.EmailField(label=_("Your e-mail address"), max_length=254)
    lists = forms.ModelMultipleChoiceField(
        label=_("Newsletters"),
        queryset=NewsletterList.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one newsletter.")},
    )
    language = forms.ChoiceField(
        label=_("Language of the newsletter"),
        choices=[("pl", _("Polish")), ("en", _("English (where an issue has it)"))],
    )
    consent = forms.BooleanField(
        label=consent.TEXT,
        error_messages={"required": _("The newsletter can only be sent with your consent.")},
    )

    def __init__(self, *args, lists=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lists"].queryset = lists
        if lists is not None and len(lists) == 1:
            self.fields["lists"].initial = [lists[0].pk]


class ListForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    slug = forms.SlugField(
        label=_("Short name (in addresses)"),
        max_length=60,
        help_text=_("Latin letters, digits and hyphens, e.g. members-newsletter."),
    )
    description = forms.CharField(label=_("Description"), widget=forms.Textarea, required=False)
    audience = forms.ChoiceField(label=_("Audience"), choices=NewsletterList.Audience.choices)


class IssueForm(forms.Form):
    subject_pl = forms.CharField(label=_("Subject (Polish)"), max_length=200)
    body_pl = forms.CharField(
        label=_("Text (Polish, Markdown)"),
        widget=forms.Textarea(attrs={"rows": 16}),
        max_length=200_000,
    )
    subject_en = forms.CharField(label=_("Subject (English)"), max_length=200, required=False)
    body_en = forms.CharField(
        label=_("Text (English, Markdown)"),
        widget=forms.Textarea(attrs={"rows": 16}),
        required=False,
        max_length=200_000,
    )


class ScheduleForm(forms.Form):
    at = forms.DateTimeField(
        label=_("Send at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text=_("Leave empty to send now."),
    )
    child_data_confirmed = forms.BooleanField(
        label=_("I checked: the issue identifies no child."), required=False
    )
