"""Defanged spelling of reported addresses, for text that people read (Django-free).

Why
===
Notices, e-mails, exports and chat messages about reported addresses are read in programs
that turn anything looking like a link into a clickable one. One careless click on a reported
address can put abuse material on a person's screen (and make their machine fetch it). The
convention shared by hotlines and security teams is to "defang" such addresses:
``https://example.com/a`` becomes ``hxxps://example[.]com/a``. Auto-linkers recognise neither
the ``hxxp`` scheme nor a host with ``[.]``, while a person can still read it and, when they
deliberately need to, :func:`refang` it.

Decisions
=========
* :func:`defang` takes an ``http``/``https`` URL (normally a canonical one, see
  :mod:`ostoja.hotline.url_canonical`) and changes only the scheme (``hxxp``/``hxxps``, lower
  case) and the dots of the authority (host and port part): every ``.`` becomes ``[.]``. Path,
  query and fragment are left exactly as they are, so the address stays unambiguous. It is
  idempotent: an already defanged URL comes back unchanged, dots already in brackets are not
  bracketed again. Anything else raises ``ValueError`` (it refuses to guess).
* :func:`refang` is the inverse, and is lenient because partners send variants: schemes
  ``hxxp``, ``hXXp``, ``hxtp``, ``h**p``, ``http`` (with ``s``), separators ``://``, ``[:]//``,
  ``[://]``, and in the host ``[.]``, ``(.)``, ``{.}``, ``[dot]``, ``(dot)``, ``{dot}``. Only
  the scheme and the authority are touched, never the path: a canonical path percent-encodes
  brackets, so ``refang(defang(u)) == u`` holds for every canonical URL. Refanging does not
  validate; pass the result to ``canonicalise`` before using it.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["defang", "refang"]

_WEB_URL_RE: Final = re.compile(r"(?P<scheme>https?|hxxps?)://", re.IGNORECASE)
# Any dot except one already written "[.]" (that one matches neither alternative).
_BARE_DOT_RE: Final = re.compile(r"(?<!\[)\.|\.(?!\])")
_DEFANGED_SCHEME_RE: Final = re.compile(
    r"(?P<scheme>h(?:xx|tt|xt|tx|\*\*)p(?P<secure>s)?)(?P<sep>://|\[:\]//|\[://\])",
    re.IGNORECASE,
)
_DEFANGED_DOT_RE: Final = re.compile(r"\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)|\{dot\}", re.IGNORECASE)


def _authority_end(text: str) -> int:
    match = re.search(r"[/?#]", text)
    return match.start() if match else len(text)


def defang(url: str) -> str:
    """``https://example.com/a`` -> ``hxxps://example[.]com/a``. Raises ``ValueError``."""
    match = _WEB_URL_RE.match(url)
    if not match:
        raise ValueError("defang() takes an http:// or https:// URL")
    secure = match.group("scheme").lower().endswith("s")
    rest = url[match.end() :]
    end = _authority_end(rest)
    authority = _BARE_DOT_RE.sub("[.]", rest[:end])
    return f"{'hxxps' if secure else 'hxxp'}://{authority}{rest[end:]}"


def refang(text: str) -> str:
    """Inverse of :func:`defang`, accepting common variants. Does not validate the result."""
    match = _DEFANGED_SCHEME_RE.match(text)
    if match:
        scheme = "https" if match.group("secure") else "http"
        prefix, rest = f"{scheme}://", text[match.end() :]
    else:
        prefix, rest = "", text  # scheme-less, e.g. "example[.]com/a"
    end = _authority_end(rest)
    authority = _DEFANGED_DOT_RE.sub(".", rest[:end])
    return f"{prefix}{authority}{rest[end:]}"
