from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from ostoja.organisations.models import Organisation

from .models import AnswerStatus, Measure, Pillar, PlanItem, SignatoryKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class SignForm(forms.Form):
    teryt_code = forms.CharField(widget=forms.HiddenInput, required=False, max_length=7)
    # Only asked for authorities abroad (a Polish one comes from the register).
    country = forms.CharField(
        label=_("Country (two-letter code)"), max_length=2, initial="PL", required=False
    )
    name = forms.CharField(label=_("Name of the town or region"), max_length=200, required=False)
    foreign_kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[
            ("", "—"),
            (SignatoryKind.FOREIGN_TOWN, SignatoryKind.FOREIGN_TOWN.label),
            (SignatoryKind.FOREIGN_REGION, SignatoryKind.FOREIGN_REGION.label),
        ],
    )
    organisation = forms.ModelChoiceField(
        label=_("Organisation on the platform"),
        queryset=Organisation.objects.none(),
        required=False,
        help_text=_("The authority's account on Ostoja; its officers will manage the Pact."),
    )
    signed_by_name = forms.CharField(label=_("Signed by (name)"), max_length=150)
    signed_by_function = forms.CharField(
        label=_("Function"), max_length=150, help_text=_("e.g. mayor, starost, marshal")
    )
    signed_on = forms.DateField(label=_("Date signed"), widget=DATE)
    resolution_url = forms.URLField(
        label=_("Council resolution (link)"), required=False, assume_scheme="https"
    )
    resolution_file = forms.FileField(
        label=_("or the resolution as PDF (max. 10 MB)"), required=False
    )
    contact_name = forms.CharField(label=_("Contact person"), max_length=150)
    contact_email = forms.EmailField(label=_("Contact e-mail"))

    def __init__(self, *args, organisations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations or Organisation.objects.none()


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("verify", _("Verify")), ("reject", _("Reject"))])
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)


class ReviewerForm(forms.Form):
    reviewer = forms.ModelChoiceField(
        label=_("Reviewer"),
        queryset=get_user_model().objects.filter(is_active=True),
        required=False,
    )


class LeaveForm(forms.Form):
    left_on = forms.DateField(label=_("Left on"), widget=DATE)
    reason = forms.CharField(label=_("Reason"), max_length=500)


class AnswerForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=AnswerStatus.choices)
    explanation = forms.CharField(
        label=_("Explanation"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=5000,
    )
    evidence_url = forms.URLField(label=_("Evidence (link)"), required=False, assume_scheme="https")
    evidence_note = forms.CharField(
        label=_("Evidence (description)"), required=False, max_length=500
    )
    evidence_valid_until = forms.DateField(
        label=_("Evidence valid until"), required=False, widget=DATE
    )
    evidence_public = forms.BooleanField(
        label=_("Evidence may be shown publicly"), required=False, initial=True
    )


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}), max_length=3000
    )
    requests_evidence = forms.BooleanField(label=_("Ask for evidence"), required=False)


class PlanItemForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    measure = forms.ModelChoiceField(
        label=_("Measure of the catalogue"),
        required=False,
        queryset=Measure.objects.filter(retired_in__isnull=True),
    )
    parent = forms.ModelChoiceField(
        label=_("Part of"), required=False, queryset=PlanItem.objects.none()
    )
    responsible_unit = forms.CharField(label=_("Responsible unit"), max_length=200)
    partners = forms.CharField(
        label=_("Partners"),
        max_length=500,
        required=False,
        help_text=_("Member organisations of the network, services"),
    )
    budget_pln = forms.DecimalField(
        label=_("Budget (PLN)"), required=False, min_value=0, max_digits=12, decimal_places=2
    )
    indicator = forms.CharField(label=_("Indicator"), max_length=300, required=False)
    progress = forms.IntegerField(label=_("Progress (%)"), min_value=0, max_value=100, initial=0)
    children_participation = forms.CharField(
        label=_("How children took part"),
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    starts_on = forms.DateField(label=_("Start"), widget=DATE)
    ends_on = forms.DateField(label=_("End"), widget=DATE)

    def __init__(self, *args, signatory=None, **kwargs):
        super().__init__(*args, **kwargs)
        if signatory is not None:
            self.fields["parent"].queryset = signatory.plan_items.filter(parent__isnull=True)


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("Milestone"), max_length=200)
    due_on = forms.DateField(label=_("Deadline"), widget=DATE)


class MilestoneDoneForm(forms.Form):
    milestone = forms.IntegerField(widget=forms.HiddenInput)
    done_on = forms.DateField(label=_("Done on"), widget=DATE)


class LinksForm(forms.Form):
    partner_organisations = forms.ModelMultipleChoiceField(
        label=_("Member organisations of the network in this voivodeship"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    services = forms.ModelMultipleChoiceField(
        label=_("Services of the directory in this area"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, signatory, **kwargs):
        from . import links

        super().__init__(*args, **kwargs)
        self.fields["partner_organisations"].queryset = links.partner_choices(signatory)
        self.fields["services"].queryset = links.service_choices(signatory)


class UnitsForm(forms.Form):
    units = forms.ModelMultipleChoiceField(
        label=_("The authority's own units on the platform"),
        queryset=None,
        required=False,
        help_text=_(
            "Schools, social services, cultural centres: their child-protection standards "
            "appear on the authority's public page."
        ),
    )

    def __init__(self, *args, signatory, **kwargs):
        from . import links

        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = links.unit_choices(signatory)


class ReviewReportForm(forms.Form):
    period_start = forms.DateField(label=_("From"), widget=DATE)
    period_end = forms.DateField(label=_("To"), widget=DATE)
    report = forms.CharField(
        label=_("Report (Markdown)"),
        widget=forms.Textarea(attrs={"rows": 10}),
        max_length=20000,
        help_text=_(
            "What was done in the two years, what was not and why, what comes next. "
            "The signed-off report is public."
        ),
    )


class SignOffForm(forms.Form):
    signed_off_by_name = forms.CharField(
        label=_("Signed off by (name and function)"), max_length=150
    )


class MeasureForm(forms.Form):
    """A measure of the catalogue in both languages (the service checks the wording)."""

    code = forms.CharField(
        label=_("Code"), max_length=12, help_text=_("Letters, a hyphen and a number, e.g. PRE-12.")
    )
    pillar = forms.ChoiceField(label=_("P"), choices=Pillar.choices)
    title_pl = forms.CharField(label=_("Title (Polish)"), max_length=300)
    title_en = forms.CharField(label=_("Title (English)"), max_length=300)
    description_pl = forms.CharField(
        label=_("Description (Polish)"), max_length=3000, widget=forms.Textarea(attrs={"rows": 4})
    )
    description_en = forms.CharField(
        label=_("Description (English)"), max_length=3000, widget=forms.Textarea(attrs={"rows": 4})
    )
    good_practice_pl = forms.CharField(
        label=_("Good practice (Polish)"),
        max_length=3000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    good_practice_en = forms.CharField(
        label=_("Good practice (English)"),
        max_length=3000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    lanzarote = forms.CharField(
        label=_("Lanzarote Convention articles"),
        max_length=200,
        required=False,
        help_text=_("Numbers separated by spaces or commas, e.g. 5 6 12"),
    )
    legal_duties_pl = forms.CharField(
        label=_("Polish legal duties (Polish, one a line)"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    legal_duties_en = forms.CharField(
        label=_("Polish legal duties (English, one a line, in the same order)"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    source = forms.CharField(label=_("Source"), max_length=300)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:  # the code is the measure's identity: answers and plans refer to it
            del self.fields["code"]
        for name, field in self.fields.items():
            # Each text in its own language (screen readers, spelling checkers).
            if name.endswith(("_pl", "_en")):
                field.widget.attrs["lang"] = name[-2:]

    @staticmethod
    def initial_for(measure: Measure) -> dict:
        duties = measure.legal_duties or []
        return {
            "code": measure.code,
            "pillar": measure.pillar,
            **{
                f"{k}_{lang}": (getattr(measure, k) or {}).get(lang, "")
                for k in ("title", "description", "good_practice")
                for lang in ("pl", "en")
            },
            "lanzarote": " ".join(measure.lanzarote),
            "legal_duties_pl": "\n".join(d.get("pl", "") for d in duties),
            "legal_duties_en": "\n".join(d.get("en", "") for d in duties),
            "source": measure.source,
        }

    def wording(self) -> dict:
        """The cleaned data as the curation services take it."""
        d = self.cleaned_data
        pl = [line.strip() for line in d["legal_duties_pl"].splitlines() if line.strip()]
        en = [line.strip() for line in d["legal_duties_en"].splitlines() if line.strip()]
        duties = [
            {"pl": pl[n] if n < len(pl) else "", "en": en[n] if n < len(en) else ""}
            for n in range(max(len(pl), len(en)))
        ]
        return {
            "pillar": d["pillar"],
            **{
                k: {"pl": d[f"{k}_pl"], "en": d[f"{k}_en"]}
                for k in ("title", "description", "good_practice")
            },
            "lanzarote": [a for a in d["lanzarote"].replace(",", " ").split() if a],
            "legal_duties": duties,
            "source": d["source"],
        }
