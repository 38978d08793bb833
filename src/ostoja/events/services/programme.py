"""Setting up an event: the event, its days and sessions, ticket categories, questions and
check-in lists (one per day and one per workshop are made automatically)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from ostoja.audit.services import log_action
from ostoja.core.child_data import findings

from ..models import (
    CheckinList,
    Day,
    Event,
    Question,
    Session,
    SessionKind,
    Speaker,
    TicketCategory,
)
from .errors import EventError


def _unique_slug(title: str) -> str:
    base = slugify(title)[:70] or "event"
    slug, n = base, 2
    while Event.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def create_event(
    *,
    actor,
    organiser,
    title: str,
    kind: str,
    starts_at,
    ends_at,
    venue: str = "",
    online_url: str = "",
    description: str = "",
    visibility: str = "public",
    published: bool = False,
    offer_hours: int = 48,
    anonymise_after_days: int = 90,
    slug: str = "",
) -> Event:
    title = " ".join(str(title or "").split())
    if not title:
        raise EventError(_("This field is required."), code="required", field="title")
    if ends_at < starts_at:
        raise EventError(
            _("The event cannot end before it starts."), code="ends_before_start", field="ends_at"
        )
    if findings(description):
        raise EventError(
            _(
                "The description seems to contain data that could identify a child (for example "
                "a PESEL number). Remove it before publishing."
            ),
            code="child_data",
            field="description",
        )
    event = Event.objects.create(
        title=title[:200],
        slug=slug or _unique_slug(title),
        kind=kind,
        organiser=organiser,
        starts_at=starts_at,
        ends_at=ends_at,
        venue=venue,
        online_url=online_url,
        description=description,
        visibility=visibility,
        published=published,
        offer_hours=offer_hours,
        anonymise_after_days=anonymise_after_days,
    )
    day = timezone.localtime(starts_at).date()
    last = timezone.localtime(ends_at).date()
    while day <= last:
        add_day(event, day)
        day = day.fromordinal(day.toordinal() + 1)
    log_action(
        "events.event.created",
        actor=actor,
        organisation=organiser,
        target=event,
        data={"kind": kind},
    )
    return event


def add_day(event: Event, date, title: str = "") -> Day:
    day, created = Day.objects.get_or_create(event=event, date=date, defaults={"title": title})
    if created:
        CheckinList.objects.create(event=event, day=day)
    return day


def add_session(
    day: Day,
    *,
    title: str,
    kind: str,
    starts_at,
    ends_at,
    room: str = "",
    capacity: int | None = None,
    hours=0,
    speakers=(),
) -> Session:
    if ends_at <= starts_at:
        raise EventError(
            _("A session ends after it starts."), code="ends_before_start", field="ends_at"
        )
    if kind == SessionKind.WORKSHOP and not capacity:
        raise EventError(
            _("A workshop needs a capacity."), code="capacity_required", field="capacity"
        )
    session = Session.objects.create(
        day=day,
        title=title,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        room=room,
        capacity=capacity,
        hours=hours,
    )
    if speakers:
        session.speakers.set(speakers)
    if kind == SessionKind.WORKSHOP:
        CheckinList.objects.create(event=day.event, day=day, session=session)
    return session


def add_speaker(event: Event, name: str, affiliation: str = "", country: str = "PL") -> Speaker:
    return Speaker.objects.create(event=event, name=name, affiliation=affiliation, country=country)


def add_category(
    event: Event,
    name: str,
    quota: int,
    *,
    requires_approval=False,
    members_only=False,
    per_organisation_limit=None,
) -> TicketCategory:
    return TicketCategory.objects.create(
        event=event,
        name=name,
        quota=quota,
        requires_approval=requires_approval,
        members_only=members_only,
        per_organisation_limit=per_organisation_limit,
        position=event.categories.count(),
    )


def add_question(
    event: Event,
    label: str,
    *,
    kind="text",
    options=(),
    required=False,
    purpose="",
    sensitive=False,
) -> Question:
    if sensitive and not purpose:
        raise EventError(
            _("Say why you ask for accessibility or dietary needs."),
            code="purpose_required",
            field="purpose",
        )
    return Question.objects.create(
        event=event,
        label=label,
        kind=kind,
        options=list(options),
        required=required,
        purpose=purpose,
        sensitive=sensitive,
        position=event.questions.count(),
    )


@transaction.atomic
def set_published(event: Event, *, published: bool, actor) -> Event:
    event.published = published
    event.save(update_fields=["published"])
    log_action(
        "events.event.published" if published else "events.event.unpublished",
        actor=actor,
        organisation=event.organiser,
        target=event,
    )
    return event
