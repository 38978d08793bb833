"""Tests of defang/refang."""

from __future__ import annotations

import string

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from ostoja.hotline.defang import defang, refang
from ostoja.hotline.url_canonical import UrlRejected, canonicalise


@pytest.mark.parametrize(
    ("url", "defanged"),
    [
        ("https://example.com/a", "hxxps://example[.]com/a"),
        ("http://example.com/", "hxxp://example[.]com/"),
        ("http://a.b.example.org/x.html", "hxxp://a[.]b[.]example[.]org/x.html"),
        ("http://example.com:8080/a.b?c.d=e.f", "hxxp://example[.]com:8080/a.b?c.d=e.f"),
        ("https://example.com?q=a.b", "hxxps://example[.]com?q=a.b"),
        ("https://example.com#x.y", "hxxps://example[.]com#x.y"),
        ("http://93.184.215.14/", "hxxp://93[.]184[.]215[.]14/"),
        ("http://[2606:4700::1]:8080/a.b", "hxxp://[2606:4700::1]:8080/a.b"),
        ("http://xn--bcher-kva.example/", "hxxp://xn--bcher-kva[.]example/"),
        ("HTTPS://Example.COM/A.B", "hxxps://Example[.]COM/A.B"),
        # idempotent: already defanged input comes back unchanged
        ("hxxps://example[.]com/a", "hxxps://example[.]com/a"),
        ("hxxp://example.com[.]test/", "hxxp://example[.]com[.]test/"),
    ],
)
def test_defang(url: str, defanged: str) -> None:
    assert defang(url) == defanged
    assert defang(defanged) == defanged


@pytest.mark.parametrize(
    "bad", ["", "example.com/a", "ftp://example.com/", "javascript:alert(1)", "http:/x"]
)
def test_defang_refuses_non_web_urls(bad: str) -> None:
    with pytest.raises(ValueError, match="http:// or https://"):
        defang(bad)


@pytest.mark.parametrize(
    ("defanged", "url"),
    [
        ("hxxps://example[.]com/a", "https://example.com/a"),
        ("hxxp://example[.]com/", "http://example.com/"),
        ("hXXps://example[.]com/", "https://example.com/"),
        ("hxtp://example[.]com/", "http://example.com/"),
        ("h**ps://example[.]com/", "https://example.com/"),
        ("hxxps[:]//example[.]com/", "https://example.com/"),
        ("hxxps[://]example[.]com/", "https://example.com/"),
        ("https://example[.]com/", "https://example.com/"),
        ("hxxp://example(.)com/", "http://example.com/"),
        ("hxxp://example{.}com/", "http://example.com/"),
        ("hxxp://example[dot]com/", "http://example.com/"),
        ("hxxp://example(DOT)com/", "http://example.com/"),
        ("example[.]com/a", "example.com/a"),
        # the path is never touched
        ("hxxp://example[.]com/a[.]b", "http://example.com/a[.]b"),
        ("hxxp://example[.]com?q=[.]", "http://example.com?q=[.]"),
    ],
)
def test_refang(defanged: str, url: str) -> None:
    assert refang(defanged) == url


def test_refang_output_still_needs_canonicalising() -> None:
    with pytest.raises(UrlRejected) as excinfo:
        canonicalise(refang("hxxp://127[.]0[.]0[.]1/"))
    assert excinfo.value.code == "private_host"


_HOST_CHARS = string.ascii_lowercase + string.digits + "-"
_PATH_CHARS = string.ascii_letters + string.digits + "-._~!$&'()*+,;=:@/%[]?. ąę"

raw_urls = st.builds(
    lambda scheme, labels, port, path: f"{scheme}://{'.'.join(labels)}{port}/{path}",
    st.sampled_from(["http", "https"]),
    st.lists(st.text(alphabet=_HOST_CHARS, min_size=1, max_size=10), min_size=2, max_size=5),
    st.sampled_from(["", ":8080", ":80", ":443"]),
    st.text(alphabet=_PATH_CHARS, max_size=40),
)


@given(raw_urls)
@settings(max_examples=500)
def test_refang_inverts_defang_for_canonical_urls(raw: str) -> None:
    try:
        url = canonicalise(raw)
    except UrlRejected:
        assume(False)
    defanged = defang(url)
    assert refang(defanged) == url
    assert defang(defanged) == defanged
    # nothing a link detector would take for a web address is left in it
    assert "http" not in defanged.split("/", 3)[0]
    host_part = defanged.split("://", 1)[1].split("/", 1)[0]
    assert "." not in host_part.replace("[.]", "")
    # path and query are untouched
    assert defanged.split("/", 3)[3:] == url.split("/", 3)[3:]
