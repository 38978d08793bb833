"""Forms of the forum pages (validation of shape only; the rules are in the services)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from . import permissions
from .models import Category, Digest, ForumGroup
from .services.posting import MAX_BODY, MAX_TITLE

BODY_HELP = _(
    "Markdown: **bold**, *italics*, > quote, - list, [link](https://…). Mention a member "
    "with @name. HTML is shown as text."
)


class ThreadForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=MAX_TITLE)
    body = forms.CharField(
        label=pgettext_lazy("post", "Text"),
        max_length=MAX_BODY,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=BODY_HELP,
    )
    confirm_child_data = forms.BooleanField(required=False, widget=forms.HiddenInput)


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your reply"),
        max_length=MAX_BODY,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=BODY_HELP,
    )
    confirm_child_data = forms.BooleanField(required=False, widget=forms.HiddenInput)
    quote_of = forms.IntegerField(required=False, widget=forms.HiddenInput)


class EditForm(forms.Form):
    body = forms.CharField(
        label=pgettext_lazy("post", "Text"),
        max_length=MAX_BODY,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=BODY_HELP,
    )
    confirm_child_data = forms.BooleanField(required=False, widget=forms.HiddenInput)


class ReportForm(forms.Form):
    reason = forms.CharField(
        label=_("What is wrong with this post?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class PreferencesForm(forms.Form):
    digest = forms.ChoiceField(
        label=_("Digest by e-mail when I have not visited"), choices=Digest.choices
    )
    email_notifications = forms.BooleanField(
        label=_("E-mail me about replies, new threads I follow and mentions"), required=False
    )


class GroupForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class MemberForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Person"), queryset=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = permissions.partnership_members()
        self.fields["user"].label_from_instance = lambda u: f"{u.full_name or u.email} <{u.email}>"


class CategoryForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    parent = forms.ModelChoiceField(
        label=_("Parent category"), queryset=Category.objects.all(), required=False
    )
    position = forms.IntegerField(label=_("Position"), min_value=0, initial=0)
    premoderated = forms.BooleanField(
        label=_("Pre-moderation: new posts appear after a moderator approves them"),
        required=False,
    )
    restricted_to = forms.ModelMultipleChoiceField(
        label=_("Visible only to these groups (none: every member)"),
        queryset=ForumGroup.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    moderator_groups = forms.ModelMultipleChoiceField(
        label=_("Moderator groups"),
        queryset=ForumGroup.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    moderator_users = forms.ModelMultipleChoiceField(
        label=_("Moderators"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["moderator_users"].queryset = permissions.partnership_members()
        self.fields["moderator_users"].label_from_instance = lambda u: u.full_name or u.email
