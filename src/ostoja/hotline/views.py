"""Hotline pages: the public form and status page; the analysts' queue, items and settings.

Views are thin: parse, check permission, call a service, render. Public pages are
``private_page`` (no-store) and set no cookie except the CSRF cookie their form needs. Staff
pages look items up through ``Item.objects.visible_to(user)``: another hotline's item is a 404.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ostoja.core.decorators import private_page
from ostoja.core.permissions import permission_required
from ostoja.organisations.models import Organisation
from ostoja.takedown.services import public_outcome_text

from . import permissions, ratelimit, services
from .defang import defang
from .explain import explained_reasons, public_status, rejection_message
from .forms import (
    AssessmentForm,
    PublicReportForm,
    QueueFilterForm,
    RulesForm,
    SettingsForm,
    StatusLookupForm,
)
from .intake import IntakeError, ReportInput
from .models import (
    CLOSED_STATES,
    ILLEGAL_OUTCOMES,
    WAITING_STATES,
    Annotation,
    Assessment,
    Channel,
    HotlineSettings,
    IncidentType,
    Item,
    ItemState,
    PriorityRuleSet,
    Report,
    ReportUrl,
    SourceKind,
)

# --------------------------------------------------------------------------------------
# Public pages
# --------------------------------------------------------------------------------------


RECEIPT_SESSION_KEY = "hotline_receipt"


def _report_form_page(request, form, *, status=200):
    return render(
        request,
        "hotline/report_form.html",
        {"form": form, "remaining": ratelimit.remaining(request, "report")},
        status=status,
    )


@private_page
@require_http_methods(["GET", "POST"])
def report_form(request):
    """The public form. Only an accepted report counts against the hourly limit; the result
    is shown once on :func:`report_received` (POST/redirect/GET), so a refresh sends nothing
    again and the status code is in no URL."""
    if request.method == "GET":
        return _report_form_page(request, PublicReportForm())
    if ratelimit.remaining(request, "report") <= 0:
        return render(request, "core/rate_limited.html", status=429)
    form = PublicReportForm(request.POST)
    if not form.is_valid():
        return _report_form_page(request, form, status=400)
    data = form.cleaned_data
    if data["leave_empty"]:
        # A bot filled the honeypot: answer like a success, store nothing.
        ratelimit.consume(request, "report")
        return _show_receipt_once(
            request, services.format_status_code(services.new_status_code()), []
        )
    try:
        submitted = services.submit_report(
            actor=None,
            data=ReportInput(
                incident_type=data["incident_type"],
                urls=data["urls"],
                where_seen=data["where_seen"],
                description=data["description"],
                reporter_email=data["email"] or None,
            ),
            channel=Channel.WEB_FORM,
        )
    except IntakeError as exc:
        _form_errors(form, exc)
        return _report_form_page(request, form, status=400)
    except services.HotlineNotConfigured:
        return render(request, "hotline/unavailable.html", status=503)
    ratelimit.consume(request, "report")
    rejected = [[u.position + 1, u.reason] for u in submitted.urls if not u.accepted]
    return _show_receipt_once(request, services.format_status_code(submitted.status_code), rejected)


def _show_receipt_once(request, code: str, rejected: list) -> HttpResponseRedirect:
    # The session lives only until the receipt is shown (then it is deleted, row and cookie),
    # and its cookie only for the browser session: nothing lasting stays on the device.
    request.session[RECEIPT_SESSION_KEY] = {"code": code, "rejected": rejected}
    request.session.set_expiry(0)
    return HttpResponseRedirect(reverse("hotline:received"), status=303)


@private_page
@require_GET
def report_received(request):
    """The status code, shown once (a refresh or a later visit shows that it was shown)."""
    receipt = request.session.pop(RECEIPT_SESSION_KEY, None)
    if not request.user.is_authenticated:
        request.session.flush()  # deletes the stored session and its cookie
    remaining = ratelimit.remaining(request, "report")
    if receipt is None:
        return render(request, "hotline/report_receipt.html", {"shown": True})
    rejected = [
        {"line": line, "message": rejection_message(code)} for line, code in receipt["rejected"]
    ]
    return render(
        request,
        "hotline/report_receipt.html",
        {"code": receipt["code"], "rejected": rejected, "remaining": remaining},
    )


def _form_errors(form, exc: IntakeError) -> None:
    field_map = {"reporter_email": "email"}
    for error in exc.errors:
        head, _sep, rest = error.field.partition(".")
        name = field_map.get(head, head)
        if name == "urls" and rest.isdigit():
            message = _("Line %(line)d: %(message)s") % {
                "line": int(rest) + 1,
                "message": error.message,
            }
        else:
            message = error.message
        form.add_error(name if name in form.fields else None, message)


@private_page
@require_http_methods(["GET", "POST"])
def report_status(request):
    """Look a report up by its status code (POSTed, so the code stays out of URLs and logs)."""
    if request.method == "GET":
        return render(request, "hotline/status.html", {"form": StatusLookupForm()})
    if not ratelimit.allow(request, "status"):
        return render(request, "core/rate_limited.html", status=429)
    form = StatusLookupForm(request.POST)
    statuses = None
    status = 200
    if form.is_valid():
        report = services.find_report_by_status_code(form.cleaned_data["code"])
        if report is None:
            form.add_error("code", _("No report has this code. Check it and try again."))
            status = 404
        else:
            rows = (
                ReportUrl.objects.filter(report=report)
                .select_related("item__duplicate_of")
                .order_by("position")
            )
            statuses = [
                {"number": n, "label": public_outcome_text(u.item) or public_status(u.item).label}
                for n, u in enumerate((u for u in rows if u.item_id), start=1)
            ]
    else:
        status = 400
    return render(
        request, "hotline/status.html", {"form": form, "statuses": statuses}, status=status
    )


# --------------------------------------------------------------------------------------
# Staff pages
# --------------------------------------------------------------------------------------


def _break_context(user) -> dict:
    ids = permissions.hotline_ids(user)
    count = services.assessed_today(user)
    thresholds = [services.settings_for(hid).break_reminder_after for hid in sorted(ids)]
    threshold = min(thresholds) if thresholds else 0
    return {
        "assessed_today": count,
        "break_threshold": threshold,
        "take_a_break": bool(threshold) and count >= threshold,
    }


def _visible_item(request, pk) -> Item:
    return get_object_or_404(
        Item.objects.visible_to(request.user).select_related(
            "hotline", "claimed_by", "previous_item", "duplicate_of"
        ),
        pk=pk,
    )


def _decorate(items, now):
    for item in items:
        item.defanged = defang(item.canonical_url)
        item.reasons = explained_reasons(item)
        item.overdue = item.is_overdue(now)
        item.claimed_now = item.claim_active(now)
    return items


@require_GET
@permission_required(permissions.can_open_hotline_pages)
def queue(request):
    user = request.user
    ids = permissions.hotline_ids(user)
    if not ids:
        return redirect("hotline:stats")  # coordinators: figures, not content
    now = timezone.now()
    services.rescore_stale(ids, now)
    form = QueueFilterForm(request.GET or None)
    qs = Item.objects.visible_to(user).select_related("claimed_by", "hotline")
    view, level, material, overdue = "waiting", "", "", False
    if form.is_valid():
        view = form.cleaned_data["view"] or "waiting"
        level = form.cleaned_data["level"]
        material = form.cleaned_data["material"]
        overdue = form.cleaned_data["overdue"]
    if view == "waiting":
        qs = qs.filter(state__in=WAITING_STATES)
    elif view == "closed":
        qs = qs.filter(state__in=CLOSED_STATES)
    elif view != "all":
        qs = qs.filter(state=view)
    if level:
        qs = qs.filter(priority_level=level)
    if material == "known":
        qs = qs.filter(known=True)
    elif material == "new":
        qs = qs.filter(known=False)
    if overdue:
        qs = qs.filter(state__in=WAITING_STATES, priority_deadline__lt=now)
    page = Paginator(qs.urgent_first(), 50).get_page(request.GET.get("page"))
    _decorate(page.object_list, now)
    query = request.GET.copy()
    query.pop("page", None)
    waiting = Item.objects.visible_to(user).filter(state__in=WAITING_STATES)
    summary = {
        "waiting": waiting.count(),
        "overdue": waiting.filter(priority_deadline__lt=now).count(),
        "p1": waiting.filter(priority_level="P1").count(),
    }
    supervised = Organisation.objects.filter(pk__in=permissions.supervised_hotline_ids(user))
    hotlines = Organisation.objects.filter(pk__in=ids).order_by("name")
    return render(
        request,
        "hotline/queue.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "summary": summary,
            "hotlines": hotlines,
            "supervised": supervised,
            **_break_context(user),
        },
        status=200 if (form.is_valid() or not request.GET) else 400,
    )


@require_POST
@permission_required(permissions.can_work_in_hotline)
def next_item(request):
    item = services.next_item(actor=request.user, hotline_ids=permissions.hotline_ids(request.user))
    if item is None:
        messages.info(request, _("No item is waiting for you right now."))
        return redirect("hotline:queue")
    return redirect("hotline:item", pk=item.pk)


def _item_context(request, item: Item, *, form=None, revealed_url=None) -> dict:
    now = timezone.now()
    _decorate([item], now)
    user = request.user
    reports = (
        Report.objects.filter(urls__item=item)
        .distinct()
        .select_related("source_organisation")
        .annotate(hash_count=Count("hashes", distinct=True))
        .order_by("created_at")
    )
    annotation_labels = dict(Annotation.choices)
    reports = list(reports)
    for r in reports:
        r.annotation_labels = [str(annotation_labels.get(a, a)) for a in r.annotations]
    assessments = list(item.assessments.select_related("analyst"))
    mine = any(a.analyst_id == user.pk for a in assessments)
    hold = item.claimed_by_id == user.pk and item.is_waiting
    # Four eyes: the second analyst decides without seeing the first decision (no outcome,
    # no banner or link that only illegal items get) until theirs is recorded. The first
    # analyst and the hotline's supervisors see it, except a supervisor who is giving the
    # second assessment.
    supervisor = permissions.is_supervisor_of(user, item.hotline)
    hide_assessments = (
        item.state == ItemState.SECOND_OPINION and not mine and (hold or not supervisor)
    )
    if hold and form is None:
        initial = {}
        classification = item.known_classification or {}
        for name in ("content_type", "site_type", "age_band", "gender", "severity"):
            if isinstance(classification.get(name), str):
                initial[name] = classification[name]
        form = AssessmentForm(initial=initial)
    return {
        "item": item,
        "reports": reports,
        "assessments": assessments,
        "hide_assessments": hide_assessments,
        "holds_claim": hold,
        "can_claim": item.is_waiting
        and not item.claim_active(now)
        and not (item.state == ItemState.SECOND_OPINION and mine),
        "form": form if hold else None,
        "classification_fields": [
            form[name] for name in ("content_type", "site_type", "age_band", "gender", "severity")
        ]
        if hold
        else [],
        "revealed_url": revealed_url,
        "item_is_illegal": item.outcome in ILLEGAL_OUTCOMES and not hide_assessments,
        "hashes": services.hashes_of_item(item),
        "later_items": item.later_items.all(),
        **_break_context(user),
    }


@require_GET
@permission_required(permissions.can_work_in_hotline)
def item_detail(request, pk):
    item = _visible_item(request, pk)
    return render(request, "hotline/item.html", _item_context(request, item))


@require_POST
@permission_required(permissions.can_work_in_hotline)
def item_claim(request, pk):
    item = _visible_item(request, pk)
    try:
        services.claim_item(item, actor=request.user)
    except services.ClaimError as exc:
        messages.error(request, _claim_message(exc))
    return redirect("hotline:item", pk=item.pk)


def _claim_message(exc) -> str:
    return str(exc) or _("The item cannot be changed right now.")


@require_POST
@permission_required(permissions.can_work_in_hotline)
def item_release(request, pk):
    item = _visible_item(request, pk)
    services.release_claim(item, actor=request.user)
    return redirect("hotline:queue")


@require_POST
@permission_required(permissions.can_work_in_hotline)
def item_assess(request, pk):
    item = _visible_item(request, pk)
    form = AssessmentForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        duplicate_of = None
        if data["duplicate_of"]:
            duplicate_of = (
                Item.objects.visible_to(request.user).filter(pk=data["duplicate_of"]).first()
            )
            if duplicate_of is None:
                form.add_error("duplicate_of", _("There is no item with this number."))
        if form.is_valid():
            try:
                services.assess_item(
                    item,
                    actor=request.user,
                    outcome=data["outcome"],
                    legal_articles=data["legal_articles"],
                    content_type=data["content_type"],
                    site_type=data["site_type"],
                    age_band=data["age_band"],
                    gender=data["gender"],
                    severity=data["severity"],
                    commercial=data["commercial"],
                    self_generated=data["self_generated"],
                    ai_generated=data["ai_generated"],
                    notes=data["notes"],
                    duplicate_of=duplicate_of,
                )
            except services.ClaimError as exc:
                messages.error(request, _claim_message(exc))
                return redirect("hotline:item", pk=item.pk)
            except ValueError as exc:
                problems = exc.args[0] if exc.args and isinstance(exc.args[0], dict) else {}
                for name, message in problems.items():
                    form.add_error(name if name in form.fields else None, message)
            else:
                item.refresh_from_db()
                if item.state == ItemState.SECOND_OPINION:
                    messages.success(
                        request,
                        _("Assessment saved. A second analyst must confirm it before any action."),
                    )
                else:
                    messages.success(request, _("Assessment saved."))
                return redirect("hotline:queue")
    return render(request, "hotline/item.html", _item_context(request, item, form=form), status=400)


@require_POST
@permission_required(permissions.can_work_in_hotline)
def item_reveal(request, pk):
    item = _visible_item(request, pk)
    url = services.reveal_url(item, actor=request.user)
    return render(request, "hotline/item.html", _item_context(request, item, revealed_url=url))


def _own_hotline(request, slug) -> Organisation:
    return get_object_or_404(
        Organisation.objects.filter(pk__in=permissions.hotline_ids(request.user)), slug=slug
    )


@require_http_methods(["GET", "POST"])
@permission_required(permissions.can_work_in_hotline)
def rules(request, slug):
    hotline = _own_hotline(request, slug)
    can_edit = permissions.can_manage_rules(request.user, hotline)
    current = services.active_rules(hotline.pk)
    form = RulesForm(initial={"rules": json.dumps(current, indent=2)})
    status = 200
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        form = RulesForm(request.POST)
        if form.is_valid():
            try:
                saved = services.save_rules(
                    actor=request.user,
                    hotline=hotline,
                    rules=form.cleaned_data["rules"],
                    comment=form.cleaned_data["comment"],
                )
            except ValueError as exc:
                form.add_error("rules", str(exc))
            else:
                messages.success(
                    request,
                    _("Version %(version)d of the priority rules is in force.")
                    % {"version": saved.version},
                )
                return redirect("hotline:rules", slug=hotline.slug)
        status = 400
    history = PriorityRuleSet.objects.filter(hotline=hotline).select_related("created_by")[:50]
    return render(
        request,
        "hotline/rules.html",
        {
            "hotline": hotline,
            "form": form,
            "can_edit": can_edit,
            "current_version": current["version"],
            "history": history,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@permission_required(permissions.can_work_in_hotline)
def hotline_settings(request, slug):
    hotline = _own_hotline(request, slug)
    if not permissions.can_manage_settings(request.user, hotline):
        raise PermissionDenied
    current = HotlineSettings.objects.filter(hotline=hotline).first() or HotlineSettings(
        hotline=hotline
    )
    form = SettingsForm(request.POST or None, instance=current)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            services.update_settings(
                actor=request.user,
                hotline=hotline,
                **{name: form.cleaned_data[name] for name in services.SETTINGS_FIELDS},
            )
            messages.success(request, _("Settings saved."))
            return redirect("hotline:settings", slug=hotline.slug)
        status = 400
    return render(
        request, "hotline/settings.html", {"hotline": hotline, "form": form}, status=status
    )


@require_GET
@permission_required(permissions.can_view_statistics)
def stats(request):
    """Figures only (no URLs, no text): for coordinators and the hotline's own staff."""
    from ostoja.organisations.permissions import is_coordinator

    user = request.user
    if is_coordinator(user):
        hotline_ids = list(
            Organisation.objects.filter(kind=Organisation.Kind.HOTLINE).values_list("pk", flat=True)
        )
    else:
        hotline_ids = list(permissions.hotline_ids(user))
    now = timezone.now()
    labels = {
        "state": dict(ItemState.choices),
        "source_kind": dict(SourceKind.choices),
        "incident_type": dict(IncidentType.choices),
    }

    def counted(qs, field):
        return [
            {"label": labels[field].get(row[field], row[field]), "n": row["n"]}
            for row in qs.values(field).annotate(n=Count("pk")).order_by(field)
        ]

    rows = []
    for hotline in Organisation.objects.filter(pk__in=hotline_ids).order_by("name"):
        reports = Report.objects.filter(hotline=hotline)
        items = Item.objects.filter(hotline=hotline)
        rows.append(
            {
                "hotline": hotline,
                "reports": reports.count(),
                "by_source": counted(reports, "source_kind"),
                "by_incident": counted(reports, "incident_type"),
                "items": items.count(),
                "by_state": counted(items, "state"),
                "overdue": items.filter(
                    state__in=WAITING_STATES, priority_deadline__lt=now
                ).count(),
                "reappeared": items.filter(reappeared=True).count(),
                "known": items.filter(known=True).count(),
                "assessments": Assessment.objects.filter(item__hotline=hotline).count(),
                "feedback_requested": reports.filter(feedback_requested=True).count(),
            }
        )
    return render(request, "hotline/stats.html", {"rows": rows})
