"""Index array files with a self-describing header, and crash-safe generations of a directory.

File format (one NumPy array per file)
--------------------------------------
``[header: 4096 bytes][payload: nbytes]``. The header starts with the magic ``b"OSTOJA-IX\\n"``
followed by a big-endian ``u32`` format version, a ``u32`` length of a JSON object and the JSON
itself: ``{"dtype", "shape", "nbytes", "checksum"}``. The payload starts at a page boundary so
that it can be memory-mapped directly. ``checksum`` is a 64-bit hash of the payload computed by
:func:`checksum` (an xxHash64-style mix of 4 lanes of 64-bit words, ~memory speed in numba).

What a reader checks: the magic (``not an Ostoja index file``), the version (``written by
format version X; this code reads version Y``), the file length against the header (``truncated``
or ``trailing bytes``), dtype and shape against what the manifest expects, and -- unless the
caller opted out -- the payload checksum. A failed check raises :class:`IndexFileError`
(a ``ValueError``); no array with unchecked content is ever handed to the search kernels unless
``verify="quick"`` was asked for explicitly (for processes opening a generation that a
verified writer just published).

Generations (crash-safe saving)
-------------------------------
An index directory holds ``CURRENT`` (the name of the live generation) and generation
subdirectories ``g-<uuid>``. :func:`new_generation` creates the next one; every file written
into it is flushed with ``fsync``; :func:`publish` fsyncs the generation directory, writes
``CURRENT.tmp``, fsyncs it and ``os.replace``-s it over ``CURRENT`` (atomic on POSIX), fsyncs
the index directory and only then removes older generations. A save killed at any point leaves
``CURRENT`` naming the previous, complete generation. A process that still has an older
generation memory-mapped keeps working: Linux keeps unlinked, mapped files alive.
"""

from __future__ import annotations

import json
import mmap
import os
import shutil
import struct
import uuid
from pathlib import Path

import numpy as np
from numba import njit

MAGIC = b"OSTOJA-IX\n"
FORMAT_VERSION = 2
HEADER_BYTES = 4096
CURRENT = "CURRENT"
_WRITE_CHUNK = 64 << 20  # bytes per write() and per checksum step

_P1 = np.uint64(11400714785074694791)
_P2 = np.uint64(14029467366897019727)
_P3 = np.uint64(1609587929392839161)
_P4 = np.uint64(9650029242287828579)
_SEED = [(int(_P1) + int(_P2)) % 2**64, int(_P2), 0, (-int(_P1)) % 2**64]


class IndexFileError(ValueError):
    """An index file is missing, truncated, from another version or corrupt."""


# ---------------------------------------------------------------------------------------------
# checksum


@njit(cache=True, nogil=True)
def _rotl(x, r):
    return (x << np.uint64(r)) | (x >> np.uint64(64 - r))


@njit(cache=True, nogil=True)
def _checksum_words(words, state):
    """Fold ``words`` (uint64) into the 4-lane ``state`` (xxHash64 rounds)."""
    n4 = words.size // 4
    a, b, c, d = state[0], state[1], state[2], state[3]
    for i in range(n4):
        a = _rotl(a + words[4 * i] * _P2, 31) * _P1
        b = _rotl(b + words[4 * i + 1] * _P2, 31) * _P1
        c = _rotl(c + words[4 * i + 2] * _P2, 31) * _P1
        d = _rotl(d + words[4 * i + 3] * _P2, 31) * _P1
    for j in range(4 * n4, words.size):
        a = _rotl(a ^ (words[j] * _P2), 27) * _P1 + _P4
    state[0], state[1], state[2], state[3] = a, b, c, d


@njit(cache=True, nogil=True)
def _checksum_final(state, tail, nbytes):
    h = _rotl(state[0], 1) + _rotl(state[1], 7) + _rotl(state[2], 12) + _rotl(state[3], 18)
    for k in range(4):
        h = (h ^ (_rotl(state[k] * _P2, 31) * _P1)) * _P1 + _P4
    for t in tail:
        h = _rotl(h ^ (np.uint64(t) * np.uint64(2870177450012600261)), 11) * _P1
    h ^= nbytes
    h ^= h >> np.uint64(33)
    h *= _P2
    h ^= h >> np.uint64(29)
    h *= _P3
    h ^= h >> np.uint64(32)
    return h


class _Checksum:
    def __init__(self) -> None:
        self.state = np.array(_SEED, dtype=np.uint64)
        self.pending = b""
        self.nbytes = 0

    def update(self, buf: memoryview | bytes) -> None:
        data = memoryview(buf).cast("B")
        self.nbytes += len(data)
        if self.pending:
            need = 8 - len(self.pending)
            self.pending += bytes(data[:need])
            data = data[need:]
            if len(self.pending) < 8:
                return
            _checksum_words(np.frombuffer(self.pending, "<u8"), self.state)
            self.pending = b""
        whole = len(data) // 8 * 8
        if whole:
            _checksum_words(np.frombuffer(data[:whole], "<u8"), self.state)
        self.pending = bytes(data[whole:])

    def digest(self) -> int:
        tail = np.frombuffer(self.pending, np.uint8)
        return int(_checksum_final(self.state, tail, np.uint64(self.nbytes)))


def checksum(arr: np.ndarray) -> int:
    """64-bit checksum of the bytes of a C-contiguous array."""
    c = _Checksum()
    flat = np.ascontiguousarray(arr).reshape(-1).view(np.uint8)
    for lo in range(0, flat.size, _WRITE_CHUNK):
        c.update(flat[lo : lo + _WRITE_CHUNK].data)
    if flat.size == 0:
        c.update(b"")
    return c.digest()


# ---------------------------------------------------------------------------------------------
# one array file


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_array(path: Path, arr: np.ndarray) -> dict:
    """Write ``arr`` with its header and fsync it; returns the header dict."""
    arr = np.ascontiguousarray(arr)
    flat = arr.reshape(-1).view(np.uint8)
    digest = checksum(arr)
    meta = {
        "dtype": arr.dtype.str,
        "shape": list(arr.shape),
        "nbytes": int(arr.nbytes),
        "checksum": f"{digest:016x}",
    }
    body = json.dumps(meta).encode()
    head = MAGIC + struct.pack(">II", FORMAT_VERSION, len(body)) + body
    if len(head) > HEADER_BYTES:
        raise ValueError("index file header too long")
    with open(path, "wb") as fh:
        fh.write(head.ljust(HEADER_BYTES, b"\0"))
        for lo in range(0, flat.size, _WRITE_CHUNK):
            fh.write(flat[lo : lo + _WRITE_CHUNK].data)
        fh.flush()
        os.fsync(fh.fileno())
    return meta


def link_if_mapped(arr: np.ndarray, path: Path) -> dict | None:
    """If ``arr`` is exactly the payload of an index file mapped by :func:`read_array`,
    hard-link that file to ``path`` (instant, no bytes written) and return its header;
    otherwise None. Index arrays are never written after they are built, so the file's
    content is the array's."""
    if not (
        isinstance(arr, np.memmap)
        and isinstance(arr.base, mmap.mmap)
        and getattr(arr, "offset", None) == HEADER_BYTES
        and arr.filename
    ):
        return None
    src = Path(arr.filename)
    try:
        meta = read_header(src)
    except IndexFileError:
        return None
    if tuple(meta["shape"]) != arr.shape or np.dtype(meta["dtype"]) != arr.dtype:
        return None
    try:
        os.link(src, path)
    except OSError:
        return None  # another file system, or links not allowed: write a copy instead
    meta["shape"] = list(meta["shape"])
    return meta


def read_header(path: Path) -> dict:
    try:
        with open(path, "rb") as fh:
            head = fh.read(HEADER_BYTES)
            size = os.fstat(fh.fileno()).st_size
    except FileNotFoundError:
        raise IndexFileError(f"index file missing: {path.name}") from None
    if len(head) < len(MAGIC) + 8 or not head.startswith(MAGIC):
        raise IndexFileError(f"{path.name} is not an Ostoja index file (bad magic)")
    version, hlen = struct.unpack(">II", head[len(MAGIC) : len(MAGIC) + 8])
    if version != FORMAT_VERSION:
        raise IndexFileError(
            f"{path.name} was written by index format version {version}; this Ostoja reads "
            f"version {FORMAT_VERSION}. Rebuild the index (or save it again with the version "
            f"that wrote it)."
        )
    try:
        meta = json.loads(head[len(MAGIC) + 8 : len(MAGIC) + 8 + hlen])
        np.dtype(meta["dtype"])
        shape = tuple(int(x) for x in meta["shape"])
        nbytes = int(meta["nbytes"])
        int(meta["checksum"], 16)
    except (ValueError, KeyError, TypeError) as exc:
        raise IndexFileError(f"{path.name}: corrupt header ({exc})") from None
    if nbytes != int(np.prod(shape, dtype=np.int64)) * np.dtype(meta["dtype"]).itemsize:
        raise IndexFileError(f"{path.name}: corrupt header (length does not match shape)")
    if size < HEADER_BYTES + nbytes:
        raise IndexFileError(
            f"{path.name} is truncated: {size - HEADER_BYTES} of {nbytes} payload bytes present"
        )
    if size > HEADER_BYTES + nbytes:
        raise IndexFileError(f"{path.name} has {size - HEADER_BYTES - nbytes} trailing bytes")
    meta["shape"] = shape
    return meta


def read_array(
    path: Path,
    dtype,
    shape: tuple[int, ...],
    *,
    mmap: bool = True,
    verify_checksum: bool = True,
    expected_checksum: str | None = None,
) -> np.ndarray:
    """Open an array file; ``-1`` in ``shape`` accepts any length on that axis."""
    meta = read_header(path)
    dt = np.dtype(meta["dtype"])
    got = meta["shape"]
    if dt != np.dtype(dtype) or len(got) != len(shape):
        raise IndexFileError(f"{path.name}: unexpected dtype {dt} / shape {got}")
    if any(want not in (-1, g) for want, g in zip(shape, got, strict=True)):
        raise IndexFileError(f"{path.name}: shape {got}, expected {shape}")
    if expected_checksum is not None and meta["checksum"] != expected_checksum:
        raise IndexFileError(f"{path.name} does not belong to this index (checksum differs)")
    if meta["nbytes"] == 0:
        arr = np.zeros(got, dt)
    elif mmap:
        # copy-on-write mapping: pages shared with the page cache, never written back
        arr = np.memmap(path, dtype=dt, mode="c", offset=HEADER_BYTES, shape=got)
    else:
        arr = np.empty(got, dt)
        with open(path, "rb") as fh:
            fh.seek(HEADER_BYTES)
            fh.readinto(memoryview(arr.reshape(-1).view(np.uint8)))
    if verify_checksum and f"{checksum(arr):016x}" != meta["checksum"]:
        raise IndexFileError(f"{path.name} is corrupt (checksum mismatch)")
    return arr


# ---------------------------------------------------------------------------------------------
# generations


def current_generation(root: Path) -> Path:
    """The live generation directory of index directory ``root``."""
    try:
        name = (root / CURRENT).read_text(encoding="ascii").strip()
    except FileNotFoundError:
        if (root / "manifest.json").exists():
            raise IndexFileError(
                f"{root} was written by index format version 1; this Ostoja reads version "
                f"{FORMAT_VERSION}. Rebuild the index."
            ) from None
        raise FileNotFoundError(f"no index at {root} ({CURRENT} missing)") from None
    except (UnicodeDecodeError, NotADirectoryError):
        raise IndexFileError(f"{root}: corrupt {CURRENT} file") from None
    if not name.startswith("g-") or "/" in name or not (root / name).is_dir():
        raise IndexFileError(f"{root}: {CURRENT} names a missing generation {name!r}")
    return root / name


def new_generation(root: Path, what: str) -> Path:
    """Create and return a fresh generation directory inside ``root``."""
    if root.exists():
        if not root.is_dir():
            raise FileExistsError(f"{root} exists and is not a saved {what}")
        entries = {p.name for p in root.iterdir()}
        ours = {e for e in entries if e == CURRENT or e.startswith(("g-", ".g-", "CURRENT."))}
        if entries - ours:
            raise FileExistsError(f"{root} exists and is not a saved {what}")
    root.mkdir(parents=True, exist_ok=True)
    gen = root / f".g-{uuid.uuid4().hex}"
    gen.mkdir()
    return gen


def publish(root: Path, gen: Path) -> Path:
    """Make ``gen`` (written completely, files fsynced) the live generation of ``root``."""
    final = root / gen.name.lstrip(".")
    _fsync_dir(gen)
    os.replace(gen, final)
    _fsync_dir(root)
    tmp = root / f"{CURRENT}.{uuid.uuid4().hex}.tmp"
    with open(tmp, "w", encoding="ascii") as fh:
        fh.write(final.name + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, root / CURRENT)
    _fsync_dir(root)
    for p in root.iterdir():
        # older published generations go; ".g-*" may be another save in progress (or the
        # remains of a killed one: safe to delete by hand)
        if p.name != final.name and p.name.startswith("g-"):
            shutil.rmtree(p, ignore_errors=True)
        elif p.name.startswith(f"{CURRENT}.") and p.name.endswith(".tmp"):
            p.unlink(missing_ok=True)
    return final


def abandon(gen: Path) -> None:
    shutil.rmtree(gen, ignore_errors=True)
