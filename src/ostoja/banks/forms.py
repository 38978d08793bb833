"""Forms of the bank pages. They parse input; the rules live in ``services``."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import csv_formats
from .models import AgeBand, Classification, HashBank, SignalType
from .services import MAX_IMPORT_BYTES


def _text_check(value: str, limit: int) -> str:
    value = (value or "").strip()
    problem = csv_formats.check_text(value, limit)
    if problem:
        raise ValidationError(problem)
    return value


class BankForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    slug = forms.SlugField(
        label=_("Short name (slug)"),
        max_length=80,
        required=False,
        help_text=_("Used in addresses, exports and API answers. Made from the name if empty."),
    )
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=None, empty_label=None)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea, required=False, max_length=2000
    )
    visibility = forms.ChoiceField(
        label=_("Visibility"),
        choices=HashBank.Visibility.choices,
        initial=HashBank.Visibility.PRIVATE,
    )
    match_disclosure = forms.ChoiceField(
        label=_("What a match tells other organisations' platforms"),
        choices=HashBank.MatchDisclosure.choices,
        initial=HashBank.MatchDisclosure.OWNER,
        required=False,
        help_text=_(
            "For a private bank: platforms of other organisations never see its name or "
            "entries; this is all they learn when one of their hashes matches it."
        ),
    )
    enabled = forms.BooleanField(label=_("Use for matching"), required=False, initial=True)

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners

    def clean_match_disclosure(self):
        return self.cleaned_data.get("match_disclosure") or HashBank.MatchDisclosure.OWNER

    def clean_description(self):
        text = self.cleaned_data["description"].replace("\r\n", "\n").strip()
        for line in text.split("\n"):
            problem = csv_formats.check_text(line.replace("\t", " ").lstrip("=+-@"), 2000)
            if problem:
                raise ValidationError(problem)
        return text


class EntryForm(forms.Form):
    signal_type = forms.ChoiceField(label=_("Signal type"), choices=SignalType.choices)
    value = forms.CharField(
        label=_("Hash"),
        max_length=200,
        help_text=_("Hexadecimal: 64 digits for PDQ and SHA-256, 40 for SHA-1, 32 for MD5."),
    )
    classification = forms.ChoiceField(label=_("Classification"), choices=Classification.choices)
    category = forms.CharField(label=_("Category"), max_length=64, required=False)
    age_band = forms.ChoiceField(
        label=_("Age band"), choices=[("", _("not stated")), *AgeBand.choices], required=False
    )
    source = forms.CharField(
        label=_("Source organisation"),
        max_length=200,
        required=False,
        help_text=_("Empty: the bank's owner."),
    )
    source_date = forms.DateField(
        label=_("Source date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def clean(self):
        data = super().clean()
        signal_type, value = data.get("signal_type"), data.get("value")
        if signal_type and value:
            canonical, problem = csv_formats.parse_value(signal_type, value)
            if canonical is None:
                self.add_error("value", problem)
            else:
                data["value"] = canonical
        return data

    def clean_category(self):
        return _text_check(self.cleaned_data["category"], csv_formats.MAX_CATEGORY)

    def clean_source(self):
        return _text_check(self.cleaned_data["source"], csv_formats.MAX_SOURCE)

    def clean_note(self):
        return _text_check(self.cleaned_data["note"], csv_formats.MAX_NOTE)


class RemoveEntryForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)

    def clean_reason(self):
        return _text_check(self.cleaned_data["reason"], csv_formats.MAX_NOTE)


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Hash list (CSV or ZIP bundle)"),
        help_text=_(
            "Ostoja's CSV, python-threatexchange's signal file or CSV, or an Ostoja export ZIP."
        ),
    )
    file_format = forms.ChoiceField(
        label=_("Format"),
        choices=[
            ("auto", _("Recognise from the header")),
            (csv_formats.FORMAT_OSTOJA, _("Ostoja CSV")),
            (csv_formats.FORMAT_THREATEXCHANGE, _("python-threatexchange signal file")),
            (csv_formats.FORMAT_THREATEXCHANGE_CSV, _("python-threatexchange CSV")),
        ],
        initial="auto",
    )
    classification = forms.ChoiceField(
        label=_("Classification where the file has none"),
        choices=Classification.choices,
        initial=Classification.NATIONAL,
    )
    source = forms.CharField(
        label=_("Source organisation where the file has none"), max_length=200, required=False
    )
    signature = forms.FileField(
        label=_("Signature file (.sig)"),
        required=False,
        help_text=_("Not needed for a ZIP bundle, which holds its signature."),
    )
    public_key = forms.CharField(
        label=_("Publisher's public key (PEM)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=2000,
        help_text=_("With a key, the list is imported only if its signature verifies."),
    )

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > MAX_IMPORT_BYTES:
            raise ValidationError(
                _("The file is larger than %(mb)d MB; use manage.py banks_import on the server.")
                % {"mb": MAX_IMPORT_BYTES // 2**20}
            )
        return f

    def clean_signature(self):
        f = self.cleaned_data.get("signature")
        if f and f.size > 64 * 1024:
            raise ValidationError(_("This is not a signature file (too large)."))
        return f

    def clean_source(self):
        return _text_check(self.cleaned_data["source"], csv_formats.MAX_SOURCE)


class ExportForm(forms.Form):
    format = forms.ChoiceField(
        label=_("Format"),
        choices=[
            (csv_formats.FORMAT_OSTOJA, _("Ostoja CSV (with removals)")),
            (
                csv_formats.FORMAT_THREATEXCHANGE,
                _("python-threatexchange signal file (active hashes; no SHA-1)"),
            ),
            (csv_formats.FORMAT_THREATEXCHANGE_CSV, _("python-threatexchange CSV")),
        ],
    )
    since = forms.DateTimeField(
        label=_("Only changes since"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("Empty: the whole bank. A date gives a delta for partners who synchronise."),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"],
    )


class EntryFilterForm(forms.Form):
    STATUS = [("active", _("Active")), ("removed", _("Removed")), ("all", _("All"))]

    signal_type = forms.ChoiceField(
        label=_("Signal type"), choices=[("", _("All types")), *SignalType.choices], required=False
    )
    status = forms.ChoiceField(label=_("Status"), choices=STATUS, required=False)
    classification = forms.ChoiceField(
        label=_("Classification"),
        choices=[("", _("All")), *Classification.choices],
        required=False,
    )
    q = forms.CharField(label=_("Hash begins with"), max_length=64, required=False)

    def filter(self, qs):
        if not self.is_valid():
            return qs.active()
        data = self.cleaned_data
        status = data.get("status") or "active"
        if status == "active":
            qs = qs.active()
        elif status == "removed":
            qs = qs.removed()
        if data.get("signal_type"):
            qs = qs.filter(signal_type=data["signal_type"])
        if data.get("classification"):
            qs = qs.filter(classification=data["classification"])
        prefix = (data.get("q") or "").strip().lower()
        if prefix and all(c in "0123456789abcdef" for c in prefix):
            qs = qs.filter(value__startswith=prefix)
        elif prefix:
            qs = qs.none()
        return qs


class AddFromItemForm(forms.Form):
    bank = forms.ModelChoiceField(label=_("Bank"), queryset=None, empty_label=None)
    classification = forms.ChoiceField(label=_("Classification"), choices=Classification.choices)
    category = forms.CharField(label=_("Category"), max_length=64, required=False)
    age_band = forms.ChoiceField(
        label=_("Age band"), choices=[("", _("not stated")), *AgeBand.choices], required=False
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args, banks, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bank"].queryset = banks

    def clean_category(self):
        return _text_check(self.cleaned_data["category"], csv_formats.MAX_CATEGORY)

    def clean_note(self):
        return _text_check(self.cleaned_data["note"], csv_formats.MAX_NOTE)
