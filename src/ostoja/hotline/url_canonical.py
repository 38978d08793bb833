"""Canonical form of reported web addresses (Django-free).

Why this module exists
======================
The same page is reported many times, by the public, platforms, partner hotlines and police,
each spelling its address differently (``EXAMPLE.com:80/a/./b`` vs ``http://example.com/a/b``).
The hotline deduplicates reports by the SHA-256 of one canonical spelling
(:func:`url_sha256`), groups them by host (:func:`host_of`), and later sends notices about
that address. So canonicalisation must be (1) deterministic and idempotent, (2) faithful:
two spellings map to one canonical URL only if a browser would fetch the same resource, and
(3) honest about the host: the host we record must be the host a browser would contact.
This module never fetches anything; it handles text only.

Parsing model
=============
We follow the browser (WHATWG URL Standard) where browsers and RFC 3986 parsers disagree,
because a disagreement is exactly what an attacker uses to make an address look harmless:

* ``\\`` before the query is a path separator (``http://example.com\\@evil.test/`` has host
  ``example.com``, as in browsers, not ``evil.test`` as ``urllib`` would say);
* any number of ``/`` or ``\\`` after ``http:`` is accepted (``http:/\\example.com``);
* the host is percent-decoded before anything else (``http://%6c%6fcalhost/`` is localhost);
* a host whose last label is a number is an IPv4 address in the browser's lenient syntax:
  ``http://2130706433/``, ``http://0x7f.1/``, ``http://017700000001/`` are all 127.0.0.1.

Decisions
=========
* **Schemes.** Only ``http`` and ``https`` (case-insensitive) are accepted: the hotline acts on
  web pages. ``ftp:``, ``file:``, ``data:``, ``javascript:``, ``mailto:`` and everything else
  are rejected with ``scheme_not_allowed``. Defanged input (``hxxp://``, ``example[.]com``) is
  rejected with its own code ``defanged`` so the form can say what to do; we do not silently
  refang (see :mod:`ostoja.hotline.defang` for an explicit refang).
* **No scheme.** ``example.com/x`` and ``example.com:8080/x`` are read as ``http://...``; so is a
  scheme-relative ``//example.com/x``. We assume ``http`` and not ``https`` because the reporter
  did not tell us the site speaks TLS and we never connect to find out; ``http`` and ``https``
  addresses stay distinct canonical URLs (they can serve different content). A word followed by
  ``:digits`` is a host with a port only if it contains a dot or is ``localhost``; otherwise it
  is a scheme (``mailto:123`` is rejected, not read as host ``mailto``).
* **Credentials.** Any ``user[:password]@`` part is rejected (``credentials``), never stripped:
  ``https://trusted.example@evil.test/`` is the classic disguise, stripping would silently
  change what was reported, and credentials do not belong in a deduplication key or in
  notices. The form asks the reporter to put them in the description if they matter.
* **Compatibility characters (full-width and similar forms).** An address typed or converted
  as a whole in full-width letters (``ｈｔｔｐｓ：／／ｅｘａｍｐｌｅ．ｃｏｍ``, as East
  Asian input methods produce, or written so to slip past link filters) is read as the
  address it spells:
  when the address *begins* with a character that Unicode NFKC normalisation changes, the
  whole input is NFKC-normalised before parsing. Without that no ASCII ``:`` or ``/`` is found
  and the text becomes a host ``https`` with a percent-encoded path. An address that begins
  in plain characters is not normalised: its host still goes through IDNA (which maps
  full-width letters and dots), a full-width ``／`` inside such a host stays an invalid host
  (it would move the host boundary), and its path is kept exactly as typed (``/wiki/x²``
  stays ``x%C2%B2``: the server receives those bytes).
* **Whitespace and control characters.** Surrounding whitespace is stripped. Any remaining
  C0/C1 control character or DEL (tabs and line breaks included) is rejected
  (``control_character``) rather than removed as browsers do: a URL broken across lines is
  better re-entered than guessed.
* **Length.** More than 2,048 characters after stripping, or after canonicalisation (percent-
  encoding can grow it), is rejected (``too_long``).
* **Host.** ASCII labels are lower-cased; one trailing dot is dropped (``example.com.`` and
  ``example.com`` name the same DNS node); empty labels, labels over 63 characters, hosts over
  253 characters and characters outside ``a-z 0-9 - _`` (after IDNA) are rejected
  (``invalid_host``). Underscores are allowed because real host names use them.
* **Invisible characters in the host** (all Unicode format characters, which include the
  zero-width U+200B..U+200F, bidi controls U+202A..U+202E and U+2066..U+2069, U+FEFF and the
  soft hyphen) are rejected (``invisible_character``): IDNA would silently delete some of them,
  so the address the reporter *saw* is not the one that would be visited.
* **The same characters in the path or query** are kept and percent-encoded (as every other
  non-ASCII character is). The server receives exactly those bytes, so stripping them would
  point at a different resource; and because the canonical URL is pure ASCII, a bidi override
  can no longer reorder what an analyst sees.
* **IDN.** Non-ASCII labels are converted to punycode (``xn--``) with the standard library's
  ``encodings.idna`` codec, which implements **IDNA 2003** (RFC 3490, nameprep with Unicode 3.2
  tables); the third-party ``idna`` package (IDNA 2008) is not a dependency of this project.
  Browsers use UTS #46 (IDNA 2008 compatible, non-transitional), which differs from IDNA 2003
  in ways that would give a *different domain*: the deviation characters ``ß`` and ``ς`` (2003
  maps them to ``ss`` and ``σ``, browsers keep them), ZWJ/ZWNJ (2003 deletes them; we already
  reject them as invisible), and characters assigned after Unicode 3.2 (2003 does not map
  them). Labels containing ``ß``, ``ς`` or characters unassigned in Unicode 3.2 are therefore
  rejected with ``idn_unsupported``, asking for the ``xn--`` form, which is unambiguous and
  accepted as is (after checking it decodes). Everything else converts identically under both.
  If the ``idna`` package becomes a dependency, ``_label_to_ascii`` is the one place to change.
* **Non-public hosts.** ``localhost`` and ``*.localhost`` (``localhost``) and IP literals in
  private, loopback, link-local, unspecified, shared (CGN), documentation, benchmarking,
  multicast and reserved ranges (``private_host``) are rejected: nobody can report content on
  them, and accepting them would let a report make the hotline's own tooling look at its own
  network. Ranges are listed here explicitly (IANA special-purpose registries) rather than
  taken from :mod:`ipaddress` flags, whose lists changed between Python patch releases; the
  result must not depend on the interpreter. IPv6 is allow-listed to global unicast
  ``2000::/3``; IPv4-mapped (``::ffff:a.b.c.d``), NAT64 (``64:ff9b::/96``) and 6to4
  (``2002::/16``) addresses are judged by the IPv4 address they embed.
* **Ports.** Default ports are dropped (80 for http, 443 for https), leading zeros removed,
  ``example.com:`` (empty port) means no port; above 65535 or non-digits is ``invalid_port``.
* **Path and query.** Percent-encoding is normalised per RFC 3986 §6.2.2: encoded unreserved
  characters (ALPHA DIGIT ``-._~``) are decoded, other escapes keep their meaning with upper-case
  hex (``%2f`` becomes ``%2F``, never ``/``), characters that are not allowed literally
  (space, ``" < > [ ] { } | ^``, the backtick, ``\\`` in the query, non-ASCII) are UTF-8
  percent-encoded, and a ``%`` not followed by two hex digits becomes ``%25``. Then dot
  segments are removed (RFC 3986 §5.2.4; ``%2E`` counts as a dot, as it does in browsers). An
  empty path becomes ``/``; an empty query (trailing ``?``) is dropped; query parameters keep
  their order and spelling exactly (``+`` stays ``+``): order can matter to the server.
  Fragments are dropped (never sent to the server).

Rejections raise :class:`UrlRejected` with a stable ``code`` (listed in
:data:`REJECTION_MESSAGES`) and a fixed English message; the Django layer translates by code.
Messages never echo the input, so they are safe to show and to log.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import unicodedata
from dataclasses import dataclass
from encodings import idna as _stdlib_idna
from typing import Final

__all__ = [
    "ALLOWED_SCHEMES",
    "MAX_URL_LENGTH",
    "REJECTION_MESSAGES",
    "UrlRejected",
    "canonicalise",
    "host_of",
    "url_sha256",
]

MAX_URL_LENGTH: Final = 2048
ALLOWED_SCHEMES: Final = frozenset({"http", "https"})
_DEFAULT_PORTS: Final = {"http": 80, "https": 443}

#: Every code :class:`UrlRejected` can carry, with its English message.
REJECTION_MESSAGES: Final[dict[str, str]] = {
    "empty": "Enter a web address.",
    "too_long": "The address is longer than 2,048 characters.",
    "control_character": (
        "The address contains control characters such as tabs or line breaks. Enter it on one line."
    ),
    "unparseable": "The address could not be understood.",
    "scheme_not_allowed": "Only web addresses (http:// or https://) can be reported.",
    "defanged": (
        "The address is written in defanged form (hxxp://, [.]). Enter it as an ordinary address."
    ),
    "credentials": (
        "Remove the user name or password (the part before @) from the address. "
        "If they are needed to reach the content, put them in the description."
    ),
    "missing_host": "The address has no host name.",
    "invalid_host": "The host name is not a valid domain name or IP address.",
    "invalid_port": "The port number is not valid.",
    "invisible_character": "The host name contains invisible or text-direction characters.",
    "idn_unsupported": (
        "The host name contains characters that are interpreted differently by different "
        "standards. Enter the host name in its xn-- form."
    ),
    "localhost": "Addresses on the local computer (localhost) cannot be reported.",
    "private_host": (
        "The address points to a private, local or reserved network, not the public internet."
    ),
}


class UrlRejected(ValueError):
    """The input is not an acceptable web address.

    ``code`` is a stable machine string (a key of :data:`REJECTION_MESSAGES`), ``message`` a
    fixed English sentence that never contains the input.
    """

    def __init__(self, code: str, message: str | None = None) -> None:
        if code not in REJECTION_MESSAGES:
            raise ValueError(f"unknown rejection code {code!r}")
        self.code = code
        self.message = message if message is not None else REJECTION_MESSAGES[code]
        super().__init__(code, self.message)

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


@dataclass(frozen=True, slots=True)
class _Parts:
    scheme: str
    host: str  # ASCII; IPv6 in brackets
    port: int | None  # None when absent or default
    path: str
    query: str | None  # None when absent or empty

    def unparse(self) -> str:
        port = "" if self.port is None else f":{self.port}"
        query = "" if self.query is None else f"?{self.query}"
        return f"{self.scheme}://{self.host}{port}{self.path}{query}"


def canonicalise(raw: str) -> str:
    """Return the canonical spelling of a web address, or raise :class:`UrlRejected`.

    The result is ASCII, starts with ``http://`` or ``https://``, is at most
    :data:`MAX_URL_LENGTH` characters, and ``canonicalise(canonicalise(u)) == canonicalise(u)``.
    """
    canonical = _parse(raw).unparse()
    if len(canonical) > MAX_URL_LENGTH:
        raise UrlRejected("too_long")
    return canonical


def url_sha256(canonical: str) -> str:
    """Hex SHA-256 of the canonical URL (UTF-8), the hotline's deduplication key.

    The argument is canonicalised first (a no-op for a canonical URL), so a raw spelling can
    never produce a second key for the same address. Raises :class:`UrlRejected`.
    """
    return hashlib.sha256(canonicalise(canonical).encode("utf-8")).hexdigest()


def host_of(canonical: str) -> str:
    """Host of a URL as it appears in its canonical form, without port.

    Domain names are lower-case ASCII (punycode for IDN); IPv4 is dotted decimal; IPv6 is the
    compressed form without brackets (as :class:`ipaddress.IPv6Address` prints it). The argument
    is canonicalised first; raises :class:`UrlRejected`.
    """
    host = _parse(canonical).host
    return host[1:-1] if host.startswith("[") else host


# --------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------

_CONTROL_RE: Final = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_SURROGATE_RE: Final = re.compile(r"[\ud800-\udfff]")
_SCHEME_RE: Final = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
_PORT_AFTER_HOST_RE: Final = re.compile(r"[0-9]+(?:[/\\?#]|$)")
_DEFANGED_SCHEME_RE: Final = re.compile(r"h(?:xx|xt|tx|\*\*)ps?(?::|\[:\]|\[://\])", re.IGNORECASE)
_DEFANG_MARKS_RE: Final = re.compile(r"\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)", re.IGNORECASE)


def _parse(raw: str) -> _Parts:
    if not isinstance(raw, str):
        raise TypeError(f"expected str, got {type(raw).__name__}")
    text = raw.strip()
    if not text:
        raise UrlRejected("empty")
    if len(text) > MAX_URL_LENGTH:
        raise UrlRejected("too_long")
    if _CONTROL_RE.search(text):
        raise UrlRejected("control_character")
    if _SURROGATE_RE.search(text):
        # Lone surrogates are not text; they cannot be encoded as UTF-8.
        raise UrlRejected("unparseable")
    text = _fold_compatibility(text)
    if len(text) > MAX_URL_LENGTH:
        raise UrlRejected("too_long")
    if _CONTROL_RE.search(text):
        raise UrlRejected("control_character")

    scheme, rest = _split_scheme(text)

    # The fragment is never sent to the server; the first "#" ends the URL for us.
    rest = rest.partition("#")[0]
    before_query, has_query, query = rest.partition("?")
    # Browsers treat "\" as "/" everywhere before the query in http(s) URLs.
    before_query = before_query.replace("\\", "/")
    authority, slash, path = before_query.partition("/")

    host, port = _parse_authority(authority, scheme)
    path = _remove_dot_segments(_normalise_percent(slash + path, _PATH_SAFE)) or "/"
    query_out = _normalise_percent(query, _QUERY_SAFE) if has_query and query else None
    return _Parts(scheme=scheme, host=host, port=port, path=path, query=query_out)


def _fold_compatibility(text: str) -> str:
    """NFKC-normalise an address that begins in compatibility forms (see "Decisions")."""
    first = text[0]
    if first.isascii() or unicodedata.normalize("NFKC", first) == first:
        return text
    return unicodedata.normalize("NFKC", text).strip()


def _split_scheme(text: str) -> tuple[str, str]:
    """Return (scheme, the rest after ``scheme:`` and its slashes)."""
    if _DEFANGED_SCHEME_RE.match(text):
        raise UrlRejected("defanged")
    match = _SCHEME_RE.match(text)
    if match:
        candidate = match.group(1).lower()
        after = text[match.end() :]
        if candidate in ALLOWED_SCHEMES:
            return candidate, after.lstrip("/\\")
        looks_like_host = "." in candidate or candidate == "localhost"
        if looks_like_host and _PORT_AFTER_HOST_RE.match(after):
            return "http", text  # "example.com:8080/x": a host and a port, no scheme
        raise UrlRejected("scheme_not_allowed")
    if text.startswith(("//", "\\\\", "/\\", "\\/")):
        return "http", text.lstrip("/\\")  # scheme-relative
    if text[0] in "/\\":
        raise UrlRejected("missing_host")  # a bare path
    return "http", text


def _parse_authority(authority: str, scheme: str) -> tuple[str, int | None]:
    if _DEFANG_MARKS_RE.search(authority):
        raise UrlRejected("defanged")
    if "@" in authority:
        raise UrlRejected("credentials")

    if authority.startswith("["):
        end = authority.find("]")
        if end == -1:
            raise UrlRejected("unparseable")
        host_text, after = authority[: end + 1], authority[end + 1 :]
        if after and not after.startswith(":"):
            raise UrlRejected("unparseable")
        port_text = after[1:] if after else ""
        host = _parse_ipv6_literal(host_text[1:-1])
    else:
        host_text, _, port_text = authority.partition(":")
        if not host_text:
            raise UrlRejected("missing_host")
        host = _parse_domain_or_ipv4(host_text)

    return host, _parse_port(port_text, scheme)


def _parse_port(port_text: str, scheme: str) -> int | None:
    if port_text == "":
        return None  # "example.com:" is the same as no port, as in browsers
    if not re.fullmatch(r"[0-9]+", port_text):
        raise UrlRejected("invalid_port")
    digits = port_text.lstrip("0") or "0"
    if len(digits) > 5 or int(digits) > 65535:
        raise UrlRejected("invalid_port")
    port = int(digits)
    return None if port == _DEFAULT_PORTS[scheme] else port


# --------------------------------------------------------------------------------------
# Hosts
# --------------------------------------------------------------------------------------

# Label separators recognised by IDNA (full stop, ideographic and full-width full stops).
_LABEL_SEPARATOR_RE: Final = re.compile("[.\u3002\uff0e\uff61]")
_ASCII_LABEL_RE: Final = re.compile(r"[a-z0-9_\-]+")
# IDNA 2003 and UTS #46 (browsers) turn these into different domains; see module docstring.
_DEVIATION_CHARACTERS: Final = frozenset("\u00df\u03c2")
_MAX_LABEL: Final = 63
_MAX_HOST: Final = 253


def _parse_domain_or_ipv4(host_text: str) -> str:
    decoded = _percent_decode_host(host_text)
    if any(unicodedata.category(ch) == "Cf" for ch in decoded):
        raise UrlRejected("invisible_character")
    if _CONTROL_RE.search(decoded):
        raise UrlRejected("invalid_host")

    labels = _LABEL_SEPARATOR_RE.split(decoded)
    if len(labels) > 1 and labels[-1] == "":
        labels.pop()  # one trailing dot: the same DNS name
    ascii_labels = [_label_to_ascii(label) for label in labels]
    host = ".".join(ascii_labels)
    if len(host) > _MAX_HOST:
        raise UrlRejected("invalid_host")

    if _ends_in_number(ascii_labels[-1]):
        address = _parse_ipv4(ascii_labels)
        if not _is_public_ipv4(address):
            raise UrlRejected("private_host")
        return str(address)
    if host == "localhost" or host.endswith(".localhost"):
        raise UrlRejected("localhost")
    return host


def _percent_decode_host(host_text: str) -> str:
    if "%" not in host_text:
        return host_text
    out = bytearray()
    i = 0
    while i < len(host_text):
        ch = host_text[i]
        if ch == "%" and _is_hex_pair(host_text, i + 1):
            out.append(int(host_text[i + 1 : i + 3], 16))
            i += 3
        elif ch == "%":
            raise UrlRejected("invalid_host")
        else:
            out.extend(ch.encode("utf-8"))
            i += 1
    try:
        return out.decode("utf-8")
    except UnicodeDecodeError:
        raise UrlRejected("invalid_host")


def _label_to_ascii(label: str) -> str:
    if not label:
        raise UrlRejected("invalid_host")
    if label.isascii():
        ascii_label = label.lower()
    else:
        if any(ch in _DEVIATION_CHARACTERS for ch in label) or any(
            unicodedata.ucd_3_2_0.category(ch) == "Cn" for ch in label
        ):
            raise UrlRejected("idn_unsupported")
        try:
            ascii_label = _stdlib_idna.ToASCII(label).decode("ascii").lower()
        except UnicodeError:
            raise UrlRejected("invalid_host")
    if len(ascii_label) > _MAX_LABEL or not _ASCII_LABEL_RE.fullmatch(ascii_label):
        raise UrlRejected("invalid_host")
    if ascii_label.startswith("xn--"):
        # An A-label must decode to a non-empty label that is not plain ASCII.
        try:
            unicode_label = ascii_label[4:].encode("ascii").decode("punycode")
        except (UnicodeError, ValueError, IndexError, OverflowError):
            raise UrlRejected("invalid_host")
        if not unicode_label or unicode_label.isascii():
            raise UrlRejected("invalid_host")
    return ascii_label


def _ends_in_number(label: str) -> bool:
    # WHATWG "ends in a number": all decimal digits, or 0x followed by hex digits.
    return bool(re.fullmatch(r"[0-9]+|0x[0-9a-f]*", label))


def _parse_ipv4(labels: list[str]) -> ipaddress.IPv4Address:
    """WHATWG IPv4 parser: 1-4 parts, each decimal, octal (leading 0) or hex (0x)."""
    if len(labels) > 4:
        raise UrlRejected("invalid_host")
    numbers = [_parse_ipv4_number(label) for label in labels]
    if any(n > 255 for n in numbers[:-1]):
        raise UrlRejected("invalid_host")
    if numbers[-1] >= 256 ** (5 - len(numbers)):
        raise UrlRejected("invalid_host")
    value = numbers[-1]
    for index, n in enumerate(numbers[:-1]):
        value += n * 256 ** (3 - index)
    return ipaddress.IPv4Address(value)


def _parse_ipv4_number(part: str) -> int:
    if part.startswith("0x"):
        digits, base, pattern = part[2:], 16, r"[0-9a-f]*"
    elif len(part) > 1 and part.startswith("0"):
        digits, base, pattern = part[1:], 8, r"[0-7]*"
    else:
        digits, base, pattern = part, 10, r"[0-9]*"
    if not re.fullmatch(pattern, digits):
        raise UrlRejected("invalid_host")
    return int(digits, base) if digits else 0


def _parse_ipv6_literal(inner: str) -> str:
    # No zone identifiers ("%25eth0"): browsers reject them and they are local by definition.
    if not inner or not re.fullmatch(r"[0-9A-Fa-f:.]+", inner):
        raise UrlRejected("invalid_host")
    try:
        address = ipaddress.IPv6Address(inner)
    except ValueError:
        raise UrlRejected("invalid_host")
    if not _is_public_ipv6(address):
        raise UrlRejected("private_host")
    return f"[{address.compressed}]"


# IANA IPv4 Special-Purpose Address Registry, multicast and the reserved class E.
_IPV4_NOT_PUBLIC: Final = tuple(
    ipaddress.IPv4Network(net)
    for net in (
        "0.0.0.0/8",  # "this network", includes the unspecified address
        "10.0.0.0/8",  # private
        "100.64.0.0/10",  # shared address space (carrier-grade NAT)
        "127.0.0.0/8",  # loopback
        "169.254.0.0/16",  # link-local
        "172.16.0.0/12",  # private
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",  # documentation (TEST-NET-1)
        "192.88.99.0/24",  # deprecated 6to4 relay anycast
        "192.168.0.0/16",  # private
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",  # documentation (TEST-NET-2)
        "203.0.113.0/24",  # documentation (TEST-NET-3)
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, includes the limited broadcast 255.255.255.255
    )
)

_IPV6_GLOBAL_UNICAST: Final = ipaddress.IPv6Network("2000::/3")
_IPV6_NOT_PUBLIC_IN_GLOBAL: Final = tuple(
    ipaddress.IPv6Network(net)
    for net in (
        "2001::/23",  # IETF protocol assignments (includes Teredo 2001::/32)
        "2001:db8::/32",  # documentation
        "3fff::/20",  # documentation
    )
)
_IPV6_NAT64: Final = ipaddress.IPv6Network("64:ff9b::/96")
_IPV6_6TO4: Final = ipaddress.IPv6Network("2002::/16")


def _is_public_ipv4(address: ipaddress.IPv4Address) -> bool:
    return not any(address in net for net in _IPV4_NOT_PUBLIC)


def _is_public_ipv6(address: ipaddress.IPv6Address) -> bool:
    if address.ipv4_mapped is not None:
        return _is_public_ipv4(address.ipv4_mapped)
    if address in _IPV6_NAT64:
        return _is_public_ipv4(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    if address in _IPV6_6TO4:
        embedded = address.sixtofour
        return embedded is not None and _is_public_ipv4(embedded)
    if address not in _IPV6_GLOBAL_UNICAST:
        return False  # loopback, unspecified, unique local, link-local, multicast, reserved
    return not any(address in net for net in _IPV6_NOT_PUBLIC_IN_GLOBAL)


# --------------------------------------------------------------------------------------
# Path and query
# --------------------------------------------------------------------------------------

_UNRESERVED: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_SUB_DELIMS: Final = frozenset("!$&'()*+,;=")
_PATH_SAFE: Final = _UNRESERVED | _SUB_DELIMS | frozenset(":@/")
_QUERY_SAFE: Final = _PATH_SAFE | frozenset("?")
_HEX: Final = frozenset("0123456789abcdefABCDEF")


def _is_hex_pair(text: str, start: int) -> bool:
    return start + 2 <= len(text) and text[start] in _HEX and text[start + 1] in _HEX


def _normalise_percent(component: str, safe: frozenset[str]) -> str:
    out: list[str] = []
    i = 0
    while i < len(component):
        ch = component[i]
        if ch == "%" and _is_hex_pair(component, i + 1):
            decoded = chr(int(component[i + 1 : i + 3], 16))
            out.append(decoded if decoded in _UNRESERVED else component[i : i + 3].upper())
            i += 3
            continue
        if ch in safe:
            out.append(ch)
        else:  # includes a "%" that starts no valid escape: it becomes "%25"
            out.extend(f"%{byte:02X}" for byte in ch.encode("utf-8"))
        i += 1
    return "".join(out)


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 §5.2.4 for an absolute path (one that starts with "/")."""
    if not path:
        return path
    output: list[str] = []
    segments = path.split("/")[1:]
    last = len(segments) - 1
    for index, segment in enumerate(segments):
        if segment == ".":
            if index == last:
                output.append("")
        elif segment == "..":
            if output:
                output.pop()
            if index == last:
                output.append("")
        else:
            output.append(segment)
    return "/" + "/".join(output)
