"""Signal types: parsing, validation, formatting and distances."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ostoja.matching import SIGNAL_TYPES, SignalParseError, get_signal_type
from ostoja.matching.signals import EXACT_MISMATCH, MD5, PDQ, SHA1, SHA256

LENGTHS = {"pdq": 64, "md5": 32, "sha1": 40, "sha256": 64}


def test_registry_names_follow_threatexchange():
    assert set(SIGNAL_TYPES) == {"pdq", "md5", "sha1", "sha256"}
    for name, st_ in SIGNAL_TYPES.items():
        assert st_.name == name
        assert st_.hex_length == LENGTHS[name]
    assert get_signal_type("pdq") is PDQ


def test_unknown_signal_type_names_the_known_ones():
    with pytest.raises(KeyError, match="md5, pdq, sha1, sha256"):
        get_signal_type("photodna")
    with pytest.raises(KeyError):
        get_signal_type(None)


def test_pdq_defaults():
    assert PDQ.default_threshold == 31
    assert PDQ.min_quality == 50


@pytest.mark.parametrize("name", sorted(LENGTHS))
def test_parse_normalises_case_and_whitespace(name):
    st_ = SIGNAL_TYPES[name]
    canonical = ("0123456789abcdef" * 4)[: st_.hex_length]
    assert st_.parse(canonical) == canonical
    assert st_.parse(canonical.upper()) == canonical
    mixed = "".join(c.upper() if i % 2 else c for i, c in enumerate(canonical))
    assert st_.parse(f" \t{mixed}\r\n") == canonical
    assert st_.is_valid(mixed)
    st_.validate(canonical)


@pytest.mark.parametrize("name", sorted(LENGTHS))
@pytest.mark.parametrize(
    "bad_char",
    ["g", "z", " ", "-", ":", "\x00", "\u0661", "\uff11", "\u00e9", "\U0001f600", "\u0130"],
)
def test_parse_rejects_non_hex_with_position(name, bad_char):
    st_ = SIGNAL_TYPES[name]
    value = "a" * 5 + bad_char + "a" * (st_.hex_length - 6)
    with pytest.raises(SignalParseError, match=r"non-hexadecimal character .* at position 5"):
        st_.parse(value)
    assert not st_.is_valid(value)


@pytest.mark.parametrize("name", sorted(LENGTHS))
@pytest.mark.parametrize("delta", [-1, 1, -10])
def test_parse_rejects_wrong_length(name, delta):
    st_ = SIGNAL_TYPES[name]
    n = st_.hex_length + delta
    expected = rf"must be {st_.hex_length} hexadecimal digits.*got {n}"
    with pytest.raises(SignalParseError, match=expected):
        st_.parse("f" * n)


def test_hex_prefix_is_not_accepted():
    with pytest.raises(SignalParseError, match="non-hexadecimal character 'x'"):
        MD5.parse("0x" + "a" * 30)


@pytest.mark.parametrize("value", ["", "   ", "\n\t"])
def test_parse_rejects_empty(value):
    with pytest.raises(SignalParseError, match="empty"):
        PDQ.parse(value)


@pytest.mark.parametrize("value", [None, 123, b"a" * 64, ["a" * 64], 1.5])
def test_parse_rejects_non_str(value):
    with pytest.raises(TypeError, match="must be a str"):
        PDQ.parse(value)
    assert not PDQ.is_valid(value)


def test_error_message_does_not_echo_huge_input():
    with pytest.raises(SignalParseError) as exc:
        SHA256.parse("a" * 1_000_000)
    assert len(str(exc.value)) < 200
    with pytest.raises(SignalParseError) as exc:
        SHA256.parse("q" * 1_000_000)
    assert len(str(exc.value)) < 200


def test_format_bytes_and_str():
    digest = bytes(range(16))
    assert MD5.format(digest) == digest.hex()
    assert MD5.format(bytearray(digest)) == digest.hex()
    assert MD5.format(memoryview(digest)) == digest.hex()
    assert MD5.format(digest.hex().upper()) == digest.hex()
    assert MD5.to_bytes(digest.hex()) == digest
    with pytest.raises(SignalParseError, match="must be 16 bytes, got 20"):
        MD5.format(bytes(20))
    with pytest.raises(TypeError):
        MD5.format(12345)


@given(st.sampled_from(sorted(LENGTHS)), st.data())
def test_format_parse_round_trip(name, data):
    st_ = SIGNAL_TYPES[name]
    raw = data.draw(st.binary(min_size=st_.byte_length, max_size=st_.byte_length))
    text = st_.format(raw)
    assert text == raw.hex()
    assert st_.parse(text.upper()) == text
    assert st_.to_bytes(text) == raw


def test_pdq_distance_is_hamming():
    a = "0" * 64
    b = "f" + "0" * 62 + "1"
    assert PDQ.distance(a, b) == 5
    assert PDQ.distance(b, a) == 5
    assert PDQ.distance(a, a) == 0
    assert PDQ.distance("0" * 64, "F" * 64) == 256
    assert PDQ.matches(a, b)
    assert PDQ.matches(a, b, threshold=5)
    assert not PDQ.matches(a, b, threshold=4)


@given(st.binary(min_size=32, max_size=32), st.binary(min_size=32, max_size=32))
def test_pdq_distance_matches_popcount(x, y):
    expected = sum(bin(p ^ q).count("1") for p, q in zip(x, y, strict=True))
    assert PDQ.distance(x.hex(), y.hex()) == expected


def test_pdq_distance_rejects_bad_values():
    with pytest.raises(SignalParseError):
        PDQ.distance("0" * 63, "0" * 64)
    with pytest.raises(ValueError, match="between 0 and 256"):
        PDQ.matches("0" * 64, "0" * 64, threshold=257)
    with pytest.raises(TypeError):
        PDQ.matches("0" * 64, "0" * 64, threshold=True)


@pytest.mark.parametrize("st_", [MD5, SHA1, SHA256])
def test_exact_distance(st_):
    a = "a" * st_.hex_length
    b = "b" * st_.hex_length
    assert st_.distance(a, a.upper()) == 0
    assert st_.distance(a, b) == EXACT_MISMATCH
    assert math.isinf(st_.distance(a, b))
    assert st_.matches(a, " " + a.upper())
    assert not st_.matches(a, b)
    with pytest.raises(ValueError, match="exact"):
        st_.matches(a, b, threshold=3)


def _parse_by_characters(st_, value: str) -> str | None:
    """The definition parse() keeps (one character at a time): None for a rejected value."""
    text = value.strip()
    if not text or len(text) != st_.hex_length:
        return None
    if any((ch.lower() if "A" <= ch <= "Z" else ch) not in "0123456789abcdef" for ch in text):
        return None
    return text.lower()


@given(
    st.sampled_from(sorted(SIGNAL_TYPES)),
    st.one_of(
        st.text(alphabet="0123456789abcdefABCDEF", min_size=30, max_size=66),
        st.text(alphabet="0123456789abcdefABCDEF \t\n\u00a0\u200b０ｆgxİı", max_size=70),
        st.text(max_size=70),
    ),
)
def test_the_fast_path_of_parse_accepts_exactly_what_the_character_check_accepts(name, value):
    st_ = get_signal_type(name)
    expected = _parse_by_characters(st_, value)
    if expected is None:
        with pytest.raises(SignalParseError):
            st_.parse(value)
    else:
        assert st_.parse(value) == expected
