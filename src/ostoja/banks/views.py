"""Bank pages: list, detail with entries, add/remove entries, import, export, public key.

Thin views: parse the form, check the permission (``permissions.py``), call ``services``.
Other organisations' private banks are 404 (scoped lookup), a visible bank the user may not
manage is 403.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ostoja.core.body_limits import accepts_upload
from ostoja.core.permissions import permission_required

from . import permissions, services, signing
from .forms import (
    AddFromItemForm,
    BankForm,
    EntryFilterForm,
    EntryForm,
    ExportForm,
    ImportForm,
    RemoveEntryForm,
)
from .models import AgeBand, BankEntry, BankImport, Classification, HashBank

PAGE_SIZE = 50


def _bank(request, slug) -> HashBank:
    return get_object_or_404(
        HashBank.objects.visible_to(request.user).select_related("owner"), slug=slug
    )


def _managed_bank(request, slug) -> HashBank:
    bank = _bank(request, slug)
    if not permissions.can_manage_bank(request.user, bank):
        raise PermissionDenied
    return bank


@require_GET
@permission_required(permissions.can_use_banks)
def bank_list(request):
    banks = HashBank.objects.visible_to(request.user).select_related("owner")
    counts = dict(
        BankEntry.objects.active()
        .filter(bank__in=banks)
        .order_by()
        .values_list("bank_id")
        .annotate(n=Count("pk"))
        .values_list("bank_id", "n")
    )
    rows = [
        {
            "bank": bank,
            "active": counts.get(bank.pk, 0),
            "can_manage": permissions.can_manage_bank(request.user, bank),
        }
        for bank in banks
    ]
    return render(
        request,
        "banks/list.html",
        {"rows": rows, "can_create": permissions.can_create_bank(request.user)},
    )


@require_http_methods(["GET", "POST"])
@permission_required(permissions.can_create_bank)
def bank_create(request):
    owners = permissions.owner_choices(request.user)
    form = BankForm(request.POST or None, owners=owners)
    if request.method == "POST" and form.is_valid():
        try:
            bank = services.create_bank(actor=request.user, **form.cleaned_data)
        except services.BankError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The bank %(name)s was created.") % {"name": bank.name})
            return redirect("banks:detail", slug=bank.slug)
    status = 422 if request.method == "POST" else 200
    return render(request, "banks/create.html", {"form": form}, status=status)


@require_GET
@permission_required(permissions.can_use_banks)
def bank_detail(request, slug):
    bank = _bank(request, slug)
    filters = EntryFilterForm(request.GET or {"status": "active"})
    entries = filters.filter(bank.entries.select_related("added_by", "removed_by"))
    page = Paginator(entries.order_by("-added_at", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    can_manage = permissions.can_manage_bank(request.user, bank)
    return render(
        request,
        "banks/detail.html",
        {
            "bank": bank,
            "page": page,
            "filters": filters,
            "query": query.urlencode(),
            "can_manage": can_manage,
            "active_count": bank.entries.active().count(),
            "imports": bank.imports.select_related("uploaded_by")[:5] if can_manage else [],
        },
    )


@require_POST
@permission_required(permissions.can_use_banks)
def bank_set_enabled(request, slug):
    bank = _managed_bank(request, slug)
    enabled = request.POST.get("enabled") == "1"
    services.set_bank_enabled(actor=request.user, bank=bank, enabled=enabled)
    if enabled:
        messages.success(request, _("The bank is used for matching again."))
    else:
        messages.success(request, _("The bank is no longer used for matching."))
    return redirect("banks:detail", slug=bank.slug)


@require_http_methods(["GET", "POST"])
@permission_required(permissions.can_use_banks)
def entry_add(request, slug):
    bank = _managed_bank(request, slug)
    form = EntryForm(request.POST or None, initial={"classification": "national"})
    if request.method == "POST" and form.is_valid():
        try:
            services.add_entry(actor=request.user, bank=bank, **form.cleaned_data)
        except services.BankError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The hash was added to the bank."))
            return redirect("banks:detail", slug=bank.slug)
    status = 422 if request.method == "POST" else 200
    return render(request, "banks/entry_add.html", {"bank": bank, "form": form}, status=status)


@require_http_methods(["GET", "POST"])
@permission_required(permissions.can_use_banks)
def entry_remove(request, slug, pk):
    bank = _managed_bank(request, slug)
    entry = get_object_or_404(bank.entries.active(), pk=pk)
    form = RemoveEntryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.remove_entry(
                actor=request.user, entry=entry, reason=form.cleaned_data["reason"]
            )
        except services.BankError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The hash was removed; partners will see the removal."))
            return redirect("banks:detail", slug=bank.slug)
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "banks/entry_remove.html",
        {"bank": bank, "entry": entry, "form": form},
        status=status,
    )


@accepts_upload(settings.FILE_UPLOAD_MAX_MEMORY_SIZE)
@require_http_methods(["GET", "POST"])
@permission_required(permissions.can_use_banks)
def import_upload(request, slug):
    bank = _managed_bank(request, slug)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data["file"]
        signature = data["signature"].read() if data.get("signature") else None
        try:
            imp = services.preview_import(
                actor=request.user,
                bank=bank,
                data=upload.read(),
                file_name=upload.name,
                file_format=data["file_format"],
                classification=data["classification"],
                source=data["source"],
                signature=signature,
                public_key_pem=data["public_key"],
            )
        except services.BankError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("banks:import_detail", slug=bank.slug, pk=imp.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "banks/import.html", {"bank": bank, "form": form}, status=status)


PREVIEW_ROWS = 20


def _preview_rows(rows: list[dict], summary: dict) -> list[dict]:
    """The first rows of an upload with their classification and age band as translated
    labels (the rows keep the codes; a code Ostoja does not know is shown as it is)."""
    classifications = dict(Classification.choices)
    age_bands = dict(AgeBand.choices)
    default = summary.get("classification") or ""
    preview = []
    for row in rows[:PREVIEW_ROWS]:
        code = row.get("classification") or default
        band = row.get("age_band") or ""
        preview.append(
            {
                **row,
                "classification_label": classifications.get(code, code),
                "age_band_label": age_bands.get(band, band),
            }
        )
    return preview


@require_GET
@permission_required(permissions.can_use_banks)
def import_detail(request, slug, pk):
    bank = _managed_bank(request, slug)
    imp = get_object_or_404(bank.imports, pk=pk)
    return render(
        request,
        "banks/import_detail.html",
        {
            "bank": bank,
            "imp": imp,
            "summary": imp.summary,
            "sample": _preview_rows(imp.rows, imp.summary),
            "result": imp.summary.get("result"),
            "signature": imp.summary.get("signature", {}),
        },
        status=422 if imp.status == BankImport.Status.INVALID else 200,
    )


@require_POST
@permission_required(permissions.can_use_banks)
def import_confirm(request, slug, pk):
    bank = _managed_bank(request, slug)
    imp = get_object_or_404(bank.imports, pk=pk)
    try:
        result = services.apply_import(actor=request.user, bank_import=imp)
    except services.BankError as exc:
        messages.error(request, str(exc))
        return redirect("banks:import_detail", slug=bank.slug, pk=imp.pk)
    messages.success(
        request,
        _("Imported: %(added)d added, %(removed)d removed, %(present)d already present.")
        % {
            "added": len(result.added),
            "removed": result.removed,
            "present": result.already_present,
        },
    )
    return redirect("banks:detail", slug=bank.slug)


@require_POST
@permission_required(permissions.can_use_banks)
def import_discard(request, slug, pk):
    bank = _managed_bank(request, slug)
    imp = get_object_or_404(bank.imports, pk=pk)
    services.discard_import(actor=request.user, bank_import=imp)
    messages.info(request, _("The upload was discarded; the bank is unchanged."))
    return redirect("banks:detail", slug=bank.slug)


@require_GET
@permission_required(permissions.can_use_banks)
def export(request, slug):
    bank = _bank(request, slug)
    if not permissions.can_export_bank(request.user, bank):
        raise PermissionDenied
    key_id = _key_id()
    form = ExportForm(request.GET if "format" in request.GET else None)
    status = 200
    if form.is_bound and form.is_valid():
        since = form.cleaned_data.get("since")
        if since is not None and timezone.is_naive(since):
            since = timezone.make_aware(since)
        try:
            signed = services.export_bank(
                actor=request.user,
                bank=bank,
                file_format=form.cleaned_data["format"],
                since=since,
            )
        except services.BankError as exc:
            form.add_error(None, str(exc))
            status = 503
        else:
            response = HttpResponse(services.export_zip(signed), content_type="application/zip")
            zip_name = signed.file_name.removesuffix(".csv") + ".zip"
            response["Content-Disposition"] = f'attachment; filename="{zip_name}"'
            return response
    elif form.is_bound:
        status = 422
    return render(
        request,
        "banks/export.html",
        {"bank": bank, "form": form, "key_id": key_id},
        status=status,
    )


def _key_id() -> str:
    try:
        return signing.key_id(signing.load_private_key())
    except signing.SigningKeyMissing:
        return ""


@require_GET
def public_key(request):
    """Public: the key partners use to verify this site's exports."""
    try:
        key = signing.load_private_key()
    except signing.SigningKeyMissing:
        key = None
    return render(
        request,
        "banks/public_key.html",
        {
            "pem": signing.public_key_pem(key) if key else "",
            "key_id": signing.key_id(key) if key else "",
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required(permissions.can_use_banks)
def add_from_item(request, item_id):
    """From a hotline item (after its assessment): put its hashes into a bank."""
    from ostoja.hotline.models import Item
    from ostoja.hotline.services import hashes_of_item

    item = get_object_or_404(Item.objects.visible_to(request.user), pk=item_id)
    hashes = hashes_of_item(item)
    banks = HashBank.objects.visible_to(request.user).filter(
        owner_id__in=permissions.hotline_org_ids(request.user)
    )
    assessment = item.assessments.order_by("-created_at", "-pk").first()
    initial = {
        "classification": "national",
        "age_band": getattr(assessment, "age_band", "") or "",
    }
    form = AddFromItemForm(request.POST or None, banks=banks, initial=initial)
    if request.method == "POST" and form.is_valid() and hashes:
        data = form.cleaned_data
        if not permissions.can_manage_bank(request.user, data["bank"]):
            raise PermissionDenied
        try:
            result = services.add_hashes(
                actor=request.user,
                bank=data["bank"],
                hashes=hashes,
                classification=data["classification"],
                category=data["category"],
                age_band=data["age_band"],
                source=item.hotline.name,
                note=data["note"] or _("From hotline item #%(id)d") % {"id": item.pk},
                audit_data={"hotline_item": item.pk},
            )
        except services.BankError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("%(added)d hash(es) added to %(bank)s; %(present)d were already there.")
                % {
                    "added": len(result.added),
                    "bank": data["bank"].name,
                    "present": result.already_present,
                },
            )
            return redirect("banks:detail", slug=data["bank"].slug)
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "banks/add_from_item.html",
        {"item": item, "hashes": hashes, "form": form, "has_banks": banks.exists()},
        status=status,
    )
