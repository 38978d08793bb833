"""Forms of the people pages. Rules (who may grant what) live in permissions/services."""

from __future__ import annotations

from allauth.account.forms import SetPasswordForm
from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ostoja.organisations.roles import Role

from . import permissions


class RoleField(forms.CharField):
    """A role picked from the roles the user may grant; anything else gets a clear error
    (a hand-made request can send any value)."""

    def __init__(self, *, choices, **kwargs):
        super().__init__(widget=forms.Select(choices=choices), max_length=64, **kwargs)

    def validate(self, value):
        super().validate(value)
        if value not in Role.values:
            raise forms.ValidationError(_("There is no such role."), code="unknown_role")


def _role_choices(user, organisation):
    allowed = permissions.grantable_roles(user, organisation)
    return [(value, label) for value, label in Role.choices if value in allowed]


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    role = RoleField(label=_("Role"), choices=())
    language = forms.ChoiceField(label=_("Language of the invitation"), choices=settings.LANGUAGES)

    def __init__(self, *args, user, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        # No role is preselected: a slip of the hand must not invite a coordinator.
        self.fields["role"].widget.choices = [("", _("— choose a role —"))] + _role_choices(
            user, organisation
        )
        self.fields["language"].initial = organisation.language or "pl"


class ChangeRoleForm(forms.Form):
    role = RoleField(label=_("New role"), choices=())

    def __init__(self, *args, user, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].widget.choices = _role_choices(user, organisation)


class PolicyForm(forms.Form):
    revoke_tokens_on_removal = forms.BooleanField(
        label=_("Revoke the API tokens a person issued when they leave or are deactivated"),
        required=False,
    )


class AcceptInvitationForm(SetPasswordForm):
    """A new account from an invitation: name, language and a password (allauth's password
    fields: the platform's password validators, typed twice)."""

    full_name = forms.CharField(label=_("Full name"), max_length=150, required=False)
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)

    field_order = ["full_name", "language", "password1", "password2"]

    def __init__(self, *args, invitation, **kwargs):
        # The validators compare the password with the address and name of the future user.
        user = get_user_model()(email=invitation.email)
        super().__init__(user, *args, **kwargs)
        self.fields["language"].initial = invitation.language

    def clean_full_name(self):
        name = self.cleaned_data["full_name"].strip()
        if any(ch in name for ch in "\x00\r\n"):
            raise forms.ValidationError(_("The name must be one line."))
        self.user.full_name = name
        return name


class PeopleFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    organisation = forms.ChoiceField(label=_("Organisation"), required=False)
    role = forms.ChoiceField(
        label=_("Role"), required=False, choices=[("", _("All roles")), *Role.choices]
    )
    active = forms.ChoiceField(
        label=_("Account"),
        required=False,
        choices=[("", _("All")), ("1", _("Active")), ("0", _("Deactivated"))],
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [("", _("All organisations"))] + [
            (org.slug, org.name) for org in organisations
        ]


class InvitationFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", pgettext_lazy("invitations", "Pending")),
            ("expired", _("Expired")),
            ("revoked", _("Revoked")),
            ("accepted", _("Accepted")),
            ("all", _("All")),
        ],
    )
