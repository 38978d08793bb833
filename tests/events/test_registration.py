"""Registering, the waiting list, offers, approval, cancelling, and the bad input of the issue."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from ostoja.audit.models import AuditEntry
from ostoja.events.models import (
    QueueChange,
    Registration,
    TicketCategory,
    WorkshopBooking,
)
from ostoja.events.services import (
    EventError,
    accept_offer,
    approve,
    book_workshop,
    cancel_booking,
    cancel_registration,
    expire_offers,
    move_in_queue,
    programme,
    register,
    reject,
)
from ostoja.outbox.models import OutboxMessage
from ostoja.outbox.services import deliver_due
from tests.factories import OrganisationFactory

from .helpers import conference

pytestmark = pytest.mark.django_db


def reg(event, category, n, **kw):
    return register(
        event=event, category=category, name=f"Osoba {n}", email=f"osoba{n}@example.com", **kw
    )


def mails_to(address):
    deliver_due()  # participants' e-mails are composed at delivery (QR, .ics)
    return [m for m in OutboxMessage.objects.order_by("pk") if address in m.recipients]


def test_seats_then_waiting_list_in_arrival_order():
    event, category, _ = conference(seats=2)
    regs = [reg(event, category, n)[0] for n in range(5)]
    assert [r.status for r in regs] == ["confirmed", "confirmed", "waiting", "waiting", "waiting"]
    category.refresh_from_db()
    assert category.taken == 2
    waiting = Registration.objects.filter(category=category, status="waiting").order_by(
        "queue_position", "pk"
    )
    assert [r.pk for r in waiting] == [r.pk for r in regs[2:]]
    [ticket] = mails_to("osoba0@example.com")
    assert ticket.attachments[0]["content_type"] == "text/calendar"
    assert "<svg" in ticket.body_html
    [waiting_mail] = mails_to("osoba3@example.com")
    assert not waiting_mail.attachments
    assert AuditEntry.objects.filter(action="events.registration.created").count() == 5


def test_the_ticket_e_mail_is_composed_at_delivery_and_the_row_holds_no_ticket_link_before():
    """The request stores what the e-mail is about; the deliverer renders the QR code and the
    .ics in the person's language, with the ticket link derived again from the salt."""
    event, category, _ = conference(seats=2)
    registration, secret = reg(event, category, 1, language="en")
    stored = OutboxMessage.objects.get()
    assert stored.composer == "events.participant" and stored.body_text == ""
    assert secret not in str(stored.payload) and stored.attachments == []
    [delivered] = mails_to("osoba1@example.com")
    assert delivered.state == "sent"
    assert f"/events/ticket/{secret}/" in delivered.body_text
    assert delivered.attachments[0]["name"] == "invitation.ics"
    assert "Your seat is confirmed" in delivered.body_text


def test_registering_twice_with_one_address_is_refused_with_409():
    event, category, _ = conference()
    reg(event, category, 1)
    with pytest.raises(EventError) as exc:
        register(event=event, category=category, name="Ktoś", email="OSOBA1@Example.com")
    assert exc.value.status == 409 and exc.value.code == "already_registered"
    assert Registration.objects.filter(event=event).count() == 1


def test_after_cancelling_the_same_address_may_register_again():
    event, category, _ = conference()
    first, _ = reg(event, category, 1)
    cancel_registration(first)
    second, _ = reg(event, category, 1)
    assert second.status == "confirmed"


@pytest.mark.parametrize(
    ("name", "email", "code"),
    [
        ("", "a@example.com", "required"),
        ("Ala\u202eKot", "a@example.com", "bad_text"),
        ("Ala", "not-an-address", "bad_email"),
        ("Ala", "a@example.com\nBcc: x@example.com", "bad_email"),
        ("A" * 201, "a@example.com", "too_long"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(name, email, code):
    event, category, _ = conference()
    with pytest.raises(EventError) as exc:
        register(event=event, category=category, name=name, email=email)
    assert exc.value.code == code
    assert not Registration.objects.exists()
    category.refresh_from_db()
    assert category.taken == 0


def test_a_category_of_another_event_is_refused():
    event, _category, _ = conference()
    _other, other_category, _ = conference()
    with pytest.raises(EventError) as exc:
        register(event=event, category=other_category, name="A", email="a@example.com")
    assert exc.value.code == "bad_category"


def test_parallel_workshops_exclude_each_other():
    event, category, (w1, w2) = conference()
    with pytest.raises(EventError) as exc:
        register(
            event=event, category=category, name="A", email="a@example.com", workshops=[w1, w2]
        )
    assert exc.value.code == "parallel_workshops"
    assert not Registration.objects.exists()


def test_workshop_capacity_and_its_waiting_list():
    event, category, (w1, _w2) = conference(seats=10, workshop_seats=1)
    a, _ = reg(event, category, 1, workshops=[w1])
    b, _ = reg(event, category, 2, workshops=[w1])
    assert a.bookings.get().status == "confirmed"
    assert b.bookings.get().status == "waiting"
    cancel_booking(a.bookings.get())
    offered = b.bookings.get()
    assert offered.status == "offered" and offered.offer_expires_at is not None
    w1.refresh_from_db()
    assert w1.taken == 1


def test_booking_a_workshop_needs_a_seat():
    event, category, (w1, _) = conference(seats=1)
    reg(event, category, 1)
    waiting, _ = reg(event, category, 2)
    with pytest.raises(EventError) as exc:
        book_workshop(waiting, w1)
    assert exc.value.code == "no_seat"


def test_cancellation_frees_a_seat_and_the_first_waiting_person_gets_the_offer():
    event, category, _ = conference(seats=1)
    first, _ = reg(event, category, 1)
    second, _ = reg(event, category, 2)
    third, _ = reg(event, category, 3)
    cancel_registration(first)
    second.refresh_from_db()
    third.refresh_from_db()
    assert second.status == "offered"
    assert third.status == "waiting"
    expected = timezone.now() + dt.timedelta(hours=48)
    assert abs((second.offer_expires_at - expected).total_seconds()) < 60
    offer_mail = mails_to("osoba2@example.com")[-1]
    assert "/events/ticket/" in offer_mail.body_text
    category.refresh_from_db()
    assert category.taken == 1  # the seat went to the queue, not back on sale
    newcomer, _ = reg(event, category, 4)
    assert newcomer.status == "waiting"


def test_an_expired_offer_moves_to_the_next_person():
    event, category, _ = conference(seats=1)
    first, _ = reg(event, category, 1)
    second, _ = reg(event, category, 2)
    third, _ = reg(event, category, 3)
    cancel_registration(first)
    counts = expire_offers(now=timezone.now() + dt.timedelta(hours=49))
    assert counts["registrations"] == 1
    second.refresh_from_db()
    third.refresh_from_db()
    assert second.status == "expired"
    assert third.status == "offered"
    assert len(mails_to("osoba2@example.com")) == 3  # waiting, offer, expired


def test_accepting_an_expired_offer_is_refused_with_410_and_the_seat_moves_on():
    event, category, _ = conference(seats=1)
    first, _ = reg(event, category, 1)
    second, _ = reg(event, category, 2)
    third, _ = reg(event, category, 3)
    cancel_registration(first)
    with pytest.raises(EventError) as exc:
        accept_offer(second, now=timezone.now() + dt.timedelta(hours=49))
    assert exc.value.status == 410
    second.refresh_from_db()
    third.refresh_from_db()
    assert second.status == "expired" and third.status == "offered"


def test_accepting_an_offer_confirms_and_sends_the_ticket():
    event, category, _ = conference(seats=1)
    first, _ = reg(event, category, 1)
    second, _ = reg(event, category, 2)
    cancel_registration(first)
    accept_offer(second)
    second.refresh_from_db()
    assert second.status == "confirmed"
    assert any(m.attachments for m in mails_to("osoba2@example.com"))


def test_reordering_the_waiting_list_needs_a_reason_and_is_logged(django_user_model):
    event, category, _ = conference(seats=1)
    reg(event, category, 0)
    a, _ = reg(event, category, 1)
    b, _ = reg(event, category, 2)
    c, _ = reg(event, category, 3)
    organiser = django_user_model.objects.create_user(email="org@example.com", password="x")
    with pytest.raises(EventError) as exc:
        move_in_queue(c, new_rank=1, reason=" ", actor=organiser)
    assert exc.value.code == "reason_required"
    with pytest.raises(EventError):
        move_in_queue(c, new_rank=9, reason="Prelegentka zastępcza", actor=organiser)
    move_in_queue(c, new_rank=1, reason="Prelegentka zastępcza", actor=organiser)
    order = list(
        Registration.objects.filter(category=category, status="waiting").order_by(
            "queue_position", "pk"
        )
    )
    assert [r.pk for r in order] == [c.pk, a.pk, b.pk]
    change = QueueChange.objects.get()
    assert (change.old_rank, change.new_rank, change.reason) == (3, 1, "Prelegentka zastępcza")
    assert AuditEntry.objects.filter(action="events.waitlist.reordered").count() == 1


def test_approval_holds_the_seat_until_the_organiser_decides(django_user_model):
    event, category, _ = conference(seats=1, approval=True)
    pending, _ = reg(event, category, 1)
    waiting, _ = reg(event, category, 2)
    assert pending.status == "pending"
    organiser = django_user_model.objects.create_user(email="org@example.com", password="x")
    reject(pending, actor=organiser, reason="Spoza grupy docelowej")
    waiting.refresh_from_db()
    assert waiting.status == "offered"
    accept_offer(waiting)
    waiting.refresh_from_db()
    assert waiting.status == "pending"  # approval still needed
    approve(waiting, actor=organiser)
    waiting.refresh_from_db()
    assert waiting.status == "confirmed"


def test_per_organisation_limit():
    org = OrganisationFactory()
    other = OrganisationFactory()
    event, category, _ = conference(seats=5, per_org=1)
    a, _ = reg(event, category, 1, organisation=org)
    b, _ = reg(event, category, 2, organisation=org)
    c, _ = reg(event, category, 3, organisation=other)
    assert (a.status, b.status, c.status) == ("confirmed", "waiting", "confirmed")


def test_members_only_event_refuses_people_outside_the_partnership(world):
    event, category, _ = conference(visibility="members")
    with pytest.raises(EventError) as exc:
        register(
            event=event,
            category=category,
            name="A",
            email="a@example.com",
            user=world.users["authority_officer"],
        )
    assert exc.value.status == 403
    member = world.users["network_member"]
    r, _ = register(event=event, category=category, name="B", email=member.email, user=member)
    assert r.status == "confirmed"


def test_registration_closed_after_the_event():
    event, category, _ = conference(start_in_days=-5)
    with pytest.raises(EventError) as exc:
        reg(event, category, 1)
    assert exc.value.code == "closed"


def test_cancelling_twice_is_refused():
    event, category, _ = conference()
    r, _ = reg(event, category, 1)
    cancel_registration(r)
    with pytest.raises(EventError) as exc:
        cancel_registration(r)
    assert exc.value.status == 409


def test_cancelling_frees_workshop_seats_too():
    event, category, (w1, _) = conference(seats=5, workshop_seats=1)
    a, _ = reg(event, category, 1, workshops=[w1])
    b, _ = reg(event, category, 2, workshops=[w1])
    cancel_registration(a)
    assert b.bookings.get().status == "offered"
    assert WorkshopBooking.objects.filter(registration=a).get().status == "cancelled"


def test_sensitive_question_needs_its_purpose():
    event, _category, _ = conference()
    with pytest.raises(EventError):
        programme.add_question(event, "Dieta", sensitive=True)
    q = programme.add_question(event, "Dieta", sensitive=True, purpose="Aby przygotować posiłki.")
    assert q.sensitive


def test_required_question_and_choice():
    event, category, _ = conference()
    q = programme.add_question(
        event, "Instytucja", kind="choice", options=["sąd", "NGO"], required=True
    )
    with pytest.raises(EventError):
        reg(event, category, 1, answers={})
    with pytest.raises(EventError):
        reg(event, category, 1, answers={q.pk: "policja"})
    r, _ = reg(event, category, 1, answers={q.pk: "sąd"})
    assert r.answers.get().value == "sąd"
    assert TicketCategory.objects.get(pk=category.pk).taken == 1
