"""Forms of training, supervision and consultations (input parsing only; rules in services)."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ostoja.organisations.models import Organisation

from .models import ConsultationRequest, Course, Topic
from .services.training import COMPLETION_RULES, EDITABLE_FIELDS

WEEKDAYS = [
    _("Monday"),
    _("Tuesday"),
    _("Wednesday"),
    _("Thursday"),
    _("Friday"),
    _("Saturday"),
    _("Sunday"),
]


class DateInput(forms.DateInput):
    input_type = "date"


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"


def _users_flagged(flag: str):
    return get_user_model().objects.filter(**{f"practitioner__{flag}": True}, is_active=True)


class PractitionerForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address of the person (an account on the platform)"))
    is_trainer = forms.BooleanField(label=_("Trainer"), required=False)
    is_supervisor = forms.BooleanField(label=_("Supervisor"), required=False)
    is_expert = forms.BooleanField(label=_("Expert for consultations"), required=False)
    areas = forms.MultipleChoiceField(
        label=_("Areas of expertise"),
        choices=Topic.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    phone = forms.CharField(label=_("Phone for consultations"), max_length=40, required=False)
    video_link = forms.URLField(label=_("Video-call link"), required=False, assume_scheme="https")

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        user = get_user_model().objects.filter(email__iexact=email, is_active=True).first()
        if user is None:
            raise forms.ValidationError(_("There is no active account with this address."))
        self.user = user
        return email


class EditionForm(forms.Form):
    course = forms.ModelChoiceField(
        label=_("Course"),
        queryset=Course.objects.all(),
        required=False,
        empty_label=_("— a new course —"),
    )
    course_title = forms.CharField(
        label=_("Title of the new course"), max_length=200, required=False
    )
    course_description = forms.CharField(
        label=_("Description of the new course"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    certificate_valid_months = forms.IntegerField(
        label=_("Certificate valid for (months; empty: no expiry)"),
        required=False,
        min_value=1,
        max_value=240,
    )
    name = forms.CharField(
        label=_("Edition"), max_length=120, help_text=_("For example “Spring 2027”.")
    )
    starts_on = forms.DateField(label=_("Starts on"), widget=DateInput)
    ends_on = forms.DateField(label=_("Ends on"), widget=DateInput)
    capacity = forms.IntegerField(label=_("Places in the cohort"), min_value=1, max_value=10000)
    min_attendance_percent = forms.IntegerField(
        label=_("Attendance needed for completion (%)"), min_value=0, max_value=100, initial=80
    )
    requires_assessment = forms.BooleanField(
        label=_("A passed final assessment is needed"), required=False, initial=True
    )
    offer_hours = forms.IntegerField(
        label=_("Hours to take a place offered from the waiting list"),
        min_value=1,
        max_value=24 * 30,
        initial=48,
        help_text=_("When a place frees, the next person waiting has this long to take it."),
    )
    trainers = forms.ModelMultipleChoiceField(
        label=_("Trainers"),
        queryset=_users_flagged("is_trainer"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["trainers"].queryset = _users_flagged("is_trainer")


class EditionEditForm(EditionForm):
    """The edition's own fields (the course's title, description and certificate validity
    belong to the course). ``version`` is the edition's version when the form was loaded."""

    course = None
    course_title = None
    course_description = None
    certificate_valid_months = None
    version = forms.IntegerField(widget=forms.HiddenInput)
    # Set when the page showed the completion rules as editable: a save from such a page
    # carries them to the service, which refuses a change if they were settled meanwhile.
    rules_editable = forms.BooleanField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, edition, rules_settled=False, **kwargs):
        # Also when bound: a disabled field takes its value from here.
        kwargs.setdefault(
            "initial",
            {
                **{field: getattr(edition, field) for field in EDITABLE_FIELDS},
                "trainers": list(edition.trainers.values_list("pk", flat=True)),
                "version": edition.version,
                "rules_editable": not rules_settled,
            },
        )
        super().__init__(*args, **kwargs)
        # The edition's current trainers stay listed even if no longer flagged, so that saving
        # never drops one silently (the service then says why they cannot stay).
        self.fields["trainers"].queryset = get_user_model().objects.filter(
            Q(pk__in=_users_flagged("is_trainer").values("pk"))
            | Q(pk__in=edition.trainers.values("pk"))
        )
        loaded_editable = self.is_bound and self.data.get("rules_editable") == "True"
        if rules_settled and not loaded_editable:
            # People were judged against these rules: shown, not editable.
            for field in COMPLETION_RULES:
                self.fields[field].disabled = True


class SessionForm(forms.Form):
    module_title = forms.CharField(label=_("Module"), max_length=200, required=False)
    title = forms.CharField(label=pgettext_lazy("training", "Session"), max_length=200)
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=DateTimeInput)
    ends_at = forms.DateTimeField(label=_("Ends at"), widget=DateTimeInput)
    place = forms.CharField(label=_("Place or link"), max_length=300, required=False)


class GroupForm(forms.Form):
    title = forms.CharField(label=_("Group"), max_length=200)
    supervisor = forms.ModelChoiceField(
        label=_("Supervisor"), queryset=_users_flagged("is_supervisor")
    )
    max_size = forms.IntegerField(label=_("Maximum size"), min_value=1, max_value=100, initial=10)
    first_meeting = forms.DateTimeField(label=_("First meeting"), widget=DateTimeInput)
    every_weeks = forms.IntegerField(label=_("Every … weeks"), min_value=1, max_value=52, initial=4)
    meetings_count = forms.IntegerField(
        label=_("Number of meetings"), min_value=1, max_value=52, initial=6
    )
    duration_minutes = forms.IntegerField(
        label=_("Length (minutes)"), min_value=15, max_value=600, initial=120
    )
    place = forms.CharField(label=_("Place or link"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supervisor"].queryset = _users_flagged("is_supervisor")


class ChildDataConfirmMixin(forms.Form):
    confirm_child_data = forms.BooleanField(
        label=_("I have checked: this text does not identify a child."), required=False
    )


class NoteForm(ChildDataConfirmMixin):
    text = forms.CharField(
        label=_("Your note (only you will ever read it)"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=20000,
    )
    field_order = ["text", "confirm_child_data"]


class ConsultationForm(ChildDataConfirmMixin):
    organisation = forms.ModelChoiceField(
        label=_("On behalf of"), queryset=Organisation.objects.none()
    )
    topic = forms.ChoiceField(label=pgettext_lazy("expertise", "Topic"), choices=Topic.choices)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=ConsultationRequest.Urgency.choices)
    channel = forms.ChoiceField(
        label=_("How"), choices=ConsultationRequest.Channel.choices, widget=forms.RadioSelect
    )
    subject = forms.CharField(
        label=_("Subject of the question"),
        max_length=200,
        help_text=_("Describe the question, never the child: no names, dates of birth or PESEL."),
    )
    message = forms.CharField(
        label=_("Your question (for a written consultation)"),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        max_length=10000,
    )
    field_order = [
        "organisation",
        "topic",
        "urgency",
        "channel",
        "subject",
        "message",
        "confirm_child_data",
    ]

    def __init__(self, *args, organisations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        if organisations is not None and organisations.count() == 1:
            self.fields["organisation"].initial = organisations.first()


class ReplyForm(ChildDataConfirmMixin):
    body = forms.CharField(
        label=_("Message"), widget=forms.Textarea(attrs={"rows": 5}), max_length=10000
    )
    field_order = ["body", "confirm_child_data"]


class AvailabilityForm(forms.Form):
    """One weekly window per weekday (empty: not available that day)."""

    slot_minutes = forms.IntegerField(
        label=_("Consultation length (minutes)"), min_value=15, max_value=240, initial=45
    )
    buffer_minutes = forms.IntegerField(
        label=_("Break after each (minutes)"), min_value=0, max_value=120, initial=15
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for n, name in enumerate(WEEKDAYS):
            self.fields[f"start_{n}"] = forms.TimeField(
                label=_("%(day)s from") % {"day": name}, required=False, widget=TimeInput
            )
            self.fields[f"end_{n}"] = forms.TimeField(
                label=_("%(day)s until") % {"day": name}, required=False, widget=TimeInput
            )

    def rows(self):
        return [(WEEKDAYS[n], self[f"start_{n}"], self[f"end_{n}"]) for n in range(7)]

    def clean(self):
        data = super().clean()
        rules = []
        for n in range(7):
            start, end = data.get(f"start_{n}"), data.get(f"end_{n}")
            if bool(start) != bool(end):
                self.add_error(f"end_{n}", _("Give both the start and the end, or neither."))
            elif start and end:
                if end <= start:
                    self.add_error(f"end_{n}", _("A window ends after it starts."))
                rules.append({"weekday": n, "start_time": start, "end_time": end})
        for r in rules:
            r["slot_minutes"] = data.get("slot_minutes") or 45
            r["buffer_minutes"] = data.get("buffer_minutes") or 0
        data["rules"] = rules
        return data
