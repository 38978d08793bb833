"""Provider link tokens: accepted when genuine; forged, altered, expired… rejected by reason."""

import base64
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ostoja.takedown import signing
from ostoja.takedown.signing import TokenError, derive_key, make_token, read_token

SECRET = "a-sufficiently-long-test-secret"
NOW = 1_750_000_000


def token(**kwargs):
    args = {"secret": SECRET, "purpose": "takedown.confirm", "subject": "notice:42"}
    args.update(kwargs)
    args.setdefault("ttl_seconds", 3600)
    args.setdefault("now", NOW)
    return make_token(**args)


def rejected(tok, **kwargs):
    args = {"secret": SECRET, "purpose": "takedown.confirm", "now": NOW}
    args.update(kwargs)
    with pytest.raises(TokenError) as exc:
        read_token(tok, **args)
    return exc.value.reason


def test_round_trip():
    claims = read_token(token(), secret=SECRET, purpose="takedown.confirm", now=NOW + 10)
    assert claims.subject == "notice:42" and claims.purpose == "takedown.confirm"
    assert claims.expires_at - claims.issued_at == 3600


def test_url_safe_and_short():
    tok = token(subject="notice:1234567")
    assert len(tok) < 200
    assert all(c.isalnum() or c in "-_." for c in tok)


def test_forged_and_altered_tokens_are_bad_signatures():
    assert rejected(token(secret="another-secret-of-enough-length")) == "bad_signature"
    payload, sig = token().split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["s"] = "notice:43"  # somebody else's notice
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    assert rejected(f"{forged}.{sig}") == "bad_signature"
    flipped = sig[:-2] + ("A" if sig[-2] != "A" else "B") + sig[-1]
    assert rejected(f"{payload}.{flipped}") == "bad_signature"


def test_expired_and_future_tokens():
    assert rejected(token(), now=NOW + 3601) == "expired"
    assert read_token(token(), secret=SECRET, purpose="takedown.confirm", now=NOW + 3600)
    assert rejected(token(now=NOW + 3600), now=NOW) == "not_yet_valid"
    assert read_token(token(now=NOW + 30), secret=SECRET, purpose="takedown.confirm", now=NOW)


def test_a_token_for_one_action_does_not_work_for_another():
    assert rejected(token(), purpose="takedown.dispute") == "wrong_purpose"


def test_expiry_is_only_believed_after_the_signature():
    # An expired *forgery* is reported as forged, not as expired.
    assert rejected(token(secret="another-secret-of-enough-length"), now=NOW + 10**6) == (
        "bad_signature"
    )


@pytest.mark.parametrize(
    "tok",
    [
        None,
        "",
        "no-dot",
        "a.b.c",
        "!!!.###",
        "eyJ2IjoxfQ.",
        "." + "A" * 43,
        "x" * 2000,
        base64.urlsafe_b64encode(b"[1,2]").decode().rstrip("=") + ".AAAA",
        base64.urlsafe_b64encode(b'{"v":1,"p":"x","s":"y","iat":"1","exp":2}').decode() + ".AA",
        base64.urlsafe_b64encode(b'{"v":2,"p":"x","s":"y","iat":1,"exp":2}').decode() + ".AA",
        base64.urlsafe_b64encode(b"\xff\xfe").decode() + ".AA",
        "ąćę.żźń",
    ],
)
def test_malformed_tokens(tok):
    assert rejected(tok) == "malformed"


def test_secret_rotation():
    old = token(secret="the-old-secret-still-accepted")
    new_and_old = ["the-new-secret-used-to-sign", "the-old-secret-still-accepted"]
    assert read_token(old, secret=new_and_old, purpose="takedown.confirm", now=NOW)
    assert rejected(old, secret=["the-new-secret-used-to-sign"]) == "bad_signature"


def test_weak_or_missing_secrets_and_bad_arguments_are_programming_errors():
    with pytest.raises(ValueError):
        token(secret="short")
    with pytest.raises(ValueError):
        token(ttl_seconds=0)
    with pytest.raises(ValueError):
        token(subject="")
    with pytest.raises(ValueError):
        token(subject="x" * 2000)
    with pytest.raises(ValueError):
        read_token(token(), secret=[], purpose="takedown.confirm", now=NOW)


def test_derived_keys_differ_per_label_and_are_stable():
    a, b = derive_key("master", "takedown.links"), derive_key("master", "other")
    assert a != b and a == derive_key("master", "takedown.links") and len(a) == 32
    tok = token(secret=a)
    assert read_token(tok, secret=a, purpose="takedown.confirm", now=NOW)
    with pytest.raises(ValueError):
        derive_key("", "x")


@given(subject=st.text(min_size=1, max_size=100), purpose=st.text(min_size=1, max_size=40))
def test_any_subject_and_purpose_round_trip(subject, purpose):
    tok = make_token(secret=SECRET, purpose=purpose, subject=subject, ttl_seconds=60, now=NOW)
    claims = read_token(tok, secret=SECRET, purpose=purpose, now=NOW)
    assert claims.subject == subject


def test_webhook_signatures_are_available_here():
    header = signing.sign_webhook("k" * 20, b"{}", timestamp=NOW)
    assert signing.verify_webhook("k" * 20, b"{}", header, now=NOW) == NOW
    with pytest.raises(signing.SignatureError) as exc:
        signing.verify_webhook("k" * 20, b"{}", header, now=NOW + 10_000)
    assert exc.value.reason == "expired"
