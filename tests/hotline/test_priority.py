"""Tests of the priority rules and the pure scoring function."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ostoja.hotline.priority import (
    DEFAULT_RULES,
    FLAG_FACTORS,
    LEVELS,
    SOURCE_KINDS,
    ItemFacts,
    PriorityResult,
    Reason,
    score,
    validate_rules,
)

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)

# Distinct powers of two, so every total tells which factors were counted.
RULES = {
    "version": 7,
    "factors": {
        "immediate_risk": 1,
        "live_stream": 2,
        "new_material": 4,
        "infant_or_toddler": 8,
        "sextortion_or_grooming": 16,
        "hosted_in_poland": 32,
    },
    "source_kind_points": {"police": 512, "partner_hotline": 256, "platform": 128, "public": 0},
    "reports": {"points_per_doubling": 1000, "max_points": 3000},
    "waiting": {"points_per_hour": 10000, "max_points": 50000},
    "thresholds": {"P1": 1_000_000, "P2": 500_000},
    "time_limits_hours": {"P1": 2, "P2": 12, "P3": 48},
}


def facts(**overrides) -> ItemFacts:
    values = {"first_seen": T0, "source_kind": "public"}
    values.update(overrides)
    return ItemFacts(**values)


def codes(result: PriorityResult) -> list[str]:
    return [reason.code for reason in result.reasons]


# --------------------------------------------------------------------------------------
# Each factor alone
# --------------------------------------------------------------------------------------


def test_nothing_known_scores_zero() -> None:
    result = score(facts(), RULES, T0)
    assert result.score == 0
    assert result.level == "P3"
    assert result.reasons == []
    assert result.rules_version == 7
    assert result.deadline == T0 + timedelta(hours=48)


@pytest.mark.parametrize(
    ("override", "code", "points"),
    [
        ({"escalate_reason": "child_in_danger"}, "immediate_risk", 1),
        ({"live_stream": True}, "live_stream", 2),
        ({"new_material": True}, "new_material", 4),
        ({"infant_or_toddler": True}, "infant_or_toddler", 8),
        ({"sextortion_or_grooming": True}, "sextortion_or_grooming", 16),
        ({"hosted_in_poland": True}, "hosted_in_poland", 32),
        ({"source_kind": "platform"}, "source_kind", 128),
        ({"source_kind": "partner_hotline"}, "source_kind", 256),
        ({"source_kind": "police"}, "source_kind", 512),
        ({"report_count": 2}, "reports", 1000),
    ],
)
def test_each_factor_alone(override: dict, code: str, points: int) -> None:
    result = score(facts(**override), RULES, T0)
    assert result.score == points
    assert codes(result) == [code]
    assert result.reasons[0].points == points


def test_unknown_facts_contribute_nothing() -> None:
    unknown = score(facts(new_material=None, hosted_in_poland=None), RULES, T0)
    known_false = score(facts(new_material=False, hosted_in_poland=False), RULES, T0)
    assert unknown.score == known_false.score == 0
    assert unknown.reasons == known_false.reasons == []


def test_reason_params() -> None:
    result = score(
        facts(escalate_reason="child_in_danger", source_kind="police", report_count=5),
        RULES,
        T0 + timedelta(hours=3, minutes=59),
    )
    params = {reason.code: reason.params for reason in result.reasons}
    assert params == {
        "immediate_risk": {"reason": "child_in_danger"},
        "source_kind": {"kind": "police"},
        "reports": {"count": 5},
        "waiting": {"hours": 3},
    }


@pytest.mark.parametrize(
    ("count", "points"),
    [(1, 0), (2, 1000), (3, 1000), (4, 2000), (7, 2000), (8, 3000), (10**9, 3000)],
)
def test_reports_are_log_scaled_and_capped(count: int, points: int) -> None:
    assert score(facts(report_count=count), RULES, T0).score == points


@pytest.mark.parametrize(
    ("waited", "points"),
    [
        (timedelta(0), 0),
        (timedelta(minutes=59, seconds=59), 0),
        (timedelta(hours=1), 10000),
        (timedelta(hours=4, minutes=30), 40000),
        (timedelta(hours=5), 50000),
        (timedelta(days=30), 50000),
        (-timedelta(hours=3), 0),  # clock skew: "now" before first_seen never subtracts
    ],
)
def test_waiting_points_per_full_hour_capped(waited: timedelta, points: int) -> None:
    assert score(facts(), RULES, T0 + waited).score == points


# --------------------------------------------------------------------------------------
# Combinations, immediate risk, thresholds, deadlines
# --------------------------------------------------------------------------------------


def test_all_factors_add_up_in_a_fixed_order() -> None:
    result = score(
        facts(
            escalate_reason="x",
            live_stream=True,
            new_material=True,
            infant_or_toddler=True,
            sextortion_or_grooming=True,
            hosted_in_poland=True,
            source_kind="police",
            report_count=4,
        ),
        RULES,
        T0 + timedelta(hours=2),
    )
    assert result.score == 1 + 2 + 4 + 8 + 16 + 32 + 512 + 2000 + 20000
    assert codes(result) == [*FLAG_FACTORS, "source_kind", "reports", "waiting"]
    assert sum(reason.points for reason in result.reasons) == result.score


def test_immediate_risk_forces_p1_below_threshold() -> None:
    result = score(facts(escalate_reason="child_in_danger"), RULES, T0)
    assert result.score == 1 < RULES["thresholds"]["P2"]
    assert result.level == "P1"
    assert result.deadline == T0 + timedelta(hours=2)


def test_immediate_risk_forces_p1_even_with_zero_points() -> None:
    rules = copy.deepcopy(RULES)
    rules["factors"]["immediate_risk"] = 0
    result = score(facts(escalate_reason="child_in_danger"), rules, T0)
    assert result.level == "P1"
    assert result.score == 0
    assert result.reasons == [Reason("immediate_risk", 0, {"reason": "child_in_danger"})]


@pytest.mark.parametrize("blank", ["", "   "])
def test_blank_escalate_reason_is_absent(blank: str) -> None:
    result = score(facts(escalate_reason=blank), RULES, T0)
    assert result.level == "P3"
    assert result.reasons == []


def _rules_with_thresholds(p1: int, p2: int) -> dict:
    rules = copy.deepcopy(RULES)
    rules["thresholds"] = {"P1": p1, "P2": p2}
    return rules


@pytest.mark.parametrize(
    ("p1", "p2", "level"),
    [
        (129, 128, "P2"),  # score == P2: P2
        (130, 129, "P3"),  # score == P2 - 1: P3
        (128, 127, "P1"),  # score == P1: P1
        (129, 127, "P2"),  # score == P1 - 1: P2
    ],
)
def test_thresholds_at_boundaries(p1: int, p2: int, level: str) -> None:
    rules = _rules_with_thresholds(p1, p2)
    item = facts(source_kind="platform")  # exactly 128 points
    result = score(item, rules, T0)
    assert result.score == 128
    assert result.level == level
    hours = rules["time_limits_hours"][level]
    assert result.deadline == T0 + timedelta(hours=hours)


def test_deadline_counts_from_first_seen_not_now() -> None:
    result = score(facts(escalate_reason="x"), RULES, T0 + timedelta(hours=5))
    assert result.deadline == T0 + timedelta(hours=2)
    assert result.overdue(T0 + timedelta(hours=5))


def test_overdue_boundary() -> None:
    result = score(facts(), RULES, T0)
    assert result.deadline == T0 + timedelta(hours=48)
    assert not result.overdue(T0)
    assert not result.overdue(result.deadline)
    assert result.overdue(result.deadline + timedelta(microseconds=1))


def test_overdue_compares_across_time_zones() -> None:
    result = score(facts(), RULES, T0)
    warsaw_summer = timezone(timedelta(hours=2))
    at_deadline_elsewhere = result.deadline.astimezone(warsaw_summer)
    assert not result.overdue(at_deadline_elsewhere)
    assert result.overdue(at_deadline_elsewhere + timedelta(seconds=1))


def test_fractional_time_limit() -> None:
    rules = copy.deepcopy(RULES)
    rules["time_limits_hours"]["P1"] = 0.5
    result = score(facts(escalate_reason="x"), rules, T0)
    assert result.deadline == T0 + timedelta(minutes=30)


def test_naive_datetimes_are_rejected() -> None:
    naive = datetime(2025, 3, 1, 12, 0)
    with pytest.raises(ValueError, match="first_seen must be timezone-aware"):
        ItemFacts(first_seen=naive, source_kind="public")
    with pytest.raises(ValueError, match="now must be timezone-aware"):
        score(facts(), RULES, naive)
    with pytest.raises(ValueError, match="now must be timezone-aware"):
        score(facts(), RULES, T0).overdue(naive)


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"source_kind": "anonymous"}, "source_kind must be one of"),
        ({"report_count": 0}, "report_count must be an integer >= 1"),
        ({"report_count": True}, "report_count must be an integer >= 1"),
        ({"report_count": 2.0}, "report_count must be an integer >= 1"),
        ({"live_stream": 1}, "live_stream must be True or False"),
        ({"infant_or_toddler": None}, "infant_or_toddler must be True or False"),
        ({"hosted_in_poland": "yes"}, "hosted_in_poland must be True, False or None"),
        ({"escalate_reason": 5}, "escalate_reason must be a string or None"),
        ({"first_seen": "2025-03-01"}, "first_seen must be a datetime"),
    ],
)
def test_item_facts_validation(override: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        facts(**override)


# --------------------------------------------------------------------------------------
# Default rules: the policy of the issue
# --------------------------------------------------------------------------------------


def test_default_rules_are_valid_json_version_1() -> None:
    validate_rules(DEFAULT_RULES)
    assert DEFAULT_RULES["version"] == 1
    assert json.loads(json.dumps(DEFAULT_RULES)) == DEFAULT_RULES
    assert DEFAULT_RULES["time_limits_hours"] == {"P1": 1, "P2": 24, "P3": 72}


def test_default_source_weights_order() -> None:
    weights = DEFAULT_RULES["source_kind_points"]
    assert weights["police"] >= weights["partner_hotline"] > weights["platform"]
    assert weights["platform"] > weights["public"]


def test_default_live_stream_alone_is_p1() -> None:
    result = score(facts(live_stream=True), DEFAULT_RULES, T0)
    assert result.level == "P1"
    assert result.deadline == T0 + timedelta(hours=1)


def test_default_public_report_of_known_material_is_p3() -> None:
    result = score(facts(new_material=False), DEFAULT_RULES, T0)
    assert result.level == "P3"
    assert result.deadline == T0 + timedelta(hours=72)


def test_default_new_material_of_infant_is_p2_and_p1_when_hosted_in_poland() -> None:
    item = facts(new_material=True, infant_or_toddler=True)
    assert score(item, DEFAULT_RULES, T0).level == "P2"
    in_poland = facts(new_material=True, infant_or_toddler=True, hosted_in_poland=True)
    assert score(in_poland, DEFAULT_RULES, T0).level == "P1"


def test_default_report_flood_cannot_reach_p1_alone() -> None:
    result = score(facts(report_count=10**6), DEFAULT_RULES, T0 + timedelta(days=10))
    assert result.level != "P1"


def test_scoring_does_not_mutate_rules() -> None:
    before = copy.deepcopy(DEFAULT_RULES)
    score(facts(live_stream=True, report_count=9), DEFAULT_RULES, T0 + timedelta(hours=3))
    assert before == DEFAULT_RULES


def test_as_dict_is_json_able() -> None:
    result = score(facts(escalate_reason="x", source_kind="police"), RULES, T0 + timedelta(hours=1))
    data = json.loads(json.dumps(result.as_dict()))
    assert data == {
        "score": 1 + 512 + 10000,
        "level": "P1",
        "reasons": [
            {"code": "immediate_risk", "points": 1, "params": {"reason": "x"}},
            {"code": "source_kind", "points": 512, "params": {"kind": "police"}},
            {"code": "waiting", "points": 10000, "params": {"hours": 1}},
        ],
        "rules_version": 7,
        "deadline": "2025-03-01T14:00:00+00:00",
    }


# --------------------------------------------------------------------------------------
# validate_rules
# --------------------------------------------------------------------------------------


def _broken(path: str, value: object) -> dict:
    rules = copy.deepcopy(RULES)
    *parents, last = path.split(".")
    target = rules
    for key in parents:
        target = target[key]
    if value is _DELETE:
        del target[last]
    else:
        target[last] = value
    return rules


_DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("version", _DELETE, "rules is missing version"),
        ("factors", _DELETE, "rules is missing factors"),
        ("factors.live_stream", _DELETE, "rules.factors is missing live_stream"),
        ("factors.livestream", 5, "rules.factors has unknown keys livestream"),
        ("surprise", 1, "rules has unknown keys surprise"),
        ("version", 0, "rules.version must be a positive integer"),
        ("version", "1", "rules.version must be a positive integer"),
        ("version", True, "rules.version must be a positive integer"),
        ("factors", [], "rules.factors must be an object"),
        ("factors.live_stream", -5, r"rules.factors.live_stream must be a non-negative integer"),
        ("factors.live_stream", 2.5, r"rules.factors.live_stream must be a non-negative integer"),
        ("factors.live_stream", "5", r"rules.factors.live_stream must be a non-negative integer"),
        ("factors.live_stream", None, r"rules.factors.live_stream must be a non-negative"),
        ("factors.live_stream", False, r"rules.factors.live_stream must be a non-negative"),
        ("source_kind_points.police", _DELETE, "rules.source_kind_points is missing police"),
        ("source_kind_points.public", -1, "rules.source_kind_points.public must be a non-neg"),
        ("reports.max_points", -1, "rules.reports.max_points must be a non-negative integer"),
        ("reports.points_per_doubling", _DELETE, "rules.reports is missing points_per_doub"),
        ("waiting.points_per_hour", 0.1, "rules.waiting.points_per_hour must be a non-negative"),
        ("thresholds.P3", 0, "rules.thresholds has unknown keys P3"),
        ("thresholds.P2", 0, r"P1 > P2 > 0"),
        ("thresholds.P2", 2_000_000, r"P1 > P2 > 0"),
        ("time_limits_hours.P1", -1, "rules.time_limits_hours.P1 must be a positive number"),
        ("time_limits_hours.P1", 0, "rules.time_limits_hours.P1 must be a positive number"),
        ("time_limits_hours.P2", "24", "rules.time_limits_hours.P2 must be a positive number"),
        ("time_limits_hours.P3", True, "rules.time_limits_hours.P3 must be a positive number"),
        ("time_limits_hours.P3", float("inf"), "time_limits_hours.P3 must be a positive number"),
        ("time_limits_hours.P3", float("nan"), "time_limits_hours.P3 must be a positive number"),
        ("time_limits_hours.P3", 10**9, "time_limits_hours.P3 must be a positive number"),
        ("time_limits_hours.P3", _DELETE, "rules.time_limits_hours is missing P3"),
        ("time_limits_hours.P1", 100, r"P1 <= P2 <= P3"),
    ],
)
def test_validate_rules_rejects_malformed(path: str, value: object, message: str) -> None:
    rules = _broken(path, value)
    with pytest.raises(ValueError, match=message):
        validate_rules(rules)
    with pytest.raises(ValueError, match=message):
        score(facts(), rules, T0)  # scoring refuses bad rules too


@pytest.mark.parametrize("rules", [None, [], "rules", 1])
def test_validate_rules_rejects_non_objects(rules: object) -> None:
    with pytest.raises(ValueError, match="rules must be an object"):
        validate_rules(rules)


def test_validate_rules_accepts_json_round_trip() -> None:
    validate_rules(json.loads(json.dumps(RULES)))


# --------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------

points = st.integers(min_value=0, max_value=1000)


@st.composite
def rule_sets(draw: st.DrawFn) -> dict:
    p2 = draw(st.integers(min_value=1, max_value=2000))
    p1 = draw(st.integers(min_value=p2 + 1, max_value=4000))
    limits = sorted(draw(st.lists(st.integers(1, 500), min_size=3, max_size=3)))
    return {
        "version": draw(st.integers(min_value=1, max_value=10_000)),
        "factors": {name: draw(points) for name in FLAG_FACTORS},
        "source_kind_points": {kind: draw(points) for kind in SOURCE_KINDS},
        "reports": {"points_per_doubling": draw(points), "max_points": draw(points)},
        "waiting": {"points_per_hour": draw(points), "max_points": draw(points)},
        "thresholds": {"P1": p1, "P2": p2},
        "time_limits_hours": dict(zip(LEVELS, limits, strict=True)),
    }


item_facts = st.builds(
    ItemFacts,
    first_seen=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    ),
    source_kind=st.sampled_from(SOURCE_KINDS),
    report_count=st.integers(min_value=1, max_value=10**6),
    escalate_reason=st.one_of(st.none(), st.just(""), st.sampled_from(["child_in_danger"])),
    live_stream=st.booleans(),
    new_material=st.one_of(st.none(), st.booleans()),
    infant_or_toddler=st.booleans(),
    sextortion_or_grooming=st.booleans(),
    hosted_in_poland=st.one_of(st.none(), st.booleans()),
)
elapsed = st.timedeltas(min_value=timedelta(hours=-2), max_value=timedelta(days=60))

# For each risk factor: the value that adds it.
RISK_FACTOR_ON = {
    "escalate_reason": "child_in_danger",
    "live_stream": True,
    "new_material": True,
    "infant_or_toddler": True,
    "sextortion_or_grooming": True,
    "hosted_in_poland": True,
}


def _rank(level: str) -> int:
    return LEVELS.index(level)  # P1 = 0 is the most urgent


@given(item_facts, rule_sets(), elapsed, st.sampled_from(sorted(RISK_FACTOR_ON)))
@settings(max_examples=300)
def test_adding_a_risk_factor_never_lowers_score_or_level(
    item: ItemFacts, rules: dict, waited: timedelta, factor: str
) -> None:
    now = item.first_seen + waited
    before = score(item, rules, now)
    after = score(replace(item, **{factor: RISK_FACTOR_ON[factor]}), rules, now)
    assert after.score >= before.score
    assert _rank(after.level) <= _rank(before.level)
    assert after.deadline <= before.deadline


@given(item_facts, rule_sets(), elapsed, st.integers(min_value=1, max_value=1000))
def test_more_reports_never_lower_score(
    item: ItemFacts, rules: dict, waited: timedelta, extra: int
) -> None:
    now = item.first_seen + waited
    more = replace(item, report_count=item.report_count + extra)
    assert score(more, rules, now).score >= score(item, rules, now).score


@given(item_facts, rule_sets(), elapsed, elapsed)
def test_waiting_longer_never_lowers_score(
    item: ItemFacts, rules: dict, first: timedelta, second: timedelta
) -> None:
    earlier, later = sorted([first, second])
    early = score(item, rules, item.first_seen + earlier)
    late = score(item, rules, item.first_seen + later)
    assert late.score >= early.score


@given(item_facts, rule_sets(), elapsed)
def test_result_invariants(item: ItemFacts, rules: dict, waited: timedelta) -> None:
    result = score(item, rules, item.first_seen + waited)
    assert result.score == sum(reason.points for reason in result.reasons)
    assert result.rules_version == rules["version"]
    assert all(r.points > 0 or r.code == "immediate_risk" for r in result.reasons)
    thresholds = rules["thresholds"]
    if item.immediate_risk or result.score >= thresholds["P1"]:
        assert result.level == "P1"
    elif result.score >= thresholds["P2"]:
        assert result.level == "P2"
    else:
        assert result.level == "P3"
    limit = rules["time_limits_hours"][result.level]
    assert result.deadline == item.first_seen + timedelta(hours=limit)


@given(item_facts, rule_sets(), elapsed)
def test_deterministic(item: ItemFacts, rules: dict, waited: timedelta) -> None:
    now = item.first_seen + waited
    first = score(item, rules, now)
    # Same rules after a JSON round trip and with keys in another order: same result.
    shuffled = json.loads(json.dumps(dict(reversed(list(rules.items())))))
    assert score(item, rules, now) == first
    assert score(item, shuffled, now) == first
    assert first.as_dict() == score(item, shuffled, now).as_dict()
