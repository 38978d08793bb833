"""Library pages: search and materials (public ones for everyone, the rest for members),
downloads through a permission check, printed-copy orders, and the journal."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ostoja.core.permissions import permission_required
from ostoja.core.text import render_markdown
from ostoja.organisations.models import Organisation

from . import files, forms, permissions, search, services
from .errors import LibraryError
from .models import JournalFormat, JournalIssue, JournalSubscription, Material, PrintOrder


def _apply_error(form, exc: LibraryError) -> None:
    target = exc.field if exc.field in form.fields else None
    form.add_error(target, str(exc.message))


def _material_for(request, pk) -> Material:
    """The material, if the reader may open it: a visitor is sent to sign in, a signed-in
    non-member is refused."""
    material = get_object_or_404(Material.objects.select_related("publisher"), pk=pk)
    if not permissions.can_read(request.user, material):
        if not request.user.is_authenticated:
            raise _LoginRequired
        raise PermissionDenied
    return material


class _LoginRequired(Exception):
    pass


def _login_or(view):
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except _LoginRequired:
            return redirect_to_login(request.get_full_path())

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


@require_GET
def index(request):
    form = forms.SearchForm(request.GET or None)
    members = permissions.is_member(request.user)
    filters = search.Filters()
    if form.is_valid():
        data = form.cleaned_data
        filters = search.Filters(
            text=data["q"],
            kind=data["kind"],
            language=data["language"],
            audience=data["audience"],
            year=data["year"],
        )
    qs = search.search(filters, members=members).select_related("publisher")
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "library/index.html",
        {
            "form": form,
            "page": page,
            "members": members,
            "query": query.urlencode(),
            "can_add": permissions.can_add_materials(request.user),
            "can_order": permissions.can_order(request.user),
        },
    )


@require_GET
@_login_or
def material(request, pk):
    material = _material_for(request, pk)
    versions = list(material.versions.all())
    order_form = None
    if permissions.can_order(request.user):
        order_form = forms.OrderForm(organisations=permissions.ordering_organisations(request.user))
    stock = getattr(material, "stock", None)
    return render(
        request,
        "library/material.html",
        {
            "material": material,
            "description": render_markdown(material.description),
            "versions": versions,
            "current": next((v for v in versions if v.is_current), None),
            "can_edit": permissions.can_edit(request.user, material),
            "order_form": order_form,
            "stock": stock,
            "can_manage_stock": permissions.can_manage_stock(request.user),
            "stock_form": forms.StockForm(initial={"copies": stock.copies if stock else 0}),
            "issue": getattr(material, "journal_issue", None),
        },
    )


@require_GET
@_login_or
def download(request, pk):
    """The current file of a material, after the permission check; counted, not traced."""
    material = _material_for(request, pk)
    version = material.versions.filter(is_current=True).first()
    if version is None:
        raise Http404
    try:
        handle = files.open_stored(version.stored_name)
    except OSError:
        raise Http404 from None
    services.record_download(material)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=version.original_name,
        content_type=version.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_http_methods(["GET", "POST"])
@permission_required(permissions.can_add_materials)
def add(request):
    publishers = permissions.publishing_organisations(request.user)
    publisher_qs = Organisation.objects.filter(pk__in=[o.pk for o in publishers])
    form = forms.MaterialForm(request.POST or None, request.FILES or None, publishers=publisher_qs)
    if request.method == "POST" and form.is_valid():
        fields = form.material_fields()
        if not fields.get("publisher") and not services.membership.is_coordinator(request.user):
            form.add_error("publisher", _("Choose the organisation that publishes it."))
        else:
            try:
                material = services.add_material(
                    actor=request.user, upload=form.cleaned_data.get("file"), **fields
                )
            except LibraryError as exc:
                _apply_error(form, exc)
            else:
                messages.success(request, _("The material is in the library."))
                return redirect("library:material", pk=material.pk)
    return render(request, "library/edit.html", {"form": form, "material": None})


@require_http_methods(["GET", "POST"])
@_login_or
def edit(request, pk):
    material = _material_for(request, pk)
    if not permissions.can_edit(request.user, material):
        raise PermissionDenied
    publishers = permissions.publishing_organisations(request.user)
    ids = {o.pk for o in publishers} | ({material.publisher_id} if material.publisher_id else set())
    initial = {k: getattr(material, k) for k in services.MATERIAL_FIELDS}
    form = forms.MaterialForm(
        request.POST or None,
        request.FILES or None,
        initial=initial,
        publishers=Organisation.objects.filter(pk__in=ids),
        editing=True,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_material(
                actor=request.user, material=material, **form.material_fields()
            )
            if form.cleaned_data.get("file"):
                services.add_version(
                    actor=request.user,
                    material=material,
                    upload=form.cleaned_data["file"],
                    note=form.cleaned_data.get("note", ""),
                )
        except LibraryError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, _("The material is saved."))
            return redirect("library:material", pk=material.pk)
    return render(request, "library/edit.html", {"form": form, "material": material})


@require_http_methods(["GET", "POST"])
@permission_required(permissions.can_order)
def order(request, pk):
    material = _material_for(request, pk)
    form = forms.OrderForm(
        request.POST or None, organisations=permissions.ordering_organisations(request.user)
    )
    if request.method == "POST" and form.is_valid():
        try:
            placed = services.place_order(
                actor=request.user,
                material=material,
                organisation=form.cleaned_data["organisation"],
                copies=form.cleaned_data["copies"],
                delivery_address=form.cleaned_data["delivery_address"],
            )
        except LibraryError as exc:
            _apply_error(form, exc)
        else:
            if placed.state == PrintOrder.State.WAITING:
                messages.warning(
                    request,
                    _(
                        "There are not enough copies in stock now. The order waits and will be "
                        "sent when copies arrive; we have told your organisation by e-mail."
                    ),
                )
            else:
                messages.success(request, _("The copies are reserved for your organisation."))
            return redirect("library:orders")
    return render(request, "library/order.html", {"form": form, "material": material})


@require_GET
@permission_required(lambda u: permissions.can_order(u) or permissions.can_manage_stock(u))
def orders(request):
    coordinator = permissions.can_manage_stock(request.user)
    qs = PrintOrder.objects.select_related("material", "organisation", "ordered_by")
    if not coordinator:
        qs = qs.filter(organisation__in=permissions.ordering_organisations(request.user))
    state = request.GET.get("state", "")
    if state in PrintOrder.State.values:
        qs = qs.filter(state=state)
    return render(
        request,
        "library/orders.html",
        {
            "orders": qs[:300],
            "coordinator": coordinator,
            "states": PrintOrder.State.choices,
            "state": state,
        },
    )


@require_POST
@permission_required(lambda u: permissions.can_order(u) or permissions.can_manage_stock(u))
def order_action(request, pk):
    coordinator = permissions.can_manage_stock(request.user)
    qs = PrintOrder.objects.all()
    if not coordinator:
        qs = qs.filter(organisation__in=permissions.ordering_organisations(request.user))
    order = get_object_or_404(qs, pk=pk)
    action = request.POST.get("action")
    try:
        if action == "send" and coordinator:
            services.send_order(actor=request.user, order=order)
            messages.success(request, _("The order is marked as sent."))
        elif action == "cancel":
            services.cancel_order(actor=request.user, order=order)
            messages.success(request, _("The order is cancelled."))
        else:
            raise PermissionDenied
    except LibraryError as exc:
        messages.error(request, str(exc.message))
    return redirect("library:orders")


@require_POST
@permission_required(permissions.can_manage_stock)
def stock(request, pk):
    material = get_object_or_404(Material, pk=pk)
    form = forms.StockForm(request.POST)
    if form.is_valid():
        services.set_stock(
            actor=request.user, material=material, copies=form.cleaned_data["copies"]
        )
        messages.success(request, _("The stock is updated; waiting orders were served first."))
    else:
        messages.error(request, _("The stock is a number of copies from 0."))
    return redirect("library:material", pk=material.pk)


# --- the journal ---------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@permission_required(permissions.can_use_journal_page)
def journal(request):
    coordinator = permissions.can_manage_journal(request.user)
    issue_form = forms.IssueForm(request.POST or None) if coordinator else None
    if request.method == "POST":
        if not coordinator:
            raise PermissionDenied
        if issue_form.is_valid():
            try:
                services.add_issue(actor=request.user, **issue_form.cleaned_data)
            except LibraryError as exc:
                _apply_error(issue_form, exc)
            else:
                messages.success(request, _("The issue is listed."))
                return redirect("library:journal")
    managed = permissions.managed_partner_organisations(request.user)
    subscriptions = {
        s.organisation_id: s
        for s in JournalSubscription.objects.filter(organisation__in=[o.pk for o in managed])
    }
    rows = [(o, subscriptions.get(o.pk)) for o in managed]
    return render(
        request,
        "library/journal.html",
        {
            "issues": JournalIssue.objects.select_related("material"),
            "rows": rows if not coordinator else rows[:0],
            "coordinator": coordinator,
            "issue_form": issue_form,
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required(permissions.can_use_journal_page)
def subscription(request, slug):
    organisation = get_object_or_404(
        Organisation.objects.filter(
            pk__in=[o.pk for o in permissions.managed_partner_organisations(request.user)]
        ),
        slug=slug,
    )
    sub = services.subscribe_partner(organisation)
    form = forms.SubscriptionForm(
        request.POST or None,
        initial={
            "format": sub.format,
            "copies": sub.copies,
            "address": sub.delivery_address,
            "email": sub.email,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.change_subscription(
                actor=request.user,
                subscription=sub,
                format=data["format"],
                copies=data["copies"] or 1,
                address=data["address"],
                email=data["email"],
            )
        except LibraryError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, _("The subscription is saved."))
            return redirect("library:journal")
    return render(
        request,
        "library/subscription.html",
        {"form": form, "organisation": organisation, "subscription": sub},
    )


@require_GET
@permission_required(permissions.can_manage_journal)
def distribution_csv(request, pk):
    issue = get_object_or_404(JournalIssue, pk=pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="dziecko-krzywdzone-{issue.year}-{issue.number}.csv"'
    )
    response["Cache-Control"] = "private, no-store"
    writer = csv.writer(response)
    writer.writerow(["organisation", "format", "copies", "delivery_address", "email"])
    for sub in services.distribution(issue):
        printed = sub.format == JournalFormat.PRINT
        writer.writerow(
            [
                _csv_safe(sub.organisation.name),
                sub.format,
                sub.copies if printed else 0,
                _csv_safe(sub.delivery_address.replace("\r", "").replace("\n", ", "))
                if printed
                else "",
                _csv_safe(sub.email) if not printed else "",
            ]
        )
    return response


def _csv_safe(value: str) -> str:
    """No formula injection in a spreadsheet opened by the printer."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
