"""A training edition's sessions as .ics for its participants (parsed with icalendar)."""

from __future__ import annotations

import pytest
from django.test import Client
from icalendar import Calendar

from ostoja.learning import services

from .helpers import edition, professional

pytestmark = pytest.mark.django_db


def test_a_participant_gets_every_session_and_the_link_is_on_their_page():
    ed = edition(sessions=3)
    trainee = professional()
    services.enrol(ed, trainee, actor=trainee)
    client = Client()
    client.force_login(trainee)
    page = client.get(f"/learning/editions/{ed.pk}/").content.decode()
    assert f'href="/learning/editions/{ed.pk}/sessions.ics"' in page
    r = client.get(f"/learning/editions/{ed.pk}/sessions.ics")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/calendar")
    assert r["Cache-Control"] == "no-store"
    cal = Calendar.from_ical(r.content)
    events = list(cal.walk("VEVENT"))
    sessions = list(ed.sessions.order_by("starts_at"))
    assert len(events) == 3
    assert [e.decoded("dtstart") for e in events] == [s.starts_at for s in sessions]
    assert [e.decoded("dtend") for e in events] == [s.ends_at for s in sessions]
    assert "Sesja 1" in str(events[0]["SUMMARY"]) and "Moduł 1" in str(events[0]["SUMMARY"])
    assert len({str(e["UID"]) for e in events}) == 3


def test_the_waiting_list_and_outsiders_get_404_and_no_link():
    ed = edition(capacity=1, sessions=2)
    first, waiting, outsider = professional(), professional(), professional()
    services.enrol(ed, first, actor=first)
    assert services.enrol(ed, waiting, actor=waiting).state == "waiting"
    for user in (waiting, outsider):
        client = Client()
        client.force_login(user)
        assert client.get(f"/learning/editions/{ed.pk}/sessions.ics").status_code == 404
        assert "sessions.ics" not in client.get(f"/learning/editions/{ed.pk}/").content.decode()
    assert Client().get(f"/learning/editions/{ed.pk}/sessions.ics").status_code == 302


def test_a_moved_session_keeps_its_uid():
    ed = edition(sessions=1)
    trainee = professional()
    services.enrol(ed, trainee, actor=trainee)
    client = Client()
    client.force_login(trainee)
    before = Calendar.from_ical(client.get(f"/learning/editions/{ed.pk}/sessions.ics").content)
    session = ed.sessions.get()
    session.starts_at = session.starts_at.replace(hour=13)
    session.ends_at = session.ends_at.replace(hour=15)
    session.save()
    after = Calendar.from_ical(client.get(f"/learning/editions/{ed.pk}/sessions.ics").content)
    (b,), (a,) = list(before.walk("VEVENT")), list(after.walk("VEVENT"))
    assert str(a["UID"]) == str(b["UID"]) and a.decoded("dtstart") != b.decoded("dtstart")
