"""Forms of the directory: the public search, the provider's service form, review, import."""

from __future__ import annotations

import functools

from django import forms
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from ostoja.directory import data
from ostoja.organisations.models import Voivodeship

from . import geo, query_words
from .search import SearchFilters
from .snapshot import LABELS, SERVICE_LANGUAGES, TRANSLATED
from .taxonomy import FILTER_FACETS
from .translation import content_languages, current_language

MAX_QUERY = 200
RADIUS_CHOICES = [
    ("", _("any distance")),
    ("10", _("up to 10 km")),
    ("25", _("up to 25 km")),
    ("50", _("up to 50 km")),
    ("100", _("up to 100 km")),
]


@functools.cache
def _facet_choices(facet: str, language: str) -> list[tuple[str, str]]:
    return [(t["code"], t["name"].get(language) or t["name"]["pl"]) for t in data.terms(facet)]


@functools.cache
def facet_label(facet: str, language: str) -> str:
    for item in data.facets():
        if item["code"] == facet:
            return item["name"].get(language) or item["name"]["pl"]
    return facet


class LenientCharField(forms.CharField):
    """Text that is cut to length instead of rejected (search input is never an error)."""

    def __init__(self, *args, cut_at: int = MAX_QUERY, **kwargs):
        self.cut_at = cut_at
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return value[: self.cut_at] if value else value


class SearchForm(forms.Form):
    """The public search (GET). Invalid parts are ignored, never an error page."""

    q = LenientCharField(
        label=_("What are you looking for?"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
        help_text=_("For example: therapy, phone, parents, online."),
    )
    place = LenientCharField(
        label=_("Town, postcode or voivodeship"),
        required=False,
        cut_at=100,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text=_("Optional. Used only to sort the results; it is not stored."),
    )
    radius = forms.ChoiceField(label=_("Distance"), required=False, choices=RADIUS_CHOICES)
    languages = forms.MultipleChoiceField(
        label=_("Language"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    age = forms.IntegerField(
        label=_("Age of the person who needs help"),
        required=False,
        min_value=0,
        max_value=120,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        language = current_language()
        self.fields["languages"].choices = list(SERVICE_LANGUAGES.items())
        for facet in FILTER_FACETS:
            self.fields[facet] = forms.MultipleChoiceField(
                label=facet_label(facet, language),
                required=False,
                choices=_facet_choices(facet, language),
                widget=forms.CheckboxSelectMultiple,
            )
        self.place_not_found = False
        self.place_from_words = ""

    def facet_fields(self):
        return [self[facet] for facet in FILTER_FACETS]

    def _value(self, name, default=None):
        if not self.is_bound or name in self.errors:
            return default
        return self.cleaned_data.get(name, default)

    def filters(self) -> SearchFilters:
        """What the valid parts of the query ask for."""
        self.is_valid()  # fills cleaned_data for the valid fields
        place = None
        place_text = (self._value("place") or "").strip()
        if place_text:
            place = geo.locate(place_text)
            self.place_not_found = place is None
        # A town typed among the words ("terapia Kraków") is the place (unless one was given
        # in the place box) and not a word the service must contain.
        text = self._value("q") or ""
        words = query_words.plan(text)
        if words.place is not None:
            text = words.text
            if place is None and not place_text:
                place = words.place
                self.place_from_words = words.place_words
        radius = self._value("radius") or ""
        return SearchFilters(
            text=text,
            terms={f: tuple(self._value(f) or ()) for f in FILTER_FACETS if self._value(f)},
            languages=tuple(self._value("languages") or ()),
            age=self._value("age"),
            place=place,
            radius_km=float(radius) if radius and place else None,
        )

    def has_filters(self) -> bool:
        self.is_valid()
        names = [*FILTER_FACETS, "languages", "age", "radius"]
        return any(self._value(n) not in (None, "", []) for n in names)


# --------------------------------------------------------------------------------------------
# The provider's service form
# --------------------------------------------------------------------------------------------

_LONG = {
    "description",
    "application_process",
    "confidentiality",
    "eligibility_description",
    "fees_description",
    "hours",
    "alert",
}
HELP = {
    "application_process": _(
        "Say plainly what to do: call, write, come in; what happens at the first contact."
    ),
    "confidentiality": _(
        "What you keep to yourself and what you must pass on (for example, the duty to "
        "notify the police or prosecutor of certain crimes), and whether people can stay "
        "anonymous. Help-seekers read this before they decide to contact you."
    ),
    "wait_time": _("For example: about two weeks for a first appointment."),
    "alert": _("Shown prominently, e.g. a temporary closure."),
}


def translated_name(key: str, language: str) -> str:
    return f"{key}_{language}"


class ServiceForm(forms.Form):
    """A service's editable state (see :mod:`ostoja.directory.snapshot`), one field per
    translated text and language. Adding a site language adds fields, not columns."""

    organisation = forms.TypedChoiceField(label=_("Provider organisation"), coerce=int)
    url = forms.URLField(label=LABELS["url"], required=False, max_length=500, assume_scheme="https")
    email = forms.EmailField(label=LABELS["email"], required=False)
    status = forms.ChoiceField(
        label=LABELS["status"],
        choices=[
            ("active", pgettext_lazy("service status", "Active")),
            ("temporarily closed", _("Temporarily closed")),
            ("inactive", _("Inactive")),
            ("defunct", pgettext_lazy("service status", "Closed")),
        ],
    )
    coverage = forms.ChoiceField(
        label=LABELS["coverage"],
        widget=forms.RadioSelect,
        choices=[
            ("national", _("Anywhere in Poland (by phone or online)")),
            ("regional", _("In the voivodeships chosen below")),
            ("local", _("Only at the locations listed below")),
        ],
    )
    voivodeships = forms.MultipleChoiceField(
        label=LABELS["voivodeships"],
        required=False,
        choices=Voivodeship.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    minimum_age = forms.IntegerField(
        label=LABELS["minimum_age"], required=False, min_value=0, max_value=120
    )
    maximum_age = forms.IntegerField(
        label=LABELS["maximum_age"], required=False, min_value=0, max_value=120
    )
    wait_time_stated_on = forms.DateField(
        label=LABELS["wait_time_stated_on"],
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    languages = forms.MultipleChoiceField(
        label=LABELS["languages"],
        required=False,
        choices=list(SERVICE_LANGUAGES.items()),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, organisations=None, **kwargs):
        super().__init__(*args, **kwargs)
        language = get_language() or "pl"
        languages = content_languages()
        for key in TRANSLATED:
            for code in languages:
                widget = forms.Textarea(attrs={"rows": 4}) if key in _LONG else forms.TextInput()
                self.fields[translated_name(key, code)] = forms.CharField(
                    label=f"{LABELS[key]} ({code.upper()})",
                    required=False,
                    max_length=300 if key in ("name", "alternate_name") else 5000,
                    widget=widget,
                    help_text=HELP.get(key, "") if code == languages[0] else "",
                )
                self.fields[translated_name(key, code)].widget.attrs["lang"] = code
        for facet in FILTER_FACETS:
            self.fields[f"terms_{facet}"] = forms.MultipleChoiceField(
                label=facet_label(facet, language),
                required=False,
                choices=_facet_choices(facet, language),
                widget=forms.CheckboxSelectMultiple,
            )
        if organisations is None:
            del self.fields["organisation"]
        else:
            self.fields["organisation"].choices = [(o.pk, o.name) for o in organisations]

    def translated_groups(self):
        """(label, [bound fields per language]) for the template."""
        return [
            (LABELS[key], [self[translated_name(key, c)] for c in content_languages()])
            for key in TRANSLATED
        ]

    def detail_fields(self):
        names = ("url", "email", "status", "minimum_age", "maximum_age", "wait_time_stated_on")
        return [self[name] for name in names]

    def term_fields(self):
        return [self[f"terms_{facet}"] for facet in FILTER_FACETS]

    @classmethod
    def initial_from(cls, snapshot: dict) -> dict:
        initial = {
            key: snapshot.get(key)
            for key in (
                "url",
                "email",
                "status",
                "coverage",
                "voivodeships",
                "minimum_age",
                "maximum_age",
                "wait_time_stated_on",
                "languages",
            )
        }
        for key in TRANSLATED:
            for code, text in (snapshot.get(key) or {}).items():
                initial[translated_name(key, code)] = text
        for facet in FILTER_FACETS:
            initial[f"terms_{facet}"] = [
                t for t in snapshot.get("terms", []) if t.startswith(f"{facet}.")
            ]
        return initial

    def snapshot_part(self) -> dict:
        data = self.cleaned_data
        part = {
            key: data.get(key)
            for key in (
                "url",
                "email",
                "status",
                "coverage",
                "voivodeships",
                "minimum_age",
                "maximum_age",
                "languages",
            )
        }
        stated = data.get("wait_time_stated_on")
        part["wait_time_stated_on"] = stated.isoformat() if stated else None
        for key in TRANSLATED:
            part[key] = {
                code: data.get(translated_name(key, code), "") for code in content_languages()
            }
        part["terms"] = [code for facet in FILTER_FACETS for code in data.get(f"terms_{facet}", [])]
        return part

    def add_snapshot_errors(self, errors: dict) -> None:
        """Put errors from :func:`ostoja.directory.snapshot.clean_snapshot` on the fields."""
        default = content_languages()[0]
        for key, messages in errors.items():
            if key in TRANSLATED:
                target = translated_name(key, default)
            elif key == "terms":
                target = "terms_audience"
            elif key in self.fields:
                target = key
            else:
                target = None
            for message in messages:
                self.add_error(target, message)


class PhoneForm(forms.Form):
    number = forms.CharField(label=_("Phone number"), required=False, max_length=40)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for code in content_languages():
            self.fields[f"description_{code}"] = forms.CharField(
                label=_("What the number is for (%(lang)s)") % {"lang": code.upper()},
                required=False,
                max_length=300,
            )

    def item(self) -> dict | None:
        data = self.cleaned_data
        if not data or data.get("DELETE") or not data.get("number"):
            return None
        return {
            "number": data["number"],
            "description": {c: data.get(f"description_{c}", "") for c in content_languages()},
        }


class LocationForm(forms.Form):
    name = forms.CharField(label=_("Name of the place"), required=False, max_length=300)
    address_1 = forms.CharField(label=_("Street and number"), required=False, max_length=300)
    postal_code = forms.CharField(label=_("Postcode"), required=False, max_length=20)
    city = forms.CharField(label=_("Town"), required=False, max_length=200)
    voivodeship = forms.ChoiceField(
        label=_("Voivodeship"),
        required=False,
        choices=[("", _("(from the town)")), *Voivodeship.choices],
    )
    latitude = forms.FloatField(
        label=_("Latitude"),
        required=False,
        min_value=-90,
        max_value=90,
        help_text=_("Optional: otherwise the centre of the town is used."),
    )
    longitude = forms.FloatField(
        label=_("Longitude"), required=False, min_value=-180, max_value=180
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for code in content_languages():
            self.fields[f"transportation_{code}"] = forms.CharField(
                label=_("Getting there (%(lang)s)") % {"lang": code.upper()},
                required=False,
                max_length=1000,
            )
            self.fields[f"accessibility_{code}"] = forms.CharField(
                label=_("Accessibility (%(lang)s)") % {"lang": code.upper()},
                required=False,
                max_length=1000,
            )

    def item(self) -> dict | None:
        data = self.cleaned_data
        if not data or data.get("DELETE"):
            return None
        item = {k: data.get(k) for k in ("name", "address_1", "postal_code", "city", "voivodeship")}
        if not any(item.values()):
            return None
        item["latitude"], item["longitude"] = data.get("latitude"), data.get("longitude")
        for key in ("transportation", "accessibility"):
            item[key] = {c: data.get(f"{key}_{c}", "") for c in content_languages()}
        return item

    @classmethod
    def initial_from(cls, location: dict) -> dict:
        initial = {
            k: location.get(k)
            for k in (
                "name",
                "address_1",
                "postal_code",
                "city",
                "voivodeship",
                "latitude",
                "longitude",
            )
        }
        for key in ("transportation", "accessibility"):
            for code, text in (location.get(key) or {}).items():
                initial[f"{key}_{code}"] = text
        return initial


PhoneFormSet = forms.formset_factory(PhoneForm, extra=2, max_num=10, can_delete=True)
LocationFormSet = forms.formset_factory(LocationForm, extra=1, max_num=30, can_delete=True)


class DecisionForm(forms.Form):
    note = forms.CharField(
        label=_("Note to the provider"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RejectForm(DecisionForm):
    note = forms.CharField(
        label=_("Why is it not approved?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("HSDS JSON file"),
        help_text=_("Tabular (one array per table) or an array of services; at most 20 MB."),
    )
    language = forms.ChoiceField(
        label=_("Language of the texts in the file"),
        choices=[("pl", _("Polish")), ("en", _("English"))],
    )
    dry_run = forms.BooleanField(label=_("Only check the file, import nothing"), required=False)


class ExportForm(forms.Form):
    shape = forms.ChoiceField(
        label=_("Shape"),
        choices=[
            ("tabular", _("Tabular: one array per HSDS table")),
            ("package", _("Package: an array of fully nested services")),
        ],
    )
    language = forms.ChoiceField(
        label=_("Language"), choices=[("pl", _("Polish")), ("en", _("English"))]
    )
