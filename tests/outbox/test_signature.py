"""Webhook signatures: what a receiver checks, and every way a bad one is rejected."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ostoja.outbox.signature import (
    SignatureError,
    compute_signature,
    parse_header,
    sign,
    verify_signature,
)

SECRET = "s3cret-key"
BODY = b'{"notice":"NTD-1"}'
T = 1_750_000_000


def reason(**kwargs):
    args = {"secret": SECRET, "body": BODY, "header": sign(SECRET, BODY, timestamp=T), "now": T}
    args.update(kwargs)
    with pytest.raises(SignatureError) as exc:
        verify_signature(args.pop("secret"), args.pop("body"), args.pop("header"), **args)
    return exc.value.reason


def test_round_trip_and_format():
    header = sign(SECRET, BODY, timestamp=T)
    assert header == f"t={T},v1={compute_signature(SECRET, BODY, T)}"
    assert verify_signature(SECRET, BODY, header, now=T + 10) == T


def test_the_signed_string_is_timestamp_dot_body():
    import hashlib
    import hmac

    expected = hmac.new(SECRET.encode(), f"{T}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert compute_signature(SECRET, BODY, T) == expected


def test_altered_body_wrong_secret_and_forged_signature_are_bad_signatures():
    assert reason(body=BODY + b" ") == "bad_signature"
    assert reason(secret="other") == "bad_signature"
    assert reason(header=f"t={T},v1={'0' * 64}") == "bad_signature"
    # Moving the timestamp without re-signing breaks the signature too.
    good = compute_signature(SECRET, BODY, T)
    assert reason(header=f"t={T + 1},v1={good}", now=T + 1) == "bad_signature"


def test_timestamps_outside_the_tolerance():
    assert reason(now=T + 301) == "expired"
    assert reason(now=T - 301) == "future"
    assert verify_signature(SECRET, BODY, sign(SECRET, BODY, timestamp=T), now=T + 300) == T
    assert reason(now=T + 61, tolerance=60) == "expired"


@pytest.mark.parametrize(
    ("header", "why"),
    [
        (None, "missing"),
        ("", "missing"),
        ("   ", "missing"),
        ("v1=" + "a" * 64, "malformed"),
        (f"t={T}", "malformed"),
        (f"t=abc,v1={'a' * 64}", "malformed"),
        (f"t=-5,v1={'a' * 64}", "malformed"),
        (f"t=١٢٣,v1={'a' * 64}", "malformed"),  # non-ASCII digits
        (f"t={T},t={T},v1={'a' * 64}", "malformed"),
        (f"t={T},v1={'A' * 64}", "malformed"),
        (f"t={T},v1=abc", "malformed"),
        (f"t={T};v1={'a' * 64}", "malformed"),
        ("t=1," + "v1=" + "a" * 64 + ",x" * 600, "malformed"),
    ],
)
def test_malformed_headers(header, why):
    assert reason(header=header) == why


def test_rotation_several_secrets_and_unknown_schemes():
    header = sign(["new", "old"], BODY, timestamp=T)
    assert header.count("v1=") == 2
    assert verify_signature("old", BODY, header, now=T) == T
    assert verify_signature(["new"], BODY, header, now=T) == T
    # A receiver that knows several secrets accepts a header signed with any one of them.
    assert verify_signature(["x", "old"], BODY, sign("old", BODY, timestamp=T), now=T) == T
    assert verify_signature(SECRET, BODY, sign(SECRET, BODY, timestamp=T) + ",v2=zz", now=T)


def test_empty_secret_is_refused():
    with pytest.raises(ValueError):
        sign("", BODY)
    with pytest.raises(ValueError):
        sign([], BODY)


@given(
    body=st.binary(max_size=500), secret=st.text(min_size=1, max_size=40), flip=st.integers(0, 499)
)
def test_any_single_byte_change_is_detected(body, secret, flip):
    header = sign(secret, body, timestamp=T)
    assert verify_signature(secret, body, header, now=T) == T
    if body:
        i = flip % len(body)
        altered = body[:i] + bytes([body[i] ^ 0x01]) + body[i + 1 :]
        with pytest.raises(SignatureError) as exc:
            verify_signature(secret, altered, header, now=T)
        assert exc.value.reason == "bad_signature"


def test_parse_header_ignores_future_schemes():
    assert parse_header(f"t={T},v1={'a' * 64},v9=whatever") == (T, ["a" * 64])
