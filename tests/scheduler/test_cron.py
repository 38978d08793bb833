"""Crontab arithmetic in Polish time, daylight-saving changes included (pure functions)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ostoja.scheduler import cron

from .conftest import warsaw

TZ = "Europe/Warsaw"


def test_latest_slot_includes_the_exact_time_and_is_in_local_time():
    assert cron.latest_at_or_before("15 3 * * *", warsaw(2026, 1, 5, 3, 15), TZ) == warsaw(
        2026, 1, 5, 3, 15
    )
    just_before = warsaw(2026, 1, 5, 3, 14, 59, 999999)
    assert cron.latest_at_or_before("15 3 * * *", just_before, TZ) == warsaw(2026, 1, 4, 3, 15)
    # A UTC moment is read in Warsaw: 02:15 UTC in winter is 03:15 in Warsaw.
    from datetime import UTC, datetime

    utc = datetime(2026, 1, 5, 2, 15, tzinfo=UTC)
    assert cron.latest_at_or_before("15 3 * * *", utc, TZ) == utc


def test_next_slot_is_strictly_after():
    assert cron.next_after("*/5 * * * *", warsaw(2026, 1, 5, 10, 5), TZ) == warsaw(
        2026, 1, 5, 10, 10
    )
    assert cron.next_after("0 9 * * *", warsaw(2026, 1, 5, 9, 0, 1), TZ) == warsaw(2026, 1, 6, 9, 0)


def test_spring_forward_runs_a_job_of_the_skipped_hour_once_at_three():
    # 29 March 2026: 02:00 → 03:00 in Poland. Like Debian cron, 02:30 runs at 03:00.
    slot = cron.next_after("30 2 * * *", warsaw(2026, 3, 28, 12, 0), TZ)
    assert slot.astimezone(warsaw(2026, 1, 1).tzinfo).hour == 3
    assert cron.next_after("30 2 * * *", slot, TZ).day == 30


def test_fall_back_runs_a_job_of_the_repeated_hour_once():
    # 25 October 2026: 03:00 → 02:00; 02:30 happens twice, the job runs once.
    first = cron.next_after("30 2 * * *", warsaw(2026, 10, 24, 12, 0), TZ)
    second = cron.next_after("30 2 * * *", first, TZ)
    assert first.day == 25 and second.day == 26
    assert second - first > timedelta(hours=23)


def test_slots_between_counts_only_the_slots_strictly_inside_and_is_capped():
    assert (
        cron.slots_between("15 3 * * *", warsaw(2026, 1, 5, 3, 15), warsaw(2026, 1, 8, 3, 15), TZ)
        == 2
    )
    assert (
        cron.slots_between("* * * * *", warsaw(2026, 1, 1, 0, 0), warsaw(2026, 6, 1), TZ, cap=50)
        == 50
    )


@pytest.mark.parametrize(
    "expr", ["", "* * * *", "61 * * * *", "* * * * * *", "every day", "*/0 * * * *"]
)
def test_invalid_schedules_are_refused(expr):
    with pytest.raises(cron.CronSimError):
        cron.validate(expr)


def test_naive_datetimes_are_refused():
    from datetime import datetime

    with pytest.raises(ValueError):
        cron.latest_at_or_before("* * * * *", datetime(2026, 1, 1), TZ)
