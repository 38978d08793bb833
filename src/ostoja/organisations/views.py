"""Organisation pages: list, detail with members, API tokens (coordinators manage them)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ostoja.core.permissions import permission_required

from . import permissions, services
from .forms import IssueTokenForm
from .models import Organisation


def _visible_organisation(request, slug) -> Organisation:
    # Scoped lookup: an organisation the user may not see is a 404, never a 403 that
    # confirms it exists.
    return get_object_or_404(Organisation.objects.visible_to(request.user), slug=slug)


@require_GET
@permission_required(permissions.can_list_organisations)
def organisation_list(request):
    qs = Organisation.objects.visible_to(request.user)
    kind = request.GET.get("kind", "")
    if kind in Organisation.Kind.values:
        qs = qs.filter(kind=kind)
    return render(
        request,
        "organisations/list.html",
        {"organisations": qs, "kinds": Organisation.Kind.choices, "kind": kind},
    )


@require_GET
@permission_required(permissions.can_list_organisations)
def organisation_detail(request, slug):
    org = _visible_organisation(request, slug)
    return render(
        request,
        "organisations/detail.html",
        {
            "organisation": org,
            "memberships": org.memberships.select_related("user"),
            "can_manage_tokens": permissions.can_manage_tokens(request.user, org),
        },
    )


@permission_required(permissions.can_list_organisations)
def token_list(request, slug):
    org = _visible_organisation(request, slug)
    if not permissions.can_manage_tokens(request.user, org):
        raise PermissionDenied
    form = IssueTokenForm(request.POST or None)
    new_secret = None
    if request.method == "POST" and form.is_valid():
        _token, new_secret = services.issue_api_token(
            actor=request.user,
            organisation=org,
            name=form.cleaned_data["name"],
            scopes=form.cleaned_data["scopes"],
        )
        form = IssueTokenForm()
    response = render(
        request,
        "organisations/tokens.html",
        {
            "organisation": org,
            "tokens": org.api_tokens.all(),
            "form": form,
            "new_secret": new_secret,
        },
        status=422 if request.method == "POST" and not new_secret else 200,
    )
    return response


@require_POST
@permission_required(permissions.can_list_organisations)
def token_revoke(request, slug, pk):
    org = _visible_organisation(request, slug)
    if not permissions.can_manage_tokens(request.user, org):
        raise PermissionDenied
    token = get_object_or_404(org.api_tokens, pk=pk)
    services.revoke_api_token(actor=request.user, token=token)
    messages.success(request, _("The token %(prefix)s… was revoked.") % {"prefix": token.prefix})
    return redirect("organisations:tokens", slug=org.slug)
