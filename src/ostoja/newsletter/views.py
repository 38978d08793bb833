"""Newsletter pages. Public pages (sign-up, confirm, unsubscribe, archive) are
``private_page`` (no-store), load nothing from other hosts and set no lasting cookie: only the
sign-up form has a CSRF cookie, which lives for the browser session (``CSRF_COOKIE_AGE =
None``). The confirmation and unsubscribe pages set no cookie at all. Coordinators' pages look
objects up by id; there is no tenant below the coordinator, so a missing id is a plain 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ostoja.core.decorators import private_page
from ostoja.core.permissions import permission_required
from ostoja.core.ratelimit import CacheRateLimiter
from ostoja.core.text import render_markdown
from ostoja.network.membership import is_partnership_member
from ostoja.outbox.models import OutboxMessage

from . import permissions, services
from .forms import IssueForm, ListForm, ScheduleForm, SignupForm
from .models import Issue, NewsletterList, Subscriber

limiter = CacheRateLimiter("newsletter", "NEWSLETTER_RATE_LIMITS", {"subscribe": (20, 3600)})


# --- public ---------------------------------------------------------------------------------


def _public_lists():
    return list(NewsletterList.objects.filter(active=True, audience=NewsletterList.Audience.PUBLIC))


def _member_lists(user):
    if not is_partnership_member(user):
        return []
    rows = []
    for newsletter in NewsletterList.objects.filter(
        active=True, audience=NewsletterList.Audience.MEMBERS
    ):
        sub = services.member_subscription(newsletter, user)
        rows.append({"list": newsletter, "subscribed": bool(sub and sub.state == "confirmed")})
    return rows


@private_page
@require_http_methods(["GET", "POST"])
def index(request):
    lists = _public_lists()
    form = SignupForm(
        request.POST or None,
        lists=NewsletterList.objects.filter(pk__in=[x.pk for x in lists]),
        initial={"language": translation.get_language()},
    )
    context = {"form": form, "lists": lists, "member_lists": _member_lists(request.user)}
    if request.method == "POST":
        if not limiter.allow(request, "subscribe"):
            context["limited"] = True
            return render(request, "newsletter/index.html", context, status=429)
        if form.is_valid():
            try:
                for newsletter in form.cleaned_data["lists"]:
                    services.request_subscription(
                        newsletter=newsletter,
                        email=form.cleaned_data["email"],
                        language=form.cleaned_data["language"],
                        source="public sign-up form",
                    )
            except services.NewsletterError as exc:
                form.add_error("email", str(exc))
            else:
                # The same page whether the address was new, pending or already subscribed.
                return render(request, "newsletter/check_inbox.html", {})
        return render(request, "newsletter/index.html", context, status=400)
    return render(request, "newsletter/index.html", context)


# Confirmation and unsubscribe pages: the token in the URL is the only credential, so CSRF
# protection adds nothing (a forged cross-site POST would need the secret token) while its
# cookie would be the only cookie these pages set. Mail providers POST to the one-click URL
# with no cookie and no CSRF token at all (RFC 8058), so it must be exempt by design.


@csrf_exempt
@private_page
@require_http_methods(["GET", "POST"])
def confirm(request, token):
    if request.method == "GET":
        # A button, not a GET that confirms: mail scanners open links in e-mails.
        return render(request, "newsletter/confirm.html", {"token": token})
    subscriber = services.confirm(token)
    if subscriber is None:
        return render(request, "newsletter/link_invalid.html", {}, status=410)
    return render(request, "newsletter/confirmed.html", {"newsletter": subscriber.newsletter})


@csrf_exempt  # RFC 8058 one-click: see the comment above confirm()
@private_page
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """GET: one button. POST (a person's click or a mail provider's one-click request):
    unsubscribed at once. An unknown, forged or replayed token gets the same answer and
    changes nothing, so the page tells nobody whether an address was subscribed."""
    if request.method == "GET":
        return render(request, "newsletter/unsubscribe.html", {"token": token})
    services.unsubscribe(token, source="one-click link")
    return render(request, "newsletter/unsubscribed.html", {})


@require_POST
@permission_required(is_partnership_member)
def member_subscribe(request, pk):
    newsletter = get_object_or_404(
        NewsletterList, pk=pk, active=True, audience=NewsletterList.Audience.MEMBERS
    )
    services.subscribe_member(newsletter=newsletter, user=request.user)
    messages.success(request, _("You are subscribed to %(name)s.") % {"name": newsletter.name})
    return redirect("newsletter:index")


@require_POST
@permission_required(is_partnership_member)
def member_unsubscribe(request, pk):
    newsletter = get_object_or_404(
        NewsletterList, pk=pk, active=True, audience=NewsletterList.Audience.MEMBERS
    )
    sub = services.member_subscription(newsletter, request.user)
    if sub is not None:
        services.unsubscribe(sub.unsubscribe_token, source="member account", actor=request.user)
    messages.success(request, _("You are unsubscribed from %(name)s.") % {"name": newsletter.name})
    return redirect("newsletter:index")


def _issue_context(issue, language):
    language, subject, body = issue.version(language)
    return {"issue": issue, "subject": subject, "body": render_markdown(body), "lang": language}


@private_page
@require_GET
def archive(request):
    return render(
        request, "newsletter/archive.html", {"issues": permissions.archive(request.user)[:200]}
    )


@private_page
@require_GET
def archive_issue(request, pk):
    issue = get_object_or_404(permissions.archive(request.user), pk=pk)
    return render(
        request, "newsletter/archive_issue.html", _issue_context(issue, translation.get_language())
    )


# --- coordinators ---------------------------------------------------------------------------


@require_GET
@permission_required(permissions.can_manage)
def manage(request):
    lists = NewsletterList.objects.annotate(n=Count("subscribers")).order_by("name")
    counts = {}
    for row in Subscriber.objects.values("newsletter_id", "state").annotate(n=Count("pk")):
        counts.setdefault(row["newsletter_id"], {})[row["state"]] = row["n"]
    rows = [{"list": x, "counts": counts.get(x.pk, {})} for x in lists]
    issues = Issue.objects.select_related("newsletter").order_by("-created_at")[:100]
    return render(request, "newsletter/manage.html", {"rows": rows, "issues": issues})


@require_http_methods(["GET", "POST"])
@permission_required(permissions.can_manage)
def list_new(request):
    form = ListForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            newsletter = services.create_list(actor=request.user, **form.cleaned_data)
        except services.NewsletterError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The list was created."))
            return redirect("newsletter:list_detail", pk=newsletter.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "newsletter/list_new.html", {"form": form}, status=status)


@require_GET
@permission_required(permissions.can_manage)
def list_detail(request, pk):
    newsletter = get_object_or_404(NewsletterList, pk=pk)
    state = request.GET.get("state", "")
    subscribers = newsletter.subscribers.all()
    if state in Subscriber.State.values:
        subscribers = subscribers.filter(state=state)
    stopped = newsletter.subscribers.filter(state=Subscriber.State.STOPPED).order_by("-ended_at")
    return render(
        request,
        "newsletter/list_detail.html",
        {
            "newsletter": newsletter,
            "subscribers": subscribers[:500],
            "total": subscribers.count(),
            "stopped": stopped[:200],
            "state": state,
            "states": Subscriber.State.choices,
            "issues": newsletter.issues.order_by("-created_at")[:50],
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required(permissions.can_manage)
def issue_new(request, pk):
    newsletter = get_object_or_404(NewsletterList, pk=pk)
    form = IssueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            issue = services.save_issue(
                actor=request.user, newsletter=newsletter, **form.cleaned_data
            )
        except services.NewsletterError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The draft was saved."))
            return redirect("newsletter:issue_edit", pk=issue.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "newsletter/issue_edit.html",
        {"form": form, "newsletter": newsletter, "issue": None},
        status=status,
    )


def _delivery_counts(issue):
    ct = ContentType.objects.get_for_model(Subscriber)
    rows = (
        OutboxMessage.objects.filter(
            related_type=ct, dedup_key__startswith=f"newsletter:issue:{issue.pk}:"
        )
        .values("state")
        .annotate(n=Count("pk"))
    )
    labels = dict(OutboxMessage.State.choices)
    return [{"state": labels.get(r["state"], r["state"]), "n": r["n"]} for r in rows]


@require_http_methods(["GET", "POST"])
@permission_required(permissions.can_manage)
def issue_edit(request, pk):
    issue = get_object_or_404(Issue.objects.select_related("newsletter"), pk=pk)
    editable = issue.state in (Issue.State.DRAFT, Issue.State.SCHEDULED)
    initial = {
        "subject_pl": issue.subject_pl,
        "body_pl": issue.body_pl,
        "subject_en": issue.subject_en,
        "body_en": issue.body_en,
    }
    action = request.POST.get("action", "") if request.method == "POST" else ""
    form = IssueForm(request.POST if action in ("save", "preview") else None, initial=initial)
    schedule_form = ScheduleForm(request.POST if action == "schedule" else None)
    preview = None
    status = 200
    if request.method == "POST" and not editable and action != "test":
        raise Http404
    try:
        if action in ("save", "preview"):
            if form.is_valid():
                if action == "preview":
                    data = form.cleaned_data
                    preview = {
                        "pl": render_markdown(data["body_pl"]),
                        "en": render_markdown(data["body_en"]) if data["body_en"] else None,
                        "subject_pl": data["subject_pl"],
                        "subject_en": data["subject_en"],
                    }
                else:
                    services.save_issue(
                        actor=request.user,
                        newsletter=issue.newsletter,
                        issue=issue,
                        **form.cleaned_data,
                    )
                    messages.success(request, _("The draft was saved."))
                    return redirect("newsletter:issue_edit", pk=issue.pk)
            else:
                status = 400
        elif action == "test":
            language = request.POST.get("language", "pl")
            services.send_test(actor=request.user, issue=issue, language=language)
            messages.success(
                request,
                _("A test copy is on its way to %(email)s.") % {"email": request.user.email},
            )
            return redirect("newsletter:issue_edit", pk=issue.pk)
        elif action == "schedule":
            if schedule_form.is_valid():
                services.schedule_issue(
                    actor=request.user,
                    issue=issue,
                    at=schedule_form.cleaned_data["at"],
                    child_data_confirmed=schedule_form.cleaned_data["child_data_confirmed"],
                )
                from . import tasks

                tasks.send_due.enqueue()
                messages.success(request, _("The issue is scheduled."))
                return redirect("newsletter:issue_edit", pk=issue.pk)
            status = 400
        elif action == "unschedule":
            services.unschedule_issue(actor=request.user, issue=issue)
            messages.success(request, _("The issue is a draft again."))
            return redirect("newsletter:issue_edit", pk=issue.pk)
        elif request.method == "POST":
            status = 400
    except services.NewsletterError as exc:
        messages.error(request, str(exc))
        status = 400
    issue.refresh_from_db()
    return render(
        request,
        "newsletter/issue_edit.html",
        {
            "form": form,
            "schedule_form": schedule_form,
            "newsletter": issue.newsletter,
            "issue": issue,
            "editable": issue.state in (Issue.State.DRAFT, Issue.State.SCHEDULED),
            "preview": preview,
            "findings": services.child_data_findings(issue),
            "delivery": _delivery_counts(issue) if issue.state == Issue.State.SENT else [],
            "now": timezone.now(),
        },
        status=status,
    )
