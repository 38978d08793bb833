import pytest
from hypothesis import given
from hypothesis import strategies as st

from ostoja.outbox.backoff import retry_delay


def test_default_sequence_without_jitter():
    delays = [retry_delay(n, jitter=0) for n in range(1, 10)]
    assert delays == [60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]


@given(
    n=st.integers(min_value=1, max_value=10_000),
    base=st.floats(min_value=0.001, max_value=1e6),
    cap=st.floats(min_value=0.001, max_value=1e7),
    jitter=st.floats(min_value=0, max_value=0.99),
    r=st.floats(min_value=0, max_value=1, exclude_max=True),
)
def test_delay_is_within_the_jitter_band_and_never_above_the_cap(n, base, cap, jitter, r):
    delay = retry_delay(n, base=base, cap=cap, jitter=jitter, rand=lambda: r)
    full = min(cap, base * 2.0 ** min(n - 1, 62))
    assert delay <= cap * (1 + 1e-12)
    assert full * (1 - jitter) - 1e-9 <= delay <= full + 1e-9


@given(st.integers(min_value=1, max_value=200))
def test_without_jitter_delays_never_shrink(n):
    assert retry_delay(n + 1, jitter=0) >= retry_delay(n, jitter=0)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"failed_attempts": 0},
        {"failed_attempts": 1, "jitter": 1},
        {"failed_attempts": 1, "base": 0},
    ],
)
def test_invalid_parameters(kwargs):
    with pytest.raises(ValueError):
        retry_delay(**kwargs)
