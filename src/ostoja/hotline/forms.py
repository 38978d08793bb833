"""Forms of the hotline: the public report form, status lookup, assessment, rules, settings."""

from __future__ import annotations

import json
import unicodedata

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import url_canonical
from .intake import MAX_DESCRIPTION
from .models import (
    AgeBand,
    ContentType,
    Gender,
    HotlineSettings,
    IncidentType,
    ItemState,
    LegalArticle,
    Outcome,
    Severity,
    SiteType,
    WhereSeen,
)

MAX_FORM_URLS = 20
MAX_FORM_URL_TEXT = 20 * 2100


class PublicReportForm(forms.Form):
    urls = forms.CharField(
        label=_("Web addresses"),
        help_text=_(
            "Copy the address from the browser's address bar. One address per line, at most 20."
        ),
        max_length=MAX_FORM_URL_TEXT,
        widget=forms.Textarea(
            attrs={"rows": 4, "spellcheck": "false", "autocomplete": "off", "dir": "ltr"}
        ),
    )
    incident_type = forms.ChoiceField(
        label=_("What does it concern?"),
        choices=IncidentType.choices,
        widget=forms.RadioSelect,
    )
    where_seen = forms.ChoiceField(
        label=_("Where did you see it?"),
        choices=WhereSeen.choices,
        widget=forms.RadioSelect,
    )
    description = forms.CharField(
        label=_("Description (optional)"),
        help_text=_(
            "Anything that helps us find the content, e.g. where on the page it is. Do not "
            "describe the material in detail and do not attach it."
        ),
        required=False,
        max_length=MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 4, "dir": "auto"}),
    )
    email = forms.EmailField(
        label=_("E-mail for feedback (optional)"),
        help_text=_(
            "Only if you want to hear from us. Leave it empty to stay anonymous. We delete it "
            "after the case is closed."
        ),
        required=False,
        max_length=254,
    )
    # Honeypot: hidden from people (and from assistive technology); bots fill it in.
    leave_empty = forms.CharField(label=_("Leave this field empty"), required=False)

    def clean_urls(self):
        # Numbered as the receipt numbers them: the n-th non-empty line.
        lines = [line.strip() for line in self.cleaned_data["urls"].splitlines()]
        numbered = list(enumerate((line for line in lines if line), start=1))
        if not numbered:
            raise forms.ValidationError(_("Enter at least one web address."))
        if len(numbered) > MAX_FORM_URLS:
            raise forms.ValidationError(
                _("Enter at most %(max)d addresses (you entered %(count)d).")
                % {"max": MAX_FORM_URLS, "count": len(numbered)}
            )
        text_lines = [n for n, line in numbered if is_plain_text(line)]
        if text_lines:
            # Nothing is dropped silently: the reporter moves the text and sends again.
            raise forms.ValidationError(
                ngettext(
                    "Line %(lines)s is not a web address. Put explanations in the description "
                    "below and keep only addresses here, one per line.",
                    "Lines %(lines)s are not web addresses. Put explanations in the description "
                    "below and keep only addresses here, one per line.",
                    len(text_lines),
                )
                % {"lines": ", ".join(str(n) for n in text_lines)},
                code="not_urls",
            )
        return [line for _n, line in numbered]


def is_plain_text(line: str) -> bool:
    """True for a line that is words, not an address (``see below``, ``zobacz``).

    A line with an explicit ``scheme://`` is always treated as an address (the intake says
    what is wrong with it). Otherwise a line with a space, or one that would be read as a
    single-label host (no dot: a word, not a domain on the internet), is text.
    """
    folded = unicodedata.normalize("NFKC", line).strip()
    if "://" in folded:
        return False
    if any(ch.isspace() for ch in folded):
        return True
    try:
        canonical = url_canonical.canonicalise(folded)
    except url_canonical.UrlRejected:
        return False  # an address with a fault; the receipt names it
    host = url_canonical.host_of(canonical)
    return "." not in host and ":" not in host


class StatusLookupForm(forms.Form):
    code = forms.CharField(
        label=_("Status code"),
        help_text=_("The code shown after you sent the report, e.g. ABCD-EFGH-JKMN-PQRS."),
        max_length=40,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}
        ),
    )


def _blank(choices):
    return [("", "—"), *choices]


class AssessmentForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=Outcome.choices, widget=forms.RadioSelect
    )
    legal_articles = forms.MultipleChoiceField(
        label=_("Article of the Polish Criminal Code"),
        help_text=_("Required for “illegal under Polish law”."),
        choices=LegalArticle.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    content_type = forms.ChoiceField(
        label=_("Content type"), choices=_blank(ContentType.choices), required=False
    )
    site_type = forms.ChoiceField(
        label=_("Site type"), choices=_blank(SiteType.choices), required=False
    )
    age_band = forms.ChoiceField(
        label=_("Youngest victim's age"), choices=_blank(AgeBand.choices), required=False
    )
    gender = forms.ChoiceField(label=_("Gender"), choices=_blank(Gender.choices), required=False)
    severity = forms.ChoiceField(
        label=_("Severity"),
        help_text=_("According to the hotline's severity guide."),
        choices=_blank(Severity.choices),
        required=False,
    )
    commercial = forms.BooleanField(label=_("Commercial"), required=False)
    self_generated = forms.BooleanField(label=_("Self-generated"), required=False)
    ai_generated = forms.BooleanField(label=_("AI-generated"), required=False)
    duplicate_of = forms.IntegerField(
        label=_("Duplicate of item number"),
        help_text=_("Only for the outcome “duplicate”."),
        required=False,
        min_value=1,
    )
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
    )


class RulesForm(forms.Form):
    rules = forms.CharField(
        label=_("Rules (JSON)"),
        max_length=20000,
        widget=forms.Textarea(
            attrs={"rows": 24, "spellcheck": "false", "class": "code", "dir": "ltr"}
        ),
        help_text=_("The version number is set automatically when you save."),
    )
    comment = forms.CharField(label=_("What changed and why"), max_length=200, required=False)

    def clean_rules(self):
        try:
            value = json.loads(self.cleaned_data["rules"])
        except ValueError as exc:
            raise forms.ValidationError(
                _("This is not valid JSON: %(error)s") % {"error": str(exc)[:200]}
            )
        if not isinstance(value, dict):
            raise forms.ValidationError(_("The rules must be a JSON object."))
        return value


class SettingsForm(forms.ModelForm):
    class Meta:
        model = HotlineSettings
        fields = ["four_eyes_required", "claim_minutes", "break_reminder_after", "retention_days"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bounds = {
            "claim_minutes": (5, 480),
            "break_reminder_after": (1, 500),
            "retention_days": (1, 3650),
        }
        for name, (low, high) in bounds.items():
            field = self.fields[name]
            field.min_value, field.max_value = low, high
            field.validators += [MinValueValidator(low), MaxValueValidator(high)]
            field.widget.attrs.update({"min": low, "max": high})


QUEUE_VIEWS = [
    ("waiting", _("Waiting for assessment")),
    (ItemState.SECOND_OPINION.value, _("Waiting for a second assessment")),
    (ItemState.ACTIONABLE.value, _("Illegal: awaiting action")),
    ("closed", _("Closed")),
    ("all", _("All")),
]


class QueueFilterForm(forms.Form):
    view = forms.ChoiceField(label=_("Show"), choices=QUEUE_VIEWS, required=False)
    level = forms.ChoiceField(
        label=_("Priority"),
        choices=[("", _("All")), ("P1", "P1"), ("P2", "P2"), ("P3", "P3")],
        required=False,
    )
    material = forms.ChoiceField(
        label=_("Material"),
        choices=[("", _("All")), ("known", _("Known")), ("new", _("New"))],
        required=False,
    )
    overdue = forms.BooleanField(label=_("Only overdue"), required=False)
