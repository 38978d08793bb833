"""Paragraphs, anchors and a readable diff of drafted texts (plain Python, no Django).

A draft is Markdown; its *paragraphs* are the blocks separated by blank lines. A comment is
anchored to a paragraph by the paragraph's key -- a hash of its text with whitespace folded
-- so an anchor survives paragraphs being added or moved around it, and a comment whose
paragraph a new version changed or removed is known to be *outdated* (it is kept and shown
with the text it was about).

:func:`diff` compares two versions paragraph by paragraph (``difflib.SequenceMatcher`` on the
paragraphs) and, inside a paragraph that was rewritten, word by word, so the reader sees which
words changed rather than two walls of text.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import dataclass, field

_BLANK_LINES = re.compile(r"\n\s*\n")
_WORDS = re.compile(r"\w+|[^\w\s]+|\s+")


def paragraphs(body: str) -> list[str]:
    text = (body or "").replace("\r\n", "\n").replace("\r", "\n")
    return [p.strip() for p in _BLANK_LINES.split(text) if p.strip()]


def key(paragraph: str) -> str:
    folded = " ".join(paragraph.split())
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()[:16]


def keyed(body: str) -> list[tuple[str, str]]:
    """``[(key, paragraph), ...]`` of a body."""
    return [(key(p), p) for p in paragraphs(body)]


@dataclass
class Block:
    """One paragraph of a diff: ``same``, ``added``, ``removed`` or ``changed``."""

    kind: str
    text: str = ""
    #: For ``changed``: ``[(op, words)]`` with op ``same``, ``added`` or ``removed``.
    parts: list[tuple[str, str]] = field(default_factory=list)


def _word_diff(old: str, new: str) -> list[tuple[str, str]]:
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    parts: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(("same", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            parts.append(("removed", "".join(a[i1:i2])))
        if j2 > j1:
            parts.append(("added", "".join(b[j1:j2])))
    return parts


def diff(old_body: str, new_body: str) -> list[Block]:
    old, new = paragraphs(old_body), paragraphs(new_body)
    blocks: list[Block] = []
    matcher = difflib.SequenceMatcher(
        a=[key(p) for p in old], b=[key(p) for p in new], autojunk=False
    )
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            blocks.extend(Block("same", p) for p in new[j1:j2])
        elif op == "delete":
            blocks.extend(Block("removed", p) for p in old[i1:i2])
        elif op == "insert":
            blocks.extend(Block("added", p) for p in new[j1:j2])
        else:  # replace: pair paragraphs that are still alike, the rest removed/added
            olds, news = old[i1:i2], new[j1:j2]
            for n in range(max(len(olds), len(news))):
                o = olds[n] if n < len(olds) else None
                w = news[n] if n < len(news) else None
                if o is not None and w is not None:
                    ratio = difflib.SequenceMatcher(a=o, b=w, autojunk=False).quick_ratio()
                    if ratio >= 0.4:
                        blocks.append(Block("changed", w, _word_diff(o, w)))
                        continue
                if o is not None:
                    blocks.append(Block("removed", o))
                if w is not None:
                    blocks.append(Block("added", w))
    return blocks


def summary(blocks: list[Block]) -> dict[str, int]:
    counts = {"added": 0, "removed": 0, "changed": 0}
    for block in blocks:
        if block.kind in counts:
            counts[block.kind] += 1
    return counts
