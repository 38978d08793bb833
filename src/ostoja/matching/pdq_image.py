"""PDQ hashes of images, computed in memory with Meta's reference C++ code (``pdqhash``).

Safety: image bytes are only ever held in memory. Nothing here writes them to disk or logs them;
error messages describe the problem, never the content.

Decode path. Images of at most :data:`FULL_RESOLUTION_PIXELS` pixels (2 MP, e.g. 1920x1080)
are hashed as the reference does it (matches ThreatExchange's Java reference bit for bit on the
reference images): EXIF orientation is applied, the image is converted to 8-bit RGB at full
resolution, luminance is ``0.299 R + 0.587 G + 0.114 B`` and the Jarosz box filters, DCT and
median threshold run in ``pdqhash``'s C++ (the reference implementation). Colour conversion
rules for the other Pillow modes are in :func:`to_rgb`.

Larger images are brought down to at most :data:`TARGET_SIDE` (512) pixels a side before
``pdqhash`` sees them, because PDQ itself never looks at more: its output is a 64x64 grid of
box-filtered luminance, and the 512-pixel pre-reduction moves the reference images' hashes by
4-12 bits of 256 (the python-threatexchange reference does the same). Memory stays bounded:

* JPEG is decoded at 1/2, 1/4 or 1/8 scale in the DCT domain (Pillow's ``draft``) and straight
  to luminance (one byte a pixel), as long as the result keeps at least 512 pixels a side;
* other formats are decoded once at their own bit depth (at most 4 bytes a pixel) and then
  converted tile by tile (:data:`TILE_SIDE`) to 8-bit luminance and box-reduced, so no full-size
  RGB, float or composited copy is ever made;
* at most ``max_pixels`` pixels are decoded (:data:`DEFAULT_MAX_PIXELS`, 16.8 MP) and the
  decoded image may take at most :data:`MAX_DECODE_BYTES` (48 MB), both checked on the header
  before any pixel data is read; a JPEG may declare up to 4 times ``max_pixels`` because it is
  decoded at reduced scale.

Peak memory per image, measured in ``bench/image_memory_bench.py`` (docs/benchmarks.md), stays
under 100 MB above the process's baseline for every accepted input.

Hostile input is rejected with :class:`ImageRejected` (a ``ValueError`` with a machine-readable
``reason``), which callers map to an HTTP 4xx answer:

* more than ``max_bytes`` bytes (``too_large``),
* more than ``max_pixels`` pixels to decode (``too_many_pixels``),
* not an image of an allowed format (``not_an_image``),
* truncated or corrupt data (``corrupt``).
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageOps

__all__ = [
    "ALLOWED_FORMATS",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_PIXELS",
    "DIHEDRAL_NAMES",
    "FULL_RESOLUTION_PIXELS",
    "TARGET_SIDE",
    "ImageRejected",
    "PdqImageHash",
    "pdq_from_image",
    "to_rgb",
]

Image.init()  # register every plugin so that the allow-list below is checked against all

#: Raster formats we decode. EPS (runs Ghostscript), PDF, WMF, PSD and other exotic or
#: exec-prone plugins are deliberately left out. MPO is how Pillow names many phone JPEGs.
ALLOWED_FORMATS: tuple[str, ...] = tuple(
    f
    for f in (
        "JPEG",
        "MPO",
        "PNG",
        "GIF",
        "WEBP",
        "BMP",
        "DIB",
        "TIFF",
        "PPM",
        "TGA",
        "ICO",
        "JPEG2000",
        "AVIF",
        "QOI",
    )
    if f in Image.OPEN
)

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
#: Pixels decoded at most (4096 x 4096; Pillow's own bomb limit is 89 MP). A phone photo is
#: 12 MP, and a 50 MP camera JPEG is accepted because JPEG is decoded at reduced scale. The
#: memory of modes with 4 bytes a pixel is limited further by MAX_DECODE_BYTES.
DEFAULT_MAX_PIXELS = 4096 * 4096
#: Memory the decoded image may take (checked on the header, before decoding, from the
#: size, the mode and the decoder: see :func:`decode_bytes`). 48 MB leaves room for the
#: encoded bytes (at most 20 MB through the API) and the tiles under the 100 MB target:
#: an RGB(A) PNG may have 12.5 MP, a greyscale or palette image the full 16.8 MP, a TIFF or
#: WebP photo 6 MP.
MAX_DECODE_BYTES = 48 * 1024 * 1024
#: A JPEG (decoded at 1/2 to 1/8 scale) may declare this many times ``max_pixels``.
JPEG_DECLARED_FACTOR = 4
#: Images of at most this many pixels are hashed at full resolution, exactly as the reference
#: implementation does (pdqhash needs about 23 bytes a pixel: 48 MB at 2 MP). Larger images
#: are reduced to TARGET_SIDE first.
FULL_RESOLUTION_PIXELS = 2 * 1024 * 1024
#: The longest side a large image is reduced to before hashing (PDQ's own grid is 64x64).
TARGET_SIDE = 512
#: Side of the tiles in which a large image is converted to luminance (a few MB per tile).
TILE_SIDE = 512

#: Order of the hashes returned with ``dihedral=True`` (as in the PDQ reference).
DIHEDRAL_NAMES = (
    "original",
    "rotate90",
    "rotate180",
    "rotate270",
    "flipx",
    "flipy",
    "flipplus1",
    "flipminus1",
)


class ImageRejected(ValueError):
    """The input cannot be hashed. ``reason`` is one of: too_large, too_many_pixels,
    not_an_image, corrupt."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class PdqImageHash:
    """Result of :func:`pdq_from_image`."""

    hash: str
    quality: int
    #: With ``dihedral=True``: 8 hashes in :data:`DIHEDRAL_NAMES` order (the first equals
    #: ``hash``); otherwise None.
    dihedral: tuple[str, ...] | None = None

    def __iter__(self):
        # Allows ``hash_hex, quality = pdq_from_image(data)``.
        yield self.hash
        yield self.quality

    @property
    def usable(self) -> bool:
        """Quality is at least PDQ's recommended minimum (50)."""
        from .signals import PdqSignalType

        return self.quality >= PdqSignalType.min_quality


def _read_limited(source: BinaryIO, max_bytes: int) -> bytes:
    data = source.read(max_bytes + 1)
    if not isinstance(data, bytes | bytearray):
        raise TypeError("file object must be opened in binary mode")
    if len(data) > max_bytes:
        raise ImageRejected("too_large", f"image is larger than {max_bytes} bytes")
    if not data:
        raise ImageRejected("not_an_image", "image data is empty")
    return bytes(data)


def _limited_source(source: BinaryIO, max_bytes: int) -> BinaryIO:
    """A file object to decode from: an in-memory upload (BytesIO) is used as it is, without
    copying its bytes; anything else is read, up to ``max_bytes``."""
    if isinstance(source, io.BytesIO):
        start = source.tell()
        size = source.seek(0, io.SEEK_END) - start
        source.seek(start)
        if size > max_bytes:
            raise ImageRejected("too_large", f"image is larger than {max_bytes} bytes")
        if size <= 0:
            raise ImageRejected("not_an_image", "image data is empty")
        return source
    return io.BytesIO(_read_limited(source, max_bytes))


def _open(source: BinaryIO, max_pixels: int) -> Image.Image:
    """Open, check the declared size (before any pixel is decoded), draft, decode."""
    try:
        im = Image.open(source, formats=ALLOWED_FORMATS)
    except Image.DecompressionBombError:
        raise ImageRejected("too_many_pixels", "image exceeds the decompression-bomb limit")
    except Image.UnidentifiedImageError:
        raise ImageRejected("not_an_image", "data is not an image in a supported format")
    except Exception as exc:  # hostile headers make plugins raise many kinds of errors
        raise ImageRejected("corrupt", "image header is corrupt") from exc
    w, h = im.size
    jpeg = im.format in ("JPEG", "MPO")
    _check_pixels(im, max_pixels * JPEG_DECLARED_FACTOR if jpeg else max_pixels)
    if jpeg and w * h > FULL_RESOLUTION_PIXELS:
        try:
            # Decode at 1/2..1/8 scale, keeping at least TARGET_SIDE pixels a side, and to
            # luminance only (JPEG's Y is PDQ's 0.299/0.587/0.114 luminance) when it can.
            im.draft("L", (TARGET_SIDE, TARGET_SIDE))
        except Exception as exc:
            raise ImageRejected("corrupt", "image header is corrupt") from exc
    _check_pixels(im, max_pixels)
    _check_decode_memory(im)
    try:
        im.load()
    except Image.DecompressionBombError:
        raise ImageRejected("too_many_pixels", "image exceeds the decompression-bomb limit")
    except MemoryError:
        raise ImageRejected("too_many_pixels", "image is too large to decode")
    except Exception as exc:
        raise ImageRejected("corrupt", "image data is truncated or corrupt") from exc
    return im


def _check_pixels(im: Image.Image, max_pixels: int) -> None:
    w, h = im.size
    if w <= 0 or h <= 0:
        raise ImageRejected("corrupt", "image has no pixels")
    if w * h > max_pixels:
        raise ImageRejected(
            "too_many_pixels", f"image has {w}x{h} pixels, more than the limit of {max_pixels}"
        )


#: Bytes a pixel that Pillow holds for a decoded image of each mode (one-band 8-bit modes use
#: one byte, 16-bit modes two, every other mode a 32-bit word).
_MODE_BYTES = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16L": 2, "I;16B": 2, "I;16N": 2}
#: Formats whose decoder writes the pixels straight into the image. The others (TIFF through
#: libtiff, WebP, AVIF, JPEG 2000, ...) decode into a buffer of their own first: twice the memory.
_STREAMING_FORMATS = {"JPEG", "MPO", "PNG", "GIF", "BMP", "DIB", "PPM", "TGA", "ICO"}


def decode_bytes(im: Image.Image) -> int:
    """Estimated peak bytes of decoding ``im`` (opened, not yet loaded) at its current size."""
    w, h = im.size
    factor = 1 if im.format in _STREAMING_FORMATS else 2
    return w * h * _MODE_BYTES.get(im.mode, 4) * factor


def _check_decode_memory(im: Image.Image) -> None:
    """Refuse, before any pixel is decoded, an image whose decode alone would exceed
    :data:`MAX_DECODE_BYTES` (e.g. a 16 MP RGBA PNG: 64 MB; a 16 MP 16-bit grey PNG: 32 MB)."""
    need = decode_bytes(im)
    if need > MAX_DECODE_BYTES:
        w, h = im.size
        raise ImageRejected(
            "too_many_pixels",
            f"image has {w}x{h} pixels in mode {im.mode}: decoding it needs about "
            f"{need // 2**20} MB, more than the limit of {MAX_DECODE_BYTES // 2**20} MB",
        )


def _gray_to_rgb(gray: np.ndarray) -> Image.Image:
    g = np.ascontiguousarray(gray, dtype=np.uint8)
    return Image.fromarray(np.stack([g, g, g], axis=-1), "RGB")


def _finite_range(im: Image.Image) -> tuple[float, float]:
    """Smallest and largest finite value of an I or F image (NaN and infinities count as 0)."""
    a = np.asarray(im).astype(np.float64)
    a[~np.isfinite(a)] = 0.0
    return (float(a.min()), float(a.max())) if a.size else (0.0, 0.0)


def _high_depth_gray(im: Image.Image, value_range: tuple[float, float] | None = None) -> np.ndarray:
    """I;16*, I and F modes as 8-bit grey (scaled instead of clipped at 255).

    ``value_range``: the (lo, hi) of the whole image when ``im`` is one tile of it.
    """
    arr = np.asarray(im)
    if im.mode.startswith("I;16"):
        # Full 16-bit range, as a 16-bit PNG or TIFF means it.
        return ((arr.astype(np.uint32) * 255 + 32767) // 65535).astype(np.uint8)
    a = arr.astype(np.float64)
    a[~np.isfinite(a)] = 0.0
    if value_range is None:
        lo, hi = (float(a.min()), float(a.max())) if a.size else (0.0, 0.0)
    else:
        lo, hi = value_range
    if im.mode == "F" and lo >= 0.0 and hi <= 1.0:
        scaled = a * 255.0  # floating-point image in the unit range
    elif lo >= 0.0 and hi <= 255.0:
        scaled = a  # already 8-bit range (e.g. an L image converted to I or F)
    elif im.mode == "I" and lo >= 0.0 and hi <= 65535.0:
        scaled = a * (255.0 / 65535.0)  # 16-bit data opened as mode I (16-bit PNG)
    else:
        scaled = (a - lo) * (255.0 / (hi - lo)) if hi > lo else np.zeros_like(a)
    return np.clip(np.rint(scaled), 0, 255).astype(np.uint8)


def _high_depth_to_rgb(im: Image.Image) -> Image.Image:
    return _gray_to_rgb(_high_depth_gray(im))


def _composite_on_white(rgba: Image.Image) -> Image.Image:
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    return Image.alpha_composite(white, rgba).convert("RGB")


def to_rgb(im: Image.Image) -> Image.Image:
    """Convert any Pillow mode to 8-bit RGB for hashing.

    * RGB: unchanged. 1, L, P (opaque), CMYK, YCbCr, LAB, HSV, RGBX: Pillow's conversion.
    * Alpha (LA, La, PA, RGBA, RGBa, P with transparency): composited on white, so that a
      transparent background hashes like the white page it is usually shown on.
    * I;16*: scaled from 0..65535 to 0..255. I and F: kept if already in 0..255, F in 0..1
      times 255, I in 0..65535 scaled as 16-bit; anything else min..max normalised (never
      clipped). NaN and infinities count as 0.
    """
    mode = im.mode
    if mode in ("L", "RGB") and "transparency" in im.info:
        # PNG colour-key transparency (tRNS): treat the keyed colour as transparent.
        try:
            return _composite_on_white(im.convert("RGBA"))
        except (ValueError, OSError):
            pass  # fall through to the opaque conversion
    if mode == "RGB":
        return im
    if mode == "La":  # premultiplied L + alpha: Pillow has no direct conversion
        arr = np.asarray(im).astype(np.float64)
        lum, alpha = arr[..., 0], arr[..., 1]
        # composite on white: premultiplied value + (1 - alpha) * white
        out = lum + (255.0 - alpha)
        return _gray_to_rgb(np.clip(np.rint(out), 0, 255))
    if mode in ("LA", "PA", "RGBA", "RGBa") or (mode == "P" and "transparency" in im.info):
        return _composite_on_white(im.convert("RGBA"))
    if mode.startswith("I") or mode == "F":
        return _high_depth_to_rgb(im)
    return im.convert("RGB")


def _exif_transpose(im: Image.Image) -> Image.Image:
    try:
        out = ImageOps.exif_transpose(im)
    except Exception:
        # A broken EXIF block must not make an otherwise valid image unhashable.
        return im
    return out if out is not None else im


_ORIENTATION_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _orientation(im: Image.Image) -> int:
    try:
        return int(im.getexif().get(0x0112) or 1)
    except Exception:  # a broken EXIF block must not make a valid image unhashable
        return 1


def _tile_luma(tile: Image.Image, value_range: tuple[float, float] | None) -> Image.Image:
    """One tile as 8-bit luminance ("L"), by the same rules as :func:`to_rgb`."""
    mode = tile.mode
    if mode == "L" and "transparency" not in tile.info:
        return tile
    if mode.startswith("I") or mode == "F":
        return Image.fromarray(_high_depth_gray(tile, value_range), "L")
    rgb = to_rgb(tile)
    # Pillow's L is ITU-R 601-2 luma, the coefficients PDQ uses (rounded to 8 bits).
    return rgb.convert("L")


def _reduced_luma(im: Image.Image) -> Image.Image:
    """``im`` box-reduced to at most TARGET_SIDE pixels a side, as 8-bit luminance.

    Works tile by tile so that no full-size converted copy of ``im`` exists: the tiles are
    multiples of the reduction factor, so the result equals reducing the whole image at once.
    """
    w, h = im.size
    factor = max(1, math.ceil(max(w, h) / TARGET_SIDE))
    value_range = None
    if im.mode.startswith("I") and not im.mode.startswith("I;16") or im.mode == "F":
        lo, hi = math.inf, -math.inf
        for box in _tiles(w, h, factor):
            t_lo, t_hi = _finite_range(im.crop(box))
            lo, hi = min(lo, t_lo), max(hi, t_hi)
        value_range = (lo, hi)
    out = Image.new("L", (math.ceil(w / factor), math.ceil(h / factor)))
    for box in _tiles(w, h, factor):
        luma = _tile_luma(im.crop(box), value_range)
        out.paste(luma.reduce(factor) if factor > 1 else luma, (box[0] // factor, box[1] // factor))
    return out


def _tiles(w: int, h: int, factor: int):
    step = factor * max(1, TILE_SIDE // factor)
    for y in range(0, h, step):
        for x in range(0, w, step):
            yield (x, y, min(x + step, w), min(y + step, h))


def _pdq_input(im: Image.Image) -> np.ndarray:
    """The (h, w, 3) uint8 array handed to pdqhash."""
    w, h = im.size
    if w * h <= FULL_RESOLUTION_PIXELS:
        im = _exif_transpose(im)
        return np.ascontiguousarray(np.asarray(to_rgb(im), dtype=np.uint8))
    orientation = _orientation(im)
    luma = _reduced_luma(im)
    if orientation in _ORIENTATION_TRANSPOSE:
        luma = luma.transpose(_ORIENTATION_TRANSPOSE[orientation])
    gray = np.asarray(luma, dtype=np.uint8)
    return np.ascontiguousarray(np.stack([gray, gray, gray], axis=-1))


def _bits_to_hex(bits) -> str:
    # pdqhash returns the 256 bits most significant first, as the reference prints them.
    return np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes().hex()


def pdq_from_image(
    image: bytes | bytearray | memoryview | BinaryIO | Image.Image,
    *,
    dihedral: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> PdqImageHash:
    """PDQ hash (lower-case hex) and quality (0..100) of an image.

    ``image`` is the encoded file as bytes, a binary file object (read up to ``max_bytes``),
    or an already decoded ``PIL.Image.Image``. With ``dihedral=True`` the result also holds
    the hashes of the 8 rotations and flips. Raises :class:`ImageRejected` for input that is
    too large, not an image, or corrupt; TypeError for arguments of the wrong type.
    """
    import pdqhash  # imported lazily: C extension, only needed when hashing

    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes <= 0:
        raise TypeError("max_bytes must be a positive int")
    if isinstance(max_pixels, bool) or not isinstance(max_pixels, int) or max_pixels <= 0:
        raise TypeError("max_pixels must be a positive int")

    if isinstance(image, Image.Image):
        _check_pixels(image, max_pixels)
        im = image
    elif isinstance(image, bytes | bytearray | memoryview):
        if len(image) > max_bytes:  # len of a memoryview counts items, nbytes counts bytes
            raise ImageRejected("too_large", f"image is larger than {max_bytes} bytes")
        if isinstance(image, memoryview) and image.nbytes > max_bytes:
            raise ImageRejected("too_large", f"image is larger than {max_bytes} bytes")
        if not image:
            raise ImageRejected("not_an_image", "image data is empty")
        # BytesIO shares the buffer of a bytes object (no copy of the upload).
        im = _open(io.BytesIO(image if isinstance(image, bytes) else bytes(image)), max_pixels)
    elif hasattr(image, "read"):
        im = _open(_limited_source(image, max_bytes), max_pixels)
    else:
        raise TypeError(
            f"image must be bytes, a binary file object or a PIL image, not {type(image).__name__}"
        )

    try:
        rgb = _pdq_input(im)
    except ImageRejected:
        raise
    except MemoryError:
        raise ImageRejected("too_many_pixels", "image is too large to convert")
    except Exception as exc:
        raise ImageRejected("corrupt", "image could not be converted to RGB") from exc
    finally:
        del im  # the decoded image is not needed while pdqhash runs (it needs ~23 B a pixel)
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.shape[0] < 1 or rgb.shape[1] < 1:
        raise ImageRejected("corrupt", "image could not be converted to RGB")

    if dihedral:
        vectors, quality = pdqhash.compute_dihedral(rgb)
        hashes = tuple(_bits_to_hex(v) for v in vectors)
        return PdqImageHash(hashes[0], int(quality), hashes)
    vector, quality = pdqhash.compute(rgb)
    return PdqImageHash(_bits_to_hex(vector), int(quality))
