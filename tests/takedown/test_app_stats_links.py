"""The hotline's workload statistics and the notice-and-takedown statistics link to each other,
in Polish and in English, for everyone who may see both."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

PAGES = {
    # page: (address of the other page, link text in Polish, in English)
    "/hotline/stats/": (
        "/takedown/stats/",
        "Statystyki usuwania treści: czas do usunięcia, kraje hostingu, porównywalne z INHOPE",
        "Notice and takedown statistics: time to removal, hosting countries, comparable with "
        "INHOPE",
    ),
    "/takedown/stats/": (
        "/hotline/stats/",
        "Statystyki pracy punktu kontaktowego: zgłoszenia, adresy, kolejka i oceny",
        "Hotline workload statistics: reports, items, queue and assessments",
    ),
}


@pytest.mark.parametrize("page", list(PAGES))
@pytest.mark.parametrize("who", ["analyst", "supervisor", "coordinator"])
def test_each_statistics_page_links_to_the_other(td, coordinator, page, who):
    user = coordinator if who == "coordinator" else getattr(td, who)
    client = Client()
    client.force_login(user)
    other, polish, english = PAGES[page]
    pl = client.get(page)
    assert pl.status_code == 200
    assert f'<a href="{other}">{polish} →</a>' in pl.content.decode()
    en = client.get(f"/en{page}")
    assert en.status_code == 200
    assert f'<a href="/en{other}">{english} →</a>' in en.content.decode()
    # The link leads somewhere this user may go.
    assert client.get(f"/en{other}").status_code == 200
