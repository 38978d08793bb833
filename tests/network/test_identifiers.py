"""NIP, REGON and KRS: check digits computed by hand in the comments."""

import pytest

from ostoja.network import identifiers


@pytest.mark.parametrize(
    "value",
    [
        "5260250274",  # 5*6+2*5+6*7+0*2+2*3+5*4+0*5+2*6+7*7 = 169; 169 mod 11 = 4
        "526-025-02-74",
        "PL 526 025 02 74",
        "1234563218",  # 1*6+2*5+3*7+4*2+5*3+6*4+3*5+2*6+1*7 = 118; 118 mod 11 = 8
    ],
)
def test_valid_nip(value):
    assert identifiers.valid_nip(value)


@pytest.mark.parametrize(
    "value",
    [
        "5260250275",  # wrong check digit
        "1234563219",
        "526025027",  # too short
        "52602502744",  # too long
        "",
        "abcdefghij",
        "５２６０２５０２７４",  # full-width digits are not ASCII digits
        "1234567890",  # remainder 10 (no valid check digit exists for this body) → never valid
    ],
)
def test_invalid_nip(value):
    assert not identifiers.valid_nip(value)


def test_a_nip_body_with_remainder_ten_has_no_check_digit():
    # 1234567890: 6+10+21+8+15+24+35+48+63 = 230; 230 mod 11 = 10.
    with pytest.raises(ValueError):
        identifiers.with_check_digit("nip", "123456789")


@pytest.mark.parametrize(
    "value",
    [
        "123456785",  # 8+18+6+12+20+30+42+56 = 192; 192 mod 11 = 5
        "12345678500010",  # parent 123456785; 14-digit weights give 219 mod 11 = 10 → 0
        "12-345-678-5",
    ],
)
def test_valid_regon(value):
    assert identifiers.valid_regon(value)


@pytest.mark.parametrize(
    "value",
    [
        "123456786",  # wrong check digit
        "12345678500011",  # wrong 14th digit
        "12345678600016",  # parent REGON invalid even if the last digit fitted
        "1234567",
        "1234567850001",  # 13 digits
        "",
    ],
)
def test_invalid_regon(value):
    assert not identifiers.valid_regon(value)


def test_regon14_needs_a_valid_parent():
    body = "1234567860001"  # parent 123456786 is invalid
    number = identifiers.with_check_digit("regon14", body)
    assert not identifiers.valid_regon(number)


@pytest.mark.parametrize(("value", "ok"), [("0000012345", True), ("0000 012 345", True),
                                           ("12345", False), ("00000123456", False),
                                           ("000001234X", False), ("", False)])  # fmt: skip
def test_krs(value, ok):
    assert identifiers.valid_krs(value) is ok
