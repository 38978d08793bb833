"""Input checks shared by the form and the API (ostoja.hotline.intake)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ostoja.hotline import url_canonical
from ostoja.hotline.explain import REJECTION_TEXT
from ostoja.hotline.intake import check_url, host_of_canonical, storable_raw


@pytest.mark.parametrize(
    "raw",
    [
        "https://example.com/a",
        "http://EXAMPLE.com:8080/a?b=c",
        "https://[2001:4860:4860::8888]:8443/x",
        "https://[2001:4860:4860::8888]/",
        "http://8.8.8.8:81/",
        "http://bücher.example/",
        "https://user-content.example.net/a:b/c",
    ],
)
def test_host_of_canonical_matches_the_core(raw):
    canonical = url_canonical.canonicalise(raw)
    assert host_of_canonical(canonical) == url_canonical.host_of(canonical)


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=1, max_size=80))
def test_host_of_canonical_for_anything_accepted(text):
    for raw in (text, f"https://{text}", f"http://example.com/{text}"):
        try:
            canonical = url_canonical.canonicalise(raw)
        except url_canonical.UrlRejected:
            continue
        assert host_of_canonical(canonical) == url_canonical.host_of(canonical)


def test_every_rejection_code_has_a_translated_message():
    from django.utils import translation

    assert set(REJECTION_TEXT) == set(url_canonical.REJECTION_MESSAGES)
    for code, english in url_canonical.REJECTION_MESSAGES.items():
        with translation.override("en"):
            assert str(REJECTION_TEXT[code]) == english
        with translation.override("pl"):
            assert str(REJECTION_TEXT[code]) != english


def test_raw_urls_are_stored_safely():
    assert storable_raw("a\x00b\ud800c" + "x" * 5000) == "a\ufffdb\ufffdc" + "x" * 2095
    assert check_url(0, 12).rejection_code == "unparseable"
    assert check_url(1, "x" * 3000).rejection_code == "too_long"
