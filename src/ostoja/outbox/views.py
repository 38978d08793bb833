"""Staff page: messages that are waiting or failing, with a "retry now" button."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Value, When
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from ostoja.core.permissions import permission_required

from . import permissions, services
from .models import OutboxMessage

ATTENTION = "attention"
State = OutboxMessage.State


class OutboxFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=gettext_lazy("Show"),
        required=False,
        choices=[
            (ATTENTION, gettext_lazy("Waiting or failed")),
            *State.choices,
            ("all", gettext_lazy("All messages")),
        ],
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        required=False,
        choices=[("", gettext_lazy("All kinds")), *OutboxMessage.Kind.choices],
    )


def _filtered(user, data):
    qs = OutboxMessage.objects.visible_to(user).select_related("organisation")
    state = data.get("state") or ATTENTION
    if state == ATTENTION:
        qs = qs.needing_attention()
    elif state != "all":
        qs = qs.filter(state=state)
    if data.get("kind"):
        qs = qs.filter(kind=data["kind"])
    # Failures first (they need a person), then by when something happens next.
    return qs.annotate(
        urgency=Case(
            When(state=State.FAILED, then=Value(0)),
            When(state=State.SENDING, then=Value(1)),
            When(state=State.PENDING, then=Value(2)),
            default=Value(3),
            output_field=IntegerField(),
        )
    ).order_by("urgency", "next_attempt_at", "-created_at", "-pk")


@require_GET
@permission_required(permissions.can_view_outbox)
def message_list(request):
    form = OutboxFilterForm(request.GET or None)
    valid = form.is_valid() if request.GET else True
    data = form.cleaned_data if request.GET and valid else {}
    page = Paginator(_filtered(request.user, data), 50).get_page(request.GET.get("page"))
    rows = [
        {
            "message": m,
            "details": permissions.can_view_details(request.user, m),
            "can_retry": m.state not in OutboxMessage.FINAL_STATES
            and not m.cancel_reason
            and permissions.can_retry(request.user, m),
        }
        for m in page
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "outbox/list.html",
        {"form": form, "page": page, "rows": rows, "query": query.urlencode()},
        status=200 if valid else 400,
    )


@require_POST
@permission_required(permissions.can_view_outbox)
def message_retry(request, pk):
    # Scoped lookup: a message of another organisation is a 404, not a 403.
    message = get_object_or_404(OutboxMessage.objects.visible_to(request.user), pk=pk)
    if not permissions.can_retry(request.user, message):
        raise PermissionDenied
    try:
        services.retry_now(actor=request.user, message=message)
    except services.OutboxError as exc:
        messages.error(request, _("The message was not retried: %(reason)s") % {"reason": exc})
    else:
        messages.success(request, _("The message will be sent again now."))
    target = reverse("outbox:list")
    state = request.POST.get("state", "")
    if state in dict(OutboxFilterForm.base_fields["state"].choices):
        target += f"?state={state}"
    return redirect(target)
