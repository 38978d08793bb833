"""Public pages: the list of events, an event's programme and registration, the ticket page
(reached by the secret link from the e-mails: QR, workshops, offers, cancelling), the feed."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from ostoja.core.text import render_markdown
from ostoja.organisations.models import Membership

from . import ics, permissions, services, tickets
from .forms import RegistrationForm
from .models import (
    BookingStatus,
    Event,
    Registration,
    RegistrationStatus,
    Session,
    SessionKind,
    Visibility,
)
from .services import waitlist


@require_GET
def event_list(request):
    now = timezone.now()
    events = (
        permissions.visible_events(request.user)
        .filter(ends_at__gte=now)
        .select_related("organiser")
    )
    past = (
        permissions.visible_events(request.user).filter(ends_at__lt=now).order_by("-starts_at")[:10]
    )
    return render(request, "events/list.html", {"events": events, "past": past})


@require_GET
def feed(request):
    events = Event.objects.filter(published=True, visibility=Visibility.PUBLIC).order_by(
        "starts_at"
    )
    body = ics.feed(events, _("Ostoja: events of the partnership"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="events.ics"'
    return response


#: What the event page and its registration form read of an event: one query each, shared
#: by the form, the programme and the registration service (a registration rush posts this
#: page 100 times a second).
PROGRAMME = ("questions", "days__sessions")


def _programme(event):
    """The days with their sessions grouped by start time (nothing read again where ``event``
    was fetched with :data:`PROGRAMME`)."""
    prefetch_related_objects([event], "days__sessions__speakers")
    days = list(event.days.all())
    for day in days:
        day.slots = []
        for session in day.sessions.all():
            if day.slots and day.slots[-1][0] == session.starts_at:
                day.slots[-1][1].append(session)
            else:
                day.slots.append((session.starts_at, [session]))
    return days


def _user_organisation(user):
    if not getattr(user, "is_authenticated", False):
        return None
    m = Membership.objects.active().filter(user=user).select_related("organisation").first()
    return m.organisation if m else None


@require_http_methods(["GET", "POST"])
def detail(request, slug):
    event = get_object_or_404(
        permissions.visible_events(request.user)
        .select_related("organiser")
        .prefetch_related(*PROGRAMME),
        slug=slug,
    )
    categories = [
        c for c in event.categories.all() if permissions.may_take_category(request.user, c)
    ]
    can_register = (
        event.registration_open
        and event.ends_at >= timezone.now()
        and permissions.may_register(request.user, event)
        and categories
    )
    initial = {}
    if request.user.is_authenticated:
        org = _user_organisation(request.user)
        initial = {
            "name": request.user.get_full_name() if hasattr(request.user, "get_full_name") else "",
            "email": request.user.email,
            "organisation_name": org.name if org else "",
        }
    form = RegistrationForm(
        request.POST or None, event=event, categories=categories, initial=initial
    )
    status = 200
    if request.method == "POST":
        if not can_register:
            raise Http404
        if form.is_valid():
            category = next(c for c in categories if str(c.pk) == form.cleaned_data["category"])
            chosen = [int(x) for x in form.cleaned_data.get("workshops", [])]
            workshops = list(
                Session.objects.filter(
                    day__event=event, pk__in=chosen, kind=SessionKind.WORKSHOP
                ).select_related("day")
            )
            org = _user_organisation(request.user)
            try:
                registration, secret = services.register(
                    event=event,
                    category=category,
                    name=form.cleaned_data["name"],
                    email=form.cleaned_data["email"],
                    organisation=org,
                    organisation_name=form.cleaned_data["organisation_name"],
                    user=request.user,
                    answers=form.answers(),
                    workshops=workshops,
                    language=translation.get_language() or "pl",
                )
            except services.EventError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
                status = exc.status
            else:
                return redirect("events:ticket", secret=secret)
        else:
            status = 422
    return render(
        request,
        "events/detail.html",
        {
            "event": event,
            "days": _programme(event),
            "form": form,
            "description": render_markdown(event.description) if event.description else "",
            "can_register": can_register,
            "categories": categories,
            "can_manage": permissions.can_manage(request.user, event),
        },
        status=status,
    )


def _registration_by_secret(secret: str) -> Registration:
    if not tickets.looks_like_secret(secret):
        raise Http404
    registration = (
        Registration.objects.select_related("event", "category")
        .filter(secret_hash=tickets.hash_secret(secret), anonymised=False)
        .first()
    )
    if registration is None:
        raise Http404
    return registration


@require_http_methods(["GET", "POST"])
def ticket(request, secret):
    registration = _registration_by_secret(secret)
    event = registration.event
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "cancel":
                services.cancel_registration(registration)
                messages.success(request, _("Your registration has been cancelled."))
            elif action == "accept":
                services.accept_offer(registration)
                messages.success(
                    request, _("The seat is yours. Your ticket is below and in your e-mail.")
                )
            elif action in ("book", "unbook", "accept_workshop"):
                try:
                    session = Session.objects.select_related("day").get(
                        pk=int(request.POST.get("session", "")), day__event=event
                    )
                except (ValueError, Session.DoesNotExist):
                    raise Http404 from None
                if action == "book":
                    booking = services.book_workshop(registration, session)
                    if booking.status == BookingStatus.CONFIRMED:
                        messages.success(request, _("Workshop booked."))
                    else:
                        messages.info(
                            request, _("The workshop is full: you are on its waiting list.")
                        )
                else:
                    booking = (
                        registration.bookings.filter(session=session)
                        .exclude(status__in=[BookingStatus.CANCELLED, BookingStatus.EXPIRED])
                        .first()
                    )
                    if booking is None:
                        raise Http404
                    if action == "unbook":
                        services.cancel_booking(booking)
                        messages.success(request, _("Workshop booking cancelled."))
                    else:
                        waitlist.accept_workshop_offer(booking)
                        messages.success(request, _("Workshop booked."))
            else:
                return HttpResponse(_("Unknown action."), status=400)
        except services.EventError as exc:
            messages.error(request, exc.message)
            response = redirect("events:ticket", secret=secret)
            return response
        return redirect("events:ticket", secret=secret)
    registration.refresh_from_db()
    bookings = {
        b.session_id: b
        for b in registration.bookings.exclude(
            status__in=[BookingStatus.CANCELLED, BookingStatus.EXPIRED]
        )
    }
    days = _programme(event)
    workshops = [s for d in days for s in d.sessions.all() if s.kind == SessionKind.WORKSHOP]
    for w in workshops:
        w.booking = bookings.get(w.pk)
    rank = None
    if registration.status == RegistrationStatus.WAITING:
        rank = (
            waitlist.waiting_list(registration.category)
            .filter(queue_position__lt=registration.queue_position)
            .count()
            + 1
        )
    response = render(
        request,
        "events/ticket.html",
        {
            "registration": registration,
            "event": event,
            "qr": tickets.qr_svg(secret, scale=6)
            if registration.status == RegistrationStatus.CONFIRMED
            else "",
            "workshops": workshops,
            "rank": rank,
            "secret": secret,
            "live": registration.status in ("pending", "confirmed", "waiting", "offered"),
        },
    )
    add_never_cache_headers(response)
    response["Cache-Control"] = "no-store"
    return response
