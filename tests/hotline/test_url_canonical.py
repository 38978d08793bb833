"""Tests of the URL canonicaliser: one table row per rule, one per rejection, then properties."""

from __future__ import annotations

import hashlib
import string
import subprocess
import sys
from urllib.parse import urlsplit

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from ostoja.hotline.url_canonical import (
    MAX_URL_LENGTH,
    REJECTION_MESSAGES,
    UrlRejected,
    canonicalise,
    host_of,
    url_sha256,
)

# --------------------------------------------------------------------------------------
# Accepted spellings: (input, canonical)
# --------------------------------------------------------------------------------------

CANONICAL_EXAMPLES = [
    # whitespace around the address
    pytest.param("  http://example.com/a \n", "http://example.com/a", id="strip-whitespace"),
    pytest.param("\u3000http://example.com/\u00a0", "http://example.com/", id="strip-unicode-ws"),
    # no scheme: http is assumed
    pytest.param("example.com/x", "http://example.com/x", id="schemeless"),
    pytest.param("example.com", "http://example.com/", id="schemeless-bare-host"),
    pytest.param("example.com:8080/x", "http://example.com:8080/x", id="schemeless-port"),
    pytest.param("//example.com/x", "http://example.com/x", id="scheme-relative"),
    pytest.param("93.184.215.14/x", "http://93.184.215.14/x", id="schemeless-ipv4"),
    # scheme and host case
    pytest.param("HTTP://EXAMPLE.COM/A", "http://example.com/A", id="lower-scheme-host"),
    pytest.param("HtTpS://Example.ORG/Path", "https://example.org/Path", id="mixed-case"),
    # browser-style slashes after the scheme
    pytest.param("http:example.com/a", "http://example.com/a", id="no-slashes"),
    pytest.param("http:///example.com/a", "http://example.com/a", id="three-slashes"),
    pytest.param("https:/\\example.com/a", "https://example.com/a", id="backslash-authority"),
    # backslash is a path separator before the query, and percent-encoded in the query
    pytest.param("http://example.com\\a\\b?c\\d", "http://example.com/a/b?c%5Cd", id="backslash"),
    pytest.param(
        "http://example.com\\@evil.test/", "http://example.com/@evil.test/", id="backslash-at"
    ),
    # IDN to punycode (IDNA 2003 nameprep: case folding, NFKC)
    pytest.param("http://bücher.example/", "http://xn--bcher-kva.example/", id="idn"),
    pytest.param("http://BÜCHER.example/", "http://xn--bcher-kva.example/", id="idn-upper"),
    pytest.param("http://zażółć.example/", "http://xn--za-6ja4f8n1l.example/", id="idn-polish"),
    pytest.param("http://ΑΣ.example/", "http://xn--mxa0b.example/", id="idn-capital-sigma"),
    pytest.param("http://ｅｘａｍｐｌｅ.com/", "http://example.com/", id="fullwidth-to-ascii"),
    pytest.param("http://example\u3002com/", "http://example.com/", id="ideographic-dot"),
    pytest.param("http://xn--zca.example/", "http://xn--zca.example/", id="a-label-kept"),
    pytest.param("http://XN--BCHER-KVA.example/", "http://xn--bcher-kva.example/", id="a-upper"),
    # host details
    pytest.param("http://example.com./", "http://example.com/", id="trailing-dot"),
    pytest.param("http://my_host.example.com/", "http://my_host.example.com/", id="underscore"),
    pytest.param("http://%65xample.com/", "http://example.com/", id="host-percent-decoded"),
    # default ports dropped, others kept and normalised
    pytest.param("http://example.com:80/", "http://example.com/", id="default-http-port"),
    pytest.param("https://example.com:443/", "https://example.com/", id="default-https-port"),
    pytest.param("http://example.com:0080/", "http://example.com/", id="port-leading-zeros"),
    pytest.param("https://example.com:80/", "https://example.com:80/", id="http-port-on-https"),
    pytest.param("http://example.com:443/", "http://example.com:443/", id="https-port-on-http"),
    pytest.param("http://example.com:8080/", "http://example.com:8080/", id="other-port"),
    pytest.param("http://example.com:/", "http://example.com/", id="empty-port"),
    pytest.param("http://example.com:65535/", "http://example.com:65535/", id="max-port"),
    # fragments dropped
    pytest.param("http://example.com/a#frag", "http://example.com/a", id="fragment"),
    pytest.param("http://example.com#@evil.test/", "http://example.com/", id="fragment-at"),
    pytest.param("http://example.com/a?b=1#c?d", "http://example.com/a?b=1", id="fragment-q"),
    # dot segments (RFC 3986 5.2.4)
    pytest.param("http://example.com/a/./b/../c", "http://example.com/a/c", id="dots"),
    pytest.param("http://example.com/../../a", "http://example.com/a", id="dots-above-root"),
    pytest.param("http://example.com/a/b/..", "http://example.com/a/", id="dots-trailing"),
    pytest.param("http://example.com/a/.", "http://example.com/a/", id="dot-trailing"),
    pytest.param("http://example.com/a/%2e%2E/b", "http://example.com/b", id="encoded-dots"),
    pytest.param("http://example.com/a/.b/..c", "http://example.com/a/.b/..c", id="not-dots"),
    pytest.param("http://example.com/a?x=/../y", "http://example.com/a?x=/../y", id="q-dots-kept"),
    # percent-encoding normalisation
    pytest.param("http://example.com/%7e%41%5a%2d%2e%5f", "http://example.com/~AZ-._", id="unres"),
    pytest.param("http://example.com/a%2fb%3a", "http://example.com/a%2Fb%3A", id="reserved-kept"),
    pytest.param("http://example.com/?a=%2f%26", "http://example.com/?a=%2F%26", id="q-reserved"),
    pytest.param("http://example.com/a b", "http://example.com/a%20b", id="space"),
    pytest.param("http://example.com/ą?ę=ś", "http://example.com/%C4%85?%C4%99=%C5%9B", id="utf8"),
    pytest.param("http://example.com/%c4%85", "http://example.com/%C4%85", id="hex-upper"),
    pytest.param("http://example.com/100%", "http://example.com/100%25", id="stray-percent"),
    pytest.param("http://example.com/%zz", "http://example.com/%25zz", id="bad-escape"),
    pytest.param("http://example.com/a|b^c", "http://example.com/a%7Cb%5Ec", id="unsafe-chars"),
    pytest.param("http://example.com/?a[]=1", "http://example.com/?a%5B%5D=1", id="brackets-q"),
    pytest.param("http://example.com/%00", "http://example.com/%00", id="encoded-nul-kept"),
    # invisible characters in the path are kept, percent-encoded
    pytest.param("http://example.com/\u200bx", "http://example.com/%E2%80%8Bx", id="path-zwsp"),
    pytest.param("http://example.com/\u202ex", "http://example.com/%E2%80%AEx", id="path-rlo"),
    # empty path and empty query
    pytest.param("http://example.com", "http://example.com/", id="empty-path"),
    pytest.param("http://example.com?", "http://example.com/", id="empty-query"),
    pytest.param("http://example.com/a?#x", "http://example.com/a", id="empty-query-fragment"),
    pytest.param("http://example.com?a=1", "http://example.com/?a=1", id="query-no-path"),
    # query order and spelling kept exactly
    pytest.param("http://example.com/?b=2&a=1&b=1", "http://example.com/?b=2&a=1&b=1", id="order"),
    pytest.param("http://example.com/?q=a+b&&x", "http://example.com/?q=a+b&&x", id="q-plus"),
    pytest.param("http://example.com/?a?b/c", "http://example.com/?a?b/c", id="q-question"),
    # public IP literals, browser IPv4 syntax normalised to dotted decimal
    pytest.param("http://93.184.215.14/", "http://93.184.215.14/", id="ipv4"),
    pytest.param("http://1572394766/", "http://93.184.215.14/", id="ipv4-decimal"),
    pytest.param("http://0x5d.0xb8.0xd7.0x0e/", "http://93.184.215.14/", id="ipv4-hex"),
    pytest.param("http://0135.0270.0327.016/", "http://93.184.215.14/", id="ipv4-octal"),
    pytest.param("http://93.12113678/", "http://93.184.215.14/", id="ipv4-two-parts"),
    pytest.param("http://8.8.8.8.:8080/", "http://8.8.8.8:8080/", id="ipv4-trailing-dot"),
    pytest.param("http://[2606:4700:0::1]/", "http://[2606:4700::1]/", id="ipv6-compressed"),
    pytest.param("http://[2606:4700::ABCD]:80/", "http://[2606:4700::abcd]/", id="ipv6-case"),
    pytest.param("http://[::ffff:8.8.8.8]/", "http://[::ffff:808:808]/", id="ipv4-mapped-public"),
    pytest.param("http://[64:ff9b::808:808]/", "http://[64:ff9b::808:808]/", id="nat64-public"),
    pytest.param("http://[2002:808:808::1]/", "http://[2002:808:808::1]/", id="6to4-public"),
    # a word with a port but no dot is a scheme, unless it is a host with a dot
    pytest.param("example.com:8080", "http://example.com:8080/", id="host-port-no-path"),
]


@pytest.mark.parametrize(("raw", "expected"), CANONICAL_EXAMPLES)
def test_canonical_examples(raw: str, expected: str) -> None:
    assert canonicalise(raw) == expected
    assert canonicalise(expected) == expected


# --------------------------------------------------------------------------------------
# Rejections: (input, code)
# --------------------------------------------------------------------------------------

REJECTION_EXAMPLES = [
    pytest.param("", "empty", id="empty"),
    pytest.param(" \t\n ", "empty", id="only-whitespace"),
    pytest.param("http://example.com/" + "a" * 2030, "too_long", id="too-long-input"),
    pytest.param("http://example.com/" + "ą" * 700, "too_long", id="too-long-after-encoding"),
    pytest.param("http://exa\nmple.com/", "control_character", id="newline-inside"),
    pytest.param("http://example.com/a\tb", "control_character", id="tab-in-path"),
    pytest.param("http://example.com/\x00", "control_character", id="nul"),
    pytest.param("http://example.com/\x7f", "control_character", id="del"),
    pytest.param("http://example.com/\x9b", "control_character", id="c1"),
    pytest.param("http://example.com/\ud800", "unparseable", id="lone-surrogate"),
    pytest.param("http://[::1/", "unparseable", id="unclosed-bracket"),
    pytest.param("http://[2606:4700::1]x/", "unparseable", id="junk-after-bracket"),
    pytest.param("javascript:alert(1)", "scheme_not_allowed", id="javascript"),
    pytest.param("JaVaScRiPt:alert(1)", "scheme_not_allowed", id="javascript-case"),
    pytest.param("data:text/html,hi", "scheme_not_allowed", id="data"),
    pytest.param("mailto:someone@example.com", "scheme_not_allowed", id="mailto"),
    pytest.param("mailto:123", "scheme_not_allowed", id="mailto-digits"),
    pytest.param("file:///etc/passwd", "scheme_not_allowed", id="file"),
    pytest.param("ftp://example.com/a", "scheme_not_allowed", id="ftp"),
    pytest.param("ws://example.com/", "scheme_not_allowed", id="websocket"),
    pytest.param("view-source:http://example.com/", "scheme_not_allowed", id="view-source"),
    pytest.param("hxxps://example[.]com/a", "defanged", id="defanged-scheme"),
    pytest.param("hxxp[:]//example.com/", "defanged", id="defanged-colon"),
    pytest.param("http://example[.]com/", "defanged", id="defanged-dot"),
    pytest.param("example(.)com/a", "defanged", id="defanged-paren"),
    pytest.param("http://user:pw@example.com/", "credentials", id="user-password"),
    pytest.param("http://user@example.com/", "credentials", id="user"),
    pytest.param("http://@example.com/", "credentials", id="empty-userinfo"),
    pytest.param("https://trusted.example@evil.test/", "credentials", id="disguise"),
    pytest.param("http://", "missing_host", id="no-host"),
    pytest.param("http:///", "missing_host", id="no-host-slashes"),
    pytest.param("http://:8080/", "missing_host", id="only-port"),
    pytest.param("http://?q", "missing_host", id="only-query"),
    pytest.param("/just/a/path", "missing_host", id="bare-path"),
    pytest.param("http://a..b/", "invalid_host", id="empty-label"),
    pytest.param("http://.example.com/", "invalid_host", id="leading-dot"),
    pytest.param("http://example.com../", "invalid_host", id="two-trailing-dots"),
    pytest.param("http://exa mple.com/", "invalid_host", id="space-in-host"),
    pytest.param("http://exa%20mple.com/", "invalid_host", id="encoded-space-in-host"),
    pytest.param("http://exa%zzmple.com/", "invalid_host", id="bad-escape-in-host"),
    pytest.param("http://%ff.example/", "invalid_host", id="host-not-utf8"),
    pytest.param("http://ex%00ample.com/", "invalid_host", id="host-nul"),
    pytest.param("http://exa<mple.com/", "invalid_host", id="forbidden-char"),
    pytest.param("http://" + "a" * 64 + ".example/", "invalid_host", id="label-too-long"),
    pytest.param("http://" + "a." * 127 + "example/", "invalid_host", id="host-too-long"),
    pytest.param("http://example／evil.test/", "invalid_host", id="fullwidth-solidus"),
    pytest.param("http://xn--.example/", "invalid_host", id="empty-a-label"),
    pytest.param("http://xn--abc-.example/", "invalid_host", id="ascii-a-label"),
    pytest.param("http://xn--zzzzzzzzzzzzzzz.example/", "invalid_host", id="bad-a-label"),
    pytest.param("http://256.1.1.1/", "invalid_host", id="ipv4-octet-too-big"),
    pytest.param("http://1.2.3.4.5/", "invalid_host", id="ipv4-five-parts"),
    pytest.param("http://4294967296/", "invalid_host", id="ipv4-too-big"),
    pytest.param("http://08.1.1.1/", "invalid_host", id="ipv4-bad-octal"),
    pytest.param("http://example.123/", "invalid_host", id="ends-in-number"),
    pytest.param("http://[1.2.3.4]/", "invalid_host", id="ipv4-in-brackets"),
    pytest.param("http://[gggg::1]/", "invalid_host", id="bad-ipv6"),
    pytest.param("http://[fe80::1%25eth0]/", "invalid_host", id="ipv6-zone"),
    pytest.param("http://[]/", "invalid_host", id="empty-brackets"),
    pytest.param("http://example.com:65536/", "invalid_port", id="port-too-big"),
    pytest.param("http://example.com:99999999999999999999/", "invalid_port", id="port-huge"),
    pytest.param("http://example.com:8o/", "invalid_port", id="port-letter"),
    pytest.param("http://example.com:80:80/", "invalid_port", id="port-twice"),
    pytest.param("http://example.com:²/", "invalid_port", id="port-superscript"),
    pytest.param("http://::1/", "missing_host", id="unbracketed-ipv6"),
    pytest.param("http://exa\u200bmple.com/", "invisible_character", id="zwsp"),
    pytest.param("http://exa\u200dmple.com/", "invisible_character", id="zwj"),
    pytest.param("http://exa\u200emple.com/", "invisible_character", id="lrm"),
    pytest.param("http://example\u202e.com/", "invisible_character", id="rlo"),
    pytest.param("http://example\u2066.com/", "invisible_character", id="lri"),
    pytest.param("http://\ufeffexample.com/", "invisible_character", id="bom"),
    pytest.param("http://exa%E2%80%8Bmple.com/", "invisible_character", id="zwsp-encoded"),
    pytest.param("http://exa\u00admple.com/", "invisible_character", id="soft-hyphen"),
    pytest.param("http://faß.example/", "idn_unsupported", id="sharp-s"),
    pytest.param("http://ας.example/", "idn_unsupported", id="final-sigma"),
    pytest.param("http://\u1e9e.example/", "idn_unsupported", id="capital-sharp-s-post-3.2"),
    pytest.param("http://localhost/", "localhost", id="localhost"),
    pytest.param("http://LOCALHOST:8000/", "localhost", id="localhost-upper"),
    pytest.param("http://localhost./", "localhost", id="localhost-dot"),
    pytest.param("http://app.localhost/", "localhost", id="sub-localhost"),
    pytest.param("localhost:8000/admin", "localhost", id="schemeless-localhost"),
    pytest.param("http://%6c%6fcalhost/", "localhost", id="encoded-localhost"),
    pytest.param("http://ｌｏｃａｌｈｏｓｔ/", "localhost", id="fullwidth-localhost"),
    pytest.param("http://127.0.0.1/", "private_host", id="loopback"),
    pytest.param("http://127.1/", "private_host", id="loopback-short"),
    pytest.param("http://2130706433/", "private_host", id="loopback-decimal"),
    pytest.param("http://0x7f.1/", "private_host", id="loopback-hex"),
    pytest.param("http://0x7F000001/", "private_host", id="loopback-hex-int"),
    pytest.param("http://017700000001/", "private_host", id="loopback-octal"),
    pytest.param("http://0177.0.0.1/", "private_host", id="loopback-octal-dotted"),
    pytest.param("http://１２７.０.０.１/", "private_host", id="loopback-fullwidth"),
    pytest.param("http://0/", "private_host", id="zero"),
    pytest.param("http://0.0.0.0/", "private_host", id="unspecified"),
    pytest.param("http://10.1.2.3/", "private_host", id="private-10"),
    pytest.param("http://172.16.0.1/", "private_host", id="private-172"),
    pytest.param("http://192.168.1.1/", "private_host", id="private-192"),
    pytest.param("http://100.64.0.1/", "private_host", id="cgn"),
    pytest.param("http://169.254.169.254/", "private_host", id="link-local-metadata"),
    pytest.param("http://192.0.2.1/", "private_host", id="documentation"),
    pytest.param("http://198.18.0.1/", "private_host", id="benchmarking"),
    pytest.param("http://224.0.0.1/", "private_host", id="multicast"),
    pytest.param("http://240.0.0.1/", "private_host", id="reserved"),
    pytest.param("http://255.255.255.255/", "private_host", id="broadcast"),
    pytest.param("http://[::1]/", "private_host", id="ipv6-loopback"),
    pytest.param("http://[::]/", "private_host", id="ipv6-unspecified"),
    pytest.param("http://[fe80::1]/", "private_host", id="ipv6-link-local"),
    pytest.param("http://[fc00::1]/", "private_host", id="ipv6-unique-local"),
    pytest.param("http://[fd12:3456::1]/", "private_host", id="ipv6-ula-fd"),
    pytest.param("http://[ff02::1]/", "private_host", id="ipv6-multicast"),
    pytest.param("http://[2001:db8::1]/", "private_host", id="ipv6-documentation"),
    pytest.param("http://[::ffff:127.0.0.1]/", "private_host", id="ipv4-mapped-loopback"),
    pytest.param("http://[::ffff:7f00:1]/", "private_host", id="ipv4-mapped-hex"),
    pytest.param("http://[::ffff:10.0.0.1]/", "private_host", id="ipv4-mapped-private"),
    pytest.param("http://[::127.0.0.1]/", "private_host", id="ipv4-compatible"),
    pytest.param("http://[64:ff9b::7f00:1]/", "private_host", id="nat64-loopback"),
    pytest.param("http://[2002:7f00:1::]/", "private_host", id="6to4-loopback"),
    pytest.param("http://[2001::1]/", "private_host", id="teredo"),
    pytest.param("http://[4000::1]/", "private_host", id="ipv6-unallocated"),
]


@pytest.mark.parametrize(("raw", "code"), REJECTION_EXAMPLES)
def test_rejection_examples(raw: str, code: str) -> None:
    with pytest.raises(UrlRejected) as excinfo:
        canonicalise(raw)
    assert excinfo.value.code == code
    assert excinfo.value.message == REJECTION_MESSAGES[code]


def test_every_rejection_code_is_exercised() -> None:
    exercised = {param.values[1] for param in REJECTION_EXAMPLES}
    assert exercised == set(REJECTION_MESSAGES)


def test_length_limit_is_inclusive() -> None:
    prefix = "http://example.com/"
    at_limit = prefix + "a" * (MAX_URL_LENGTH - len(prefix))
    assert canonicalise(at_limit) == at_limit
    with pytest.raises(UrlRejected, match="too_long"):
        canonicalise(at_limit + "a")


def test_length_is_measured_after_stripping_whitespace() -> None:
    prefix = "http://example.com/"
    at_limit = prefix + "a" * (MAX_URL_LENGTH - len(prefix))
    assert canonicalise("   " + at_limit + "\n") == at_limit


def test_url_rejected_is_a_value_error_with_code_and_message() -> None:
    error = UrlRejected("localhost")
    assert isinstance(error, ValueError)
    assert error.code == "localhost"
    assert error.message == REJECTION_MESSAGES["localhost"]
    assert str(error).startswith("localhost: ")
    assert UrlRejected("localhost", "custom").message == "custom"
    with pytest.raises(ValueError, match="unknown rejection code"):
        UrlRejected("no_such_code")


def test_rejection_message_does_not_echo_input() -> None:
    hostile = "javascript:<script>alert(1)</script>"
    with pytest.raises(UrlRejected) as excinfo:
        canonicalise(hostile)
    assert "<script>" not in str(excinfo.value)


def test_non_string_input_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        canonicalise(b"http://example.com/")  # type: ignore[arg-type]


def test_url_sha256_hashes_the_canonical_form() -> None:
    expected = hashlib.sha256(b"http://example.com/a").hexdigest()
    assert url_sha256("http://example.com/a") == expected
    assert url_sha256("EXAMPLE.com:80/./a#x") == expected
    assert len(expected) == 64
    with pytest.raises(UrlRejected):
        url_sha256("http://localhost/")


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("http://example.com/a", "example.com"),
        ("https://sub.example.org:8443/a?b", "sub.example.org"),
        ("http://xn--bcher-kva.example/", "xn--bcher-kva.example"),
        ("http://bücher.example/", "xn--bcher-kva.example"),
        ("http://93.184.215.14:81/", "93.184.215.14"),
        ("http://[2606:4700::1]:8080/", "2606:4700::1"),
    ],
)
def test_host_of(url: str, host: str) -> None:
    assert host_of(url) == host


def test_cores_import_without_django() -> None:
    code = (
        "import sys\n"
        "import ostoja.hotline.url_canonical, ostoja.hotline.priority, ostoja.hotline.defang\n"
        "assert 'django' not in sys.modules, sorted(m for m in sys.modules if 'django' in m)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_host_of_rejects_bad_input() -> None:
    with pytest.raises(UrlRejected):
        host_of("http://127.0.0.1/")


# --------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------

_UNRESERVED = string.ascii_letters + string.digits + "-._~"

labels = st.text(alphabet=string.ascii_lowercase + string.digits, min_size=1, max_size=12).filter(
    lambda s: not s.isdigit()
)
hosts = st.lists(labels, min_size=1, max_size=4).map(lambda parts: ".".join(parts + ["example"]))
segments = st.text(alphabet=_UNRESERVED, min_size=1, max_size=10).filter(
    lambda s: s not in {".", ".."}
)
paths = st.lists(segments, max_size=5).map(lambda parts: "/" + "/".join(parts))
query_pairs = st.lists(
    st.tuples(
        st.text(alphabet=_UNRESERVED, min_size=1, max_size=6),
        st.text(alphabet=_UNRESERVED + "+", max_size=6),
    ),
    min_size=1,
    max_size=6,
)
schemes = st.sampled_from(["http", "https"])

# Characters from every class the canonicaliser treats differently, so random URLs reach
# every branch: separators, escapes, dots, IDN, invisible characters, brackets, colons.
_URLISH = (
    string.ascii_letters
    + string.digits
    + "-._~!$&'()*+,;=:@/?#[]%\\ \"<>{}|^`"
    + "ąęśżźćńółÄÖÜßσς日本\u200b\u202e\ufeff\u00ad\u3002\uff0e％"
)
urlish_tail = st.text(alphabet=_URLISH, max_size=60)
urlish_host = st.one_of(
    hosts,
    st.text(alphabet=string.ascii_letters + string.digits + ".-_%", min_size=1, max_size=20),
    st.text(alphabet="0123456789xXabcdef.", min_size=1, max_size=20),
    st.sampled_from(["bücher.example", "zażółć.example", "ＥＸＡＭＰＬＥ.com", "[2606:4700::1]"]),
)
urlish = st.one_of(
    st.builds(
        lambda scheme, host, port, tail: f"{scheme}{host}{port}{tail}",
        st.sampled_from(["", "http://", "HTTPS://", "//", "http:", "https:/\\"]),
        urlish_host,
        st.sampled_from(["", ":80", ":443", ":8080", ":0", ":", ":99999"]),
        urlish_tail,
    ),
    st.text(alphabet=_URLISH, max_size=80),
)
# Mostly acceptable URLs (a valid host, then anything), for properties of the output.
mostly_valid = st.one_of(
    st.builds(
        lambda scheme, host, port, sep, tail: f"{scheme}{host}{port}{sep}{tail}",
        st.sampled_from(["", "http://", "HTTPS://", "//", "http:", "https:/\\"]),
        st.one_of(
            hosts,
            st.sampled_from(
                [
                    "bücher.example",
                    "zażółć.example",
                    "ＥＸＡＭＰＬＥ.com",
                    "EXAMPLE.org.",
                    "%65xample.test",
                    "[2606:4700::1]",
                    "[::FFFF:8.8.8.8]",
                    "1572394766",
                    "0x5d.0xb8.0xd7.0x0e",
                ]
            ),
        ),
        st.sampled_from(["", ":80", ":443", ":8080", ":0", ":"]),
        st.sampled_from(["", "/", "\\", "?", "#", "/./", "/../"]),
        urlish_tail,
    ),
    urlish,
)


@given(st.text())
@example("http://\x00")
@example("\U000e0001")
@example("0x:")
@settings(max_examples=500)
def test_arbitrary_text_raises_only_url_rejected(raw: str) -> None:
    try:
        result = canonicalise(raw)
    except UrlRejected as error:
        assert error.code in REJECTION_MESSAGES
    else:
        assert result.startswith(("http://", "https://"))


@given(urlish)
@settings(max_examples=1000)
def test_urlish_text_raises_only_url_rejected(raw: str) -> None:
    try:
        canonicalise(raw)
    except UrlRejected as error:
        assert error.code in REJECTION_MESSAGES


def _canonical_or_none(raw: str) -> str | None:
    try:
        return canonicalise(raw)
    except UrlRejected:
        return None


@given(mostly_valid)
@example("http://example.com/a/..//b")
@example("http://example.com/%2e%2E/x?y=%7e")
@example("http://[::ffff:8.8.8.8]/")
@settings(max_examples=1000)
def test_idempotent(raw: str) -> None:
    once = _canonical_or_none(raw)
    assume(once is not None)
    assert canonicalise(once) == once


@given(mostly_valid)
@settings(max_examples=1000)
def test_output_shape(raw: str) -> None:
    result = _canonical_or_none(raw)
    assume(result is not None)
    assert len(result) <= MAX_URL_LENGTH
    assert result.isascii()
    assert not any(ch.isspace() for ch in result)
    assert "#" not in result
    parts = urlsplit(result)
    assert parts.scheme in {"http", "https"}
    assert parts.scheme == parts.scheme.lower()
    assert parts.netloc
    assert parts.path.startswith("/")
    assert parts.fragment == ""
    # urllib agrees with us on the host (no parser confusion left in the output)
    assert parts.hostname == host_of(result)


@given(st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=8), st.text(max_size=3000))
@settings(max_examples=200)
def test_output_never_exceeds_limit(label: str, tail: str) -> None:
    result = _canonical_or_none(f"http://{label}.example/{tail}")
    assert result is None or len(result) <= MAX_URL_LENGTH


def _random_case(draw: st.DrawFn, text: str) -> str:
    flips = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
    return "".join(ch.upper() if flip else ch for ch, flip in zip(text, flips, strict=True))


@st.composite
def equivalent_spellings(draw: st.DrawFn) -> tuple[str, str]:
    """A canonical URL and another spelling of it a browser would treat the same."""
    scheme = draw(schemes)
    host = draw(hosts)
    path = draw(paths)
    canonical = f"{scheme}://{host}{path}"

    variant_scheme = _random_case(draw, scheme)
    variant_host = _random_case(draw, host)
    port = draw(st.sampled_from(["", ":" + {"http": "80", "https": "443"}[scheme]]))
    out_segments = []
    for segment in path.split("/")[1:]:
        spelled = []
        for ch in segment:
            if draw(st.booleans()):
                hex_digits = f"{ord(ch):02x}"
                spelled.append("%" + _random_case(draw, hex_digits))
            else:
                spelled.append(ch)
        # optional dot segments around each real segment
        if draw(st.booleans()):
            out_segments.append(".")
        if draw(st.booleans()):
            out_segments.extend([draw(segments), ".."])
        out_segments.append("".join(spelled))
    variant_path = "/" + "/".join(out_segments)
    variant = f"{variant_scheme}://{variant_host}{port}{variant_path}"
    return canonical, variant


@given(equivalent_spellings())
@settings(max_examples=500)
def test_equivalent_spellings_map_to_one_url(pair: tuple[str, str]) -> None:
    canonical, variant = pair
    assert canonicalise(variant) == canonicalise(canonical) == canonical


@given(schemes, hosts, paths, query_pairs)
def test_query_order_preserved(scheme: str, host: str, path: str, pairs: list) -> None:
    query = "&".join(f"{key}={value}" for key, value in pairs)
    result = canonicalise(f"{scheme}://{host}{path}?{query}#frag")
    assert result == f"{scheme}://{host}{path}?{query}"
    assert urlsplit(result).query.split("&") == [f"{k}={v}" for k, v in pairs]


@given(hosts, paths)
def test_schemeless_means_http(host: str, path: str) -> None:
    assert canonicalise(f"{host}{path}") == canonicalise(f"http://{host}{path}")


# Issue 11 item 9: full-width (compatibility) forms are NFKC-normalised before parsing.
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # Full-width letters and dot with ASCII "://" (what the review pasted).
        ("ｈｔｔｐｓ://ｅｘａｍｐｌｅ．ｃｏｍ/ａ/ｂ", "https://example.com/a/b"),
        # Everything full-width, including ":", "/", "?" and "=".
        (
            "ｈｔｔｐｓ：／／ｅｘａｍｐｌｅ．ｃｏｍ／ｐａｔｈ？ｑ＝１",
            "https://example.com/path?q=1",
        ),
        # No scheme, full-width host and path.
        ("ｅｘａｍｐｌｅ．ｏｒｇ／ｘ", "http://example.org/x"),
        # A plain beginning: the path is kept as typed (the server gets those bytes); the host
        # still goes through IDNA, which maps full-width letters.
        ("https://example.com/wiki/x²", "https://example.com/wiki/x%C2%B2"),
        ("https://ｅｘａｍｐｌｅ.com/x²", "https://example.com/x%C2%B2"),
        # Non-compatibility Unicode (Japanese) is unaffected: punycode host, encoded path.
        ("https://例え.jp/テスト", "https://xn--r8jz45g.jp/%E3%83%86%E3%82%B9%E3%83%88"),
    ],
)
def test_full_width_addresses_are_read_as_the_address_they_spell(raw: str, expected: str) -> None:
    assert canonicalise(raw) == expected
    assert canonicalise(expected) == expected


def test_full_width_credentials_are_still_refused() -> None:
    with pytest.raises(UrlRejected) as info:
        canonicalise("ｈｔｔｐｓ：／／ｔｒｕｓｔｅｄ．ｅｘａｍｐｌｅ＠ｅｖｉｌ．ｔｅｓｔ／")
    assert info.value.code == "credentials"
