"""Every state change of the library: validates, one transaction, one audit entry each.

Downloads are the exception on purpose: a download adds one to a counter and records nothing
about who downloaded (no audit entry, no log line) -- reading is nobody's business.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ostoja.audit.services import log_action
from ostoja.core.child_data import findings
from ostoja.network import membership
from ostoja.outbox.services import enqueue_email

from . import extraction, files, search
from .errors import LibraryError
from .models import (
    Access,
    Extraction,
    JournalFormat,
    JournalIssue,
    JournalSubscription,
    Material,
    MaterialVersion,
    PrintOrder,
    PrintStock,
)

MATERIAL_FIELDS = (
    "title",
    "authors",
    "publisher",
    "year",
    "language",
    "kind",
    "audience",
    "topic",
    "licence",
    "access",
    "description",
    "link",
)
MAX_COPIES = 10_000


def _check_text(fields: dict) -> None:
    text = " ".join(str(fields.get(k) or "") for k in ("title", "description"))
    if findings(text):
        raise LibraryError(
            _(
                "The description seems to contain data that could identify a child (a PESEL "
                "number, a phone number or a name next to a date of birth). Remove it first."
            ),
            field="description",
        )


def _validate(fields: dict) -> None:
    if not (fields.get("title") or "").strip():
        raise LibraryError(_("A material needs a title."), field="title")
    year = fields.get("year")
    if year is not None and not 1900 <= int(year) <= timezone.localdate().year + 1:
        raise LibraryError(_("The year is not a plausible year of publication."), field="year")
    if fields.get("access") not in Access.values:
        raise LibraryError(_("Choose who may open the material."), field="access")
    _check_text(fields)


def _schedule_extraction(version_id: int) -> None:
    from .tasks import extract_text

    transaction.on_commit(lambda: extract_text.enqueue(version_id))


@transaction.atomic
def add_material(*, actor, upload=None, note: str = "", **fields) -> Material:
    """A new material: a file (``upload``) or a ``link``, never neither."""
    fields = {k: v for k, v in fields.items() if k in MATERIAL_FIELDS}
    _validate(fields)
    if upload is None and not fields.get("link"):
        raise LibraryError(_("Add a file or a link."), field="file")
    material = Material.objects.create(created_by=actor, **fields)
    if upload is not None:
        _add_version(actor, material, upload, note)
    search.index_materials([material], texts={material.pk: ""})
    log_action(
        "library.material.added",
        actor=actor,
        organisation=material.publisher,
        target=material,
        data={"access": material.access, "kind": material.kind},
    )
    return material


@transaction.atomic
def update_material(*, actor, material: Material, **fields) -> Material:
    fields = {k: v for k, v in fields.items() if k in MATERIAL_FIELDS}
    merged = {k: getattr(material, k) for k in MATERIAL_FIELDS} | fields
    _validate(merged)
    changed = sorted(k for k, v in fields.items() if getattr(material, k) != v)
    for key, value in fields.items():
        setattr(material, key, value)
    material.save()
    search.index_materials([material])
    log_action(
        "library.material.updated",
        actor=actor,
        organisation=material.publisher,
        target=material,
        data={"changed": changed},
    )
    return material


def _add_version(actor, material: Material, upload, note: str) -> MaterialVersion:
    data, content_type, name = files.check_upload(upload)
    ext = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    stored, digest = files.store(data, ext)
    last = material.versions.aggregate(n=Max("number"))["n"] or 0
    material.versions.filter(is_current=True).update(is_current=False)
    pending = content_type == "application/pdf" or "opendocument" in content_type
    pending = pending or "openxmlformats" in content_type or content_type.startswith("text/")
    version = MaterialVersion.objects.create(
        material=material,
        number=last + 1,
        stored_name=stored,
        original_name=name,
        content_type=content_type,
        size=len(data),
        sha256=digest,
        note=note[:300],
        uploaded_by=actor,
        extraction=Extraction.PENDING if pending else Extraction.NONE,
    )
    if pending:
        _schedule_extraction(version.pk)
    return version


@transaction.atomic
def add_version(*, actor, material: Material, upload, note: str = "") -> MaterialVersion:
    material = Material.objects.select_for_update().get(pk=material.pk)
    version = _add_version(actor, material, upload, note)
    log_action(
        "library.version.added",
        actor=actor,
        organisation=material.publisher,
        target=material,
        data={"version": version.number, "size": version.size, "type": version.content_type},
    )
    return version


def extract_version_text(version_id: int) -> str:
    """Read and index the text of a version (background task); problems are recorded."""
    version = MaterialVersion.objects.filter(pk=version_id).first()
    if version is None or version.extraction != Extraction.PENDING:
        return "skipped"
    try:
        data = files.read_stored(version.stored_name)
    except OSError:
        result = extraction.Result(problem="broken", ok=False)
    else:
        result = extraction.extract(data, version.content_type)
    with transaction.atomic():
        version = MaterialVersion.objects.select_for_update().get(pk=version_id)
        version.text = result.text
        version.page_count = result.pages
        version.extraction_problem = result.problem
        version.extraction = Extraction.DONE if result.ok else Extraction.FAILED
        version.save(update_fields=["text", "page_count", "extraction_problem", "extraction"])
        if version.is_current:
            search.index_materials([version.material], texts={version.material_id: result.text})
        log_action(
            "library.version.text_read",
            target=version.material,
            organisation=version.material.publisher,
            data={
                "version": version.number,
                "pages": result.pages,
                "problem": result.problem,
                "characters": len(result.text),
            },
        )
    return version.extraction


def record_download(material: Material) -> None:
    """One more download; who downloaded is not recorded anywhere."""
    Material.objects.filter(pk=material.pk).update(download_count=F("download_count") + 1)


# --- printed copies ------------------------------------------------------------------------


def _notify_waiting(order: PrintOrder) -> None:
    user = order.ordered_by
    to = [a for a in {getattr(user, "email", ""), order.organisation.contact_email} if a]
    if not to:
        return
    language = getattr(user, "language", "") or order.organisation.language or "pl"
    with translation.override(language):
        subject = gettext("Your order of printed copies is waiting for stock")
        body = gettext(
            "%(organisation)s ordered %(copies)s printed copies of “%(title)s”. The coordinator "
            "has fewer copies in stock right now, so the order waits; it is reserved and sent "
            "as soon as copies arrive. You can follow it at %(url)s"
        ) % {
            "organisation": order.organisation.name,
            "copies": order.copies,
            "title": order.material.title,
            "url": f"{settings.SITE_URL}/library/orders/",
        }
    enqueue_email(
        dedup_key=f"library:order-waiting:{order.pk}",
        to=to,
        subject=subject,
        body_text=body + "\n",
        language=language,
        related=order,
        organisation=order.organisation,
    )


def _stock_for_update(material: Material) -> PrintStock:
    stock, _created = PrintStock.objects.get_or_create(material=material)
    return PrintStock.objects.select_for_update().get(pk=stock.pk)


@transaction.atomic
def place_order(
    *, actor, material: Material, organisation, copies: int, delivery_address: str
) -> PrintOrder:
    """Copies are reserved from stock at once; an order over stock waits (and the
    organisation is told by e-mail)."""
    if not membership.partner_organisations().filter(pk=organisation.pk).exists():
        raise LibraryError(_("Only member organisations order printed copies."), status=403)
    if not isinstance(copies, int) or not 1 <= copies <= MAX_COPIES:
        raise LibraryError(_("Order between 1 and 10,000 copies."), field="copies")
    address = (delivery_address or "").strip()
    if len(address) < 5 or len(address) > 500:
        raise LibraryError(_("Give the full delivery address."), field="delivery_address")
    stock = _stock_for_update(material)
    waiting_before = material.orders.filter(state=PrintOrder.State.WAITING).exists()
    if stock.copies >= copies and not waiting_before:
        state = PrintOrder.State.RESERVED
        stock.copies -= copies
        stock.save(update_fields=["copies", "updated_at"])
    else:
        state = PrintOrder.State.WAITING
    order = PrintOrder.objects.create(
        material=material,
        organisation=organisation,
        copies=copies,
        delivery_address=address,
        state=state,
        ordered_by=actor,
    )
    if state == PrintOrder.State.WAITING:
        _notify_waiting(order)
    log_action(
        "library.order.placed",
        actor=actor,
        organisation=organisation,
        target=order,
        data={"copies": copies, "state": state, "material": material.pk},
    )
    return order


def _serve_waiting(material: Material, stock: PrintStock, actor) -> list[PrintOrder]:
    """Reserve copies for waiting orders, oldest first, while stock lasts (no skipping)."""
    served = []
    waiting = (
        PrintOrder.objects.select_for_update()
        .filter(material=material, state=PrintOrder.State.WAITING)
        .order_by("ordered_at", "pk")
    )
    for order in waiting:
        if order.copies > stock.copies:
            break
        stock.copies -= order.copies
        order.state = PrintOrder.State.RESERVED
        order.save(update_fields=["state", "changed_at"])
        served.append(order)
        log_action(
            "library.order.reserved",
            actor=actor,
            organisation=order.organisation,
            target=order,
            data={"copies": order.copies},
        )
    stock.save(update_fields=["copies", "updated_at"])
    return served


@transaction.atomic
def set_stock(*, actor, material: Material, copies: int) -> PrintStock:
    """The coordinator counts the copies on the shelf (waiting orders are then served)."""
    if not isinstance(copies, int) or not 0 <= copies <= 1_000_000:
        raise LibraryError(_("The stock is a number of copies from 0."), field="copies")
    stock = _stock_for_update(material)
    before = stock.copies
    stock.copies = copies
    stock.save(update_fields=["copies", "updated_at"])
    log_action(
        "library.stock.set",
        actor=actor,
        target=material,
        data={"before": before, "after": copies},
    )
    _serve_waiting(material, stock, actor)
    return stock


@transaction.atomic
def send_order(*, actor, order: PrintOrder) -> PrintOrder:
    order = PrintOrder.objects.select_for_update().get(pk=order.pk)
    if order.state != PrintOrder.State.RESERVED:
        raise LibraryError(_("Only an order with reserved copies can be sent."), status=409)
    order.state = PrintOrder.State.SENT
    order.save(update_fields=["state", "changed_at"])
    log_action("library.order.sent", actor=actor, organisation=order.organisation, target=order)
    return order


@transaction.atomic
def cancel_order(*, actor, order: PrintOrder) -> PrintOrder:
    order = PrintOrder.objects.select_for_update().get(pk=order.pk)
    if order.state not in (PrintOrder.State.WAITING, PrintOrder.State.RESERVED):
        raise LibraryError(_("This order can no longer be cancelled."), status=409)
    stock = _stock_for_update(order.material)
    if order.state == PrintOrder.State.RESERVED:
        stock.copies += order.copies
    order.state = PrintOrder.State.CANCELLED
    order.save(update_fields=["state", "changed_at"])
    log_action(
        "library.order.cancelled", actor=actor, organisation=order.organisation, target=order
    )
    _serve_waiting(order.material, stock, actor)
    return order


# --- the journal ---------------------------------------------------------------------------


def subscribe_partner(organisation, *, since: dt.date | None = None) -> JournalSubscription:
    """The free subscription every partner has from admission (idempotent). Electronic to
    the organisation's contact address until its manager asks for print and an address."""
    with transaction.atomic():
        subscription, created = JournalSubscription.objects.get_or_create(
            organisation=organisation,
            defaults={
                "since": since or timezone.localdate(),
                "email": organisation.contact_email,
            },
        )
        if created:
            log_action(
                "library.subscription.started",
                organisation=organisation,
                target=subscription,
                data={"format": subscription.format},
            )
    return subscription


@transaction.atomic
def change_subscription(
    *, actor, subscription: JournalSubscription, format: str, copies: int, address: str, email: str
) -> JournalSubscription:
    if format not in JournalFormat.values:
        raise LibraryError(_("Choose printed or electronic."), field="format")
    address = (address or "").strip()
    if format == JournalFormat.PRINT:
        if not isinstance(copies, int) or not 1 <= copies <= 50:
            raise LibraryError(_("Between 1 and 50 printed copies."), field="copies")
        if len(address) < 5:
            raise LibraryError(_("The printed journal needs a delivery address."), field="address")
    elif not email:
        raise LibraryError(_("The electronic journal needs an e-mail address."), field="email")
    subscription.format = format
    subscription.copies = copies if format == JournalFormat.PRINT else 1
    subscription.delivery_address = address[:500]
    subscription.email = email
    subscription.save()
    log_action(
        "library.subscription.changed",
        actor=actor,
        organisation=subscription.organisation,
        target=subscription,
        data={"format": format, "copies": subscription.copies},
    )
    return subscription


@transaction.atomic
def add_issue(
    *, actor, year: int, number: int, title: str = "", contents: str = "", material=None
) -> JournalIssue:
    if not 1 <= int(number) <= 8:
        raise LibraryError(_("A quarterly has issues 1 to 4 (8 at most)."), field="number")
    try:
        with transaction.atomic():
            issue = JournalIssue.objects.create(
                year=year, number=number, title=title, contents=contents, material=material
            )
    except IntegrityError:
        raise LibraryError(_("This issue is already listed."), field="number") from None
    if material is not None:
        search.index_materials([material])
    log_action(
        "library.issue.added",
        actor=actor,
        target=issue,
        data={"material": getattr(material, "pk", None)},
    )
    return issue


def distribution(issue: JournalIssue) -> list[JournalSubscription]:
    """The issue's distribution list: the subscriptions of the *current* partners, read at
    export time -- an organisation that left is not on the next issue's list, one admitted
    yesterday is."""
    return list(
        JournalSubscription.objects.filter(organisation__in=membership.partner_organisations())
        .select_related("organisation")
        .order_by("organisation__name", "pk")
    )
