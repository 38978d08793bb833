"""What a person reads on a rendered page, and what should never be there.

Used by ``tests/test_every_page_in_both_languages.py`` and by app tests that check a page's
language. Three kinds of leak are looked for in the visible text of a page:

* a raw audit action code (``hotline.item.assessed``): the first part is an installed
  Ostoja app, so host names such as ``files.example.com`` do not count;
* a Python repr (``<Foo object at 0x…>``, ``{'key': …}``, ``None`` shown as text,
  ``datetime.date(…)``, ``<QuerySet …>``);
* a UI string of the other language's catalogue: on an English page a Polish ``msgstr`` that
  is not also English; on a Polish page an English ``msgid`` whose Polish translation differs
  and that is not also a Polish string of the catalogues.

Visible text is the text between tags, without ``<script>``, ``<style>`` and ``<template>``.
Elements marked ``data-raw`` (the audit log's technical details) are not read at all, and text
inside an element whose ``lang`` differs from the page's (a language switcher, a service
name in the language it was written in) is not checked against the other catalogue.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.pofile import read_po

SRC = Path(__file__).resolve().parent.parent / "src" / "ostoja"

_SKIP_CONTENT = {"script", "style", "template"}
_VOID = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
    "track", "wbr",
}  # fmt: skip


@dataclass
class PageText:
    """Visible text segments of a page, with the language each was written in."""

    segments: list[tuple[str, str]] = field(default_factory=list)  # (text, lang)
    date_inputs: list[tuple[str, str]] = field(default_factory=list)  # (type, value)

    def text(self) -> str:
        return "\n".join(s for s, _lang in self.segments)


class _Parser(HTMLParser):
    def __init__(self, page_language: str):
        super().__init__(convert_charrefs=True)
        self.result = PageText()
        self.lang_stack: list[tuple[str, str]] = [("", page_language)]
        self.skip_tag: str | None = None
        self.skip_depth = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "input" and attributes.get("type") in ("date", "datetime-local"):
            self.result.date_inputs.append((attributes["type"], attributes.get("value") or ""))
        if self.skip_tag is not None:
            if tag == self.skip_tag:
                self.skip_depth += 1
            return
        if tag in _SKIP_CONTENT or "data-raw" in attributes:
            if tag not in _VOID:
                self.skip_tag, self.skip_depth = tag, 1
            return
        if tag in _VOID:
            return
        self.lang_stack.append((tag, attributes.get("lang") or self.lang_stack[-1][1]))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if self.skip_tag is not None:
            if tag == self.skip_tag:
                self.skip_depth -= 1
                if self.skip_depth == 0:
                    self.skip_tag = None
            return
        # Close up to the matching tag (tolerates unclosed <p>, <li>, ...).
        for index in range(len(self.lang_stack) - 1, 0, -1):
            if self.lang_stack[index][0] == tag:
                del self.lang_stack[index:]
                break

    def handle_data(self, data):
        if self.skip_tag is not None:
            return
        text = " ".join(data.split())
        if text:
            self.result.segments.append((text, self.lang_stack[-1][1]))


def page_text(html: str, language: str) -> PageText:
    parser = _Parser(language)
    parser.feed(html)
    parser.close()
    return parser.result


# -- what must not be shown -------------------------------------------------------------------


def action_code_pattern(app_labels) -> re.Pattern:
    labels = "|".join(sorted(map(re.escape, app_labels), key=len, reverse=True))
    return re.compile(rf"(?<![\w@./:-])(?:{labels})\.[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*(?![\w.@/-])")


REPR_PATTERNS = [
    re.compile(r"object at 0x[0-9a-fA-F]+"),
    re.compile(r"\{'"),
    re.compile(r"(?<![\w-])None(?![\w-])"),
    re.compile(r"\bdatetime\.(?:date|datetime|time|timedelta)\b"),
    re.compile(r"<QuerySet"),
    re.compile(r"\bDecimal\('"),
    re.compile(r"\[<\w"),
]

#: US-style dates and 12-hour times, ambiguous to a European reader (English pages).
US_DATE_PATTERNS = [
    re.compile(r"(?<![\d/])\d{1,2}/\d{1,2}/\d{2,4}(?![\d/])"),
    re.compile(r"\b\d{1,2}(?::\d{2})?\s?[ap]\.m\.", re.IGNORECASE),
    re.compile(
        r"\b(?:Jan|Feb|Mar|Apr|May|June?|July?|Aug|Sept?|Oct|Nov|Dec)[a-z]*\.? \d{1,2}, \d{4}"
    ),
]


# -- the catalogues ---------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"%\(\w+\)[sdfr]|%[sdfr]")


@dataclass(frozen=True)
class UiString:
    text: str
    pattern: re.Pattern
    #: Long enough to be recognised inside a longer text segment, not only as a whole one.
    phrase: bool


def _ui_string(text: str) -> UiString | None:
    text = " ".join(text.replace("%%", "%").split())
    fixed = _PLACEHOLDER.sub(" ", text)
    if "<" in text or len(re.sub(r"\W", "", fixed)) < 3 or not re.search(r"[^\W\d_]", fixed):
        return None
    parts = _PLACEHOLDER.split(text)
    body = r".+?".join(re.escape(p) for p in parts)
    words = len(fixed.split())
    phrase = words >= 3 and len(fixed) >= 15
    # Short labels count only as a whole segment (a trailing colon allowed: form labels).
    pattern = re.compile(rf"(?<!\w){body}(?!\w)" if phrase else rf"{body}:?")
    return UiString(text=text, pattern=pattern, phrase=phrase)


@dataclass(frozen=True)
class Catalogues:
    #: Polish strings that must not appear on English pages.
    polish_only: tuple[UiString, ...]
    #: English strings that must not appear on Polish pages.
    english_only: tuple[UiString, ...]
    english_words: frozenset[str]


def _po_files() -> list[Path]:
    return sorted(SRC.glob("**/locale/pl/LC_MESSAGES/django.po"))


@functools.cache
def catalogues() -> Catalogues:
    pairs: list[tuple[str, str]] = []
    for path in _po_files():
        with path.open("rb") as handle:
            catalog = read_po(handle, locale="pl")
        for message in catalog:
            if not message.id or message.fuzzy:
                continue
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            strings = tuple(s for s in strings if s)
            if not strings:
                continue
            # A plural msgid's forms pair with the Polish forms as a group.
            for english in ids:
                for polish in strings:
                    pairs.append((english, polish))
    english = {e for e, _p in pairs}
    polish = {p for _e, p in pairs}
    folded_english = {e.casefold() for e in english}
    folded_polish = {p.casefold() for p in polish}
    polish_only = {
        p for p in polish if p.casefold() not in folded_english
    }  # "Status", "E-mail", "Host" are both
    english_only = {e for e in english if e.casefold() not in folded_polish}
    return Catalogues(
        polish_only=tuple(u for u in map(_ui_string, sorted(polish_only)) if u),
        english_only=tuple(u for u in map(_ui_string, sorted(english_only)) if u),
        english_words=frozenset(folded_english),
    )


def other_language_strings(text: PageText, language: str) -> list[str]:
    """UI strings of the other language's catalogue found in the page's own-language text."""
    cat = catalogues()
    candidates = cat.polish_only if language == "en" else cat.english_only
    segments = [s for s, lang in text.segments if lang.split("-")[0] == language]
    found = []
    for ui in candidates:
        for segment in segments:
            if (ui.phrase and ui.pattern.search(segment)) or ui.pattern.fullmatch(segment):
                found.append(f"{ui.text!r} in {segment[:120]!r}")
                break
    return found


def problems(html: str, language: str, app_labels) -> list[str]:
    """Everything on the page that should not be there (empty list: the page is clean)."""
    text = page_text(html, language)
    found = []
    codes = action_code_pattern(app_labels)
    english_words = catalogues().english_words
    for segment, _lang in text.segments:
        for match in codes.finditer(segment):
            found.append(f"action code {match.group()!r} in {segment[:120]!r}")
        for pattern in REPR_PATTERNS:
            match = pattern.search(segment)
            if match is None:
                continue
            if match.group() == "None" and language == "en" and "none" in english_words:
                continue  # "None" is an English UI word of the catalogues
            found.append(f"Python repr {match.group()!r} in {segment[:120]!r}")
        if language == "en":
            for pattern in US_DATE_PATTERNS:
                match = pattern.search(segment)
                if match is not None:
                    found.append(f"US-style date or time {match.group()!r} in {segment[:120]!r}")
    for kind, value in text.date_inputs:
        iso = r"\d{4}-\d{2}-\d{2}" + (r"T\d{2}:\d{2}(:\d{2})?" if kind == "datetime-local" else "")
        if value and not re.fullmatch(iso, value):
            found.append(f'<input type="{kind}"> value {value!r} is not ISO 8601')
    found += [f"{'Polish' if language == 'en' else 'English'} UI string {s}"
              for s in other_language_strings(text, language)]  # fmt: skip
    return found
