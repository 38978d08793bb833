"""Partnership pages: public (the partnership, charter, coverage, applying), the member's home,
and the coordinator's review, partners, charter versions and coverage target."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ostoja.core.decorators import private_page
from ostoja.core.permissions import permission_required
from ostoja.core.ratelimit import CacheRateLimiter
from ostoja.core.text import render_markdown
from ostoja.pact import tilemap

from . import coverage, forms, public, services
from .models import (
    Application,
    ApplicationState,
    CharterAcceptance,
    CharterVersion,
    CoverageTarget,
    Partner,
    PartnerState,
)
from .permissions import can_manage_network, can_use_network, organisations_to_accept_for

# Sent applications per client address and hour (each one e-mails a confirmation link to the
# address typed in the form). Only applications that were accepted count: typos do not lock
# anyone out. Set OSTOJA_NETWORK_RATE_LIMITS = {"apply": (n, seconds)} to change it.
ratelimit = CacheRateLimiter("network", "OSTOJA_NETWORK_RATE_LIMITS", {"apply": (5, 3600)})


def _errors_to_form(form, exc) -> None:
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            for error in errors:
                form.add_error(name if name in form.fields else None, error)
    elif isinstance(exc, services.NetworkError):
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


def _coverage_map(rows, title):
    return tilemap.render(
        [{"code": r.code, "name": r.name, "members": r.members} for r in rows],
        title=title,
        value_key="members",
    )


# --- public ----------------------------------------------------------------------------------


@require_GET
def partnership(request):
    rows = coverage.current_rows()
    return render(
        request,
        "network/partnership.html",
        {
            "members": public.members(),
            "charter": services.applications.current_charter(),
            "rows": rows,
            "map": _coverage_map(rows, _("Member organisations by voivodeship")),
            "target": CoverageTarget.current(),
        },
    )


@require_GET
def charter(request, number=None):
    versions = list(CharterVersion.objects.order_by("-number"))
    if number is None:
        version = versions[0] if versions else None
    else:
        version = next((v for v in versions if v.number == number), None)
        if version is None:
            raise Http404
    return render(
        request,
        "network/charter.html",
        {
            "version": version,
            "current": versions[0] if versions else None,
            "versions": versions,
            "charter_html": render_markdown(version.charter) if version else "",
            "declaration_html": render_markdown(version.declaration) if version else "",
        },
    )


@require_GET
def coverage_page(request):
    target = CoverageTarget.current()
    rows = coverage.current_rows(target)
    period = "quarter" if request.GET.get("period") == "quarter" else "month"
    ends, trend_rows = coverage.trend(period, 8 if period == "quarter" else 12)
    return render(
        request,
        "network/coverage.html",
        {
            "rows": rows,
            "target": target,
            "map": _coverage_map(rows, _("Member organisations by voivodeship")),
            "gaps": [r for r in rows if r.status == "gap"],
            "period": period,
            "ends": ends,
            "trend": trend_rows[:-1],
            "totals": trend_rows[-1]["counts"],
            "target_form": forms.TargetForm(
                initial={"minimum": target.minimum, "goal": target.goal}
            )
            if can_manage_network(request.user)
            else None,
        },
    )


@require_http_methods(["GET", "POST"])
def apply(request):
    current = services.applications.current_charter()
    if request.method == "POST" and current is not None:
        form = forms.ApplicationForm(request.POST)
        if ratelimit.remaining(request, "apply") <= 0:
            return render(
                request,
                "network/apply.html",
                {"form": form, "charter": current, "limited": True},
                status=429,
            )
        if form.is_valid():
            d = form.cleaned_data
            data = services.ApplicationData(
                name=d["name"],
                legal_form=d["legal_form"],
                krs=d["krs"],
                nip=d["nip"],
                regon=d["regon"],
                website=d["website"],
                description=d["description"],
                voivodeships=d["voivodeships"],
                areas=d["areas"],
                contact_name=d["contact_name"],
                contact_email=d["contact_email"],
                signatory_name=d["signatory_name"],
                signatory_function=d["signatory_function"],
                accepted=d["accepted"],
                charter_number=d["charter_number"],
            )
            try:
                services.submit_application(data, language=get_language() or "pl")
            except (ValidationError, services.NetworkError) as exc:
                _errors_to_form(form, exc)
            else:
                ratelimit.consume(request, "apply")
                return redirect("network:apply_sent")
        status = 422 if form.errors else 200
    else:
        form = forms.ApplicationForm(initial={"charter_number": current.number if current else 0})
        status = 200
    return render(request, "network/apply.html", {"form": form, "charter": current}, status=status)


@require_GET
def apply_sent(request):
    return render(request, "network/apply_sent.html")


@private_page
@require_http_methods(["GET", "POST"])
def confirm(request, token):
    """GET shows a button (mail scanners that open links do not use up the link); POST
    confirms."""
    application = services.find_by_confirmation(token)
    if application is None:
        return render(
            request,
            "network/link_invalid.html",
            {"message": _("This confirmation link is not valid.")},
            status=404,
        )
    if request.method == "POST":
        try:
            _app, secret = services.confirm_application(token)
        except services.NetworkError as exc:
            return render(
                request, "network/link_invalid.html", {"message": exc.message}, status=exc.status
            )
        messages.success(
            request,
            _("Thank you: your address is confirmed and the application went to the coordinator."),
        )
        return redirect("network:application_status", token=secret)
    if application.confirmed_at is not None:
        return render(
            request,
            "network/link_invalid.html",
            {"message": _("This confirmation link was already used.")},
            status=410,
        )
    return render(request, "network/confirm.html", {"application": application})


@private_page
@require_http_methods(["GET", "POST"])
def application_status(request, token):
    application = services.find_by_access_token(token)
    if application is None:
        raise Http404
    form = forms.MessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.answer_application(application, body=form.cleaned_data["body"])
        except services.NetworkError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("Your answer was sent to the coordinator."))
            return redirect("network:application_status", token=token)
    return render(
        request,
        "network/application_status.html",
        {
            "application": application,
            "thread": application.messages.all(),
            "form": form,
            "open": application.state in services.applications.REVIEWABLE,
        },
        status=422 if form.errors else 200,
    )


# --- members ---------------------------------------------------------------------------------

#: Pages of the network's other parts, shown on the member's home once they exist (they are
#: separate apps, merged at different times: a missing one is simply not linked).
CHANNELS = [
    ("forum:index", gettext_lazy("Forum")),
    ("newsletter:index", gettext_lazy("Newsletter")),
    ("events:index", gettext_lazy("Events and meetings")),
    ("training:index", gettext_lazy("Training")),
    ("library:index", gettext_lazy("Library")),
]


def _channel_links():
    links = []
    for name, label in CHANNELS:
        try:
            links.append((reverse(name), label))
        except NoReverseMatch:
            continue
    return links


@permission_required(can_use_network)
@require_GET
def index(request):
    current = services.applications.current_charter()
    to_accept = []
    if current is not None:
        accepted = set(
            CharterAcceptance.objects.filter(version=current).values_list(
                "organisation_id", flat=True
            )
        )
        to_accept = [o for o in organisations_to_accept_for(request.user) if o.pk not in accepted]
    recent = (
        Partner.objects.filter(state=PartnerState.MEMBER, organisation__is_active=True)
        .exclude(member_since=None)
        .select_related("organisation")
        .order_by("-member_since", "organisation__name")[:5]
    )
    coordinator = can_manage_network(request.user)
    return render(
        request,
        "network/index.html",
        {
            "charter": current,
            "to_accept": to_accept,
            "recent": recent,
            "links": _channel_links(),
            "coordinator": coordinator,
            "open_applications": Application.objects.filter(
                state__in=services.applications.REVIEWABLE
            ).count()
            if coordinator
            else 0,
        },
    )


@permission_required(can_use_network)
@require_http_methods(["GET", "POST"])
def charter_accept(request, number):
    version = get_object_or_404(CharterVersion, number=number)
    organisations = organisations_to_accept_for(request.user)
    if can_manage_network(request.user) and not organisations.exists():
        from . import membership

        organisations = membership.partner_organisations()
    accepted = set(
        CharterAcceptance.objects.filter(version=version).values_list("organisation_id", flat=True)
    )
    pending = organisations.exclude(pk__in=accepted)
    form = forms.AcceptForm(request.POST or None, organisations=pending)
    if request.method == "POST" and form.is_valid():
        try:
            services.accept_charter(
                actor=request.user,
                organisation=form.cleaned_data["organisation"],
                version=version,
                signatory_name=form.cleaned_data["signatory_name"],
                signatory_function=form.cleaned_data["signatory_function"],
            )
        except services.NetworkError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(
                request,
                _("Thank you: %(organisation)s accepted version %(number)s of the charter.")
                % {"organisation": form.cleaned_data["organisation"], "number": version.number},
            )
            return redirect("network:index")
    return render(
        request,
        "network/charter_accept.html",
        {
            "version": version,
            "form": form,
            "pending": pending,
            "done": organisations.filter(pk__in=accepted),
            "is_current": services.applications.current_charter() == version,
            "charter_html": render_markdown(version.charter),
            "declaration_html": render_markdown(version.declaration),
        },
        status=422 if form.errors else 200,
    )


# --- coordinator -----------------------------------------------------------------------------


@permission_required(can_manage_network)
@require_GET
def applications(request):
    shown = Application.objects.exclude(state=ApplicationState.UNCONFIRMED).exclude(
        state=ApplicationState.EXPIRED
    )
    return render(
        request,
        "network/applications.html",
        {
            "open": [a for a in shown if a.state in services.applications.REVIEWABLE],
            "closed": [a for a in shown if a.state not in services.applications.REVIEWABLE][:50],
        },
    )


def _reviewable_application(pk) -> Application:
    # An application whose address is not confirmed does not exist for the coordinator.
    return get_object_or_404(
        Application.objects.exclude(state__in=[ApplicationState.UNCONFIRMED, "expired"]), pk=pk
    )


def _application_page(request, application, status=200, **forms_):
    context = {
        "application": application,
        "thread": application.messages.select_related("author"),
        "ask_form": forms_.get("ask_form") or forms.MessageForm(),
        "admit_form": forms_.get("admit_form") or forms.AdmitForm(),
        "refuse_form": forms_.get("refuse_form") or forms.RefuseForm(),
        "open": application.state in services.applications.REVIEWABLE,
        "existing": services.applications.existing_partner(
            application.nip, application.regon, application.krs
        ),
        "description_html": render_markdown(application.description),
        "voivodeship_names": [
            dict(coverage.voivodeships()).get(c, c) for c in application.voivodeships
        ],
        "area_labels": [
            str(label) for value, label in forms.Area.choices if value in application.areas
        ],
    }
    return render(request, "network/application.html", context, status=status)


@permission_required(can_manage_network)
@require_GET
def application(request, pk):
    return _application_page(request, _reviewable_application(pk))


def _decision(request, pk, form_class, form_key, act, success):
    application = _reviewable_application(pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            act(application, form.cleaned_data)
        except services.NetworkError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, success)
            return redirect("network:application", pk=application.pk)
    application.refresh_from_db()
    return _application_page(request, application, status=422, **{form_key: form})


@permission_required(can_manage_network)
@require_POST
def application_ask(request, pk):
    return _decision(
        request,
        pk,
        forms.MessageForm,
        "ask_form",
        lambda a, d: services.ask_applicant(a, actor=request.user, body=d["body"]),
        _("Your question was sent to the applicant."),
    )


@permission_required(can_manage_network)
@require_POST
def application_admit(request, pk):
    return _decision(
        request,
        pk,
        forms.AdmitForm,
        "admit_form",
        lambda a, d: services.admit_application(a, actor=request.user, kind=d["kind"]),
        _("The organisation is admitted; its contact person was invited as its manager."),
    )


@permission_required(can_manage_network)
@require_POST
def application_refuse(request, pk):
    return _decision(
        request,
        pk,
        forms.RefuseForm,
        "refuse_form",
        lambda a, d: services.refuse_application(a, actor=request.user, reason=d["reason"]),
        _("The application is refused; the applicant received the reason."),
    )


@permission_required(can_manage_network)
@require_GET
def partners(request):
    state = request.GET.get("state", "")
    qs = Partner.objects.select_related("organisation").order_by("organisation__name")
    if state in PartnerState.values:
        qs = qs.filter(state=state)
    return render(
        request,
        "network/partners.html",
        {"partners": qs, "states": PartnerState.choices, "state": state},
    )


@permission_required(can_manage_network)
@require_http_methods(["GET", "POST"])
def partner(request, pk):
    partner = get_object_or_404(Partner.objects.select_related("organisation"), pk=pk)
    targets = services.allowed_targets(partner.state)
    form = forms.StateForm(request.POST or None)
    form.fields["to_state"].choices = [
        (value, label) for value, label in PartnerState.choices if value in targets
    ]
    if request.method == "POST" and form.is_valid():
        try:
            services.change_state(
                partner,
                actor=request.user,
                to_state=form.cleaned_data["to_state"],
                reason=form.cleaned_data["reason"],
            )
        except services.NetworkError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("The partner's state was changed."))
            return redirect("network:partner", pk=partner.pk)
    return render(
        request,
        "network/partner.html",
        {
            "partner": partner,
            "history": partner.history.select_related("actor"),
            "acceptances": CharterAcceptance.objects.filter(
                organisation=partner.organisation
            ).select_related("version", "accepted_by"),
            "form": form if targets else None,
            "member": public.PublicMember(partner),
        },
        status=422 if form.errors else 200,
    )


@permission_required(can_manage_network)
@require_http_methods(["GET", "POST"])
def charter_manage(request):
    current = services.applications.current_charter()
    initial = {"charter": current.charter, "declaration": current.declaration} if current else {}
    form = forms.PublishForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            version = services.publish_charter(actor=request.user, **form.cleaned_data)
        except services.NetworkError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(
                request,
                _("Version %(number)s is published; member organisations were asked to accept it.")
                % {"number": version.number},
            )
            return redirect("network:charter_status", number=version.number)
    versions = list(CharterVersion.objects.order_by("-number"))
    for version in versions:
        version.accepted_count = version.acceptances.count()
    return render(
        request,
        "network/charter_manage.html",
        {"form": form, "versions": versions},
        status=422 if form.errors else 200,
    )


@permission_required(can_manage_network)
@require_GET
def charter_status(request, number):
    version = get_object_or_404(CharterVersion, number=number)
    return render(
        request,
        "network/charter_status.html",
        {
            "version": version,
            "acceptances": version.acceptances.select_related("organisation", "accepted_by"),
            "missing": services.not_accepted(version),
            "is_current": services.applications.current_charter() == version,
        },
    )


@permission_required(can_manage_network)
@require_POST
def coverage_target(request):
    form = forms.TargetForm(request.POST)
    if form.is_valid():
        try:
            services.set_target(actor=request.user, **form.cleaned_data)
        except services.NetworkError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The coverage target was saved."))
    else:
        messages.error(request, _("Give numbers between 0 and 50; the goal not below the minimum."))
    return redirect("network:coverage")
