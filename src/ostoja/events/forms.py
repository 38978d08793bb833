from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ostoja.core.concurrency import DATETIME_FORMAT, VersionedForm

from .models import EventKind, QuestionKind, SessionKind, Visibility
from .services.editing import EVENT_FIELDS as EDIT_EVENT_FIELDS


class RegistrationForm(forms.Form):
    name = forms.CharField(label=_("Full name"), max_length=200)
    email = forms.EmailField(label=_("E-mail"), max_length=254)
    organisation_name = forms.CharField(
        label=_("Organisation or institution"), max_length=200, required=False
    )
    category = forms.ChoiceField(label=_("Ticket category"))

    def __init__(self, *args, event, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.event = event
        self.fields["category"].choices = [
            (
                str(c.pk),
                f"{c.name} — "
                + (_("seats left: %(n)d") % {"n": c.free} if c.free else str(_("waiting list"))),
            )
            for c in categories
        ]
        for question in event.questions.all():
            label = question.label
            help_text = question.purpose
            if question.sensitive:
                help_text = _(
                    "%(purpose)s Only the organiser sees this answer; "
                    "it is deleted after the event."
                ) % {"purpose": question.purpose}
            key = f"q{question.pk}"
            if question.kind == QuestionKind.YES_NO:
                self.fields[key] = forms.ChoiceField(
                    label=label,
                    help_text=help_text,
                    required=question.required,
                    choices=[("", "—"), ("yes", _("yes")), ("no", _("no"))],
                )
            elif question.kind == QuestionKind.CHOICE:
                self.fields[key] = forms.ChoiceField(
                    label=label,
                    help_text=help_text,
                    required=question.required,
                    choices=[("", "—")] + [(o, o) for o in question.options],
                )
            else:
                self.fields[key] = forms.CharField(
                    label=label,
                    help_text=help_text,
                    required=question.required,
                    max_length=2000,
                    widget=forms.Textarea(attrs={"rows": 2}),
                )
        workshops = [
            s
            for day in event.days.all()
            for s in day.sessions.all()
            if s.kind == SessionKind.WORKSHOP
        ]
        if workshops:
            self.fields["workshops"] = forms.MultipleChoiceField(
                label=_("Workshops"),
                required=False,
                widget=forms.CheckboxSelectMultiple,
                help_text=_("Workshops at the same time exclude each other."),
                choices=[
                    (
                        str(s.pk),
                        f"{timezone.localtime(s.starts_at):%d.%m %H:%M} · {s.title} ("
                        + (
                            _("seats left: %(n)d") % {"n": max(0, s.capacity - s.taken)}
                            if s.capacity - s.taken > 0
                            else str(_("waiting list"))
                        )
                        + ")",
                    )
                    for s in workshops
                ],
            )

    def answers(self) -> dict:
        return {
            int(k[1:]): v
            for k, v in self.cleaned_data.items()
            if k.startswith("q") and k[1:].isdigit()
        }


class EventForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=EventKind.choices)
    organiser = forms.ChoiceField(label=_("Organising organisation"))
    starts_at = forms.DateTimeField(
        label=_("Starts"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    ends_at = forms.DateTimeField(
        label=_("Ends"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    venue = forms.CharField(label=_("Venue"), max_length=300, required=False)
    online_url = forms.URLField(
        label=_("Online link"), max_length=500, required=False, assume_scheme="https"
    )
    visibility = forms.ChoiceField(label=_("Who may see and register"), choices=Visibility.choices)
    description = forms.CharField(
        label=_("Description (Markdown)"), required=False, widget=forms.Textarea, max_length=20000
    )
    seats = forms.IntegerField(
        label=_("Seats (one ticket category; add more later)"), min_value=1, max_value=100000
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organiser"].choices = [(str(o.pk), o.name) for o in organisations]


class MessageForm(forms.Form):
    status = forms.ChoiceField(label=_("To participants who are"))
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(label=_("Message"), widget=forms.Textarea, max_length=20000)

    def __init__(self, *args, **kwargs):
        from .queries import STATUS_FILTERS

        super().__init__(*args, **kwargs)
        self.fields["status"].choices = list(STATUS_FILTERS.items())


class MoveForm(forms.Form):
    registration = forms.IntegerField(widget=forms.HiddenInput)
    new_rank = forms.IntegerField(label=_("New place"), min_value=1)
    reason = forms.CharField(label=_("Reason (kept in the log)"), max_length=1000)


# --- the organiser's edit forms (see concurrency.py for the version and snapshot) ------------


def _when(label):
    return forms.DateTimeField(
        label=label,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
    )


class _EventsVersionedForm(VersionedForm):
    SNAPSHOT_SALT = "ostoja.events.edit-snapshot"


class EventEditForm(_EventsVersionedForm):
    TRACKED = EDIT_EVENT_FIELDS

    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=EventKind.choices)
    starts_at = _when(_("Starts"))
    ends_at = _when(_("Ends"))
    venue = forms.CharField(label=_("Venue"), max_length=300, required=False)
    online_url = forms.URLField(
        label=_("Online link"), max_length=500, required=False, assume_scheme="https"
    )
    visibility = forms.ChoiceField(label=_("Who may see and register"), choices=Visibility.choices)
    description = forms.CharField(
        label=_("Description (Markdown)"), required=False, widget=forms.Textarea, max_length=20000
    )
    registration_open = forms.BooleanField(label=_("Registration open"), required=False)
    offer_hours = forms.IntegerField(
        label=_("Hours to accept a waiting-list offer"), min_value=1, max_value=24 * 30
    )

    def service_fields(self) -> dict:
        return {f: self.cleaned_data[f] for f in self.TRACKED}


class SessionForm(_EventsVersionedForm):
    TRACKED = (
        "title",
        "kind",
        "starts_at",
        "ends_at",
        "room",
        "capacity",
        "hours",
        "speakers",
    )

    title = forms.CharField(label=_("Title"), max_length=300)
    kind = forms.ChoiceField(label=_("Kind"), choices=SessionKind.choices)
    starts_at = _when(_("Starts"))
    ends_at = _when(_("Ends"))
    room = forms.CharField(label=_("Room"), max_length=120, required=False)
    capacity = forms.IntegerField(
        label=_("Capacity (workshops)"),
        min_value=1,
        max_value=100000,
        required=False,
        help_text=_("Each workshop has its own number of seats and its own waiting list."),
    )
    hours = forms.DecimalField(
        label=_("Hours counted on certificates"),
        min_value=0,
        max_value=24,
        max_digits=4,
        decimal_places=1,
        initial=0,
    )
    speakers = forms.ModelMultipleChoiceField(
        label=_("Speakers"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, event, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["speakers"].queryset = event.speakers.all()

    def service_fields(self) -> dict:
        data = {f: self.cleaned_data[f] for f in self.TRACKED}
        data["speakers"] = list(data["speakers"])
        return data


class SpeakerForm(forms.Form):
    name = forms.CharField(label=_("Speaker's name"), max_length=200)
    affiliation = forms.CharField(label=_("Affiliation"), max_length=200, required=False)
    country = forms.CharField(label=_("Country (two letters)"), max_length=2, initial="PL")


class CategoryForm(_EventsVersionedForm):
    TRACKED = ("name", "quota", "per_organisation_limit", "requires_approval", "members_only")

    name = forms.CharField(label=_("Name"), max_length=120)
    quota = forms.IntegerField(label=_("Seats"), min_value=1, max_value=100000)
    per_organisation_limit = forms.IntegerField(
        label=_("Seats per organisation (optional)"),
        min_value=1,
        max_value=100000,
        required=False,
    )
    requires_approval = forms.BooleanField(
        label=_("The organiser approves each registration"), required=False
    )
    members_only = forms.BooleanField(label=_("For partnership members only"), required=False)

    def service_fields(self) -> dict:
        return {f: self.cleaned_data[f] for f in self.TRACKED}


class QuestionForm(forms.Form):
    label = forms.CharField(label=_("Question"), max_length=300)
    kind = forms.ChoiceField(label=_("Kind of answer"), choices=QuestionKind.choices)
    options = forms.CharField(
        label=_("Options (one per line, for “one of the options”)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    required = forms.BooleanField(label=_("An answer is required"), required=False)
    purpose = forms.CharField(
        label=_("Why we ask (shown to the person registering)"), max_length=300, required=False
    )
    sensitive = forms.BooleanField(
        label=_("Accessibility or dietary (organiser only, deleted after the event)"),
        required=False,
    )

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data["options"] = [line for line in data["options"].splitlines() if line.strip()]
        return data


class StaffForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address of their account"), max_length=254)
