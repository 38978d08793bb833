"""The hotline asks the banks whether a report's hashes are known material."""

import pytest

from ostoja.banks.services import check_known_for_hotline
from ostoja.hotline import known

from .helpers import PDQ_A, add, flip_bits

pytestmark = pytest.mark.django_db

MD5 = "0123456789abcdef0123456789abcdef"


def test_checker_returns_known_matches(bank):
    add(bank, "pdq", PDQ_A, classification="baseline", category="A", age_band="0-2")
    add(bank, "md5", MD5, classification="national")
    near = flip_bits(PDQ_A, 3)
    matches = check_known_for_hotline(
        [("pdq", near), ("md5", MD5.upper()), ("sha1", "1" * 40), ("md5", "bad")]
    )
    assert all(isinstance(m, known.KnownMatch) for m in matches)
    by_type = {m.signal_type: m for m in matches}
    assert set(by_type) == {"pdq", "md5"}
    assert by_type["pdq"].value == near and by_type["pdq"].distance == 3
    assert by_type["pdq"].bank == "Bank A"
    assert by_type["pdq"].classification == {
        "classification": "baseline",
        "category": "A",
        "age_band": "0-2",
        "bank": "bank-a",
        "owner": "hotline-a",
    }
    assert by_type["md5"].value == MD5 and by_type["md5"].distance == 0


def test_checker_sees_a_change_at_once(bank, settings):
    settings.OSTOJA_BANKS_REFRESH_SECONDS = 10  # even with the longest interval
    assert check_known_for_hotline([("md5", MD5)]) == []
    add(bank, "md5", MD5)
    assert len(check_known_for_hotline([("md5", MD5)])) == 1


def test_through_the_hotline_setting(bank, settings):
    add(bank, "md5", MD5)
    settings.OSTOJA_KNOWN_MATERIAL_CHECKER = "ostoja.banks.services.check_known_for_hotline"
    (match,) = known.check_known([("md5", MD5)])
    assert match.bank == "Bank A"
    assert known.check_known([]) == []
