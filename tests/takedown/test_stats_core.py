"""Time-to-removal statistics: definitions pinned by examples, properties by hypothesis."""

import math
import random
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ostoja.takedown.stats_core import (
    DAY,
    HOUR,
    counts_by,
    format_duration,
    group_by,
    median,
    p90,
    percentile,
    seconds,
    share,
    share_within,
    summarize,
    summarize_groups,
)

durations = st.lists(st.floats(min_value=0, max_value=1e8, allow_nan=False), min_size=1)


def test_examples():
    assert median([3, 1, 2]) == 2
    assert median([1, 2, 3, 4]) == 2.5
    assert median([timedelta(hours=1), timedelta(hours=3)]) == 2 * HOUR
    assert median([]) is None and p90([]) is None
    assert p90(range(1, 11)) == 9  # rank ceil(0.9 * 10) = 9
    assert p90(range(1, 12)) == 10  # rank ceil(9.9) = 10
    assert p90([5]) == 5
    assert percentile([1, 2, 3, 4], 50) == 2  # nearest rank, no interpolation
    assert percentile([1, 2, 3, 4], 100) == 4


def test_share_within_counts_overdue_open_items_and_leaves_young_ones_out():
    removed = [HOUR, 10 * HOUR, 2 * DAY, 5 * DAY]
    # An item open for 4 days missed 24 h and 3 d, but may still make 7 d.
    opened = [4 * DAY, timedelta(hours=2)]
    assert share_within(removed, DAY, open_ages=opened) == 2 / 5
    assert share_within(removed, 3 * DAY, open_ages=opened) == 3 / 5
    assert share_within(removed, 7 * DAY, open_ages=opened) == 4 / 4
    assert share_within([], DAY) is None
    assert share_within([], DAY, open_ages=[2 * DAY]) == 0.0


def test_limit_is_inclusive():
    assert share_within([DAY], DAY) == 1.0
    assert share_within([DAY + 1], DAY) == 0.0


def test_summary_and_groups():
    records = [
        {"provider": "a", "took": HOUR, "age": None},
        {"provider": "a", "took": 3 * HOUR, "age": None},
        {"provider": "b", "took": None, "age": 8 * DAY},
        {"provider": "a", "took": None, "age": HOUR},
        {"provider": "c", "took": None, "age": None},  # never notified: left out
    ]
    groups = summarize_groups(
        records,
        key=lambda r: r["provider"],
        duration=lambda r: r["took"],
        open_age=lambda r: r["age"],
    )
    assert list(groups) == ["a", "b", "c"]
    a = groups["a"]
    assert (a.count, a.open_count, a.median, a.p90) == (2, 1, 2 * HOUR, 3 * HOUR)
    assert a.within == {"24h": 1.0, "3d": 1.0, "7d": 1.0}
    b = groups["b"]
    assert (b.count, b.median) == (0, None) and b.within == {"24h": 0.0, "3d": 0.0, "7d": 0.0}
    assert groups["c"].within == {"24h": None, "3d": None, "7d": None}
    assert summarize([HOUR]).as_dict() == {
        "count": 1,
        "open_count": 0,
        "median_seconds": 3600.0,
        "p90_seconds": 3600.0,
        "share_within_24h": 1.0,
        "share_within_3d": 1.0,
        "share_within_7d": 1.0,
    }


def test_grouping_helpers():
    words = ["pl", "de", "pl", "nl", "de", "pl"]
    assert group_by(words, str.upper) == {"PL": ["pl"] * 3, "DE": ["de"] * 2, "NL": ["nl"]}
    assert counts_by(words, lambda w: w) == [("pl", 3), ("de", 2), ("nl", 1)]
    assert counts_by([], lambda w: w) == []


@pytest.mark.parametrize("bad", [-1, float("nan"), float("inf"), timedelta(seconds=-1)])
def test_invalid_durations(bad):
    with pytest.raises(ValueError):
        seconds(bad)
    with pytest.raises(ValueError):
        median([1, bad])


def test_invalid_arguments():
    for p in (0, -5, 101):
        with pytest.raises(ValueError):
            percentile([1], p)
    with pytest.raises(ValueError):
        share(3, 2)
    assert share(0, 0) is None and share(1, 4) == 0.25


def test_format_duration():
    assert format_duration(None) == "—"
    assert format_duration(45 * 60) == "45 min"
    assert format_duration(5 * HOUR + 20 * 60) == "5 h 20 min"
    assert format_duration(2 * HOUR) == "2 h"
    assert format_duration(3 * DAY + 4 * HOUR) == "3 d 4 h"
    assert format_duration(7 * DAY) == "7 d"


@given(durations)
def test_median_lies_between_min_and_max_and_ignores_order(values):
    m = median(values)
    assert min(values) <= m <= max(values)
    shuffled = values[:]
    random.Random(0).shuffle(shuffled)
    assert median(shuffled) == m


@given(durations, st.floats(min_value=0.1, max_value=100))
def test_nearest_rank_percentile_is_the_smallest_observed_value_covering_p(values, p):
    result = percentile(values, p)
    assert result in values
    covered = sum(1 for v in values if v <= result)
    assert covered >= math.ceil(round(p * len(values) / 100, 9))
    smaller = [v for v in values if v < result]
    if smaller:
        # Any smaller observed value covers too few.
        assert sum(1 for v in values if v <= max(smaller)) < p * len(values) / 100 + 1e-9


@given(durations)
def test_p90_is_at_least_the_median(values):
    assert p90(values) >= percentile(values, 50)


@given(
    durations,
    st.lists(st.floats(min_value=0, max_value=1e8, allow_nan=False)),
    st.floats(min_value=0, max_value=1e8),
    st.floats(min_value=0, max_value=1e8),
)
def test_share_within_is_a_fraction_and_grows_with_the_limit(removed, open_ages, a, b):
    low, high = sorted((a, b))
    s_low = share_within(removed, low, open_ages=open_ages)
    s_high = share_within(removed, high, open_ages=open_ages)
    assert 0 <= s_low <= 1 and 0 <= s_high <= 1
    if not open_ages:
        assert s_low <= s_high
