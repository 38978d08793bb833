"""A self-hosted tile map of Poland's 16 voivodeships (no map service, no script).

Each voivodeship is one square placed roughly where it lies (a tile grid cartogram: equal
areas, so a small region is as visible as a large one). The table beside the map carries the
same numbers for screen readers.
"""

from __future__ import annotations

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

# (column, row) of each voivodeship's TERYT code on a 4 × 4 grid, north at the top.
TILES = {
    "32": (0, 0),
    "22": (1, 0),
    "28": (2, 0),
    "20": (3, 0),
    "08": (0, 1),
    "30": (1, 1),
    "04": (2, 1),
    "14": (3, 1),
    "02": (0, 2),
    "10": (1, 2),
    "26": (2, 2),
    "06": (3, 2),
    "16": (0, 3),
    "24": (1, 3),
    "12": (2, 3),
    "18": (3, 3),
}
SIZE, GAP = 120, 6
# Light to dark blue; 0 is grey, so "no signatory" never looks like "a few".
SHADES = ("#e6e8eb", "#cfe0f5", "#9cc2ea", "#5f9bd8", "#2f6fb5", "#184a82")


def _shade(value: int, top: int) -> str:
    if value <= 0 or top <= 0:
        return SHADES[0]
    step = max(1, min(len(SHADES) - 1, 1 + (value - 1) * (len(SHADES) - 1) // top))
    return SHADES[step]


def render(
    rows: list[dict], *, title: str, value_key: str = "signatories", link=None
) -> SafeString:
    """``rows``: dicts with ``code``, ``name`` and ``value_key``; ``link(code)`` → URL."""
    top = max((row[value_key] or 0 for row in rows), default=0)
    tiles = []
    for row in rows:
        col, line = TILES[row["code"]]
        x, y = col * (SIZE + GAP), line * (SIZE + GAP)
        value = row[value_key] or 0
        fill = _shade(value, top)
        ink = "#ffffff" if fill in SHADES[3:] else "#1b1f24"
        tile = format_html(
            "<g><title>{name}: {value}</title>"
            '<rect x="{x}" y="{y}" width="{s}" height="{s}" rx="8" fill="{fill}" '
            'stroke="#ffffff"/>'
            '<text x="{tx}" y="{ty}" text-anchor="middle" font-size="15" fill="{ink}">'
            '<tspan x="{tx}">{line1}</tspan><tspan x="{tx}" dy="17">{line2}</tspan></text>'
            '<text x="{tx}" y="{vy}" text-anchor="middle" font-size="28" font-weight="bold" '
            'fill="{ink}">{value}</text></g>',
            name=row["name"],
            value=value,
            x=x,
            y=y,
            s=SIZE,
            fill=fill,
            ink=ink,
            tx=x + SIZE // 2,
            ty=y + 26,
            vy=y + 90,
            line1=_lines(row["name"])[0],
            line2=_lines(row["name"])[1],
        )
        if link is not None:
            tile = format_html('<a href="{}">{}</a>', link(row["code"]), tile)
        tiles.append((tile,))
    width = 4 * SIZE + 3 * GAP
    # With links the map is a group of links (each named by its <title>); an image with
    # links inside would be "nested interactive" content for screen readers.
    return format_html(
        '<svg class="tilemap" viewBox="0 0 {w} {w}" role="{role}" aria-label="{title}" '
        'xmlns="http://www.w3.org/2000/svg">{tiles}</svg>',
        w=width,
        role="group" if link is not None else "img",
        title=title,
        tiles=format_html_join("", "{}", tiles),
    )


def _lines(name: str) -> tuple[str, str]:
    """Long names on two lines: ``warmińsko-`` / ``mazurskie``."""
    if len(name) <= 13:
        return name, ""
    if "-" in name:
        first, _, rest = name.partition("-")
        return f"{first}-", rest
    for suffix in ("pomorskie", "polskie", "krzyskie"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return f"{name[: -len(suffix)]}-", suffix
    return name, ""
