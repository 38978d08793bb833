"""The Django-free cores: PESEL validation and the art. 21 requirements."""

from datetime import date

import pytest

from ostoja.safeguarding import pesel, vetting
from ostoja.safeguarding.vetting import Period, RecordedCheck, Requirement


@pytest.mark.parametrize(
    ("born", "serial"),
    [
        (date(1899, 12, 31), 1),
        (date(1990, 5, 17), 4321),
        (date(2004, 2, 29), 77),
        (date(2101, 1, 1), 5),
    ],
)
def test_pesel_round_trip_across_centuries(born, serial):
    value = pesel.make(born, serial)
    assert pesel.birth_date(value) == born
    assert pesel.validate(value, born) == value


def test_known_pesel_is_valid():
    # The example PESEL of the Polish population register's documentation.
    assert pesel.validate("44051401359", date(1944, 5, 14)) == "44051401359"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("44051401358", "checksum"),  # last digit off by one
        ("4405140135", "format"),
        ("440514013590", "format"),
        ("4405140135a", "format"),
        ("４４０５１４０１３５９", "format"),  # full-width digits are not ASCII
        ("44023101353", "date"),  # 31 February (check digit made correct below)
        ("", "format"),
    ],
)
def test_bad_pesel_is_refused_with_its_reason(value, code):
    if code == "date":
        value = value[:10] + str(pesel.check_digit(value[:10]))
    with pytest.raises(pesel.PeselError) as exc:
        pesel.validate(value)
    assert exc.value.code == code


def test_pesel_must_match_date_of_birth():
    with pytest.raises(pesel.PeselError) as exc:
        pesel.validate("44051401359", date(1944, 5, 15))
    assert exc.value.code == "mismatch"


def test_requirements_for_a_pole_who_never_lived_abroad():
    reqs = vetting.required_checks(citizenships=["PL"], declared_on=date(2026, 1, 1), periods=[])
    assert [r.kind for r in reqs] == ["register", "krk", "residence_declaration"]


def test_foreign_citizenship_and_residence_each_require_a_record():
    reqs = vetting.required_checks(
        citizenships=["PL", "UA"],
        declared_on=date(2026, 1, 1),
        periods=[
            Period("DE", date(2015, 1, 1), date(2015, 12, 31)),
            Period("UA", date(2010, 1, 1), date(2011, 1, 1)),  # covered by citizenship
            Period("FR", date(2000, 1, 1), date(2005, 12, 31)),  # ended > 20 years ago
        ],
    )
    foreign = {(r.country, r.reason) for r in reqs if r.kind == "foreign_record"}
    assert foreign == {("DE", "residence"), ("UA", "citizenship")}


def test_period_partly_inside_the_window_counts():
    reqs = vetting.required_checks(
        citizenships=["PL"],
        declared_on=date(2026, 1, 1),
        periods=[Period("FR", date(2000, 1, 1), date(2006, 1, 1))],
    )
    assert Requirement("foreign_record", "FR", "residence") in reqs


def test_overlapping_periods_are_refused():
    existing = [Period("DE", date(2015, 1, 1), date(2015, 12, 31))]
    with pytest.raises(vetting.PeriodError) as exc:
        vetting.check_period(
            Period("AT", date(2015, 12, 31), date(2016, 6, 1)), existing, date(2026, 1, 1)
        )
    assert exc.value.code == "overlap" and exc.value.other == existing[0]
    # Touching but not overlapping is fine.
    vetting.check_period(
        Period("AT", date(2016, 1, 1), date(2016, 6, 1)), existing, date(2026, 1, 1)
    )


@pytest.mark.parametrize(
    ("period", "code"),
    [
        (Period("DE", date(2016, 1, 1), date(2015, 1, 1)), "order"),
        (Period("DE", date(2025, 1, 1), date(2026, 2, 1)), "future"),
        (Period("PL", date(2015, 1, 1), date(2016, 1, 1)), "poland"),
    ],
)
def test_bad_periods(period, code):
    with pytest.raises(vetting.PeriodError) as exc:
        vetting.check_period(period, [], date(2026, 1, 1))
    assert exc.value.code == code


def test_status_missing_adverse_and_due():
    kwargs = {"citizenships": ["PL"], "declared_on": date(2026, 1, 10), "periods": []}
    st = vetting.status(checks=[RecordedCheck("register", date(2026, 1, 5))], **kwargs)
    assert [r.kind for r in st.missing] == ["krk"]
    assert not st.complete and vetting.recheck_due(st, 24) is None
    st = vetting.status(
        checks=[
            RecordedCheck("register", date(2026, 1, 5)),
            RecordedCheck("krk", date(2026, 1, 8)),
        ],
        **kwargs,
    )
    assert st.complete
    assert vetting.recheck_due(st, 24) == date(2028, 1, 5)  # the oldest check + 24 months
    st = vetting.status(
        checks=[
            RecordedCheck("register", date(2026, 1, 5)),
            RecordedCheck("krk", date(2026, 1, 8), result="entry"),
        ],
        **kwargs,
    )
    assert not st.complete and st.adverse


def test_only_the_latest_check_of_a_kind_counts():
    st = vetting.status(
        citizenships=["PL"],
        declared_on=date(2026, 1, 1),
        periods=[],
        checks=[
            RecordedCheck("register", date(2024, 1, 1)),
            RecordedCheck("register", date(2026, 1, 1)),
            RecordedCheck("krk", date(2026, 1, 1)),
        ],
    )
    assert st.latest[("register", "")] == date(2026, 1, 1)


def test_add_months_clamps_to_month_end():
    assert vetting.add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert vetting.add_months(date(2024, 2, 29), 24) == date(2026, 2, 28)
    assert vetting.add_months(date(2026, 1, 1), -240) == date(2006, 1, 1)
