"""State changes of the services directory. Views, commands, tasks and tests call these.

The editorial rule: a service editor *proposes* (a new service or an edit); nothing they
write is public until a coordinator *approves* the proposal, which applies it in one
transaction, marks the service verified today, writes HSDS change records (``Metadata``), the
audit entry and the search index entry. A provider may also *confirm* that a published service
is still correct, which only moves its ``assured_date``.
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ostoja.audit.services import log_action
from ostoja.organisations.models import Organisation, Voivodeship

from . import geo, permissions
from .models import (
    REMINDER_INTERVAL,
    Accessibility,
    Address,
    Attribute,
    Language,
    Location,
    Metadata,
    Phone,
    Provider,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceChange,
    Source,
)
from .search import index_services
from .snapshot import LISTS, SCALARS, TRANSLATED, clean_snapshot, diff, empty_snapshot
from .taxonomy import ensure_taxonomy, taxonomy_id, term_id

logger = logging.getLogger(__name__)

#: Endonyms stored as HSDS ``language.name`` (language-neutral, like the codes).
LANGUAGE_ENDONYMS = {
    "pl": "polski",
    "en": "English",
    "uk": "українська",
    "ru": "русский",
    "be": "беларуская",
    "de": "Deutsch",
    "pjm": "polski język migowy",
}
COUNTRY_AREA = {"pl": "Polska", "en": "Poland"}
#: Who is named as ``updated_by`` in the published change history when no provider is.
PLATFORM_NAME = "Ostoja"


# --------------------------------------------------------------------------------------------
# Reading the editable state
# --------------------------------------------------------------------------------------------


def service_snapshot(service: Service) -> dict:
    """The live editable state of a service (see :mod:`ostoja.directory.snapshot`)."""
    snapshot = empty_snapshot()
    for key in TRANSLATED:
        snapshot[key] = dict(getattr(service, key) or {})
    snapshot.update(
        url=service.url,
        email=service.email,
        status=service.status,
        coverage=service.coverage,
        minimum_age=service.minimum_age,
        maximum_age=service.maximum_age,
        wait_time_stated_on=(
            service.wait_time_stated_on.isoformat() if service.wait_time_stated_on else None
        ),
    )
    if service.coverage == Service.Coverage.REGIONAL:
        snapshot["voivodeships"] = sorted(
            {a.voivodeship for a in service.service_areas.all() if a.voivodeship}
        )
    snapshot["terms"] = sorted(
        Attribute.objects.filter(
            link_entity="service",
            link_id=service.pk,
            taxonomy_term__taxonomy_id=taxonomy_id(),
            taxonomy_term__parent__isnull=False,
        ).values_list("taxonomy_term__code", flat=True)
    )
    snapshot["languages"] = sorted({lang.code for lang in service.languages.all() if lang.code})
    snapshot["phones"] = [
        {"number": p.number, "description": dict(p.description or {})} for p in _own_phones(service)
    ]
    locations = []
    for sal in service.service_at_locations.select_related("location").order_by("position", "id"):
        loc = sal.location
        address = loc.addresses.order_by("address_type", "id").first()
        access = loc.accessibility.order_by("id").first()
        locations.append(
            {
                "name": loc.name,
                "address_1": address.address_1 if address else "",
                "postal_code": address.postal_code if address else "",
                "city": address.city if address else "",
                "voivodeship": "" if loc.voivodeship_derived else loc.voivodeship,
                "latitude": None if loc.point_derived else loc.latitude,
                "longitude": None if loc.point_derived else loc.longitude,
                "transportation": dict(loc.transportation or {}),
                "accessibility": dict(access.description or {}) if access else {},
            }
        )
    snapshot["locations"] = locations
    return snapshot


def _own_phones(service: Service):
    return service.phones.filter(location__isnull=True, service_at_location__isnull=True).order_by(
        "position", "id"
    )


def provider_for(organisation: Organisation) -> Provider:
    """The HSDS organization of a platform organisation (created on first use)."""
    provider = Provider.objects.filter(owner=organisation).first()
    if provider is None:
        provider = Provider.objects.create(
            owner=organisation,
            name=organisation.name,
            email=organisation.contact_email,
            source=Source.PROVIDER,
        )
    return provider


# --------------------------------------------------------------------------------------------
# Applying a snapshot
# --------------------------------------------------------------------------------------------


def _apply(service: Service, data: dict) -> None:
    """Write a clean snapshot onto a service and its related rows (inside a transaction)."""
    for key in TRANSLATED:
        setattr(service, key, data[key])
    service.url = data["url"]
    service.email = data["email"]
    service.status = data["status"]
    service.coverage = data["coverage"]
    service.minimum_age = data["minimum_age"]
    service.maximum_age = data["maximum_age"]
    stated = data["wait_time_stated_on"]
    service.wait_time_stated_on = date.fromisoformat(stated) if stated else None
    service.save()

    _apply_areas(service, data)
    _apply_terms(service, data["terms"])
    _apply_languages(service, data["languages"])
    _apply_phones(service, data["phones"])
    _apply_locations(service, data["locations"])


def _apply_areas(service: Service, data: dict) -> None:
    areas = list(service.service_areas.all())
    if data["coverage"] == "national":
        wanted = {"": ("Polska", dict(COUNTRY_AREA))}
    elif data["coverage"] == "regional":
        wanted = {code: (Voivodeship(code).label, {}) for code in data["voivodeships"]}
    else:
        wanted = {}
    kept = set()
    for area in areas:
        if area.voivodeship in wanted and area.voivodeship not in kept:
            kept.add(area.voivodeship)
            name, description = wanted[area.voivodeship]
            if area.name != name or (description and area.description != description):
                area.name = name
                area.description = description or area.description
                area.save()
        else:
            area.delete()
    for code, (name, description) in wanted.items():
        if code not in kept:
            ServiceArea.objects.create(
                service=service, voivodeship=code, name=name, description=description
            )


def _apply_terms(service: Service, codes: list[str]) -> None:
    ensure_taxonomy()
    wanted = {term_id(code) for code in codes}
    ours = Attribute.objects.filter(
        link_entity="service",
        link_id=service.pk,
        taxonomy_term__taxonomy_id=taxonomy_id(),
        taxonomy_term__parent__isnull=False,
    )
    present = set()
    for attribute in ours:
        if attribute.taxonomy_term_id in wanted and attribute.taxonomy_term_id not in present:
            present.add(attribute.taxonomy_term_id)
        else:
            attribute.delete()
    Attribute.objects.bulk_create(
        [
            Attribute(link_entity="service", link_id=service.pk, taxonomy_term_id=tid)
            for tid in wanted - present
        ]
    )


def _apply_languages(service: Service, codes: list[str]) -> None:
    present = set()
    for language in service.languages.filter(location__isnull=True, phone__isnull=True):
        if language.code in codes and language.code not in present:
            present.add(language.code)
        else:
            language.delete()
    Language.objects.bulk_create(
        [
            Language(service=service, code=code, name=LANGUAGE_ENDONYMS.get(code, code))
            for code in codes
            if code not in present
        ]
    )


def _apply_phones(service: Service, phones: list[dict]) -> None:
    existing = list(_own_phones(service))
    for position, item in enumerate(phones):
        if position < len(existing):
            phone = existing[position]
            phone.number, phone.description, phone.position = (
                item["number"],
                item["description"],
                position,
            )
            phone.save()
        else:
            Phone.objects.create(
                service=service,
                number=item["number"],
                description=item["description"],
                position=position,
                type="voice",
            )
    for phone in existing[len(phones) :]:
        phone.delete()


def _place_of(item: dict) -> geo.Place | None:
    return geo.locate(item["city"]) or (
        geo.locate(item["postal_code"]) if item["postal_code"] else None
    )


def _apply_locations(service: Service, locations: list[dict]) -> None:
    existing = list(
        service.service_at_locations.select_related("location").order_by("position", "id")
    )
    for position, item in enumerate(locations):
        if position < len(existing):
            sal = existing[position]
            location = sal.location
            if sal.position != position:
                sal.position = position
                sal.save(update_fields=["position"])
        else:
            location = Location(provider=service.provider, location_type=Location.Type.PHYSICAL)
            sal = None
        latitude, longitude = item["latitude"], item["longitude"]
        voivodeship = item["voivodeship"]
        location.point_derived = location.voivodeship_derived = False
        if latitude is None or not voivodeship:
            place = _place_of(item)
            if place is not None:
                if latitude is None:
                    latitude, longitude = place.lat, place.lon
                    location.point_derived = True
                if not voivodeship:
                    voivodeship = place.voivodeship
                    location.voivodeship_derived = True
        location.name = item["name"]
        location.latitude, location.longitude = latitude, longitude
        location.voivodeship = voivodeship
        location.transportation = item["transportation"]
        location.save()
        if sal is None:
            ServiceAtLocation.objects.create(service=service, location=location, position=position)
        address = location.addresses.order_by("address_type", "id").first()
        if address is None:
            address = Address(location=location, address_type=Address.Type.PHYSICAL, country="PL")
        address.address_1 = item["address_1"]
        address.city = item["city"]
        address.postal_code = item["postal_code"]
        address.state_province = Voivodeship(voivodeship).label if voivodeship else ""
        address.save()
        access = location.accessibility.order_by("id").first()
        if item["accessibility"]:
            if access is None:
                access = Accessibility(location=location)
            access.description = item["accessibility"]
            access.save()
        elif access is not None:
            access.delete()
    for sal in existing[len(locations) :]:
        location = sal.location
        sal.delete()
        if not location.service_at_locations.exists():
            location.delete()


def _record_history(service: Service, old: dict | None, new: dict, *, action: str, by: str):
    """HSDS metadata: one row per changed field (what the public change history shows)."""
    now = timezone.now()
    rows = []
    changed = sorted({row.key for row in diff(old, new)}, key=(TRANSLATED + SCALARS + LISTS).index)
    for key in changed:
        rows.append(
            Metadata(
                resource_id=service.pk,
                resource_type="service",
                last_action_date=now,
                last_action_type=action,
                field_name=key,
                previous_value=_history_value(old.get(key) if old else None),
                replacement_value=_history_value(new.get(key)),
                updated_by=by[:300],
            )
        )
    Metadata.objects.bulk_create(rows)
    return changed


def _history_value(value) -> str:
    if value in (None, "", [], {}):
        return ""
    if isinstance(value, str):
        return value[:4000]
    return json.dumps(value, ensure_ascii=False, sort_keys=True)[:4000]


def _updated_by(change: ServiceChange | None, service: Service) -> str:
    if change is not None and change.organisation is not None:
        return change.organisation.name
    return PLATFORM_NAME


# --------------------------------------------------------------------------------------------
# Proposals
# --------------------------------------------------------------------------------------------


@transaction.atomic
def propose_change(
    *, actor, data: dict, service: Service | None = None, organisation: Organisation | None = None
) -> ServiceChange:
    """Propose a new service (``service`` None, for ``organisation``) or an edit.

    Refuses (``PermissionDenied``) an edit of another organisation's service. Raises
    ``ValidationError`` for invalid data or when nothing would change. An earlier pending
    proposal for the same service is superseded.
    """
    if service is not None:
        if not permissions.can_edit_service(actor, service):
            raise PermissionDenied
        organisation = service.provider.owner
    elif not permissions.can_propose_for(actor, organisation):
        raise PermissionDenied
    cleaned = clean_snapshot(data)
    base = service_snapshot(service) if service is not None else {}
    if service is not None and not diff(base, cleaned):
        raise ValidationError(_("You did not change anything."))
    superseded = 0
    if service is not None:
        superseded = (
            ServiceChange.objects.pending()
            .filter(service=service)
            .update(status=ServiceChange.Status.SUPERSEDED, decided_at=timezone.now())
        )
    change = ServiceChange.objects.create(
        service=service,
        organisation=organisation,
        data=cleaned,
        base=base,
        proposed_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    log_action(
        "directory.change.proposed",
        actor=actor,
        organisation=organisation,
        target=change,
        data={
            "service": str(service.pk) if service else None,
            "new_service": service is None,
            "fields": sorted({row.key for row in diff(base or None, cleaned)}),
            "superseded": superseded,
        },
    )
    return change


@transaction.atomic
def approve_change(*, actor, change: ServiceChange, note: str = "") -> Service:
    """Apply a pending proposal: the service goes live (or changes) and counts as verified."""
    if not permissions.can_review_changes(actor):
        raise PermissionDenied
    change = ServiceChange.objects.select_for_update().get(pk=change.pk)
    if change.status != ServiceChange.Status.PENDING:
        raise ValidationError(_("This proposal has already been decided."))
    data = clean_snapshot(change.data)
    if change.service_id is None:
        if change.organisation is not None:
            provider = provider_for(change.organisation)
        else:
            raise ValidationError(_("A new service needs a provider organisation."))
        service = Service(provider=provider, source=Source.PROVIDER)
        old = None
    else:
        service = Service.objects.select_for_update().get(pk=change.service_id)
        old = service_snapshot(service)
    now = timezone.now()
    service.published = True
    service.assured_date = timezone.localdate()
    service.reminder_sent_at = None
    service.last_modified = now
    _apply(service, data)
    fields = _record_history(
        service,
        old,
        data,
        action="create" if old is None else "update",
        by=_updated_by(change, service),
    )
    change.status = ServiceChange.Status.APPROVED
    change.service = service
    change.decided_by = actor if getattr(actor, "is_authenticated", False) else None
    change.decided_at = now
    change.note = note[:2000]
    change.save()
    index_services([service.pk])
    log_action(
        "directory.service.approved",
        actor=actor,
        organisation=change.organisation,
        target=service,
        data={"change": change.pk, "fields": fields, "new_service": old is None},
    )
    transaction.on_commit(lambda: _notify_proposer(change))
    return service


@transaction.atomic
def reject_change(*, actor, change: ServiceChange, note: str) -> ServiceChange:
    """Turn a proposal down, with a reason the proposer reads."""
    if not permissions.can_review_changes(actor):
        raise PermissionDenied
    change = ServiceChange.objects.select_for_update().get(pk=change.pk)
    if change.status != ServiceChange.Status.PENDING:
        raise ValidationError(_("This proposal has already been decided."))
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Tell the provider why.")})
    change.status = ServiceChange.Status.REJECTED
    change.decided_by = actor if getattr(actor, "is_authenticated", False) else None
    change.decided_at = timezone.now()
    change.note = note[:2000]
    change.save()
    log_action(
        "directory.change.rejected",
        actor=actor,
        organisation=change.organisation,
        target=change,
        data={"service": str(change.service_id) if change.service_id else None},
    )
    transaction.on_commit(lambda: _notify_proposer(change))
    return change


def _notify_proposer(change: ServiceChange) -> None:
    user = change.proposed_by
    if user is None or not user.email:
        return
    with translation.override(user.language or settings.LANGUAGE_CODE):
        path = reverse("directory:change_detail", kwargs={"pk": change.pk})
        subject = (
            _("Your proposal was approved")
            if change.status == ServiceChange.Status.APPROVED
            else _("Your proposal was not approved")
        )
        body = render_to_string(
            "directory/email/decision.txt",
            {"change": change, "url": settings.SITE_URL + path},
        )
    try:
        send_mail(f"Ostoja: {subject}", body, settings.DEFAULT_FROM_EMAIL, [user.email])
    except OSError:
        logger.warning("could not send the decision e-mail for proposal %s", change.pk)


@transaction.atomic
def verify_service(*, actor, service: Service) -> Service:
    """The provider confirms the published information is still correct (assured today)."""
    if not permissions.can_edit_service(actor, service):
        raise PermissionDenied
    service = Service.objects.select_for_update().get(pk=service.pk)
    if not service.published:
        raise ValidationError(_("Only published services can be confirmed."))
    previous = service.assured_date
    today = timezone.localdate()
    service.assured_date = today
    service.reminder_sent_at = None
    service.last_modified = timezone.now()
    service.save(update_fields=["assured_date", "reminder_sent_at", "last_modified"])
    index_services([service.pk])
    organisation = service.provider.owner
    Metadata.objects.create(
        resource_id=service.pk,
        resource_type="service",
        last_action_type="verify",
        field_name="assured_date",
        previous_value=previous.isoformat() if previous else "",
        replacement_value=today.isoformat(),
        updated_by=(organisation.name if organisation else PLATFORM_NAME)[:300],
    )
    log_action(
        "directory.service.verified",
        actor=actor,
        organisation=organisation,
        target=service,
        data={"previous": previous.isoformat() if previous else None},
    )
    return service


# --------------------------------------------------------------------------------------------
# Loading services directly (seed data, the real national helplines)
# --------------------------------------------------------------------------------------------


@transaction.atomic
def publish_service(
    *,
    actor,
    provider: Provider,
    data: dict,
    service_id: uuid.UUID | None = None,
    source: str = Source.PROVIDER,
    assured_date: date | None = None,
) -> tuple[Service, bool]:
    """Create or update a service from trusted data without a proposal (loaders only).

    Returns ``(service, changed)``; nothing is written when the data is already live, so
    loaders are idempotent.
    """
    cleaned = clean_snapshot(data)
    service = Service.objects.filter(pk=service_id).first() if service_id else None
    old = service_snapshot(service) if service is not None else None
    if service is not None and not diff(old, cleaned) and service.published:
        return service, False
    if service is None:
        service = Service(provider=provider, source=source)
        if service_id:
            service.id = service_id
    service.provider = provider
    service.source = source
    service.published = True
    service.assured_date = assured_date or timezone.localdate()
    service.last_modified = timezone.now()
    _apply(service, cleaned)
    fields = _record_history(
        service, old, cleaned, action="create" if old is None else "update", by=provider.name
    )
    index_services([service.pk])
    log_action(
        "directory.service.loaded",
        actor=actor,
        organisation=provider.owner,
        target=service,
        data={"source": source, "fields": fields},
    )
    return service, True


# --------------------------------------------------------------------------------------------
# Reminders
# --------------------------------------------------------------------------------------------


def services_due_for_reminder(now: datetime | None = None):
    """Published services of provider organisations, not verified for 6 months, and whose
    provider was not reminded in the last 6 months."""
    now = now or timezone.now()
    due_before = timezone.localdate(now) - REMINDER_INTERVAL
    return (
        Service.objects.public()
        .filter(provider__owner__isnull=False)
        .filter(Q(assured_date__isnull=True) | Q(assured_date__lte=due_before))
        .filter(Q(reminder_sent_at__isnull=True) | Q(reminder_sent_at__lte=now - REMINDER_INTERVAL))
        .select_related("provider__owner")
        .order_by("provider__owner_id", "assured_date")
    )


def send_verification_reminders(*, now: datetime | None = None) -> dict[str, int]:
    """E-mail each provider organisation's contact address about its services to verify.

    One e-mail per organisation, in the organisation's language. A service is marked as
    reminded only once its e-mail went out, so a failed send is retried on the next run.
    """
    now = now or timezone.now()
    by_org: dict[int, list[Service]] = {}
    for service in services_due_for_reminder(now):
        by_org.setdefault(service.provider.owner_id, []).append(service)
    sent = skipped = 0
    for services in by_org.values():
        organisation = services[0].provider.owner
        if not organisation.contact_email:
            skipped += 1
            continue
        with translation.override(organisation.language or settings.LANGUAGE_CODE):
            url = settings.SITE_URL + reverse("directory:manage")
            subject = _("Please check your services in the Ostoja directory")
            body = render_to_string(
                "directory/email/reminder.txt",
                {
                    "organisation": organisation,
                    "services": services,
                    "url": url,
                    "today": timezone.localdate(now),
                },
            )
        try:
            send_mail(
                f"Ostoja: {subject}",
                body,
                settings.DEFAULT_FROM_EMAIL,
                [organisation.contact_email],
            )
        except OSError:
            logger.warning(
                "could not send the verification reminder to organisation %s", organisation.pk
            )
            skipped += 1
            continue
        with transaction.atomic():
            Service.objects.filter(pk__in=[s.pk for s in services]).update(reminder_sent_at=now)
            log_action(
                "directory.reminder.sent",
                actor=None,
                organisation=organisation,
                target=organisation,
                data={"services": [str(s.pk) for s in services]},
            )
        sent += 1
    return {"sent": sent, "skipped": skipped}


def due_date(service: Service) -> date | None:
    """When the service should next be verified."""
    if service.assured_date is None:
        return None
    return service.assured_date + timedelta(days=REMINDER_INTERVAL.days)
