"""Forum pages. Thin: parse, check permission (permissions.py), call a service, render.

Every page is for partnership members only (anonymous visitors go to the login page, other
signed-in people get 403), carries ``noindex`` (meta and ``X-Robots-Tag``) and is not
cached. Anything in a category the reader may not see is a 404.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ostoja.core import child_data

from . import files as forum_files
from . import forms, permissions, search, services
from .models import (
    Attachment,
    Category,
    ForumGroup,
    ForumProfile,
    ModerationLogEntry,
    Notification,
    Post,
    PostRevision,
    PostState,
    Report,
    Subscription,
    Thread,
)
from .services.posting import quote_source
from .uploads import UploadLimit, body_too_large

POSTS_PER_PAGE = 50
THREADS_PER_PAGE = 30


def forum_page(view):
    """Members only, noindex, no caching; the visit is remembered for the digest."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            response = redirect_to_login(request.get_full_path())
        elif not permissions.can_use_forum(request.user):
            raise PermissionDenied
        else:
            services.touch_visit(request.user)
            response = view(request, *args, **kwargs)
        response["X-Robots-Tag"] = "noindex, nofollow"
        response["Cache-Control"] = "private, no-store"
        return response

    return wrapper


def _category_or_404(user, slug) -> Category:
    category = get_object_or_404(Category, slug=slug)
    if not permissions.can_see_category(user, category):
        raise Http404
    return category


def _thread_or_404(user, pk) -> Thread:
    thread = get_object_or_404(Thread.objects.select_related("category"), pk=pk)
    if not permissions.can_see_thread(user, thread):
        raise Http404
    return thread


def _post_or_404(user, pk) -> Post:
    post = get_object_or_404(Post.objects.select_related("thread__category", "category"), pk=pk)
    if not permissions.can_see_post(user, post):
        raise Http404
    return post


def _error(request, exc: services.ForumError):
    if exc.status == 404:
        raise Http404
    if exc.status == 403:
        raise PermissionDenied(str(exc.message))
    messages.error(request, exc.message)


# The same words as ostoja.core.child_data.KIND_LABELS, repeated here so that the forum's
# catalogue carries their Polish (the core catalogue did not have them yet).
CHILD_DATA_LABELS = {
    "pesel": gettext_lazy("a PESEL number"),
    "phone": gettext_lazy("a phone number"),
    "name_dob": gettext_lazy("a name next to a date of birth or age"),
}


def _child_data_labels(kinds) -> list:
    return [
        CHILD_DATA_LABELS.get(k) or child_data.KIND_LABELS[k]
        for k in kinds
        if k in child_data.KIND_LABELS
    ]


def _breadcrumbs(category: Category) -> list[Category]:
    chain = []
    node = category
    while node is not None:
        chain.append(node)
        node = node.parent
    return list(reversed(chain))


# --- reading ---------------------------------------------------------------------------------


@require_GET
@forum_page
def index(request):
    visible = permissions.visible_category_ids(request.user)
    categories = list(Category.objects.filter(pk__in=visible).prefetch_related("restricted_to"))
    children: dict = {}
    for c in categories:
        children.setdefault(c.parent_id, []).append(c)
    top = [c for c in categories if c.parent_id is None or c.parent_id not in visible]
    counts = dict(
        Thread.objects.filter(category_id__in=visible, hidden=False, post_count__gt=0)
        .values_list("category_id")
        .annotate(n=Count("pk"))
    )
    rows = [
        {"category": c, "children": children.get(c.pk, []), "threads": counts.get(c.pk, 0)}
        for c in top
    ]
    latest = (
        Thread.objects.filter(category_id__in=visible, hidden=False, post_count__gt=0)
        .select_related("category")
        .order_by("-last_post_at")[:10]
    )
    return render(
        request,
        "forum/index.html",
        {
            "rows": rows,
            "latest": latest,
            "unread": Notification.objects.filter(user=request.user, read_at__isnull=True).count(),
            "can_manage": permissions.can_manage_forum(request.user),
            "moderates": bool(permissions.moderated_category_ids(request.user)),
        },
    )


@require_GET
@forum_page
def category(request, slug):
    cat = _category_or_404(request.user, slug)
    user = request.user
    visible = permissions.visible_category_ids(user)
    moderator = permissions.is_moderator(user, cat)
    threads = Thread.objects.filter(category=cat).select_related("author")
    if not moderator:
        threads = threads.filter(hidden=False).filter(Q(post_count__gt=0) | Q(author=user))
    page = Paginator(threads.order_by("-pinned", "-last_post_at"), THREADS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "forum/category.html",
        {
            "category": cat,
            "crumbs": _breadcrumbs(cat)[:-1],
            "children": [c for c in cat.children.all() if c.pk in visible],
            "page": page,
            "moderator": moderator,
            "subscribed": Subscription.objects.filter(user=user, category=cat).exists(),
        },
    )


def _authors(posts) -> dict:
    ids = {p.author_id for p in posts if p.author_id}
    members = permissions.current_member_ids(ids)
    handles = dict(ForumProfile.objects.filter(user_id__in=ids).values_list("user_id", "handle"))
    return {"members": members, "handles": handles}


def _decorate(posts, user, category) -> list:
    info = _authors(posts)
    moderator = permissions.is_moderator(user, category)
    for p in posts:
        p.former_member = p.author_id not in info["members"]
        p.handle = info["handles"].get(p.author_id, "")
        p.is_mine = p.author_id == user.pk
        p.show_flag = bool(p.child_data_kinds) and (moderator or p.is_mine)
        p.flag_labels = _child_data_labels(p.child_data_kinds) if p.show_flag else []
    return posts


@csrf_exempt  # the upload limit must be in place before the body is parsed; csrf below
@forum_page
def thread(request, pk):
    if request.method == "POST" and body_too_large(request):
        return _too_large(request)  # before a byte of the body is read
    request.upload_handlers.insert(0, UploadLimit(request))
    return _thread(request, pk)


@csrf_protect
@require_http_methods(["GET", "POST"])
def _thread(request, pk):
    t = _thread_or_404(request.user, pk)
    user = request.user
    moderator = permissions.is_moderator(user, t.category)
    flagged = []
    if request.method == "POST":
        form = forms.ReplyForm(request.POST)
        if getattr(request, "_forum_file_too_large", None):
            form.add_error(None, _upload_too_large_message(request))
        elif form.is_valid():
            quote = None
            if form.cleaned_data.get("quote_of"):
                quote = Post.objects.filter(pk=form.cleaned_data["quote_of"], thread=t).first()
            try:
                post = services.reply(
                    actor=user,
                    thread=t,
                    body=form.cleaned_data["body"],
                    quote_of=quote,
                    files=request.FILES.getlist("files"),
                    confirm_child_data=form.cleaned_data["confirm_child_data"],
                )
            except services.ChildDataFound as exc:
                flagged = _child_data_labels(exc.kinds)
                form = forms.ReplyForm(initial={**form.cleaned_data, "confirm_child_data": True})
            except services.ForumError as exc:
                _error(request, exc)
            else:
                if post.state == PostState.PENDING:
                    messages.info(request, _("Your post will appear when a moderator approves it."))
                return redirect(_post_url(post))
    else:
        initial = {}
        quote_id = request.GET.get("quote", "")
        if quote_id.isdigit():
            quoted = Post.objects.filter(pk=int(quote_id), thread=t).first()
            if quoted is not None and permissions.can_see_post(user, quoted):
                initial = {"body": quote_source(quoted), "quote_of": quoted.pk}
        form = forms.ReplyForm(initial=initial)
    posts = Post.objects.filter(thread=t).select_related("author").prefetch_related("attachments")
    if not moderator:
        posts = posts.filter(Q(state=PostState.PUBLISHED) | Q(state=PostState.PENDING, author=user))
    page = Paginator(posts.defer("body", "search_vector"), POSTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    _decorate(page.object_list, user, t.category)
    return render(
        request,
        "forum/thread.html",
        {
            "thread": t,
            "category": t.category,
            "crumbs": _breadcrumbs(t.category),
            "page": page,
            "form": form,
            "flagged": flagged,
            "moderator": moderator,
            "can_reply": permissions.can_reply(user, t),
            "subscribed": Subscription.objects.filter(user=user, thread=t).exists(),
            "move_targets": list(
                Category.objects.filter(pk__in=permissions.moderated_category_ids(user)).exclude(
                    pk=t.category_id
                )
            )
            if moderator
            else [],
            "max_files": forum_files.MAX_FILES_PER_POST,
            "max_size": forum_files.max_bytes(),
        },
    )


def _post_url(post: Post) -> str:
    visible_before = Post.objects.filter(thread_id=post.thread_id, state=PostState.PUBLISHED)
    position = visible_before.filter(created_at__lt=post.created_at).count()
    page = position // POSTS_PER_PAGE + 1
    url = reverse("forum:thread", args=[post.thread_id])
    return f"{url}?page={page}#post-{post.pk}" if page > 1 else f"{url}#post-{post.pk}"


def _too_large(request):
    return render(
        request,
        "forum/too_large.html",
        {"limit": forum_files.max_bytes(), "files": forum_files.MAX_FILES_PER_POST},
        status=413,
    )


def _upload_too_large_message(request) -> str:
    from django.template.defaultfilters import filesizeformat

    return _("“%(name)s” is larger than %(limit)s.") % {
        "name": forum_files.clean_name(request._forum_file_too_large),
        "limit": filesizeformat(forum_files.max_bytes()),
    }


@require_GET
@forum_page
def post_link(request, pk):
    post = _post_or_404(request.user, pk)
    return redirect(_post_url(post))


@csrf_exempt
@forum_page
def new_thread(request, slug):
    if request.method == "POST" and body_too_large(request):
        return _too_large(request)  # before a byte of the body is read
    request.upload_handlers.insert(0, UploadLimit(request))
    return _new_thread(request, slug)


@csrf_protect
@require_http_methods(["GET", "POST"])
def _new_thread(request, slug):
    cat = _category_or_404(request.user, slug)
    flagged = []
    if request.method == "POST":
        form = forms.ThreadForm(request.POST)
        if getattr(request, "_forum_file_too_large", None):
            form.add_error(None, _upload_too_large_message(request))
        elif form.is_valid():
            try:
                t = services.start_thread(
                    actor=request.user,
                    category=cat,
                    title=form.cleaned_data["title"],
                    body=form.cleaned_data["body"],
                    files=request.FILES.getlist("files"),
                    confirm_child_data=form.cleaned_data["confirm_child_data"],
                )
            except services.ChildDataFound as exc:
                flagged = _child_data_labels(exc.kinds)
                form = forms.ThreadForm(initial={**form.cleaned_data, "confirm_child_data": True})
            except services.ForumError as exc:
                _error(request, exc)
            else:
                if t.post_count == 0:
                    messages.info(
                        request, _("Your thread will appear when a moderator approves it.")
                    )
                return redirect("forum:thread", pk=t.pk)
    else:
        form = forms.ThreadForm()
    return render(
        request,
        "forum/new_thread.html",
        {
            "category": cat,
            "crumbs": _breadcrumbs(cat),
            "form": form,
            "flagged": flagged,
            "max_files": forum_files.MAX_FILES_PER_POST,
            "max_size": forum_files.max_bytes(),
        },
    )


@require_http_methods(["GET", "POST"])
@forum_page
def edit_post(request, pk):
    post = _post_or_404(request.user, pk)
    if not permissions.can_edit_post(request.user, post):
        raise PermissionDenied
    flagged = []
    if request.method == "POST":
        form = forms.EditForm(request.POST)
        if form.is_valid():
            try:
                services.edit_post(
                    actor=request.user,
                    post=post,
                    body=form.cleaned_data["body"],
                    confirm_child_data=form.cleaned_data["confirm_child_data"],
                )
            except services.ChildDataFound as exc:
                flagged = _child_data_labels(exc.kinds)
                form = forms.EditForm(initial={**form.cleaned_data, "confirm_child_data": True})
            except services.ForumError as exc:
                _error(request, exc)
            else:
                messages.success(request, _("The post was changed; the earlier version is kept."))
                return redirect(_post_url(post))
    else:
        form = forms.EditForm(initial={"body": post.body})
    return render(
        request,
        "forum/edit_post.html",
        {"post": post, "thread": post.thread, "form": form, "flagged": flagged},
    )


@require_GET
@forum_page
def post_history(request, pk):
    post = _post_or_404(request.user, pk)
    if not permissions.can_see_history(request.user, post):
        raise PermissionDenied
    revisions = PostRevision.objects.filter(post=post).select_related("edited_by")
    return render(
        request,
        "forum/post_history.html",
        {"post": post, "thread": post.thread, "revisions": revisions},
    )


@require_http_methods(["GET", "POST"])
@forum_page
def report_post(request, pk):
    post = _post_or_404(request.user, pk)
    if request.method == "POST":
        form = forms.ReportForm(request.POST)
        if form.is_valid():
            try:
                services.report_post(
                    actor=request.user, post=post, reason=form.cleaned_data["reason"]
                )
            except services.ForumError as exc:
                _error(request, exc)
            else:
                messages.success(request, _("Thank you. The moderators will look at the post."))
                return redirect(_post_url(post))
    else:
        form = forms.ReportForm()
    return render(
        request, "forum/report_post.html", {"post": post, "thread": post.thread, "form": form}
    )


@require_POST
@forum_page
def moderate_post(request, pk):
    post = _post_or_404(request.user, pk)
    try:
        services.moderate_post(
            actor=request.user,
            post=post,
            action=request.POST.get("action", ""),
            reason=request.POST.get("reason", ""),
        )
    except services.ForumError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("Done."))
    if request.POST.get("next") == "moderation":
        return redirect("forum:moderation")
    return redirect(_post_url(post))


@require_POST
@forum_page
def moderate_thread(request, pk):
    t = _thread_or_404(request.user, pk)
    target = None
    if request.POST.get("action") == "move":
        target_id = request.POST.get("category", "")
        target = Category.objects.filter(pk=int(target_id)).first() if target_id.isdigit() else None
    try:
        services.moderate_thread(
            actor=request.user,
            thread=t,
            action=request.POST.get("action", ""),
            reason=request.POST.get("reason", ""),
            to_category=target,
        )
    except services.ForumError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("Done."))
    return redirect("forum:thread", pk=t.pk)


@require_POST
@forum_page
def subscribe_thread(request, pk):
    t = _thread_or_404(request.user, pk)
    if request.POST.get("subscribe") == "0":
        services.unsubscribe(actor=request.user, thread=t)
        messages.success(request, _("You no longer follow this thread."))
    else:
        services.subscribe(actor=request.user, thread=t)
        messages.success(request, _("You follow this thread now."))
    return redirect("forum:thread", pk=t.pk)


@require_POST
@forum_page
def subscribe_category(request, slug):
    cat = _category_or_404(request.user, slug)
    if request.POST.get("subscribe") == "0":
        services.unsubscribe(actor=request.user, category=cat)
        messages.success(request, _("You no longer follow this category."))
    else:
        services.subscribe(actor=request.user, category=cat)
        messages.success(request, _("You follow this category now."))
    return redirect("forum:category", slug=cat.slug)


@require_GET
@forum_page
def attachment(request, pk):
    item = get_object_or_404(Attachment.objects.select_related("post__thread__category"), pk=pk)
    if not permissions.can_see_post(request.user, item.post):
        raise Http404
    try:
        handle = forum_files.open_stored(item.stored_name)
    except FileNotFoundError:
        raise Http404
    response = FileResponse(
        handle, as_attachment=True, filename=item.name, content_type=item.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_GET
@forum_page
def search_page(request):
    text = request.GET.get("q", "")[:200]
    page = request.GET.get("page", "1")
    page = int(page) if page.isdigit() else 1
    results = search.search(request.user, text, page=page) if text.strip() else None
    if results:
        info = _authors(results.posts)
        for p in results.posts:
            p.former_member = p.author_id not in info["members"]
    return render(request, "forum/search.html", {"q": text, "results": results})


@require_http_methods(["GET", "POST"])
@forum_page
def notifications(request):
    if request.method == "POST":
        services.mark_read(actor=request.user)
        return redirect("forum:notifications")
    items = list(
        Notification.objects.filter(user=request.user).select_related(
            "post__thread__category", "post__author"
        )[:100]
    )
    items = [n for n in items if permissions.can_see_post(request.user, n.post)]
    return render(request, "forum/notifications.html", {"items": items})


@require_http_methods(["GET", "POST"])
@forum_page
def preferences(request):
    profile = services.profile_for(request.user)
    if request.method == "POST":
        form = forms.PreferencesForm(request.POST)
        if form.is_valid():
            services.set_preferences(actor=request.user, **form.cleaned_data)
            messages.success(request, _("Your forum settings were saved."))
            return redirect("forum:preferences")
    else:
        form = forms.PreferencesForm(
            initial={"digest": profile.digest, "email_notifications": profile.email_notifications}
        )
    subscriptions = Subscription.objects.filter(user=request.user).select_related(
        "thread", "category"
    )
    subscriptions = [
        s
        for s in subscriptions
        if (s.thread and permissions.can_see_thread(request.user, s.thread))
        or (s.category and permissions.can_see_category(request.user, s.category))
    ]
    return render(
        request,
        "forum/preferences.html",
        {"form": form, "profile": profile, "subscriptions": subscriptions},
    )


# --- moderation ------------------------------------------------------------------------------


@require_GET
@forum_page
def moderation(request):
    mine = permissions.moderated_category_ids(request.user)
    if not mine:
        raise PermissionDenied
    pending = Post.objects.filter(category_id__in=mine, state=PostState.PENDING).select_related(
        "thread", "author"
    )
    reports = Report.objects.filter(
        post__category_id__in=mine, resolved_at__isnull=True
    ).select_related("post__thread", "reporter")
    flagged = (
        Post.objects.filter(category_id__in=mine)
        .exclude(child_data_kinds=[])
        .select_related("thread", "author")
        .order_by("-created_at")[:50]
    )
    for p in flagged:
        p.flag_labels = _child_data_labels(p.child_data_kinds)
    log = ModerationLogEntry.objects.filter(category_id__in=mine).select_related(
        "actor", "thread", "category"
    )[:100]
    return render(
        request,
        "forum/moderation.html",
        {"pending": pending, "reports": reports, "flagged": flagged, "log": log},
    )


@require_POST
@forum_page
def resolve_report(request, pk):
    report = get_object_or_404(Report.objects.select_related("post__thread__category"), pk=pk)
    if not permissions.can_see_post(request.user, report.post):
        raise Http404
    try:
        services.resolve_report(
            actor=request.user, report=report, note=request.POST.get("note", "")
        )
    except services.ForumError as exc:
        _error(request, exc)
    return redirect("forum:moderation")


# --- managing groups and categories (coordinators) -------------------------------------------


def _manager(request) -> None:
    if not permissions.can_manage_forum(request.user):
        raise PermissionDenied


@require_http_methods(["GET", "POST"])
@forum_page
def groups(request):
    _manager(request)
    form = forms.GroupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            group = services.create_group(actor=request.user, **form.cleaned_data)
        except services.ForumError as exc:
            form.add_error("name", exc.message)
        else:
            return redirect("forum:group", pk=group.pk)
    return render(
        request,
        "forum/groups.html",
        {"form": form, "groups": ForumGroup.objects.prefetch_related("members")},
    )


@require_http_methods(["GET", "POST"])
@forum_page
def group(request, pk):
    _manager(request)
    g = get_object_or_404(ForumGroup, pk=pk)
    form = forms.MemberForm(request.POST or None)
    if request.method == "POST":
        remove = request.POST.get("remove", "")
        if remove.isdigit():
            user = g.members.filter(pk=int(remove)).first()
            if user is not None:
                services.remove_group_member(actor=request.user, group=g, user=user)
            return redirect("forum:group", pk=g.pk)
        if form.is_valid():
            try:
                services.add_group_member(
                    actor=request.user, group=g, user=form.cleaned_data["user"]
                )
            except services.ForumError as exc:
                form.add_error("user", exc.message)
            else:
                return redirect("forum:group", pk=g.pk)
    return render(
        request,
        "forum/group.html",
        {
            "group": g,
            "form": form,
            "members": g.members.order_by("full_name"),
            "categories": g.restricted_categories.all(),
            "moderates": g.moderated_categories.all(),
        },
    )


@require_http_methods(["GET", "POST"])
@forum_page
def categories(request):
    _manager(request)
    form = forms.CategoryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.create_category(actor=request.user, **form.cleaned_data)
        except services.ForumError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The category was created."))
            return redirect("forum:categories")
    return render(
        request,
        "forum/categories.html",
        {
            "form": form,
            "categories": Category.objects.select_related("parent").prefetch_related(
                "restricted_to", "moderator_groups", "moderator_users"
            ),
        },
    )


@require_http_methods(["GET", "POST"])
@forum_page
def edit_category(request, pk):
    _manager(request)
    cat = get_object_or_404(Category, pk=pk)
    initial = {
        "name": cat.name,
        "description": cat.description,
        "parent": cat.parent,
        "position": cat.position,
        "premoderated": cat.premoderated,
        "restricted_to": list(cat.restricted_to.all()),
        "moderator_groups": list(cat.moderator_groups.all()),
        "moderator_users": list(cat.moderator_users.all()),
    }
    form = forms.CategoryForm(request.POST or None, initial=initial)
    form.fields["parent"].queryset = Category.objects.exclude(pk=cat.pk)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_category(actor=request.user, category=cat, **form.cleaned_data)
        except services.ForumError as exc:
            form.add_error("parent", exc.message)
        else:
            messages.success(request, _("The category was saved."))
            return redirect("forum:categories")
    return render(request, "forum/edit_category.html", {"form": form, "category": cat})
