"""PDQ hashing of images: reference conformance, Pillow modes, hostile input.

Only synthetic images (gradients, shapes, text, noise) and ThreatExchange's public PDQ
reference images (tests/fixtures/pdq-reference) are used.
"""

import builtins
import csv
import io
import logging
import os
import struct
import tempfile
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from ostoja.matching import ImageRejected, PdqImageHash, pdq_from_image
from ostoja.matching.pdq_image import DIHEDRAL_NAMES, to_rgb
from ostoja.matching.signals import PDQ

REF = Path(__file__).resolve().parent.parent / "fixtures" / "pdq-reference"


def _rows():
    with open(REF / "expected.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


ROWS = _rows()


def _ref_bytes(name: str) -> bytes:
    return (REF / "images" / name).read_bytes()


# -- conformance -------------------------------------------------------------------------------


def test_fixture_has_every_reference_kind():
    kinds = {r["reference"] for r in ROWS}
    assert kinds == {"java-reference", "python-reference", "wasm-reference"}
    assert (REF / "LICENSE-ThreatExchange").exists()


@pytest.mark.parametrize(
    "row", [r for r in ROWS if r["reference"] == "java-reference"], ids=lambda r: r["file"]
)
def test_identical_to_java_reference(row):
    result = pdq_from_image(_ref_bytes(row["file"]))
    assert result.hash == row["pdq_hex"]


@pytest.mark.parametrize(
    "row",
    [r for r in ROWS if r["reference"] in ("python-reference", "wasm-reference")],
    ids=lambda r: f"{r['reference']}:{r['file']}",
)
def test_close_to_python_and_wasm_references(row):
    result = pdq_from_image(_ref_bytes(row["file"]))
    assert PDQ.distance(result.hash, row["pdq_hex"]) <= 16


def test_reference_quality_values():
    assert pdq_from_image(_ref_bytes("bridge-1-original.jpg")).quality == 100
    # a near-featureless image has quality below PDQ's minimum of 50
    small = pdq_from_image(_ref_bytes("small.jpg"))
    assert small.quality < 50
    assert not small.usable


BRIDGES = [
    "bridge-1-original.jpg",
    "bridge-2-rotate-90.jpg",
    "bridge-3-rotate-180.jpg",
    "bridge-4-rotate-270.jpg",
    "bridge-5-flipx.jpg",
    "bridge-6-flipy.jpg",
    "bridge-7-flip-plus-1.jpg",
    "bridge-8-flip-minus-1.jpg",
]


def test_dihedral_hashes_match_transformed_reference_images():
    result = pdq_from_image(_ref_bytes(BRIDGES[0]), dihedral=True)
    assert len(result.dihedral) == len(DIHEDRAL_NAMES) == 8
    assert result.dihedral[0] == result.hash
    for k, name in enumerate(BRIDGES):
        h = pdq_from_image(_ref_bytes(name)).hash
        dists = [PDQ.distance(h, d) for d in result.dihedral]
        assert dists[k] <= 16, (name, dists)
        assert all(d > 64 for j, d in enumerate(dists) if j != k), (name, dists)


def test_result_unpacks_as_hash_and_quality():
    h, q = pdq_from_image(_ref_bytes("wee.jpg"))
    assert (h, q) == (pdq_from_image(_ref_bytes("wee.jpg")).hash, 100)
    assert isinstance(pdq_from_image(_ref_bytes("wee.jpg")), PdqImageHash)


# -- synthetic images --------------------------------------------------------------------------


def synthetic(w=160, h=120, seed=0) -> Image.Image:
    """Gradient + shapes + text + a little noise: plenty of structure, nothing real."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    arr = np.stack([x * 255 // w, y * 255 // h, (x + y) * 255 // (w + h)], axis=-1)
    arr = (arr + rng.integers(0, 20, arr.shape)).clip(0, 255).astype(np.uint8)
    im = Image.fromarray(arr, "RGB")
    d = ImageDraw.Draw(im)
    d.ellipse((w // 5, h // 5, w // 2, h // 2), fill=(250, 30, 30))
    d.rectangle((w // 2, h // 2, w - 10, h - 10), fill=(20, 40, 200))
    d.text((5, 5), "Ostoja test", fill=(0, 0, 0))
    return im


def encode(im: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **kw)
    return buf.getvalue()


def test_bytes_file_object_and_pil_image_agree():
    im = synthetic()
    data = encode(im, "PNG")
    a = pdq_from_image(data)
    assert pdq_from_image(io.BytesIO(data)) == a
    assert pdq_from_image(bytearray(data)) == a
    assert pdq_from_image(memoryview(data)) == a
    assert pdq_from_image(im) == a
    assert len(a.hash) == 64 and a.hash == a.hash.lower()
    assert 0 <= a.quality <= 100


def test_exif_orientation_is_applied():
    im = synthetic(200, 120)
    upright = pdq_from_image(encode(im, "PNG")).hash
    # Stored rotated, with EXIF orientation 6 ("rotate 90 CW to display") it is upright.
    stored = im.transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6
    with_exif = pdq_from_image(encode(stored, "PNG", exif=exif)).hash
    without_exif = pdq_from_image(encode(stored, "PNG")).hash
    assert with_exif == upright
    assert PDQ.distance(without_exif, upright) > 64


def test_broken_exif_does_not_prevent_hashing():
    im = synthetic()
    data = encode(im, "JPEG", exif=b"Exif\x00\x00" + b"\xff" * 40)
    assert len(pdq_from_image(data).hash) == 64


BASE = synthetic(128, 96, seed=3)
BASE_HASH = pdq_from_image(BASE).hash

# modes that keep the luminance: the hash must stay close to the RGB hash
LUMA_PRESERVING = ["L", "RGBX", "CMYK", "YCbCr", "LAB", "HSV", "I", "F", "RGBA", "RGBa", "LA"]


@pytest.mark.parametrize("mode", LUMA_PRESERVING)
def test_every_mode_is_converted_sensibly(mode):
    im = BASE.convert(mode)
    assert im.mode == mode
    result = pdq_from_image(im)
    assert PDQ.distance(result.hash, BASE_HASH) <= 24, mode


def test_palette_mode():
    pal = BASE.convert("P", palette=Image.Palette.ADAPTIVE, colors=256)
    assert pal.mode == "P"
    assert PDQ.distance(pdq_from_image(pal).hash, BASE_HASH) <= 32
    assert pdq_from_image(pal) == pdq_from_image(pal.convert("RGB"))


def test_bilevel_and_palette_with_alpha_modes_hash():
    for im in (BASE.convert("1"), BASE.convert("PA"), BASE.convert("RGBA").convert("La")):
        r = pdq_from_image(im)
        assert len(r.hash) == 64


def test_alpha_is_composited_on_white():
    rgba = BASE.convert("RGBA")
    rgba.putalpha(0)  # fully transparent: shows the white page
    white = Image.new("RGB", BASE.size, (255, 255, 255))
    assert to_rgb(rgba).tobytes() == white.tobytes()
    la = Image.new("LA", (4, 4), (0, 0))
    assert to_rgb(la).getpixel((0, 0)) == (255, 255, 255)
    # opaque alpha changes nothing
    assert pdq_from_image(BASE.convert("RGBA")).hash == BASE_HASH
    # half transparent black over white is mid grey
    half = Image.new("RGBA", (2, 2), (0, 0, 0, 128))
    assert to_rgb(half).getpixel((0, 0)) == (127, 127, 127)
    assert to_rgb(half.convert("RGBa")).getpixel((0, 0))[0] in (126, 127, 128)
    assert to_rgb(Image.new("LA", (2, 2), (0, 128)).convert("La")).getpixel((0, 0))[0] in (
        126,
        127,
        128,
    )


def test_png_colour_key_transparency():
    im = Image.new("RGB", (8, 8), (10, 20, 30))
    im.info["transparency"] = (10, 20, 30)
    assert to_rgb(im).getpixel((0, 0)) == (255, 255, 255)
    pal = Image.new("P", (8, 8), 0)
    pal.putpalette([10, 20, 30] * 256)
    pal.info["transparency"] = 0
    assert to_rgb(pal).getpixel((0, 0)) == (255, 255, 255)


def test_sixteen_bit_images_are_scaled_not_clipped():
    gray8 = np.asarray(BASE.convert("L"), dtype=np.uint16)
    gray16 = gray8 * 257  # same picture at 16 bits
    expected = pdq_from_image(BASE.convert("L")).hash
    size = (gray16.shape[1], gray16.shape[0])
    for mode, dtype in (("I;16", "<u2"), ("I;16B", ">u2")):
        im16 = Image.frombytes(mode, size, gray16.astype(dtype).tobytes())
        assert im16.mode == mode
        assert PDQ.distance(pdq_from_image(im16).hash, expected) <= 4
    im_i = Image.fromarray(gray16.astype(np.int32))
    assert im_i.mode == "I"
    assert PDQ.distance(pdq_from_image(im_i).hash, expected) <= 4
    # a 16-bit PNG round trip
    png16 = encode(Image.fromarray(gray16.astype(np.uint16)), "PNG")
    assert PDQ.distance(pdq_from_image(png16).hash, expected) <= 4


def test_float_images_are_scaled():
    gray = np.asarray(BASE.convert("L"), dtype=np.float32)
    expected = pdq_from_image(BASE.convert("L")).hash
    unit = Image.fromarray(gray / np.float32(255.0))
    assert unit.mode == "F"
    assert PDQ.distance(pdq_from_image(unit).hash, expected) <= 4
    with_nan = gray.copy()
    with_nan[0, 0] = np.nan
    with_nan[0, 1] = np.inf
    assert len(pdq_from_image(Image.fromarray(with_nan)).hash) == 64
    flat = Image.fromarray(np.full((8, 8), 1e9, np.float32))
    assert len(pdq_from_image(flat).hash) == 64


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF", "PPM", "TGA"])
def test_common_formats_decode(fmt):
    im = BASE if fmt != "GIF" else BASE.convert("P", palette=Image.Palette.ADAPTIVE)
    r = pdq_from_image(encode(im, fmt))
    assert PDQ.distance(r.hash, BASE_HASH) <= 32, fmt


def test_animated_gif_uses_first_frame():
    frames = [BASE.convert("P"), synthetic(128, 96, seed=9).rotate(90).convert("P")]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:])
    assert pdq_from_image(buf.getvalue()) == pdq_from_image(encode(frames[0], "GIF"))


def test_tiny_and_featureless_images():
    r = pdq_from_image(Image.new("RGB", (1, 1), (0, 0, 0)))
    assert len(r.hash) == 64 and r.quality == 0
    r = pdq_from_image(Image.new("L", (300, 200), 128))
    assert r.quality < 50 and not r.usable


def test_large_image_is_reduced_first(monkeypatch):
    import ostoja.matching.pdq_image as mod

    im = synthetic(400, 300)
    full = pdq_from_image(im).hash
    monkeypatch.setattr(mod, "FULL_RESOLUTION_PIXELS", 10_000)
    reduced = pdq_from_image(im).hash
    assert PDQ.distance(full, reduced) <= 24


# -- hostile input -----------------------------------------------------------------------------


def _png_header_only(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"hello world",
        b"\x00" * 1000,
        b"%PDF-1.7\n" + b"x" * 100,
        b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n",
        b"<svg xmlns='x'></svg>",
        "żółw 🐢".encode(),
    ],
    ids=["empty", "text", "zeros", "pdf", "eps", "svg", "unicode"],
)
def test_non_images_are_rejected(data):
    with pytest.raises(ImageRejected) as exc:
        pdq_from_image(data)
    assert exc.value.reason == "not_an_image"
    assert isinstance(exc.value, ValueError)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "WEBP"])
def test_truncated_images_are_rejected(fmt):
    data = encode(synthetic(256, 256, seed=1), fmt)
    with pytest.raises(ImageRejected) as exc:
        pdq_from_image(data[: len(data) // 2])
    assert exc.value.reason == "corrupt"


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_decompression_bomb_is_rejected():
    bomb = _png_header_only(100_000, 100_000)  # 10 gigapixels declared in 50 bytes
    with pytest.raises(ImageRejected) as exc:
        pdq_from_image(bomb)
    assert exc.value.reason == "too_many_pixels"
    # just above Pillow's warning limit (below its own hard error): still ours to reject
    side = int((Image.MAX_IMAGE_PIXELS * 1.5) ** 0.5)
    with pytest.raises(ImageRejected) as exc:
        pdq_from_image(_png_header_only(side, side))
    assert exc.value.reason == "too_many_pixels"


def test_pixel_limit_is_configurable():
    data = encode(synthetic(100, 100), "PNG")
    with pytest.raises(ImageRejected, match="more than the limit") as exc:
        pdq_from_image(data, max_pixels=5000)
    assert exc.value.reason == "too_many_pixels"
    with pytest.raises(ImageRejected):
        pdq_from_image(synthetic(100, 100), max_pixels=5000)


def test_oversize_bytes_are_rejected_without_reading_everything():
    data = encode(synthetic(), "PNG")
    with pytest.raises(ImageRejected) as exc:
        pdq_from_image(data, max_bytes=len(data) - 1)
    assert exc.value.reason == "too_large"

    class Endless(io.RawIOBase):
        served = 0

        def readable(self):
            return True

        def readinto(self, b):
            self.served += len(b)
            b[:] = b"\x00" * len(b)
            return len(b)

    stream = io.BufferedReader(Endless())
    with pytest.raises(ImageRejected) as exc:
        pdq_from_image(stream, max_bytes=1_000_000)
    assert exc.value.reason == "too_large"
    assert stream.raw.served < 2_000_000


@pytest.mark.parametrize("value", ["/etc/passwd", "a" * 64, None, 42, 3.5, [b"x"], object()])
def test_wrong_argument_types(value):
    with pytest.raises(TypeError):
        pdq_from_image(value)


def test_text_mode_file_and_bad_limits():
    with pytest.raises(TypeError):
        pdq_from_image(io.StringIO("not bytes"))
    data = encode(synthetic(), "PNG")
    for bad in (0, -1, True, 1.5, "10"):
        with pytest.raises(TypeError):
            pdq_from_image(data, max_bytes=bad)
        with pytest.raises(TypeError):
            pdq_from_image(data, max_pixels=bad)


def test_image_bytes_never_touch_disk_or_logs(monkeypatch, caplog):
    data = encode(synthetic(), "JPEG")

    def forbidden(*args, **kwargs):
        raise AssertionError("file system access while hashing")

    monkeypatch.setattr(builtins, "open", forbidden)
    monkeypatch.setattr(io, "open", forbidden)
    monkeypatch.setattr(os, "open", forbidden)
    monkeypatch.setattr(tempfile, "mkstemp", forbidden)
    monkeypatch.setattr(tempfile, "NamedTemporaryFile", forbidden)
    with caplog.at_level(logging.DEBUG):
        pdq_from_image(data, dihedral=True)
        with pytest.raises(ImageRejected):
            pdq_from_image(data[:200])
    assert caplog.records == []
