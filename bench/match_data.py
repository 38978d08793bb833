"""Data sets for bench/match_bench.py: synthetic PDQ hashes and hashes of generated images.

Only synthetic material: random bit strings, and images drawn here from shapes, gradients,
text and noise (nothing is fetched, nothing real). Hashes are (n, 32) uint8 arrays in hex
byte order; ids are row numbers.
"""

from __future__ import annotations

import io
import time

import numpy as np
from numba import njit, prange
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont


@njit(cache=True)
def _random_128(n, seed):
    """n hashes with exactly 128 of 256 bits set, uniformly distributed over such hashes.

    Start from uniform random bits, then flip randomly chosen bits of the majority value
    until 128 are set; the process is symmetric under bit permutations, so every weight-128
    string is equally likely.
    """
    np.random.seed(seed)
    out = np.zeros((n, 32), np.uint8)
    bits = np.zeros(256, np.uint8)
    for i in range(n):
        ones = 0
        for w in range(16):
            r = np.random.randint(0, 65536)
            for k in range(16):
                v = np.uint8((r >> k) & 1)
                bits[w * 16 + k] = v
                ones += v
        while ones != 128:
            b = np.random.randint(0, 256)
            if ones > 128 and bits[b] == 1:
                bits[b] = 0
                ones -= 1
            elif ones < 128 and bits[b] == 0:
                bits[b] = 1
                ones += 1
        for b in range(256):
            if bits[b]:
                out[i, b >> 3] |= np.uint8(1 << (b & 7))
    return out


@njit(cache=True)
def flip_bits(rows, dists, seed):
    """Copy of rows with exactly dists[i] distinct random bits flipped in row i."""
    np.random.seed(seed)
    out = rows.copy()
    idx = np.arange(256)
    for i in range(rows.shape[0]):
        for j in range(dists[i]):
            k = j + np.random.randint(0, 256 - j)
            idx[j], idx[k] = idx[k], idx[j]
            b = idx[j]
            out[i, b >> 3] ^= np.uint8(1 << (b & 7))
    return out


def random_128(n: int, seed: int) -> np.ndarray:
    return _random_128(n, seed)


def clustered(n: int, seed: int) -> tuple[np.ndarray, dict]:
    """Seed hashes plus variants at distances 2..30 from their seed.

    Cluster sizes are heavy-tailed (Pareto): most seeds have a handful of variants, a few
    have thousands, which is what makes some MIH buckets huge.
    """
    rng = np.random.default_rng(seed)
    sizes = []
    total = 0
    while total < n:
        s = int(min(1 + rng.pareto(1.2) * 3, 20_000))
        s = min(s, n - total)
        sizes.append(s)
        total += s
    sizes = np.array(sizes)
    seeds = random_128(sizes.size, seed + 1)
    src = np.repeat(np.arange(sizes.size), sizes)
    dists = rng.integers(2, 31, size=n).astype(np.int64)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    dists[starts] = 0  # the first member of each cluster is the seed itself
    rows = flip_bits(seeds[src], dists, seed + 2)
    perm = rng.permutation(n)
    info = {
        "clusters": int(sizes.size),
        "largest_cluster": int(sizes.max()),
        "median_cluster": float(np.median(sizes)),
    }
    return rows[perm], info


# ---------------------------------------------------------------------------------------------
# images

_WORDS = (
    "ostoja",
    "lorem",
    "ipsum",
    "bench",
    "hash",
    "river",
    "forest",
    "blue",
    "square",
    "signal",
    "matching",
    "delta",
    "zebra",
    "quartz",
    "violet",
    "tower",
    "north",
)


def _font(size: int):
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1
        return ImageFont.load_default()


def _colour(rng):
    return tuple(int(x) for x in rng.integers(0, 256, 3))


def make_image(kind: str, rng, size: int = 256) -> Image.Image:
    w = h = size
    if kind == "gradient":
        y, x = np.mgrid[0:h, 0:w].astype(np.float32)
        ang = rng.uniform(0, np.pi)
        t = (np.cos(ang) * x + np.sin(ang) * y) / (w + h) * 2
        c0, c1 = np.array(_colour(rng)), np.array(_colour(rng))
        arr = c0 + (c1 - c0) * t[..., None].clip(0, 1)
        im = Image.fromarray(arr.astype(np.uint8), "RGB")
        d = ImageDraw.Draw(im)
        for _ in range(rng.integers(1, 4)):
            x0, y0 = rng.integers(0, w - 40, 2)
            d.ellipse((int(x0), int(y0), int(x0) + 40, int(y0) + 40), fill=_colour(rng))
        return im
    if kind == "shapes":
        im = Image.new("RGB", (w, h), _colour(rng))
        d = ImageDraw.Draw(im)
        for _ in range(rng.integers(3, 12)):
            x0, y0 = (int(v) for v in rng.integers(0, w - 10, 2))
            x1, y1 = x0 + int(rng.integers(10, w // 2)), y0 + int(rng.integers(10, h // 2))
            shape = rng.integers(0, 4)
            if shape == 0:
                d.rectangle((x0, y0, x1, y1), fill=_colour(rng))
            elif shape == 1:
                d.ellipse((x0, y0, x1, y1), fill=_colour(rng))
            elif shape == 2:
                d.line((x0, y0, x1, y1), fill=_colour(rng), width=int(rng.integers(1, 8)))
            else:
                pts = [tuple(int(v) for v in rng.integers(0, w, 2)) for _ in range(3)]
                d.polygon(pts, fill=_colour(rng))
        return im
    if kind == "text":
        im = Image.new("RGB", (w, h), _colour(rng))
        d = ImageDraw.Draw(im)
        for _ in range(rng.integers(2, 7)):
            word = " ".join(rng.choice(_WORDS, size=int(rng.integers(1, 4))))
            pos = tuple(int(v) for v in rng.integers(0, w - 60, 2))
            d.text(pos, word, fill=_colour(rng), font=_font(int(rng.integers(12, 40))))
        return im
    if kind == "noise":
        k = int(rng.integers(4, 24))
        low = rng.integers(0, 256, (k, k, 3)).astype(np.uint8)
        im = Image.fromarray(low, "RGB").resize((w, h), Image.Resampling.BICUBIC)
        arr = np.asarray(im).astype(np.int16) + rng.integers(-20, 21, (h, w, 3))
        return Image.fromarray(arr.clip(0, 255).astype(np.uint8), "RGB")
    if kind == "featureless":
        base = np.array(_colour(rng), np.int16)
        arr = base + rng.integers(-2, 3, (h, w, 3))
        return Image.fromarray(arr.clip(0, 255).astype(np.uint8), "RGB")
    raise ValueError(kind)


def _jpeg(im: Image.Image, quality: int) -> Image.Image:
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=quality)
    buf.seek(0)
    return Image.open(buf).convert("RGB")


def _watermark(im: Image.Image) -> Image.Image:
    out = im.copy()
    d = ImageDraw.Draw(out)
    w, h = out.size
    d.text(
        (w // 10, h - h // 5), "(c) example.com", fill=(255, 255, 255), font=_font(max(10, h // 12))
    )
    return out


TRANSFORMS = {
    "jpeg70": lambda im: _jpeg(im, 70),
    "resize50": lambda im: im.resize((im.width // 2, im.height // 2), Image.Resampling.BILINEAR),
    "jpeg30": lambda im: _jpeg(im, 30),
    "resize150": lambda im: im.resize((im.width * 3 // 2, im.height * 3 // 2)),
    "crop10": lambda im: im.crop(
        (im.width // 10, im.height // 10, im.width * 9 // 10, im.height * 9 // 10)
    ),
    "bright130": lambda im: ImageEnhance.Brightness(im).enhance(1.3),
    "dark70": lambda im: ImageEnhance.Brightness(im).enhance(0.7),
    "watermark": _watermark,
    "blur": lambda im: im.filter(ImageFilter.GaussianBlur(1.5)),
}
#: transforms stored in the index next to the originals; the others are used as queries
STORED_TRANSFORMS = ("jpeg70", "resize50")
QUERY_TRANSFORMS = ("jpeg30", "resize150", "crop10", "bright130", "dark70", "watermark", "blur")
KINDS = ("shapes", "gradient", "text", "noise", "featureless")


def image_hashes(count: int, seed: int) -> dict:
    """PDQ hashes of ``count`` generated images and of their transformed copies."""
    from ostoja.matching import pdq_from_image

    rng = np.random.default_rng(seed)
    names = ("original",) + tuple(TRANSFORMS)
    out = {name: np.zeros((count, 32), np.uint8) for name in names}
    quality = np.zeros(count, np.int16)
    kinds = []
    t0 = time.time()
    for i in range(count):
        kind = KINDS[i % len(KINDS)]
        kinds.append(kind)
        im = make_image(kind, rng)
        r = pdq_from_image(im)
        out["original"][i] = np.frombuffer(bytes.fromhex(r.hash), np.uint8)
        quality[i] = r.quality
        for name, fn in TRANSFORMS.items():
            h = pdq_from_image(fn(im)).hash
            out[name][i] = np.frombuffer(bytes.fromhex(h), np.uint8)
    out["quality"] = quality
    out["kinds"] = np.array(kinds)
    out["seconds"] = time.time() - t0
    return out


# ---------------------------------------------------------------------------------------------
# ground truth: an exhaustive scan, independent of ostoja's kernels (SWAR popcount, no MIH)

_M1 = np.uint64(0x5555555555555555)
_M2 = np.uint64(0x3333333333333333)
_M4 = np.uint64(0x0F0F0F0F0F0F0F0F)
_H01 = np.uint64(0x0101010101010101)


@njit(cache=True, inline="always")
def _swar_popcount(x):
    x = x - ((x >> np.uint64(1)) & _M1)
    x = (x & _M2) + ((x >> np.uint64(2)) & _M2)
    x = (x + (x >> np.uint64(4))) & _M4
    return (x * _H01) >> np.uint64(56)


@njit(cache=True, parallel=True)
def _scan(db64, q64, r, offsets, out_ids, out_d, fill):
    n = db64.shape[0]
    nq = q64.shape[0]
    counts = np.zeros(nq, np.int64)
    for qi in prange(nq):
        c = 0
        base = offsets[qi] if fill else 0
        for i in range(n):
            d = 0
            for k in range(4):
                d += _swar_popcount(db64[i, k] ^ q64[qi, k])
            if d <= r:
                if fill:
                    out_ids[base + c] = i
                    out_d[base + c] = d
                c += 1
        counts[qi] = c
    return counts


def brute_force_gt(db: np.ndarray, queries: np.ndarray, r: int):
    """Exhaustive search (row ids = positions): CSR (lims, ids, dists) sorted by (d, id)."""
    db64 = np.ascontiguousarray(db).view(np.uint64)
    q64 = np.ascontiguousarray(queries).view(np.uint64)
    empty = np.zeros(0, np.int64)
    counts = _scan(db64, q64, r, empty, empty, empty.astype(np.int32), False)
    lims = np.zeros(len(queries) + 1, np.int64)
    np.cumsum(counts, out=lims[1:])
    ids = np.zeros(lims[-1], np.int64)
    ds = np.zeros(lims[-1], np.int32)
    _scan(db64, q64, r, lims, ids, ds, True)
    for qi in range(len(queries)):
        a, b = lims[qi], lims[qi + 1]
        order = np.lexsort((ids[a:b], ds[a:b]))
        ids[a:b] = ids[a:b][order]
        ds[a:b] = ds[a:b][order]
    return lims, ids, ds
