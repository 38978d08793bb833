"""Helpers of the bank tests: synthetic images only (shapes, gradients, noise, text)."""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw

from ostoja.banks import services

PDQ_A = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"


def make_bank(owner, *, slug="bank", name="Bank", visibility="private", enabled=True, actor=None):
    return services.create_bank(
        actor=actor, owner=owner, name=name, slug=slug, visibility=visibility, enabled=enabled
    )


def add(bank, signal_type, value, classification="baseline", **kw):
    return services.add_entry(
        actor=None,
        bank=bank,
        signal_type=signal_type,
        value=value,
        classification=classification,
        **kw,
    )


def flip_bits(hex_hash: str, n: int, seed: int = 0) -> str:
    """The hash with ``n`` distinct bits flipped (a near-duplicate at distance n)."""
    bits = len(hex_hash) * 4
    value = int(hex_hash, 16)
    for b in random.Random(seed).sample(range(bits), n):
        value ^= 1 << b
    return f"{value:0{len(hex_hash)}x}"


def synthetic_image(seed: int = 0, size: int = 320, fmt: str = "PNG", text: str = "") -> bytes:
    rnd = random.Random(seed)
    img = Image.new("RGB", (size, size), (rnd.randrange(256), 40, 90))
    draw = ImageDraw.Draw(img)
    for y in range(size):
        draw.line([(0, y), (size // 2, y)], fill=(y * 255 // size, 128, 255 - y * 255 // size))
    for _ in range(8):
        x0, y0 = rnd.randrange(size), rnd.randrange(size)
        box = [x0, y0, x0 + rnd.randrange(20, 140), y0 + rnd.randrange(20, 140)]
        colour = (rnd.randrange(256), rnd.randrange(256), rnd.randrange(256))
        (draw.rectangle if rnd.random() < 0.5 else draw.ellipse)(box, fill=colour)
    if text:
        draw.text((8, 8), text, fill=(255, 255, 255))
    buf = io.BytesIO()
    img.save(buf, format=fmt)
    return buf.getvalue()
