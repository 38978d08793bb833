"""PDQ hashes of images, computed in memory with Meta's reference C++ code (``pdqhash``).

Safety: image bytes are only ever held in memory. Nothing here writes them to disk or logs them;
error messages describe the problem, never the content.

Decode path (matches ThreatExchange's Java reference bit for bit on the reference images):
EXIF orientation is applied, the image is converted to 8-bit RGB at full resolution, luminance
is ``0.299 R + 0.587 G + 0.114 B`` and the Jarosz box filters, DCT and median threshold run in
``pdqhash``'s C++ (the reference implementation). Colour conversion rules for the other Pillow
modes are in :func:`to_rgb`.

Hostile input is rejected with :class:`ImageRejected` (a ``ValueError`` with a machine-readable
``reason``), which callers map to an HTTP 4xx answer:

* more than ``max_bytes`` bytes (``too_large``),
* more than ``max_pixels`` pixels, i.e. Pillow's decompression-bomb limit (``too_many_pixels``),
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

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
#: Pillow's decompression-bomb limit (about 89.5 megapixels) unless configured otherwise.
DEFAULT_MAX_PIXELS = Image.MAX_IMAGE_PIXELS or 89_478_485
#: Images above this many pixels are first reduced by an integer box filter so that memory
#: stays bounded (pdqhash builds several float buffers of the full image). PDQ's own Jarosz
#: filters are box filters, so the hash moves by at most a few bits; below this size the
#: reference path is used unchanged.
FULL_RESOLUTION_PIXELS = 16_000_000

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
    return bytes(data)


def _open(data: bytes, max_pixels: int) -> Image.Image:
    if not data:
        raise ImageRejected("not_an_image", "image data is empty")
    try:
        im = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
    except Image.DecompressionBombError:
        raise ImageRejected("too_many_pixels", "image exceeds the decompression-bomb limit")
    except Image.UnidentifiedImageError:
        raise ImageRejected("not_an_image", "data is not an image in a supported format")
    except Exception as exc:  # hostile headers make plugins raise many kinds of errors
        raise ImageRejected("corrupt", "image header is corrupt") from exc
    _check_pixels(im, max_pixels)
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


def _gray_to_rgb(gray: np.ndarray) -> Image.Image:
    g = np.ascontiguousarray(gray, dtype=np.uint8)
    return Image.fromarray(np.stack([g, g, g], axis=-1), "RGB")


def _high_depth_to_rgb(im: Image.Image) -> Image.Image:
    """I;16*, I and F modes: scale to 8 bits instead of clipping at 255."""
    arr = np.asarray(im)
    if im.mode.startswith("I;16"):
        # Full 16-bit range, as a 16-bit PNG or TIFF means it.
        return _gray_to_rgb((arr.astype(np.uint32) * 255 + 32767) // 65535)
    a = arr.astype(np.float64)
    a[~np.isfinite(a)] = 0.0
    lo, hi = (float(a.min()), float(a.max())) if a.size else (0.0, 0.0)
    if im.mode == "F" and lo >= 0.0 and hi <= 1.0:
        scaled = a * 255.0  # floating-point image in the unit range
    elif lo >= 0.0 and hi <= 255.0:
        scaled = a  # already 8-bit range (e.g. an L image converted to I or F)
    elif im.mode == "I" and lo >= 0.0 and hi <= 65535.0:
        scaled = a * (255.0 / 65535.0)  # 16-bit data opened as mode I (16-bit PNG)
    else:
        scaled = (a - lo) * (255.0 / (hi - lo)) if hi > lo else np.zeros_like(a)
    return _gray_to_rgb(np.clip(np.rint(scaled), 0, 255))


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


def _rgb_array(im: Image.Image) -> np.ndarray:
    w, h = im.size
    if w * h > FULL_RESOLUTION_PIXELS:
        factor = math.ceil(math.sqrt(w * h / FULL_RESOLUTION_PIXELS))
        im = im.reduce(factor)
    return np.ascontiguousarray(np.asarray(im, dtype=np.uint8))


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
        data = bytes(image)
        if len(data) > max_bytes:
            raise ImageRejected("too_large", f"image is larger than {max_bytes} bytes")
        im = _open(data, max_pixels)
    elif hasattr(image, "read"):
        im = _open(_read_limited(image, max_bytes), max_pixels)
    else:
        raise TypeError(
            f"image must be bytes, a binary file object or a PIL image, not {type(image).__name__}"
        )

    try:
        im = _exif_transpose(im)
        rgb = _rgb_array(to_rgb(im))
    except ImageRejected:
        raise
    except MemoryError:
        raise ImageRejected("too_many_pixels", "image is too large to convert")
    except Exception as exc:
        raise ImageRejected("corrupt", "image could not be converted to RGB") from exc
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.shape[0] < 1 or rgb.shape[1] < 1:
        raise ImageRejected("corrupt", "image could not be converted to RGB")

    if dihedral:
        vectors, quality = pdqhash.compute_dihedral(rgb)
        hashes = tuple(_bits_to_hex(v) for v in vectors)
        return PdqImageHash(hashes[0], int(quality), hashes)
    vector, quality = pdqhash.compute(rgb)
    return PdqImageHash(_bits_to_hex(vector), int(quality))
