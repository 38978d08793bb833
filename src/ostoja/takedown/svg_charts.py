"""Accessible horizontal bar charts rendered on the server as SVG (pure Python, no Django).

* ``<svg role="img" aria-labelledby="<id>-title <id>-desc">`` with ``<title>`` and ``<desc>``:
  screen readers announce the chart's title and description; each bar also has a ``<title>``
  (tooltip) with its full label and value. Pages show the same numbers in a table as well.
* No script, no ``style`` attributes or elements (the CSP forbids inline styles): only
  presentation attributes (``fill``, ``font-size``…), which CSP does not restrict.
* Every label and text is escaped, and characters XML cannot carry are dropped, so the output
  always parses as XML; it is safe to ``mark_safe`` in a template.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from html import escape

_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")
_COLOUR = re.compile(r"^(#[0-9A-Fa-f]{3,8}|[a-z]{3,20})$")
# XML 1.0 forbids most control characters, lone surrogates and U+FFFE/U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    display: str | None = None  # the value as shown, e.g. "74 %" or "3 d 4 h"


def _text(value) -> str:
    return escape(_NOT_XML.sub("", str(value)), quote=True)


def _number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def default_format(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _truncate(label: str, limit: int) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def bar_chart(
    bars: Iterable[Bar | tuple],
    *,
    title: str,
    description: str,
    chart_id: str = "chart",
    width: int = 640,
    label_width: int = 200,
    value_width: int = 96,
    bar_height: int = 22,
    gap: int = 10,
    max_value: float | None = None,
    fill: str = "#1f5f8b",
    text_fill: str = "#1b1b1b",
    value_format: Callable[[float], str] = default_format,
    empty_text: str = "No data",
    font_size: int = 14,
) -> str:
    """An SVG document fragment (``<svg>…</svg>``) with one horizontal bar per item.

    ``bars``: :class:`Bar` objects or ``(label, value[, display])`` tuples, drawn in the
    given order. Values must be finite and ≥ 0; bar lengths are relative to ``max_value``
    (default: the largest value).
    """
    items = [b if isinstance(b, Bar) else Bar(*b) for b in bars]
    if not _ID.match(chart_id or ""):
        raise ValueError("chart_id: a letter, then letters, digits, '-' or '_' (max 64)")
    for colour in (fill, text_fill):
        if not _COLOUR.match(colour):
            raise ValueError(f"Not a colour: {colour!r}")
    for bar in items:
        if not isinstance(bar.value, int | float) or isinstance(bar.value, bool):
            raise ValueError(f"Not a number: {bar.value!r}")
        if math.isnan(bar.value) or math.isinf(bar.value) or bar.value < 0:
            raise ValueError(f"Bar values are finite and >= 0, not {bar.value!r}")
    plot = width - label_width - value_width
    if plot < 20 or label_width < 0 or value_width < 0 or bar_height < 1 or gap < 0:
        raise ValueError("The chart is too narrow for its labels and values.")
    top = gap
    rows = max(1, len(items))
    height = top + rows * (bar_height + gap)
    scale_max = max_value if max_value is not None else max((b.value for b in items), default=0)
    if scale_max < 0 or math.isnan(scale_max) or math.isinf(scale_max):
        raise ValueError("max_value is finite and >= 0")
    label_chars = max(4, int(label_width / (font_size * 0.55)))
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    baseline = bar_height / 2 + font_size * 0.35

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" '
        f'aria-labelledby="{title_id} {desc_id}" width="{width}" height="{_number(height)}" '
        f'viewBox="0 0 {width} {_number(height)}" font-family="{_text(FONT)}" '
        f'font-size="{font_size}" fill="{text_fill}">',
        f'<title id="{title_id}">{_text(title)}</title>',
        f'<desc id="{desc_id}">{_text(description)}</desc>',
    ]
    if not items:
        out.append(
            f'<text x="{_number(width / 2)}" y="{_number(top + baseline)}" '
            f'text-anchor="middle">{_text(empty_text)}</text>'
        )
    for index, bar in enumerate(items):
        y = top + index * (bar_height + gap)
        length = plot * (min(bar.value, scale_max) / scale_max) if scale_max > 0 else 0.0
        shown = bar.display if bar.display is not None else value_format(bar.value)
        label = str(bar.label)
        out.append(f'<g class="bar" data-value="{_number(bar.value)}">')
        out.append(f"<title>{_text(label)}: {_text(shown)}</title>")
        out.append(
            f'<text x="{label_width - 8}" y="{_number(y + baseline)}" '
            f'text-anchor="end">{_text(_truncate(label, label_chars))}</text>'
        )
        out.append(
            f'<rect x="{label_width}" y="{_number(y)}" width="{_number(length)}" '
            f'height="{bar_height}" fill="{fill}" rx="2"/>'
        )
        out.append(
            f'<text x="{_number(label_width + length + 6)}" y="{_number(y + baseline)}">'
            f"{_text(shown)}</text>"
        )
        out.append("</g>")
    out.append("</svg>")
    return "".join(out)
