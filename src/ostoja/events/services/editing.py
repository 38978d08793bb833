"""The organiser's edits after an event exists: the event itself, its sessions and workshops,
speakers, ticket categories, registration questions and check-in staff.

Edits of the event, a session and a category use optimistic concurrency (as organisations do):
the editor sends the ``version`` they loaded and the ``UPDATE`` matches only that version, so
of two editors who loaded the same version exactly one saves; the other gets :class:`Stale`
with the row as it is now. Seat-counting rules stay in the ``UPDATE`` too: a capacity or a
quota below the seats already taken is refused by the condition ``taken <= new value`` of the
same statement, not by an earlier read a concurrent registration could overtake. Seats added to
a full workshop or category go to the waiting list first (as offers), like a freed seat.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from ostoja.audit.services import log_action
from ostoja.core.child_data import findings

from ..models import (
    Answer,
    BookingStatus,
    Checkin,
    CheckinList,
    Event,
    EventKind,
    OrganisationSeats,
    Question,
    QuestionKind,
    Registration,
    RegistrationStatus,
    Session,
    SessionKind,
    Speaker,
    TicketCategory,
    Visibility,
    WorkshopBooking,
)
from . import programme, seats, waitlist
from .errors import EventError


class Stale(EventError):
    """Someone else saved the row since the editor loaded it; nothing was written."""

    def __init__(self, current):
        super().__init__(
            _("Someone else saved changes here while you were editing."), code="stale", status=409
        )
        self.current = current


def _audit_value(value):
    if isinstance(value, bool | int | type(None)):
        return value
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return str(value)


def _changed(current, proposed: dict) -> dict:
    return {
        field: [_audit_value(getattr(current, field)), _audit_value(value)]
        for field, value in proposed.items()
        if getattr(current, field) != value
    }


def _child_data(text: str, field: str) -> None:
    if findings(text or ""):
        raise EventError(
            _(
                "The text seems to contain data that could identify a child (for example a PESEL "
                "number). Remove it."
            ),
            code="child_data",
            field=field,
        )


def _required_text(value, field: str, limit: int) -> str:
    value = " ".join(str(value or "").split())
    if not value:
        raise EventError(_("This field is required."), code="required", field=field)
    if len(value) > limit:
        raise EventError(
            _("At most %(n)d characters.") % {"n": limit}, code="too_long", field=field
        )
    return value


# --- the event ------------------------------------------------------------------------------

EVENT_FIELDS = (
    "title",
    "kind",
    "starts_at",
    "ends_at",
    "venue",
    "online_url",
    "visibility",
    "description",
    "registration_open",
    "offer_hours",
)


def _local_dates(starts_at, ends_at) -> list[dt.date]:
    first = timezone.localtime(starts_at).date()
    last = timezone.localtime(ends_at).date()
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


@transaction.atomic
def update_event(event: Event, *, actor, version: int, **changes) -> Event:
    """Change the event's details (only if it is still at ``version``). Sessions must stay
    inside the new dates; days added by longer dates get their check-in list, days dropped by
    shorter ones (empty, nobody checked in) are removed."""
    unknown = set(changes) - set(EVENT_FIELDS)
    if unknown:
        raise TypeError(f"update_event() got unexpected fields: {sorted(unknown)}")
    current = Event.objects.select_for_update().get(pk=event.pk)
    if current.version != version:
        raise Stale(current)
    proposed = {f: changes.get(f, getattr(current, f)) for f in EVENT_FIELDS}
    proposed["title"] = _required_text(proposed["title"], "title", 200)
    if proposed["kind"] not in EventKind.values:
        raise EventError(_("Choose one of the options."), code="choice", field="kind")
    if proposed["visibility"] not in Visibility.values:
        raise EventError(_("Choose one of the options."), code="choice", field="visibility")
    if proposed["ends_at"] < proposed["starts_at"]:
        raise EventError(
            _("The event cannot end before it starts."), code="ends_before_start", field="ends_at"
        )
    if not 1 <= int(proposed["offer_hours"]) <= 24 * 30:
        raise EventError(
            _("Between %(a)d and %(b)d hours.") % {"a": 1, "b": 24 * 30},
            code="bad_hours",
            field="offer_hours",
        )
    _child_data(proposed["description"], "description")
    outside = (
        Session.objects.filter(day__event=current)
        .exclude(starts_at__gte=proposed["starts_at"], ends_at__lte=proposed["ends_at"])
        .order_by("starts_at")
        .first()
    )
    if outside is not None:
        raise EventError(
            _(
                "The session “%(title)s” (%(when)s) would be outside the event's dates. Move or "
                "remove it first."
            )
            % {
                "title": outside.title,
                "when": timezone.localtime(outside.starts_at).strftime("%d.%m.%Y %H:%M"),
            },
            code="session_outside",
            field="starts_at",
        )
    dates = _local_dates(proposed["starts_at"], proposed["ends_at"])
    dropped = current.days.exclude(date__in=dates)
    if Checkin.objects.filter(checkin_list__day__in=dropped).exists():
        raise EventError(
            _("People were checked in on a day the new dates leave out."),
            code="checked_in_day",
            field="starts_at",
        )
    changed = _changed(current, proposed)
    if not changed:
        return current
    updated = Event.objects.filter(pk=current.pk, version=version).update(
        **{f: proposed[f] for f in changed}, version=F("version") + 1
    )
    if updated != 1:  # pragma: no cover - the row lock above makes this a belt and braces
        raise Stale(Event.objects.get(pk=current.pk))
    dropped.delete()
    fresh = Event.objects.get(pk=current.pk)
    for date in dates:
        programme.add_day(fresh, date)
    if "description" in changed:
        changed["description"] = ["…", "…"]  # the text itself stays out of the log
    log_action(
        "events.event.updated",
        actor=actor,
        organisation=fresh.organiser,
        target=fresh,
        data={"changes": changed, "version": fresh.version},
    )
    return fresh


# --- sessions and speakers -------------------------------------------------------------------


def _check_session(event: Event, *, title, kind, starts_at, ends_at, capacity, hours) -> str:
    title = _required_text(title, "title", 300)
    if kind not in SessionKind.values:
        raise EventError(_("Choose one of the options."), code="choice", field="kind")
    if ends_at <= starts_at:
        raise EventError(
            _("A session ends after it starts."), code="ends_before_start", field="ends_at"
        )
    if starts_at < event.starts_at or ends_at > event.ends_at:
        raise EventError(
            _("The session must take place within the event's dates (%(start)s – %(end)s).")
            % {
                "start": timezone.localtime(event.starts_at).strftime("%d.%m.%Y %H:%M"),
                "end": timezone.localtime(event.ends_at).strftime("%d.%m.%Y %H:%M"),
            },
            code="session_outside",
            field="starts_at",
        )
    if kind == SessionKind.WORKSHOP and not capacity:
        raise EventError(
            _("A workshop needs a capacity."), code="capacity_required", field="capacity"
        )
    if hours is not None and not Decimal(0) <= Decimal(hours) <= Decimal(24):
        raise EventError(
            _("Between %(a)d and %(b)d hours.") % {"a": 0, "b": 24}, code="bad_hours", field="hours"
        )
    return title


def _speakers_of(event: Event, speakers) -> list[Speaker]:
    ids = {getattr(s, "pk", s) for s in speakers or ()}
    found = list(Speaker.objects.filter(event=event, pk__in=ids))
    if len(found) != len(ids):
        raise EventError(_("Choose one of the options."), code="choice", field="speakers")
    return found


@transaction.atomic
def create_session(
    event: Event,
    *,
    actor,
    title: str,
    kind: str,
    starts_at,
    ends_at,
    room: str = "",
    capacity: int | None = None,
    hours=0,
    speakers=(),
) -> Session:
    """Add a plenary session, a workshop (with its capacity and check-in list) or a break on the
    day it starts; it must lie within the event's dates."""
    title = _check_session(
        event,
        title=title,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
        hours=hours,
    )
    day = programme.add_day(event, timezone.localtime(starts_at).date())
    session = programme.add_session(
        day,
        title=title,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        room=" ".join((room or "").split())[:120],
        capacity=capacity if kind == SessionKind.WORKSHOP else None,
        hours=hours or 0,
        speakers=_speakers_of(event, speakers),
    )
    log_action(
        "events.session.created",
        actor=actor,
        organisation=event.organiser,
        target=event,
        data={"session": session.pk, "title": session.title, "kind": kind, "capacity": capacity},
    )
    return session


SESSION_FIELDS = ("title", "kind", "starts_at", "ends_at", "room", "capacity", "hours")


def _live_bookings(session: Session):
    return WorkshopBooking.objects.filter(
        session=session,
        status__in=[BookingStatus.CONFIRMED, BookingStatus.WAITING, BookingStatus.OFFERED],
    )


@transaction.atomic
def update_session(session: Session, *, actor, version: int, speakers=None, **changes) -> Session:
    """Change a session (only if it is still at ``version``). A workshop's capacity cannot go
    below the seats already taken; new seats go to its waiting list first."""
    unknown = set(changes) - set(SESSION_FIELDS)
    if unknown:
        raise TypeError(f"update_session() got unexpected fields: {sorted(unknown)}")
    current = Session.objects.select_related("day__event").get(pk=session.pk)
    event = current.day.event
    if current.version != version:
        raise Stale(current)
    proposed = {f: changes.get(f, getattr(current, f)) for f in SESSION_FIELDS}
    proposed["title"] = _check_session(
        event,
        title=proposed["title"],
        kind=proposed["kind"],
        starts_at=proposed["starts_at"],
        ends_at=proposed["ends_at"],
        capacity=proposed["capacity"],
        hours=proposed["hours"],
    )
    proposed["room"] = " ".join((proposed["room"] or "").split())[:120]
    proposed["hours"] = Decimal(proposed["hours"] or 0)
    was_workshop = current.kind == SessionKind.WORKSHOP
    is_workshop = proposed["kind"] == SessionKind.WORKSHOP
    if not is_workshop:
        proposed["capacity"] = None
    if was_workshop != is_workshop:
        if _live_bookings(current).exists():
            raise EventError(
                _("People have booked this workshop; it cannot stop being a workshop."),
                code="has_bookings",
                field="kind",
            )
        if Checkin.objects.filter(checkin_list__session=current).exists():
            raise EventError(
                _("People were checked in to this workshop; it cannot stop being a workshop."),
                code="has_checkins",
                field="kind",
            )
    new_speakers = None if speakers is None else _speakers_of(event, speakers)
    changed = _changed(current, proposed)
    speakers_changed = new_speakers is not None and {s.pk for s in new_speakers} != set(
        current.speakers.values_list("pk", flat=True)
    )
    if not changed and not speakers_changed:
        return current
    day = programme.add_day(event, timezone.localtime(proposed["starts_at"]).date())
    values = {f: proposed[f] for f in changed}
    rows = Session.objects.filter(pk=current.pk, version=version)
    if is_workshop:
        rows = rows.filter(taken__lte=proposed["capacity"])
    updated = rows.update(**values, day=day, version=F("version") + 1)
    if updated != 1:
        fresh = Session.objects.get(pk=current.pk)
        if fresh.version != version:
            raise Stale(fresh)
        raise EventError(
            _(
                "%(taken)d seats of this workshop are already taken; the capacity cannot be "
                "lower than that."
            )
            % {"taken": fresh.taken},
            code="capacity_below_taken",
            field="capacity",
        )
    fresh = Session.objects.select_related("day__event").get(pk=current.pk)
    if new_speakers is not None:
        fresh.speakers.set(new_speakers)
    if is_workshop and not was_workshop:
        CheckinList.objects.get_or_create(event=event, session=fresh, defaults={"day": day})
    elif was_workshop and not is_workshop:
        CheckinList.objects.filter(session=fresh).delete()
    if is_workshop:
        CheckinList.objects.filter(session=fresh).update(day=day)
        if was_workshop and proposed["capacity"] > (current.capacity or 0):
            _offer_new_session_seats(fresh, proposed["capacity"] - (current.capacity or 0))
            fresh.refresh_from_db()
    log_action(
        "events.session.updated",
        actor=actor,
        organisation=event.organiser,
        target=event,
        data={
            "session": fresh.pk,
            "changes": changed,
            "speakers_changed": speakers_changed,
            "version": fresh.version,
        },
    )
    return fresh


def _offer_new_session_seats(session: Session, added: int) -> None:
    """Each new seat is taken and passed on as a freed one would be: to the next person waiting
    (a time-limited offer), or back on sale when nobody waits."""
    for _i in range(added):
        if not WorkshopBooking.objects.filter(
            session=session, status=BookingStatus.WAITING
        ).exists():
            return
        if not seats.take_session_seat(session):
            return
        waitlist.pass_session_seat(session)


@transaction.atomic
def delete_session(session: Session, *, actor) -> None:
    """Remove a session nobody has booked or been checked in to."""
    session = Session.objects.select_related("day__event").get(pk=session.pk)
    event = session.day.event
    if (
        WorkshopBooking.objects.filter(session=session).exists()
        or Checkin.objects.filter(checkin_list__session=session).exists()
    ):
        raise EventError(
            _("People have booked or attended this session; it cannot be removed."),
            code="in_use",
            status=409,
        )
    data = {"session": session.pk, "title": session.title}
    CheckinList.objects.filter(session=session).delete()
    session.delete()
    log_action(
        "events.session.deleted", actor=actor, organisation=event.organiser, target=event, data=data
    )


@transaction.atomic
def create_speaker(
    event: Event, *, actor, name: str, affiliation: str = "", country: str = "PL"
) -> Speaker:
    name = _required_text(name, "name", 200)
    affiliation = " ".join((affiliation or "").split())[:200]
    country = (country or "PL").strip().upper()
    if len(country) != 2 or not country.isascii() or not country.isalpha():
        raise EventError(
            _("Enter a two-letter country code (for example PL)."),
            code="bad_country",
            field="country",
        )
    speaker = programme.add_speaker(event, name, affiliation, country)
    log_action(
        "events.speaker.added",
        actor=actor,
        organisation=event.organiser,
        target=event,
        data={"speaker": speaker.pk},
    )
    return speaker


# --- ticket categories -----------------------------------------------------------------------

CATEGORY_FIELDS = ("name", "quota", "per_organisation_limit", "requires_approval", "members_only")


def _check_category(name, quota, per_organisation_limit) -> str:
    name = _required_text(name, "name", 120)
    if quota is None or not 1 <= int(quota) <= 100000:
        raise EventError(
            _("Between %(a)d and %(b)d seats.") % {"a": 1, "b": 100000},
            code="bad_quota",
            field="quota",
        )
    if per_organisation_limit is not None and not 1 <= per_organisation_limit <= int(quota):
        raise EventError(
            _("The limit per organisation is between 1 and the category's seats."),
            code="bad_limit",
            field="per_organisation_limit",
        )
    return name


@transaction.atomic
def create_category(
    event: Event,
    *,
    actor,
    name: str,
    quota: int,
    per_organisation_limit: int | None = None,
    requires_approval: bool = False,
    members_only: bool = False,
) -> TicketCategory:
    name = _check_category(name, quota, per_organisation_limit)
    category = programme.add_category(
        event,
        name,
        quota,
        requires_approval=requires_approval,
        members_only=members_only,
        per_organisation_limit=per_organisation_limit,
    )
    log_action(
        "events.category.created",
        actor=actor,
        organisation=event.organiser,
        target=event,
        data={"category": category.pk, "name": name, "quota": quota},
    )
    return category


@transaction.atomic
def update_category(category: TicketCategory, *, actor, version: int, **changes) -> TicketCategory:
    """Change a category (only if it is still at ``version``). The seats cannot go below those
    already taken, nor the limit per organisation below what an organisation already holds;
    new seats go to the waiting list first. Approval changes apply to new registrations."""
    unknown = set(changes) - set(CATEGORY_FIELDS)
    if unknown:
        raise TypeError(f"update_category() got unexpected fields: {sorted(unknown)}")
    current = TicketCategory.objects.select_related("event__organiser").get(pk=category.pk)
    if current.version != version:
        raise Stale(current)
    proposed = {f: changes.get(f, getattr(current, f)) for f in CATEGORY_FIELDS}
    proposed["name"] = _check_category(
        proposed["name"], proposed["quota"], proposed["per_organisation_limit"]
    )
    limit = proposed["per_organisation_limit"]
    if limit is not None:
        if current.per_organisation_limit is None:
            # Seats taken before there was a limit were not counted per organisation.
            held = max([0, *(row["n"] for row in _seats_by_organisation(current))])
        else:
            held = (
                OrganisationSeats.objects.filter(category=current).aggregate(m=Max("taken"))["m"]
                or 0
            )
        if held > limit:
            raise EventError(
                _(
                    "An organisation already holds %(n)d seats in this category; the limit "
                    "cannot be lower than that."
                )
                % {"n": held},
                code="limit_below_taken",
                field="per_organisation_limit",
            )
    changed = _changed(current, proposed)
    if not changed:
        return current
    updated = TicketCategory.objects.filter(
        pk=current.pk, version=version, taken__lte=proposed["quota"]
    ).update(**{f: proposed[f] for f in changed}, version=F("version") + 1)
    if updated != 1:
        fresh = TicketCategory.objects.get(pk=current.pk)
        if fresh.version != version:
            raise Stale(fresh)
        raise EventError(
            _(
                "%(taken)d seats of this category are already taken; the number of seats cannot "
                "be lower than that."
            )
            % {"taken": fresh.taken},
            code="quota_below_taken",
            field="quota",
        )
    fresh = TicketCategory.objects.select_related("event__organiser").get(pk=current.pk)
    if current.per_organisation_limit is None and limit is not None:
        for row in _seats_by_organisation(fresh):
            OrganisationSeats.objects.update_or_create(
                category=fresh, organisation_id=row["organisation"], defaults={"taken": row["n"]}
            )
    if proposed["quota"] > current.quota:
        _offer_new_category_seats(fresh, proposed["quota"] - current.quota)
        fresh.refresh_from_db()
    log_action(
        "events.category.updated",
        actor=actor,
        organisation=fresh.event.organiser,
        target=fresh.event,
        data={"category": fresh.pk, "changes": changed, "version": fresh.version},
    )
    return fresh


def _seats_by_organisation(category: TicketCategory):
    from django.db.models import Count

    return (
        Registration.objects.filter(
            category=category,
            status__in=[
                RegistrationStatus.PENDING,
                RegistrationStatus.CONFIRMED,
                RegistrationStatus.OFFERED,
            ],
            organisation__isnull=False,
        )
        .values("organisation")
        .annotate(n=Count("pk"))
    )


def _offer_new_category_seats(category: TicketCategory, added: int) -> None:
    for _i in range(added):
        if not Registration.objects.filter(
            category=category, status=RegistrationStatus.WAITING
        ).exists():
            return
        if not seats.take_category_seat(category):
            return
        waitlist.pass_category_seat(category)


@transaction.atomic
def delete_category(category: TicketCategory, *, actor) -> None:
    category = TicketCategory.objects.select_related("event__organiser").get(pk=category.pk)
    if Registration.objects.filter(category=category).exists():
        raise EventError(
            _("People have registered in this category; it cannot be removed."),
            code="in_use",
            status=409,
        )
    event = category.event
    data = {"category": category.pk, "name": category.name}
    category.delete()
    log_action(
        "events.category.deleted",
        actor=actor,
        organisation=event.organiser,
        target=event,
        data=data,
    )


# --- registration questions ------------------------------------------------------------------


@transaction.atomic
def create_question(
    event: Event,
    *,
    actor,
    label: str,
    kind: str = QuestionKind.TEXT,
    options=(),
    required: bool = False,
    purpose: str = "",
    sensitive: bool = False,
) -> Question:
    label = _required_text(label, "label", 300)
    purpose = " ".join((purpose or "").split())
    if len(purpose) > 300:
        raise EventError(
            _("At most %(n)d characters.") % {"n": 300}, code="too_long", field="purpose"
        )
    if kind not in QuestionKind.values:
        raise EventError(_("Choose one of the options."), code="choice", field="kind")
    options = [" ".join(str(o).split())[:200] for o in options or ()]
    options = list(dict.fromkeys(o for o in options if o))
    if kind == QuestionKind.CHOICE and len(options) < 2:
        raise EventError(
            _("Give at least two options, one per line."), code="options_required", field="options"
        )
    if len(options) > 50:
        raise EventError(_("At most %(n)d options.") % {"n": 50}, code="too_many", field="options")
    if kind != QuestionKind.CHOICE:
        options = []
    _child_data(label, "label")
    question = programme.add_question(
        event,
        label,
        kind=kind,
        options=options,
        required=required,
        purpose=purpose,
        sensitive=sensitive,
    )
    log_action(
        "events.question.created",
        actor=actor,
        organisation=event.organiser,
        target=event,
        data={"question": question.pk, "kind": kind, "sensitive": sensitive},
    )
    return question


@transaction.atomic
def delete_question(question: Question, *, actor) -> None:
    question = Question.objects.select_related("event__organiser").get(pk=question.pk)
    if Answer.objects.filter(question=question).exists():
        raise EventError(
            _("People have already answered this question; it cannot be removed."),
            code="in_use",
            status=409,
        )
    event = question.event
    data = {"question": question.pk}
    question.delete()
    log_action(
        "events.question.deleted",
        actor=actor,
        organisation=event.organiser,
        target=event,
        data=data,
    )


# --- check-in staff --------------------------------------------------------------------------


@transaction.atomic
def add_checkin_staff(event: Event, *, actor, email: str):
    """Let a person with an account check people in to this event, on the check-in pages.
    (Scanner apps use the organiser organisation's API token with the ``checkin`` scope.)"""
    email = (email or "").strip()
    user = (
        get_user_model().objects.filter(email__iexact=email, is_active=True).order_by("pk").first()
        if email
        else None
    )
    if user is None:
        raise EventError(
            _("No active account has this e-mail address. Invite the person first."),
            code="no_account",
            field="email",
        )
    if event.checkin_staff.filter(pk=user.pk).exists():
        raise EventError(
            _("This person is already on the check-in staff."), code="already", field="email"
        )
    event.checkin_staff.add(user)
    log_action(
        "events.staff.added",
        actor=actor,
        organisation=event.organiser,
        target=event,
        data={"user": user.pk},
    )
    return user


@transaction.atomic
def remove_checkin_staff(event: Event, *, actor, user) -> None:
    if not event.checkin_staff.filter(pk=user.pk).exists():
        raise EventError(
            _("This person is not on the check-in staff."), code="not_staff", status=404
        )
    event.checkin_staff.remove(user)
    log_action(
        "events.staff.removed",
        actor=actor,
        organisation=event.organiser,
        target=event,
        data={"user": user.pk},
    )
