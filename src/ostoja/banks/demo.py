"""Demo hash bank: hashes of SYNTHETIC generated images (shapes, gradients, text, noise).

Nothing in the demo bank is a hash of real material: every PDQ hash is computed from a
picture drawn here with Pillow, and the MD5/SHA-256 values are random. Run twice, it changes
nothing. ``demo_image(i)`` regenerates picture ``i`` so that a reviewer can try
``POST /api/v1/match/image`` and see a match.
"""

from __future__ import annotations

import hashlib
import io
import random

from PIL import Image, ImageDraw

DEMO_BANK_SLUG = "demo-syntetyczny"
DEMO_BANK_NAME = "DEMO – syntetyczne obrazy testowe"
DEMO_HOTLINE = "demo-dyzurny-punkt"
DEMO_IMAGES = 24
DEMO_EXACT = 10


def demo_image(i: int, size: int = 256) -> bytes:
    """PNG bytes of synthetic picture number ``i`` (deterministic)."""
    rnd = random.Random(f"ostoja-demo-{i}")
    base = tuple(rnd.randrange(256) for _ in range(3))
    img = Image.new("RGB", (size, size), base)
    draw = ImageDraw.Draw(img)
    for y in range(0, size, 4):  # a gradient band
        shade = int(255 * y / size)
        draw.line([(0, y), (size // 3, y)], fill=(shade, 255 - shade, (shade * i) % 256), width=4)
    for _ in range(6 + i % 5):  # shapes
        x0, y0 = rnd.randrange(size), rnd.randrange(size)
        x1, y1 = x0 + rnd.randrange(20, size // 2), y0 + rnd.randrange(20, size // 2)
        colour = tuple(rnd.randrange(256) for _ in range(3))
        if rnd.random() < 0.5:
            draw.rectangle([x0, y0, x1, y1], fill=colour)
        else:
            draw.ellipse([x0, y0, x1, y1], fill=colour)
    draw.text((10, size - 20), f"OSTOJA DEMO {i}", fill=(255, 255, 255))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def seed_demo(stdout) -> None:
    from ostoja.matching import pdq_from_image
    from ostoja.organisations.models import Organisation

    from .models import Classification, HashBank
    from .services import add_hashes, create_bank

    if HashBank.objects.filter(slug=DEMO_BANK_SLUG).exists():
        stdout.write("banks: demo bank already present")
        return
    owner = Organisation.objects.filter(slug=DEMO_HOTLINE).first()
    if owner is None:
        stdout.write(f"banks: no organisation {DEMO_HOTLINE}; demo bank skipped")
        return
    bank = create_bank(
        actor=None,
        owner=owner,
        name=DEMO_BANK_NAME,
        slug=DEMO_BANK_SLUG,
        description=(
            "DEMO. Skróty syntetycznych obrazów wygenerowanych programem (kształty, gradienty, "
            "tekst) i losowe MD5/SHA-256. Nie zawiera skrótów żadnych prawdziwych materiałów.\n"
            "DEMO. Hashes of program-generated synthetic pictures and random MD5/SHA-256 "
            "values. No hash of any real material."
        ),
        visibility=HashBank.Visibility.SHARED,
    )
    rnd = random.Random("ostoja-demo-exact")
    pdq = [("pdq", pdq_from_image(demo_image(i)).hash) for i in range(DEMO_IMAGES)]
    md5 = [
        ("md5", hashlib.md5(rnd.randbytes(64), usedforsecurity=False).hexdigest())
        for _ in range(DEMO_EXACT)
    ]
    sha = [("sha256", hashlib.sha256(rnd.randbytes(64)).hexdigest()) for _ in range(DEMO_EXACT)]
    add_hashes(
        actor=None,
        bank=bank,
        hashes=pdq[: DEMO_IMAGES // 2] + md5,
        classification=Classification.BASELINE,
        category="DEMO",
        age_band="unknown",
        source="Ostoja demo (synthetic)",
        note="DEMO: synthetic test data",
    )
    add_hashes(
        actor=None,
        bank=bank,
        hashes=pdq[DEMO_IMAGES // 2 :] + sha,
        classification=Classification.NATIONAL,
        category="DEMO",
        source="Ostoja demo (synthetic)",
        note="DEMO: synthetic test data",
    )
    stdout.write(
        f"banks: demo bank {DEMO_BANK_SLUG} with {DEMO_IMAGES} synthetic PDQ hashes and "
        f"{2 * DEMO_EXACT} random digests"
    )
