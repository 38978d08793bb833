"""Issue 11, item 1: large images are hashed with bounded memory (synthetic images only)."""

import csv
import io
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFile, JpegImagePlugin

import ostoja.matching.pdq_image as mod
from ostoja.matching import ImageRejected, pdq_from_image
from ostoja.matching.signals import PDQ

REF = Path(__file__).resolve().parent.parent / "fixtures" / "pdq-reference"


def _encode(im, fmt, **kw):
    buf = io.BytesIO()
    im.save(buf, fmt, **kw)
    return buf.getvalue()


def _scene(w, h):
    y, x = np.mgrid[0:h, 0:w]
    g = ((x * 0.6 / w + y * 0.4 / h) * 255).astype(np.uint8)
    im = Image.fromarray(np.stack([g, g[::-1], g[:, ::-1]], axis=-1), "RGB")
    d = ImageDraw.Draw(im)
    d.ellipse((w // 5, h // 5, w // 2, h // 2), fill=(250, 30, 30))
    d.rectangle((w // 2, h // 2, w - w // 10, h - h // 10), fill=(20, 40, 200))
    return im


def test_sixteen_bit_image_makes_no_full_size_numpy_copy():
    y, x = np.mgrid[0:4096, 0:4096]
    arr = ((x * 11 + y * 5) % 65536).astype(np.uint16)
    im = Image.fromarray(arr)  # 16.7 MP, I;16
    assert im.mode == "I;16"
    del arr, x, y
    tracemalloc.start()
    try:
        result = pdq_from_image(im)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(result.hash) == 64
    # The old path made a uint32 copy (64 MB) and an RGB stack of the whole image.
    assert peak < 16 * 2**20, peak


def test_palette_image_is_converted_tile_by_tile(monkeypatch):
    im = Image.fromarray((np.arange(16384 * 1024) % 251).astype(np.uint8).reshape(1024, 16384))
    im = im.convert("P")
    im.info["transparency"] = 0
    sizes = []
    real_convert = Image.Image.convert

    def spy(self, *a, **kw):
        out = real_convert(self, *a, **kw)
        sizes.append(out.size[0] * out.size[1])
        return out

    monkeypatch.setattr(Image.Image, "convert", spy)
    pdq_from_image(im)
    assert sizes and max(sizes) <= mod.TILE_SIDE * mod.TILE_SIDE


def test_large_jpeg_is_decoded_at_reduced_scale_and_as_luminance(monkeypatch):
    data = _encode(_scene(4000, 3000), "JPEG", quality=90)
    loaded = []
    real_load = JpegImagePlugin.JpegImageFile.load

    def spy(self):
        loaded.append((self.size, self.mode))
        return real_load(self)

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "load", spy)
    result = pdq_from_image(data)
    assert loaded[0] == ((1000, 750), "L")
    # close to the hash of the same scene hashed at full resolution
    full = pdq_from_image(_scene(4000, 3000).resize((1600, 1200), Image.Resampling.BOX))
    assert PDQ.distance(result.hash, full.hash) <= 24


def _png_header_only(width, height, bit_depth=8, colour=2):
    import struct
    import zlib

    def chunk(kind, body):
        crc = struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        return struct.pack(">I", len(body)) + kind + body + crc

    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, colour, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    ("w", "h", "depth", "colour"),
    [(5000, 5000, 8, 0), (9000, 9000, 16, 0), (4096, 4096, 8, 6), (100_000, 200, 8, 3)],
    ids=["25MP-grey", "81MP-16bit (the issue's attack)", "16MP-RGBA (64 MB)", "20MP-palette"],
)
def test_too_many_pixels_are_refused_from_the_header(w, h, depth, colour, monkeypatch):
    def must_not_decode(self):
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(Image.Image, "load", must_not_decode)
    monkeypatch.setattr(ImageFile.ImageFile, "load", must_not_decode)
    with pytest.raises(ImageRejected) as exc:
        pdq_from_image(_png_header_only(w, h, depth, colour))
    assert exc.value.reason == "too_many_pixels"


def test_a_big_jpeg_is_accepted_where_a_png_of_the_same_size_is_not():
    im = Image.new("L", (5000, 5000), 128)
    ImageDraw.Draw(im).ellipse((500, 500, 4000, 3000), fill=20)
    assert len(pdq_from_image(_encode(im, "JPEG")).hash) == 64
    with pytest.raises(ImageRejected) as exc:
        pdq_from_image(_encode(im, "PNG", compress_level=1))
    assert exc.value.reason == "too_many_pixels"


def test_reduced_path_keeps_reference_hashes_close(monkeypatch):
    """Every reference image hashed through the reduced path (forced) stays close to the
    expected hash of every reference implementation."""
    monkeypatch.setattr(mod, "FULL_RESOLUTION_PIXELS", 0)
    with open(REF / "expected.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        result = pdq_from_image((REF / "images" / row["file"]).read_bytes())
        assert PDQ.distance(result.hash, row["pdq_hex"]) <= 20, row


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L", "P", "I;16", "F", "CMYK"])
def test_large_images_of_every_mode_hash_like_the_full_resolution_reference(mode):
    scene = _scene(3000, 2000)
    reference = pdq_from_image(scene.reduce(2)).hash  # 1.5 MP: reference path
    if mode == "I;16":
        g = np.asarray(scene.convert("L")).astype(np.uint16) * 257
        im = Image.fromarray(g)
        reference = pdq_from_image(scene.convert("L").reduce(2)).hash
    elif mode == "F":
        im = Image.fromarray(np.asarray(scene.convert("L")).astype(np.float32) / 255.0, "F")
        reference = pdq_from_image(scene.convert("L").reduce(2)).hash
    elif mode == "L":
        im = scene.convert("L")
        reference = pdq_from_image(im.reduce(2)).hash
    else:
        im = scene.quantize(64, dither=Image.Dither.NONE) if mode == "P" else scene.convert(mode)
        reference = pdq_from_image(im.convert("RGB").reduce(2)).hash  # the same palette
    assert PDQ.distance(pdq_from_image(im).hash, reference) <= 16
