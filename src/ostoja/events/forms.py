from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import EventKind, QuestionKind, SessionKind, Visibility


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
