"""User-written text: Markdown rendered by markdown-it-py, then sanitised by nh3.

Every place where members write (forum posts, newsletter issues, positions, descriptions)
renders through :func:`render_markdown`. Raw HTML in the source is not interpreted (it shows
as text); what markdown-it produces is then cleaned by nh3 to an allow-list, so even a bug in
the Markdown layer cannot let a script or an event handler through. Links get
``rel="nofollow noopener noreferrer"``.
"""

from __future__ import annotations

import re

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)

ALLOWED_TAGS = {
    "a", "p", "br", "hr", "strong", "em", "del", "s", "code", "pre", "blockquote",
    "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6",
    "table", "thead", "tbody", "tr", "th", "td", "span",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}

MENTION = re.compile(r"(?<![\w@])@([\w.-]{2,60})", re.UNICODE)


def sanitise_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener noreferrer",
        strip_comments=True,
    )


def render_markdown(source: str) -> SafeString:
    """Markdown to safe HTML (raw HTML inert, scripts impossible, links nofollow)."""
    return mark_safe(sanitise_html(_md.render(source or "")))  # noqa: S308 - cleaned by nh3


def plain_text(source: str) -> str:
    """The text of a Markdown source without markup (for e-mail alternatives and search)."""
    html = _md.render(source or "")
    text = nh3.clean(html, tags=set())
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def mentions(source: str) -> list[str]:
    """The @handles a text mentions, in order, without repeats."""
    seen: dict[str, None] = {}
    for m in MENTION.finditer(source or ""):
        seen.setdefault(m.group(1).rstrip(".").lower(), None)
    return list(seen)
