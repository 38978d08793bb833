"""Forms of the organisations app. They parse and show input; the services decide."""

from __future__ import annotations

from django import forms
from django.core.validators import URLValidator
from django.utils.text import format_lazy
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from ostoja.core.concurrency import VersionedForm

from . import countries, teryt
from .models import WEB_SCHEMES, Organisation, Voivodeship
from .scopes import DEFAULT_SCOPES, SCOPES


class IssueTokenForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=100)
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        # Lazy: the description is translated when the page is rendered, in its language
        # (an f-string here froze it in the language active at import time).
        choices=[(k, format_lazy("{} — {}", k, v)) for k, v in SCOPES.items()],
        initial=list(DEFAULT_SCOPES),
        widget=forms.CheckboxSelectMultiple,
    )


class RegisterChoice(forms.RadioSelect):
    """Radio buttons for local authorities found in the TERYT register."""

    option_template_name = "django/forms/widgets/radio_option.html"


DISPLAYED_FIELDS = (
    "name",
    "kind",
    "country",
    "voivodeship",
    "teryt_code",
    "contact_email",
    "website",
    "language",
    "verified",
)


class OrganisationForm(VersionedForm):
    """Create or edit an organisation. A Polish local authority is *picked* from the TERYT
    register: ``teryt_query`` searches it (the "Search the register" button re-renders the form
    with the matches as radio buttons; a script, if it runs, does the same as you type)."""

    name = forms.CharField(
        label=_("Name"),
        max_length=200,
        required=False,
        help_text=_(
            "For a local authority picked from the register, leave it empty to use "
            "the official name."
        ),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Organisation.Kind.choices)
    country = forms.ChoiceField(
        label=_("Country"),
        error_messages={
            "invalid_choice": _(
                "“%(value)s” is not a country code (ISO 3166-1 alpha-2, e.g. PL, DE)."
            )
        },
    )
    voivodeship = forms.ChoiceField(
        label=_("Voivodeship"),
        required=False,
        choices=[("", _("— (outside Poland)"))] + Voivodeship.choices,
        help_text=_("For a local authority it comes from the register."),
    )
    teryt_query = forms.CharField(
        label=_("Find the local authority in the TERYT register"),
        required=False,
        max_length=100,
        help_text=_(
            "A name (e.g. Bolesławiec) or the beginning of a code; the voivodeship "
            "above narrows the search."
        ),
    )
    teryt_code = forms.CharField(
        label=_("Local authority (TERYT)"), required=False, max_length=20, widget=RegisterChoice
    )
    contact_email = forms.EmailField(label=_("Contact e-mail"), required=False, max_length=254)
    website = forms.URLField(
        label=_("Website"),
        required=False,
        max_length=300,
        assume_scheme="https",
        validators=[URLValidator(schemes=WEB_SCHEMES)],
        error_messages={"invalid": _("Enter a web address starting with http:// or https://.")},
    )
    language = forms.ChoiceField(label=_("Correspondence language"))
    verified = forms.BooleanField(
        label=_("Verified (the coalition has confirmed who this organisation is)"),
        required=False,
    )

    SEARCH_LIMIT = 20

    def __init__(self, *args, register_matches=(), **kwargs):
        super().__init__(*args, **kwargs)
        from django.conf import settings

        self.fields["country"].choices = countries.choices(get_language() or "pl")
        self.fields["language"].choices = [(code, _(label)) for code, label in settings.LANGUAGES]
        self.register_matches = list(register_matches)
        self._set_register_choices()

    # The radio buttons: the matches of the search, and the code already picked (so that a
    # re-rendered form keeps the choice).
    def _set_register_choices(self):
        reg = teryt.register()
        units = list(self.register_matches)
        picked = reg.get(self._raw("teryt_code"))
        if picked is not None and picked.is_authority and picked not in units:
            units.insert(0, picked)
        self.fields["teryt_code"].widget.choices = [
            (u.code, f"{reg.label(u)} — {u.code}") for u in units
        ]

    def _raw(self, name: str) -> str:
        if self.is_bound:
            return (self.data.get(self.add_prefix(name)) or "").strip()
        return str(self.initial.get(name) or "")

    def search_register(self) -> list:
        """Run the search typed in ``teryt_query`` (limited to the chosen voivodeship)."""
        query = self._raw("teryt_query")[:100]
        voivodeship = self._raw("voivodeship")
        if voivodeship not in Voivodeship.values:
            voivodeship = ""
        self.register_matches = teryt.register().search(
            query, limit=self.SEARCH_LIMIT, voivodeship=voivodeship
        )
        self._set_register_choices()
        return self.register_matches

    def clean_country(self):
        return countries.normalise(self.cleaned_data["country"])

    def clean(self):
        data = super().clean()
        kind, country = data.get("kind"), data.get("country")
        code = (data.get("teryt_code") or "").strip()
        if kind == Organisation.Kind.LOCAL_AUTHORITY and country == "PL":
            if not code:
                self.add_error(
                    "teryt_code",
                    _("Pick the local authority from the TERYT register (search for it above)."),
                )
        elif code:
            # A code left picked while the kind or country changed: a foreign or non-local
            # organisation has no TERYT code.
            data["teryt_code"] = ""
        if not data.get("name") and not code:
            self.add_error("name", _("This field is required."))
        return data

    def service_fields(self) -> dict:
        return {
            name: self.cleaned_data[name]
            for name in (
                "name",
                "kind",
                "country",
                "voivodeship",
                "teryt_code",
                "contact_email",
                "website",
                "language",
                "verified",
            )
        }

    # Optimistic concurrency (ostoja.core.concurrency): what the editor saw, signed, to tell
    # them what changed if someone else saves first.
    SNAPSHOT_SALT = "ostoja.organisations.edit-snapshot"
    TRACKED = DISPLAYED_FIELDS

    def display_value(self, field: str, value) -> str:
        return display_value(field, value)

    def posted_value(self, field: str) -> str:
        return self._raw(field)  # as typed: the comparison is with what the editor saw


def display_value(field: str, value: str | None) -> str:
    """A stored value as a person reads it (labels of choices, yes/no)."""
    from django.conf import settings

    value = value or ""
    if field == "verified":
        return str(_("yes") if value else _("no"))
    if not value:
        return "—"
    if field == "kind":
        return str(dict(Organisation.Kind.choices).get(value, value))
    if field == "voivodeship":
        return str(dict(Voivodeship.choices).get(value, value))
    if field == "country":
        return f"{countries.name(value, get_language() or 'pl')} ({value})"
    if field == "language":
        return str(_(dict(settings.LANGUAGES).get(value, value)))
    if field == "teryt_code":
        unit = teryt.get(value)
        return f"{teryt.register().label(unit)} — {value}" if unit else value
    return value


class OrganisationFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        help_text=_("Name, short name or TERYT code"),
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds"))] + Organisation.Kind.choices
    )
    voivodeship = forms.ChoiceField(
        label=_("Voivodeship"),
        required=False,
        choices=[("", _("All voivodeships"))] + Voivodeship.choices,
    )
    active = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Active")), ("no", _("Deactivated")), ("all", _("All"))],
    )
    verified = forms.ChoiceField(
        label=_("Verified"),
        required=False,
        choices=[("", _("All")), ("yes", _("Verified")), ("no", _("Not verified"))],
    )
    not_in_register = forms.BooleanField(
        label=_("Only TERYT codes missing from the register in use"),
        required=False,
        help_text=_("After a yearly update of the register (manage.py teryt_update)."),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Recorded in the audit log."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
