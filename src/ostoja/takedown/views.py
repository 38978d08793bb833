"""Takedown pages: analysts' list and item page, supervisors' queue, statistics, the provider
directory; public: the splash page, the appeal form and providers' signed links.

Views are thin: parse, check permission, call a service, render. Cases are looked up through
``Case.objects.visible_to(user)`` / ``Item.objects.visible_to(user)``: another hotline's item
is a 404. Public pages are ``private_page`` (no-store); the splash page sets no cookie at all,
the appeal form and the provider page only the CSRF cookie their form needs.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ostoja.audit.services import log_action
from ostoja.core.decorators import private_page
from ostoja.core.permissions import permission_required
from ostoja.hotline.defang import defang
from ostoja.hotline.models import Item
from ostoja.hotline.permissions import supervised_hotline_ids
from ostoja.hotline.services import HotlineNotConfigured
from ostoja.outbox.models import OutboxMessage

from . import hosting, notices, permissions, ratelimit, services, signing, stats, stats_core
from .forms import (
    AppealDecisionForm,
    AppealForm,
    CaseFilterForm,
    CheckForm,
    ContactPointForm,
    OverrideForm,
    PeriodForm,
    ProviderRuleForm,
    ResolveForm,
    ResponseForm,
)
from .models import (
    FINAL_STATES,
    ROUTING_STATES,
    Appeal,
    AppealState,
    Case,
    CaseState,
    ContactPoint,
    HostingTrace,
    Notice,
    ProviderRule,
)
from .svg_charts import bar_chart

logger = logging.getLogger(__name__)


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------


def _notice_messages(notice_ids) -> dict[int, list[OutboxMessage]]:
    if not notice_ids:
        return {}
    ct = ContentType.objects.get_for_model(Notice)
    out: dict[int, list] = {}
    rows = OutboxMessage.objects.filter(
        related_type=ct, related_id__in=[str(i) for i in notice_ids]
    ).order_by("created_at", "pk")
    for message in rows:
        out.setdefault(int(message.related_id), []).append(message)
    return out


def _delivery_problem_case_ids(case_qs) -> list[int]:
    ct = ContentType.objects.get_for_model(Notice)
    problem = Q(state=OutboxMessage.State.FAILED) | Q(
        state__in=[OutboxMessage.State.PENDING, OutboxMessage.State.SENDING], attempts__gt=0
    )
    notice_ids = OutboxMessage.objects.filter(problem, related_type=ct).values_list(
        "related_id", flat=True
    )
    ids = [int(i) for i in notice_ids if str(i).isdigit()]
    return list(
        Notice.objects.filter(pk__in=ids, case__in=case_qs).values_list("case_id", flat=True)
    )


def _visible_item(request, pk) -> Item:
    return get_object_or_404(Item.objects.visible_to(request.user).select_related("hotline"), pk=pk)


def _visible_case(request, pk) -> Case:
    """The case of item ``pk`` in the user's hotlines (404 otherwise, or if there is none)."""
    return get_object_or_404(
        Case.objects.visible_to(request.user).select_related("item", "hotline", "provider"),
        item_id=pk,
    )


def _form_errors(form, exc: services.TakedownError) -> None:
    problems = exc.args[0] if exc.args else str(exc)
    if isinstance(problems, dict):
        for name, message in problems.items():
            form.add_error(name if name in form.fields else None, message)
    else:
        form.add_error(None, str(problems))


def _error_text(exc: services.TakedownError) -> str:
    problems = exc.args[0] if exc.args else ""
    if isinstance(problems, dict):
        return " ".join(str(v) for v in problems.values())
    return str(problems)


# --------------------------------------------------------------------------------------
# Analysts: list and item page
# --------------------------------------------------------------------------------------


@require_GET
@permission_required(permissions.can_work_on_takedown)
def case_list(request):
    form = CaseFilterForm(request.GET or None)
    view = form.cleaned_data["view"] if form.is_valid() and form.cleaned_data["view"] else "open"
    base = Case.objects.visible_to(request.user)
    qs = base.select_related("item", "provider", "partner_hotline")
    if view == "open":
        qs = qs.exclude(state__in=FINAL_STATES)
    elif view == "attention":
        qs = qs.filter(state__in=ROUTING_STATES)
    elif view == "delivery":
        qs = qs.filter(pk__in=_delivery_problem_case_ids(base))
    elif view == "supervisor":
        qs = qs.filter(
            Q(state=CaseState.DISPUTED)
            | Q(escalated_at__isnull=False, escalation_seen_at__isnull=True)
        ).exclude(state__in=FINAL_STATES)
    elif view != "all":
        qs = qs.filter(state=view)
    page = Paginator(qs.order_by("-reported_at", "-pk"), 50).get_page(request.GET.get("page"))
    summary = {
        "open": base.exclude(state__in=FINAL_STATES).count(),
        "attention": base.filter(state__in=ROUTING_STATES).count(),
        "delivery": len(set(_delivery_problem_case_ids(base))),
        "supervisor": base.filter(
            Q(state=CaseState.DISPUTED)
            | Q(escalated_at__isnull=False, escalation_seen_at__isnull=True)
        )
        .exclude(state__in=FINAL_STATES)
        .count(),
    }
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "takedown/cases.html",
        {
            "form": form,
            "page": page,
            "view": view,
            "summary": summary,
            "query": query.urlencode(),
            "can_supervise": permissions.can_supervise(request.user),
        },
        status=200 if (form.is_valid() or not request.GET) else 400,
    )


def _item_context(request, item, **forms) -> dict:
    case = Case.objects.filter(item=item).select_related("provider", "partner_hotline").first()
    traces = list(HostingTrace.objects.filter(item=item).select_related("provider", "actor")[:50])
    current = hosting.effective(item)
    latest = next((t for t in traces if t.kind == HostingTrace.Kind.LOOKUP), None)
    for t in traces:
        t.problems = hosting.explain_problems(t.error_codes)
    context = {
        "item": item,
        "defanged": defang(item.canonical_url),
        "case": case,
        "traces": traces,
        "current": current,
        "can_open": case is None and services.can_open_case(item),
        "is_supervisor": item.hotline_id in supervised_hotline_ids(request.user),
    }
    if case is not None:
        untraced = permissions.can_enter_untraced_hosting(request.user, case)
        context["untraced"] = untraced
        context["trace_problems"] = (
            hosting.explain_problems(latest.error_codes) if latest is not None else []
        )
        notice_list = list(case.notices.select_related("recipient"))
        by_notice = _notice_messages([n.pk for n in notice_list])
        for notice in notice_list:
            notice.outbox = by_notice.get(notice.pk, [])
        context.update(
            {
                "notices": notice_list,
                "events": list(case.events.select_related("actor", "notice")),
                "check_form": forms.get("check_form")
                or (CheckForm() if not case.is_final else None),
                "override_form": forms.get("override_form")
                or (
                    OverrideForm(initial={"country": case.hosting_country})
                    if (context["is_supervisor"] or untraced) and not case.is_final
                    else None
                ),
                "resolve_form": forms.get("resolve_form")
                or (ResolveForm() if context["is_supervisor"] and case.needs_supervisor else None),
                "has_referral": any(n.kind == Notice.Kind.REFERRAL for n in notice_list),
                "entry": getattr(case, "urllist_entry", None),
            }
        )
    return context


@require_GET
@permission_required(permissions.can_work_on_takedown)
def item_page(request, pk):
    item = _visible_item(request, pk)
    return render(request, "takedown/item.html", _item_context(request, item))


@require_POST
@permission_required(permissions.can_work_on_takedown)
def take_action(request, pk):
    item = _visible_item(request, pk)
    if Case.objects.filter(item=item).exists():
        messages.info(request, _("Action has already been taken on this item."))
        return redirect("takedown:item", pk=item.pk)
    if not services.can_open_case(item):
        messages.error(request, _("Only items assessed as illegal can be acted on."))
        return redirect("takedown:item", pk=item.pk)
    services.handle_illegal_assessment(actor=request.user, item=item)
    messages.success(
        request,
        _("Action started: the hosting is being traced and the notices will follow."),
    )
    return redirect("takedown:item", pk=item.pk)


@require_POST
@permission_required(permissions.can_work_on_takedown)
def retrace(request, pk):
    case = _visible_case(request, pk)
    if case.is_final:
        messages.error(request, _("This case is closed."))
        return redirect("takedown:item", pk=pk)
    result = services.retrace(actor=request.user, case=case)
    if result.country:
        messages.success(
            request, _("Traced again: hosted in %(country)s.") % {"country": result.country}
        )
    else:
        messages.warning(
            request,
            _("Traced again, but the hosting is still unknown: %(problems)s")
            % {"problems": " ".join(hosting.explain_problems(result.error_codes)) or "—"},
        )
    return redirect("takedown:item", pk=pk)


def _case_form_post(request, case, form, form_name, action, success_message):
    """Validate a case form, run its service call, redirect on success or re-render with 400."""
    if form.is_valid():
        try:
            action(actor=request.user, case=case, **form.cleaned_data)
        except services.TakedownError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, success_message)
            return redirect("takedown:item", pk=case.item.pk)
    context = _item_context(request, case.item, **{form_name: form})
    return render(request, "takedown/item.html", context, status=400)


@require_POST
@permission_required(permissions.can_work_on_takedown)
def override(request, pk):
    case = _visible_case(request, pk)
    if not permissions.can_set_hosting(request.user, case):
        raise PermissionDenied
    return _case_form_post(
        request,
        case,
        OverrideForm(request.POST),
        "override_form",
        services.override_hosting,
        _("The hosting was set; notices follow it."),
    )


@require_POST
@permission_required(permissions.can_work_on_takedown)
def check(request, pk):
    case = _visible_case(request, pk)
    return _case_form_post(
        request,
        case,
        CheckForm(request.POST),
        "check_form",
        services.record_check,
        _("The check was recorded."),
    )


@require_POST
@permission_required(permissions.can_work_on_takedown)
def resolve(request, pk):
    case = _visible_case(request, pk)
    if not permissions.can_resolve(request.user, case):
        raise PermissionDenied
    return _case_form_post(
        request,
        case,
        ResolveForm(request.POST),
        "resolve_form",
        services.resolve_case,
        _("The decision was recorded."),
    )


@require_GET
@permission_required(permissions.can_work_on_takedown)
def referral_export(request, pk):
    """The referral JSON of the case (e.g. to upload it to a partner's system by hand)."""
    case = _visible_case(request, pk)
    notice = case.notices.filter(kind=Notice.Kind.REFERRAL).order_by("-created_at").first()
    if notice is None:
        raise Http404
    trace = hosting.effective(case.item).trace
    export = notices.referral_export(
        case, notice, trace, sequence=max(1, notice.send_count), link=notices.make_link(notice)
    )
    log_action(
        "takedown.referral.exported",
        actor=request.user,
        organisation=case.hotline,
        target=case,
        data={"notice": str(notice.uuid)},
    )
    response = HttpResponse(
        json.dumps(export, ensure_ascii=False, indent=2), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="referral-{notice.uuid}.json"'
    return response


# --------------------------------------------------------------------------------------
# Supervisors
# --------------------------------------------------------------------------------------


@require_GET
@permission_required(permissions.can_supervise)
def supervision(request):
    ids = supervised_hotline_ids(request.user)
    cases = (
        Case.objects.filter(hotline_id__in=ids)
        .filter(
            Q(state=CaseState.DISPUTED)
            | Q(escalated_at__isnull=False, escalation_seen_at__isnull=True)
        )
        .exclude(state__in=FINAL_STATES)
        .select_related("item", "provider", "partner_hotline")
        .order_by("escalated_at", "pk")[:200]
    )
    appeals = Appeal.objects.visible_to(request.user).filter(state=AppealState.NEW)[:200]
    decided = Appeal.objects.visible_to(request.user).exclude(state=AppealState.NEW)[:20]
    return render(
        request,
        "takedown/supervision.html",
        {"cases": cases, "appeals": appeals, "decided": decided},
    )


@require_http_methods(["GET", "POST"])
@permission_required(permissions.can_supervise)
def appeal_detail(request, pk):
    appeal = get_object_or_404(
        Appeal.objects.visible_to(request.user).select_related("entry__case"), pk=pk
    )
    form = AppealDecisionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if appeal.state != AppealState.NEW:
            messages.error(request, _("This appeal has already been decided."))
            return redirect("takedown:appeal", pk=appeal.pk)
        if form.is_valid():
            try:
                services.decide_appeal(
                    actor=request.user,
                    appeal=appeal,
                    decision=form.cleaned_data["decision"],
                    note=form.cleaned_data["note"],
                )
            except services.TakedownError as exc:
                form.add_error("note", _error_text(exc))
            else:
                messages.success(request, _("The decision was recorded."))
                return redirect("takedown:supervision")
        status = 400
    return render(
        request,
        "takedown/appeal.html",
        {"appeal": appeal, "defanged": defang(appeal.url), "form": form},
        status=status,
    )


# --------------------------------------------------------------------------------------
# Provider directory
# --------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@permission_required(permissions.can_manage_providers)
def providers(request):
    rule_form = ProviderRuleForm(prefix="rule")
    contact_form = ContactPointForm(prefix="contact", initial={"language": "en"})
    status = 200
    if request.method == "POST":
        which = request.POST.get("form")
        if which == "rule":
            rule_form = ProviderRuleForm(request.POST, prefix="rule")
            if rule_form.is_valid():
                try:
                    services.add_provider_rule(actor=request.user, **rule_form.cleaned_data)
                except services.TakedownError as exc:
                    _form_errors(rule_form, exc)
                else:
                    messages.success(request, _("The rule was added."))
                    return redirect("takedown:providers")
        elif which == "contact":
            contact_form = ContactPointForm(request.POST, prefix="contact")
            if contact_form.is_valid():
                try:
                    services.save_contact_point(actor=request.user, **contact_form.cleaned_data)
                except services.TakedownError as exc:
                    _form_errors(contact_form, exc)
                else:
                    messages.success(request, _("The contact point was saved."))
                    return redirect("takedown:providers")
        status = 400
    return render(
        request,
        "takedown/providers.html",
        {
            "rules": ProviderRule.objects.select_related("organisation"),
            "contacts": ContactPoint.objects.select_related("organisation").order_by(
                "organisation__name"
            ),
            "rule_form": rule_form,
            "contact_form": contact_form,
        },
        status=status,
    )


@require_POST
@permission_required(permissions.can_manage_providers)
def provider_rule_delete(request, pk):
    rule = get_object_or_404(ProviderRule.objects.select_related("organisation"), pk=pk)
    services.delete_provider_rule(actor=request.user, rule=rule)
    messages.success(request, _("The rule was deleted."))
    return redirect("takedown:providers")


# --------------------------------------------------------------------------------------
# Statistics
# --------------------------------------------------------------------------------------


def _period(request) -> tuple[PeriodForm, stats.Period | None]:
    if not request.GET:
        today = timezone.localdate()
        start = today - timedelta(days=364)  # the last twelve months, today included
        form = PeriodForm(initial={"start": start, "end": today})
        return form, stats.Period(start, today)
    form = PeriodForm(request.GET)
    if not form.is_valid():
        return form, None
    return form, stats.Period(form.cleaned_data["start"], form.cleaned_data["end"])


def _percent(value) -> str:
    return "—" if value is None else f"{value * 100:.0f} %"


def _charts(data: dict) -> list[dict]:
    countries = data["breakdowns"]["hosting_country"][:15]
    providers = [
        e for e in data["times"]["notice_to_removal"]["by_provider"] if e["key"] is not None
    ][:10]
    by_country = [e for e in data["times"]["notice_to_removal"]["by_country"] if e["key"]][:10]
    unknown = _("Unknown")
    charts = [
        {
            "id": "chart-countries",
            "svg": bar_chart(
                [(e["key"] or unknown, e["count"]) for e in countries],
                title=_("Confirmed illegal by hosting country"),
                description=_(
                    "Number of items confirmed illegal, by the country where they were hosted."
                ),
                chart_id="chart-countries",
                empty_text=_("No data"),
            ),
        },
        {
            "id": "chart-providers",
            "svg": bar_chart(
                [
                    (
                        e["label"] or unknown,
                        (e["share_within_3d"] or 0) * 100,
                        _percent(e["share_within_3d"]),
                    )
                    for e in providers
                ],
                title=_("Removed within 3 days of the notice, by provider"),
                description=_("Share of content removed within 3 days of the first notice."),
                chart_id="chart-providers",
                max_value=100,
                empty_text=_("No data"),
            ),
        },
        {
            "id": "chart-country-median",
            "svg": bar_chart(
                [
                    (
                        e["key"],
                        (e["median_seconds"] or 0) / 3600,
                        stats_core.format_duration(e["median_seconds"]),
                    )
                    for e in by_country
                ],
                title=_("Median time from notice to removal, by hosting country"),
                description=_("Median hours from the first notice or referral to the removal."),
                chart_id="chart-country-median",
                empty_text=_("No data"),
            ),
        },
    ]
    titles = [
        _("Confirmed illegal by hosting country"),
        _("Removed within 3 days of the notice, by provider"),
        _("Median time from notice to removal, by hosting country"),
    ]
    for chart, title in zip(charts, titles, strict=True):
        chart["title"] = title
        chart["svg"] = mark_safe(chart["svg"])  # noqa: S308 - svg_charts escapes every text
    return charts


def _labels() -> dict:
    from ostoja.hotline.models import AgeBand, SiteType, SourceKind

    return {
        "site_type": dict(SiteType.choices),
        "age_band": dict(AgeBand.choices),
        "source_kind": dict(SourceKind.choices),
        "hosting_country": {},
    }


def _decorate_stats(data: dict) -> dict:
    labels = _labels()
    unknown = _("Unknown")
    for name, entries in data["breakdowns"].items():
        for entry in entries:
            entry["label"] = str(labels[name].get(entry["key"], entry["key"])) or unknown
    for metric in stats.METRICS:
        block = data["times"][metric]
        for entry in [block["overall"], *block["by_provider"], *block["by_country"]]:
            entry["median_text"] = stats_core.format_duration(entry["median_seconds"])
            entry["p90_text"] = stats_core.format_duration(entry["p90_seconds"])
            for label in stats.WINDOWS:
                entry[f"within_{label}_text"] = _percent(entry[f"share_within_{label}"])
            if "label" in entry and not entry["label"]:
                entry["label"] = unknown
    data["totals"]["baseline_share_text"] = _percent(data["totals"]["baseline_share"])
    return data


@require_GET
@permission_required(permissions.can_view_statistics)
def statistics(request):
    form, period = _period(request)
    if period is None:
        return render(request, "takedown/stats.html", {"form": form}, status=400)
    data = stats.compute(permissions.statistics_hotline_ids(request.user), period)
    data = _decorate_stats(data)
    query = request.GET.urlencode() if request.GET else ""
    return render(
        request,
        "takedown/stats.html",
        {"form": form, "data": data, "charts": _charts(data), "query": query},
    )


@require_GET
@permission_required(permissions.can_view_statistics)
def statistics_csv(request):
    _form, period = _period(request)
    if period is None:
        return HttpResponse(_("Invalid period."), status=400, content_type="text/plain")
    data = stats.compute(permissions.statistics_hotline_ids(request.user), period)
    response = HttpResponse(stats.to_csv(data), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="ostoja-takedown-statistics.csv"'
    return response


@require_GET
@permission_required(permissions.can_view_statistics)
def statistics_json(request):
    form, period = _period(request)
    if period is None:
        return JsonResponse({"detail": _("Invalid period."), "errors": form.errors}, status=400)
    data = stats.compute(permissions.statistics_hotline_ids(request.user), period)
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


# --------------------------------------------------------------------------------------
# Public: splash page, appeal form, providers' signed links
# --------------------------------------------------------------------------------------


def _helplines() -> list[dict]:
    """National helplines for the splash page (the directory's data; none if it is absent)."""
    try:
        from ostoja.directory.data import load_helplines
    except ImportError:
        return []
    wanted = {"audience.worried-about-thoughts", "audience.viewed-abuse-material"}
    language = translation.get_language() or "pl"
    language = language if language in ("pl", "en") else "pl"
    out = []
    for line in load_helplines():
        if not (wanted & set(line.get("audience", []))) and line.get("code") != "116111":
            continue
        out.append(
            {
                "name": line["name"].get(language, line["name"]["pl"]),
                "number": line.get("number"),
                "tel": line.get("tel"),
                "url": line.get("url"),
                "description": line["description"].get(language, line["description"]["pl"]),
                "hours": (line.get("hours") or {}).get(language, ""),
            }
        )
    return out


@private_page
@require_GET
def blocked(request):
    """What an ISP shows instead of a blocked address. No form here, so no cookie at all."""
    return render(request, "takedown/blocked.html", {"helplines": _helplines()})


@private_page
@require_http_methods(["GET", "POST"])
def appeal_form(request):
    if request.method == "GET":
        return render(request, "takedown/appeal_form.html", {"form": AppealForm()})
    if not ratelimit.allow(request, "appeal"):
        return render(request, "core/rate_limited.html", status=429)
    form = AppealForm(request.POST)
    if not form.is_valid():
        return render(request, "takedown/appeal_form.html", {"form": form}, status=400)
    data = form.cleaned_data
    if data["website"]:
        return render(request, "takedown/appeal_sent.html")  # a bot: store nothing
    try:
        services.submit_appeal(
            url=data["url"],
            email=data["email"],
            name=data["name"],
            message=data["message"],
            language=translation.get_language() or "pl",
        )
    except HotlineNotConfigured:
        return render(request, "takedown/unavailable.html", status=503)
    return render(request, "takedown/appeal_sent.html")


_LINK_STATUS = {
    "malformed": 400,
    "bad_signature": 403,
    "wrong_purpose": 403,
    "not_yet_valid": 403,
    "expired": 410,
    "unknown_notice": 404,
}


def _bad_link(request, reason: str):
    # Every rejection is audit-logged, up to a cap per address (so a flood of forged links
    # cannot bloat the audit chain); the log line is always written.
    logger.warning("Rejected a provider link: %s", reason)
    if ratelimit.allow(request, "bad_link"):
        log_action("takedown.link.rejected", data={"reason": reason})
    return render(
        request,
        "takedown/link_invalid.html",
        {"expired": reason == "expired"},
        status=_LINK_STATUS.get(reason, 400),
    )


@private_page
@require_http_methods(["GET", "POST"])
def respond(request, token):
    """A provider's (or partner hotline's) answer through the signed link of a notice.

    GET only shows the page: mail systems and link scanners open links by themselves, and a
    scanner must not confirm a removal. The answer is a POST from the page.
    """
    if not ratelimit.allow(request, "link"):
        return render(request, "core/rate_limited.html", status=429)
    try:
        notice_uuid, _claims = notices.read_link_token(token)
    except signing.TokenError as exc:
        return _bad_link(request, exc.reason)
    try:
        notice = (
            Notice.objects.select_related("case__item", "recipient")
            .filter(uuid=notice_uuid)
            .first()
        )
    except ValidationError:
        notice = None
    if notice is None or not notice.answerable:
        return _bad_link(request, "unknown_notice")
    case = notice.case
    form = ResponseForm(request.POST or None)
    context = {"notice": notice, "case": case, "form": form, "host": case.item.host}
    if request.method == "GET":
        return render(request, "takedown/respond.html", context)
    if not form.is_valid():
        return render(request, "takedown/respond.html", context, status=400)
    try:
        services.record_response(
            notice=notice,
            action=form.cleaned_data["action"],
            via=services.Via.PROVIDER_LINK,
            comment=form.cleaned_data["comment"],
        )
    except services.ResponseConflict as exc:
        context["conflict"] = str(exc)
        return render(request, "takedown/respond.html", context, status=409)
    except services.TakedownError as exc:
        form.add_error("comment", _error_text(exc))
        return render(request, "takedown/respond.html", context, status=400)
    return render(
        request,
        "takedown/respond_done.html",
        {"notice": notice, "action": form.cleaned_data["action"]},
    )
