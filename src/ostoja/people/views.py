"""People pages: lists of people and invitations, a person's memberships, inviting, accepting.

Thin: parse input, check permission (``permissions``), call a service, render. Records of an
organisation the user does not manage are looked up through scoped querysets: a guessed id is
a 404, never another organisation's record.
"""

from __future__ import annotations

from urllib.parse import urlencode

from allauth.account.utils import perform_login
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ostoja.core.permissions import permission_required
from ostoja.organisations.models import Membership, Organisation

from . import permissions, services
from .forms import (
    AcceptInvitationForm,
    ChangeRoleForm,
    InvitationFilterForm,
    InviteForm,
    PeopleFilterForm,
    PolicyForm,
)
from .models import Invitation

PAGE_SIZE = 50
people_pages = permission_required(permissions.can_use_people_pages)


def _managed_org(request, slug) -> Organisation:
    return get_object_or_404(permissions.managed_organisations(request.user), slug=slug)


def _visible_people(user):
    """People the user may see: everyone for coordinators, else members of managed orgs."""
    User = get_user_model()
    if permissions.can_deactivate_accounts(user):  # coordinators
        return User.objects.all()
    return User.objects.filter(
        memberships__organisation__in=permissions.managed_organisations(user)
    ).distinct()


def _visible_memberships(user):
    return Membership.objects.filter(
        organisation__in=permissions.managed_organisations(user)
    ).select_related("organisation", "user")


def _page(request, qs):
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


def _query_without_page(request) -> str:
    return urlencode([(k, v) for k, v in request.GET.items() if k != "page"])


# --- lists ----------------------------------------------------------------------------------


@require_GET
@people_pages
def people_list(request):
    orgs = permissions.managed_organisations(request.user).order_by("name")
    form = PeopleFilterForm(request.GET or None, organisations=orgs)
    visible_memberships = _visible_memberships(request.user).order_by("organisation__name")
    qs = _visible_people(request.user).prefetch_related(
        Prefetch("memberships", queryset=visible_memberships, to_attr="visible_memberships")
    )
    status = 200
    if form.is_bound and not form.is_valid():
        status = 400
        qs = qs.none()
    elif form.is_bound:
        data = form.cleaned_data
        if data["q"]:
            qs = qs.filter(Q(email__icontains=data["q"]) | Q(full_name__icontains=data["q"]))
        # Organisation and role filter the same membership (a manager of A and a member of B
        # is not "a manager of B").
        membership_filter = {}
        if data["organisation"]:
            membership_filter["memberships__organisation__slug"] = data["organisation"]
        if data["role"]:
            membership_filter["memberships__role"] = data["role"]
        if membership_filter:
            qs = qs.filter(**membership_filter)
        if data["active"]:
            qs = qs.filter(is_active=data["active"] == "1")
    return render(
        request,
        "people/list.html",
        {
            "form": form,
            "page": _page(request, qs.distinct().order_by("email")),
            "query": _query_without_page(request),
            "can_deactivate": permissions.can_deactivate_accounts(request.user),
        },
        status=status,
    )


@require_GET
@people_pages
def invitation_list(request):
    form = InvitationFilterForm(request.GET or None)
    qs = Invitation.objects.filter(
        organisation__in=permissions.managed_organisations(request.user)
    ).select_related("organisation", "invited_by")
    status = form.cleaned_data["status"] if form.is_valid() else ""
    if status == "":
        qs = qs.pending()
    elif status == "expired":
        from django.utils import timezone

        qs = qs.open().filter(expires_at__lte=timezone.now())
    elif status == "revoked":
        qs = qs.filter(revoked_at__isnull=False)
    elif status == "accepted":
        qs = qs.filter(accepted_at__isnull=False)
    return render(
        request,
        "people/invitations.html",
        {"form": form, "page": _page(request, qs), "query": _query_without_page(request)},
    )


# --- one organisation -----------------------------------------------------------------------


def _organisation_page(request, org, *, invite_form=None, policy_form=None, status=200):
    policy = services.policy_for(org)
    return render(
        request,
        "people/organisation.html",
        {
            "organisation": org,
            "memberships": org.memberships.select_related("user").order_by("user__email"),
            "invitations": org.invitations.pending().select_related("invited_by"),
            "invite_form": invite_form or InviteForm(user=request.user, organisation=org),
            "policy_form": policy_form
            or PolicyForm(initial={"revoke_tokens_on_removal": policy.revoke_tokens_on_removal}),
            "grantable": permissions.grantable_roles(request.user, org),
        },
        status=status,
    )


@require_GET
@people_pages
def organisation_people(request, slug):
    return _organisation_page(request, _managed_org(request, slug))


@require_http_methods(["GET", "POST"])
@people_pages
def invite(request, slug):
    org = _managed_org(request, slug)  # another organisation: 404
    form = InviteForm(request.POST or None, user=request.user, organisation=org)
    if request.method == "POST":
        if not form.is_valid():
            return _organisation_page(request, org, invite_form=form, status=422)
        try:
            invitation, _token = services.invite(
                actor=request.user,
                organisation=org,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                language=form.cleaned_data["language"],
            )
        except services.PeopleError as exc:
            form.add_error("role" if exc.code.startswith("role") else None, exc.message)
            return _organisation_page(request, org, invite_form=form, status=exc.status)
        messages.success(
            request,
            _("The invitation was sent to %(email)s. The link works for 7 days.")
            % {"email": invitation.email},
        )
        return redirect("people:organisation", slug=org.slug)
    return _organisation_page(request, org, invite_form=form)


@require_POST
@people_pages
def policy(request, slug):
    org = _managed_org(request, slug)
    form = PolicyForm(request.POST)
    form.is_valid()  # a checkbox: always valid
    services.set_policy(
        actor=request.user,
        organisation=org,
        revoke_tokens_on_removal=form.cleaned_data["revoke_tokens_on_removal"],
    )
    messages.success(request, _("The setting was saved."))
    return redirect("people:organisation", slug=org.slug)


def _scoped_invitation(request, pk) -> Invitation:
    return get_object_or_404(
        Invitation.objects.filter(
            organisation__in=permissions.managed_organisations(request.user)
        ).select_related("organisation"),
        pk=pk,
    )


def _back(request, fallback):
    target = request.POST.get("next", "")
    if target in ("invitations",):
        return redirect("people:invitations")
    return redirect(fallback)


@require_POST
@people_pages
def invitation_resend(request, pk):
    invitation = _scoped_invitation(request, pk)
    try:
        services.resend_invitation(actor=request.user, invitation=invitation)
    except services.PeopleError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("A new link was sent to %(email)s; the old one no longer works.")
            % {"email": invitation.email},
        )
    return _back(request, reverse("people:organisation", args=[invitation.organisation.slug]))


@require_POST
@people_pages
def invitation_revoke(request, pk):
    invitation = _scoped_invitation(request, pk)
    try:
        services.revoke_invitation(actor=request.user, invitation=invitation)
    except services.PeopleError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("The invitation to %(email)s was revoked.") % {"email": invitation.email},
        )
    return _back(request, reverse("people:organisation", args=[invitation.organisation.slug]))


# --- one person -----------------------------------------------------------------------------


def _person_page(request, person, *, error=None, status=200):
    memberships = (
        _visible_memberships(request.user)
        .filter(user=person)
        .order_by("organisation__name", "role")
    )
    rows = [
        {
            "membership": m,
            "can_change": permissions.can_change_membership(request.user, m),
            "form": ChangeRoleForm(
                user=request.user, organisation=m.organisation, initial={"role": m.role}
            ),
        }
        for m in memberships
    ]
    return render(
        request,
        "people/person.html",
        {
            "person": person,
            "rows": rows,
            "error": error,
            "can_deactivate": permissions.can_deactivate_accounts(request.user),
        },
        status=status,
    )


@require_GET
@people_pages
def person_detail(request, pk):
    person = get_object_or_404(_visible_people(request.user), pk=pk)
    return _person_page(request, person)


def _scoped_membership(request, pk) -> Membership:
    return get_object_or_404(_visible_memberships(request.user), pk=pk)


@require_POST
@people_pages
def membership_role(request, pk):
    membership = _scoped_membership(request, pk)
    person = membership.user
    form = ChangeRoleForm(request.POST, user=request.user, organisation=membership.organisation)
    if not form.is_valid():
        return _person_page(request, person, error=form.errors["role"][0], status=422)
    try:
        services.change_role(
            actor=request.user, membership=membership, role=form.cleaned_data["role"]
        )
    except services.PeopleError as exc:
        return _person_page(request, person, error=exc.message, status=exc.status)
    messages.success(request, _("The role was changed."))
    return redirect("people:person", pk=person.pk)


@require_POST
@people_pages
def membership_remove(request, pk):
    membership = _scoped_membership(request, pk)
    person, org = membership.user, membership.organisation
    try:
        result = services.remove_member(actor=request.user, membership=membership)
    except services.PeopleError as exc:
        return _person_page(request, person, error=exc.message, status=exc.status)
    text = _("%(name)s was removed from %(organisation)s; their sessions have ended.") % {
        "name": person.get_full_name(),
        "organisation": org.name,
    }
    if result.tokens_revoked:
        text += " " + _("API tokens revoked: %(count)d.") % {"count": result.tokens_revoked}
    messages.success(request, text)
    if person == request.user:
        return redirect("account_login")
    if _visible_people(request.user).filter(pk=person.pk).exists():
        return redirect("people:person", pk=person.pk)
    return redirect("people:organisation", slug=org.slug)


@require_POST
@permission_required(permissions.can_deactivate_accounts)
def deactivate(request, pk):
    person = get_object_or_404(get_user_model(), pk=pk)
    try:
        result = services.deactivate_user(actor=request.user, user=person)
    except services.PeopleError as exc:
        return _person_page(request, person, error=exc.message, status=exc.status)
    text = _("The account of %(name)s was deactivated; their sessions have ended.") % {
        "name": person.get_full_name()
    }
    if result.tokens_revoked:
        text += " " + _("API tokens revoked: %(count)d.") % {"count": result.tokens_revoked}
    messages.success(request, text)
    if person == request.user:
        return redirect("account_login")
    return redirect("people:person", pk=person.pk)


@require_POST
@permission_required(permissions.can_deactivate_accounts)
def reactivate(request, pk):
    person = get_object_or_404(get_user_model(), pk=pk)
    services.reactivate_user(actor=request.user, user=person)
    messages.success(request, _("The account was reactivated."))
    return redirect("people:person", pk=person.pk)


# --- accepting an invitation (the link from the e-mail) -------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def accept(request, token):
    invitation = services.find_invitation(token)
    if invitation is None:
        return render(
            request,
            "people/accept_invalid.html",
            {"message": _("This invitation link is not valid.")},
            status=404,
        )
    try:
        services.check_usable(invitation)
    except services.InvitationUnusable as exc:
        return render(
            request, "people/accept_invalid.html", {"message": exc.message}, status=exc.status
        )
    User = get_user_model()
    account_exists = User.objects.filter(email__iexact=invitation.email).exists()
    user = request.user
    context = {"invitation": invitation, "account_exists": account_exists}
    if user.is_authenticated and user.email.lower() != invitation.email:
        # Signed in as someone else: never attach the organisation to the wrong account.
        return render(request, "people/accept_other_account.html", context, status=403)
    if account_exists:
        if not user.is_authenticated:
            login_url = f"{reverse('account_login')}?{urlencode({'next': request.path})}"
            return render(
                request, "people/accept_sign_in.html", {**context, "login_url": login_url}
            )
        if request.method == "POST":
            try:
                services.accept_with_existing_account(token=token, user=user)
            except services.PeopleError as exc:
                return render(
                    request,
                    "people/accept_invalid.html",
                    {"message": exc.message},
                    status=exc.status,
                )
            messages.success(
                request,
                _("You are now a member of %(organisation)s.")
                % {"organisation": invitation.organisation.name},
            )
            return redirect("dashboard")
        return render(request, "people/accept_existing.html", context)
    form = AcceptInvitationForm(request.POST or None, invitation=invitation)
    if request.method == "POST" and form.is_valid():
        try:
            new_user = services.accept_with_new_account(
                token=token,
                password=form.cleaned_data["password1"],
                full_name=form.cleaned_data["full_name"],
                language=form.cleaned_data["language"],
            )
        except services.PeopleError as exc:
            return render(
                request,
                "people/accept_invalid.html",
                {"message": exc.message},
                status=exc.status,
            )
        messages.success(
            request,
            _("Welcome! Your account was created and you are a member of %(organisation)s.")
            % {"organisation": invitation.organisation.name},
        )
        # Sign in through allauth (its signals, session records and MFA stages apply).
        return perform_login(request, new_user, redirect_url=reverse("dashboard"))
    return render(
        request,
        "people/accept_new.html",
        {**context, "form": form},
        status=422 if request.method == "POST" else 200,
    )
