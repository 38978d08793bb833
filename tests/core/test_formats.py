"""Dates: day-month-year and 24-hour time in both languages; ISO values in date inputs."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django import forms
from django.utils import translation
from django.utils.formats import date_format

from tests.page_text import page_text


@pytest.fixture(autouse=True)
def _language_left_as_found():
    """Requests to /en/ pages activate English in this thread; leave it as it was."""
    with translation.override(translation.get_language()):
        yield


WHEN = datetime(2025, 12, 6, 16, 5, tzinfo=ZoneInfo("Europe/Warsaw"))


@pytest.mark.parametrize(
    ("language", "fmt", "expected"),
    [
        ("pl", "SHORT_DATETIME_FORMAT", "06.12.2025, 16:05"),
        ("pl", "DATE_FORMAT", "6 grudnia 2025"),
        ("pl", "DATETIME_FORMAT", "6 grudnia 2025, 16:05"),
        ("en", "SHORT_DATETIME_FORMAT", "6 Dec 2025, 16:05"),
        ("en", "SHORT_DATE_FORMAT", "6 Dec 2025"),
        ("en", "DATE_FORMAT", "6 December 2025"),
        ("en", "DATETIME_FORMAT", "6 December 2025, 16:05"),
        ("en", "TIME_FORMAT", "16:05"),
    ],
)
def test_dates_are_day_month_year_with_24_hour_time(language, fmt, expected):
    with translation.override(language):
        assert date_format(WHEN, fmt) == expected


class _Dates(forms.Form):
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    moment = forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))


@pytest.mark.parametrize("language", ["pl", "en"])
def test_date_inputs_carry_iso_values_and_accept_local_input(language):
    with translation.override(language):
        form = _Dates(initial={"day": date(2025, 12, 6), "moment": WHEN.replace(tzinfo=None)})
        html = str(form)
        inputs = dict(page_text(html, language).date_inputs)
        assert inputs == {"date": "2025-12-06", "datetime-local": "2025-12-06T16:05"}
        typed = "06.12.2025" if language == "pl" else "06/12/2025"
        bound = _Dates(data={"day": typed, "moment": "2025-12-06T16:05"})
        assert bound.is_valid(), bound.errors
        assert bound.cleaned_data["day"] == date(2025, 12, 6)  # day first, never US order


@pytest.mark.django_db
def test_takedown_stats_period_is_shown_in_the_polish_date_fields(world):
    from tests.matrix import COORD

    client = world.client(COORD)
    for prefix in ("", "/en"):
        response = client.get(
            f"{prefix}/takedown/stats/", {"start": "2025-12-01", "end": "2025-12-06"}
        )
        assert response.status_code == 200
        values = [v for _kind, v in page_text(response.content.decode(), "pl").date_inputs]
        assert values == ["2025-12-01", "2025-12-06"], prefix
