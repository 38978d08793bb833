"""Exact range search over 256-bit PDQ hashes: :class:`PdqIndex`.

What it guarantees
------------------
``search(queries, threshold=r)`` returns, for every query, *every* stored id whose hash is
within Hamming distance ``r`` (0..256) of the query, with that distance, and nothing else. This
is exact by construction, never by tuning: the index uses multi-index hashing (MIH, Norouzi
et al.) and the generalised pigeonhole principle, and every candidate is verified with the
full 256-bit popcount. :func:`brute_force_search` is a plain NumPy implementation kept as the
test oracle (the property tests compare the two on random and clustered data).

How it works
------------
A *segment* splits the 256 bits into ``m`` disjoint chunks of ``b`` bits and keeps one table
per chunk: rows bucketed by the chunk's value, as CSR arrays (``offsets[2**b + 1]`` and a
``uint32`` row permutation). Rows are stored in table 0's bucket order, so table 0 needs no
permutation. For a threshold ``r`` the query probes chunk ``i`` with radius ``t_i`` (all keys
within ``t_i`` bit flips), choosing ``sum(t_i + 1) >= r + 1``: if every chunk differed in more
than ``t_i`` bits, the total distance would be at least ``r + 1``. So a row within ``r`` lies
in at least one probed bucket (chunks with ``t_i = -1`` are not probed at all, e.g. for
``r = 0`` one table suffices).

Chunk width and count are chosen per segment size by a cost model (probes + expected
candidates at the design threshold 31) under a memory budget of 120 bytes per hash: ``b`` is
close to ``log2(n)`` so that a bucket holds about one row, and as many chunks as the budget
allows so that radii stay small. At 10M rows that is 11 chunks of 23 bits, radius 2 (1 for one
chunk): 2,794 probes and ~3,300 candidates per query, versus 272 probes and ~41,000
candidates for 16 chunks of 16 bits (FAISS's and python-threatexchange's layout). For each
threshold the expected cost of MIH is compared with a brute-force scan and the cheaper one is
used, so thresholds far above the design radius (where MIH would probe more keys than there
are rows) fall back to exact brute force automatically.

Why numba (measured on the bench machine, 1M random hashes, 1 thread)
----------------------------------------------------------------------
* The work is pointer chasing (bucket -> positions -> rows); vectorised NumPy would need
  fancy-indexing temporaries for every probe and was an order of magnitude slower in a
  prototype. Numba compiles the loops; ``cache=True`` keeps the compiled code on disk.
* In a prototype of the kernel a plain nested loop ran at ~5,800 queries/s. Staging the
  accesses (all probe keys, then all bucket ranges, then all row positions, then the rows)
  with explicit software prefetches keeps many cache misses in flight and ran at ~14,900
  queries/s (2.5x); at 10M rows (11 x 23 bits) ~2,900 vs ~7,400 queries/s. See
  ``_pdq_kernels.mih_search``.
* Popcount is LLVM ``ctpop`` (one POPCNT per 64-bit word).
* Batches are parallelised with Python threads over ``nogil`` kernels, not ``prange``:
  numba's default ``workqueue`` threading layer aborts when two threads enter parallel
  regions at once, and a web process searches from many threads.

Queries with many matches
-------------------------
On clustered data (near-duplicate families of thousands of hashes) one query can match
thousands of rows, each found in several tables. Three things keep that cheap (profiled at
10M clustered hashes, where such queries took ~60% of single-query time):

* every query is searched once: matches go to a per-thread buffer that grows; a kernel that
  runs out of room drops the current probe block, returns where it stopped and is resumed
  after the buffer is doubled (a fixed 64 slots per query with a second pass for overflowing
  queries spent ~36% of single-query time in that second pass);
* a row is reported only from the first table that finds it; that check reuses the XOR words
  of the full distance, masked per table, without branches;
* a query's matches are ordered by a radix sort of packed ``(id, distance)`` keys instead of
  two indirect merge sorts.

Adding and removing (no full rebuild)
-------------------------------------
New rows go to an unindexed *tail* (brute-forced; at most ``tail_limit`` rows). When the tail
is full it becomes a segment; segments are merged LSM-style (the newest two are merged while
the newer one holds at least half as many live rows as the older), so there are O(log n)
segments and each row is rebuilt O(log n) times. ``remove`` marks rows in per-segment
tombstone arrays; a segment whose live rows drop below half is rebuilt. ``compact()`` merges
everything into one segment; ``compact(background=True)`` does it in a thread while searches,
adds and removes go on (removals made meanwhile are replayed on the merged segment).
``from_words`` builds one segment from a (memory-mapped) word array without copying it whole.

Concurrency model
-----------------
The index state (segments, tombstones, tail) is an immutable snapshot. ``search`` reads the
current snapshot once and never locks, so any number of threads can search concurrently, also
while a writer works. ``add``/``remove``/``compact`` are serialised by a lock; they build new
arrays (copy-on-write for tombstones and tail) and then publish a new snapshot with one
attribute assignment. A search that started earlier finishes on the old snapshot; one that
starts later sees the whole write. Merges run in the writer's thread.

Persistence
-----------
``save(path)`` writes a new *generation* of directory ``path``: one file per array with a
4 KiB header (magic, format version, dtype, shape, payload length, checksum; see
``_indexfile``), fsynced, plus a manifest listing every file's checksum; then ``CURRENT`` is
replaced atomically, so a save killed halfway leaves the previous generation loadable. Arrays
that are memory-mapped from an earlier save are hard-linked instead of rewritten.
``PdqIndex.load(path)`` maps the arrays (copy-on-write, shared with every process mapping the
same generation): 100M hashes in ~2 s. A truncated file, a file from another format version or
another save, or a flipped bit (``verify="full"``, the default) raises ``IndexFileError`` --
never a wrong answer; ``verify="quick"`` skips only the payload checksums.

Ids are int64 and unique: ``add`` refuses an id that is stored or repeated in the batch
(``DuplicateIdError``, nothing added); ``remove`` of an id that is not stored raises
``KeyError`` (nothing removed) unless ``missing="ignore"``. A hash may be stored under several
ids. A search returns each id once per query, ordered by ``(distance, id)``.
"""

from __future__ import annotations

import json
import math
import os
import re
import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from . import _indexfile as IF
from . import _pdq_kernels as K
from ._indexfile import IndexFileError
from ._storage import write_manifest
from .signals import PDQ, SignalParseError

__all__ = [
    "DEFAULT_THRESHOLD",
    "DuplicateIdError",
    "IndexFileError",
    "PdqIndex",
    "SearchResult",
    "brute_force_search",
    "hashes_to_words",
    "words_to_hex",
]

PDQ_BITS = 256
DEFAULT_THRESHOLD = PDQ.default_threshold  # 31
MANIFEST_FORMAT = "ostoja-pdq-index"
MANIFEST_VERSION = IF.FORMAT_VERSION

#: Memory budget for the per-row structures of a segment (hash 32 B + id 8 B + tables).
BYTES_PER_HASH_BUDGET = 120
#: Cost of scanning one row in the brute-force kernel, in units of one MIH "unit" (a probe
#: or a candidate check, each a likely cache miss). Measured on the bench machine: the scan
#: takes 1.8 ns per row and query; MIH at 10M rows and threshold 31 (6,125 units) ~19 ns per
#: unit, single thread.
FLAT_ROW_COST = 0.1
#: Largest chunk width: offsets arrays are 4 * 2**b bytes per table.
MAX_CHUNK_BITS = 24
#: Segments smaller than this stay unindexed (a scan is cheaper than probing).
MIN_MIH_ROWS = 32_768

SearchStrategy = Literal["auto", "mih", "brute"]

_HEX_RE = re.compile(r"[0-9a-fA-F]*")
_EMPTY_TOMB = np.zeros(0, dtype=np.uint8)
#: Initial room of a worker's result buffer: per query, and at least (it doubles when full;
#: each time, the probe block that overflowed is searched again). 16,384 slots (256 KiB) let a
#: single query with ~2,000 matches (common on clustered data) finish without a resume:
#: measured 13-15% less CPU time on such queries than a 256-slot start (10M clustered set).
_RESULTS_PER_QUERY_START = 16
_RESULTS_MIN_START = 16_384


# ---------------------------------------------------------------------------------------------
# conversion and validation


def _as_bytes_matrix(hashes: object, what: str) -> np.ndarray:
    """(n, 32) uint8 array of hash bytes (hex order) from any accepted input."""
    if isinstance(hashes, str | bytes | bytearray):
        raise TypeError(
            f"{what} must be a sequence of hex strings or an array, not a single "
            f"{type(hashes).__name__}"
        )
    if isinstance(hashes, np.ndarray) and hashes.dtype.kind in "ui":
        arr = hashes
        if arr.dtype == np.uint8:
            if arr.ndim != 2 or arr.shape[1] != 32:
                raise ValueError(f"{what}: uint8 array must have shape (n, 32), got {arr.shape}")
            return np.ascontiguousarray(arr)
        if arr.dtype == np.uint64:
            if arr.ndim != 2 or arr.shape[1] != 4:
                raise ValueError(f"{what}: uint64 array must have shape (n, 4), got {arr.shape}")
            # word k = int(hex[16k:16k+16], 16): big-endian bytes in hex order
            return np.ascontiguousarray(arr.astype(">u8")).view(np.uint8).reshape(-1, 32)
        raise TypeError(f"{what}: array dtype must be uint8 or uint64, not {arr.dtype}")
    if isinstance(hashes, np.ndarray) and hashes.dtype.kind not in "UO":
        raise TypeError(f"{what}: array dtype must be uint8 or uint64, not {hashes.dtype}")
    if not isinstance(hashes, Iterable):
        raise TypeError(f"{what} must be a sequence of hex strings, not {type(hashes).__name__}")
    items = hashes.tolist() if isinstance(hashes, np.ndarray) else list(hashes)
    for i, h in enumerate(items):
        if not isinstance(h, str):
            raise TypeError(f"{what}[{i}] must be a hex str, not {type(h).__name__}")
    if not items:
        return np.zeros((0, 32), dtype=np.uint8)
    joined = "".join(items)
    if (
        len(joined) == 64 * len(items)
        and all(len(h) == 64 for h in items)
        and _HEX_RE.fullmatch(joined)
    ):
        raw = bytes.fromhex(joined)
    else:
        parts = []
        for i, h in enumerate(items):
            try:
                parts.append(PDQ.parse(h))
            except SignalParseError as exc:
                raise SignalParseError(f"{what}[{i}]: {exc}") from None
        raw = bytes.fromhex("".join(parts))
    return np.frombuffer(raw, dtype=np.uint8).reshape(-1, 32)


def hashes_to_words(hashes: object, *, what: str = "hashes") -> np.ndarray:
    """Internal (n, 4) uint64 form of PDQ hashes.

    Accepts a sequence of hex strings (mixed case and surrounding whitespace allowed), a
    ``uint8`` array of shape (n, 32) (hash bytes in hex order) or a ``uint64`` array of shape
    (n, 4) where word k is ``int(hex[16k:16k + 16], 16)``.
    """
    b = _as_bytes_matrix(hashes, what)
    # astype copies into a fresh, aligned, native-endian array (what the kernels expect)
    return np.ascontiguousarray(b).view("<u8").astype(np.uint64).reshape(-1, 4)


def words_to_hex(words: np.ndarray) -> list[str]:
    """Inverse of :func:`hashes_to_words` (internal words -> lower-case hex strings)."""
    raw = np.ascontiguousarray(words.astype("<u8", copy=False)).view(np.uint8).tobytes()
    return [raw[i : i + 32].hex() for i in range(0, len(raw), 32)]


def _ids_array(ids: object, n: int) -> np.ndarray:
    if isinstance(ids, str | bytes | bytearray):
        raise TypeError("ids must be a sequence of integers")
    if isinstance(ids, np.ndarray):
        if ids.dtype.kind == "u":
            if ids.size and ids.max() > np.iinfo(np.int64).max:
                raise ValueError("ids must fit in int64")
        elif ids.dtype.kind != "i":
            raise TypeError(f"ids must be integers, not {ids.dtype}")
        arr = ids.astype(np.int64)
    else:
        if not isinstance(ids, Iterable):
            raise TypeError("ids must be a sequence of integers")
        items = list(ids)
        for i, x in enumerate(items):
            if isinstance(x, bool) or not isinstance(x, int | np.integer):
                raise TypeError(f"ids[{i}] must be an int, not {type(x).__name__}")
        try:
            arr = np.array(items, dtype=np.int64)
        except OverflowError:
            raise ValueError("ids must fit in int64 (-2**63 .. 2**63-1)") from None
    if arr.ndim != 1:
        raise ValueError(f"ids must be one-dimensional, got shape {arr.shape}")
    if n >= 0 and arr.size != n:
        raise ValueError(f"got {n} hashes but {arr.size} ids")
    return np.ascontiguousarray(arr)


def _check_threshold(threshold: object) -> int:
    if isinstance(threshold, bool) or not isinstance(threshold, int | np.integer):
        raise TypeError(f"threshold must be an int, not {type(threshold).__name__}")
    t = int(threshold)
    if not 0 <= t <= PDQ_BITS:
        raise ValueError(f"threshold must be between 0 and {PDQ_BITS}, got {t}")
    return t


# ---------------------------------------------------------------------------------------------
# the oracle


def _popcount_rows(x: np.ndarray) -> np.ndarray:
    if hasattr(np, "bitwise_count"):
        return np.bitwise_count(x).sum(axis=1, dtype=np.int64)
    lut = np.array([bin(i).count("1") for i in range(256)], dtype=np.int64)  # numpy < 2
    return lut[x.view(np.uint8)].sum(axis=1)


def brute_force_search(
    hashes: object,
    ids: object,
    queries: object,
    threshold: int = DEFAULT_THRESHOLD,
) -> list[list[tuple[int, int]]]:
    """Plain NumPy exhaustive search: the oracle the index is tested against.

    Same semantics as :meth:`PdqIndex.search` for an index holding ``hashes`` with ``ids``.
    Hex strings are decoded with :func:`bytes.fromhex` and arrays are compared as bytes, so
    this path shares no search code with the index.
    """
    r = _check_threshold(threshold)
    db = _as_bytes_matrix(hashes, "hashes")
    id_arr = _ids_array(ids, db.shape[0])
    qs = _as_bytes_matrix(queries, "queries")
    # compare as uint64 lanes (byte order inside a lane does not change a popcount)
    db64 = np.ascontiguousarray(db).view(np.uint64)
    out: list[list[tuple[int, int]]] = []
    block = 1 << 20
    for q in np.ascontiguousarray(qs).view(np.uint64):
        best: dict[int, int] = {}
        for s in range(0, db64.shape[0], block):
            d = _popcount_rows(db64[s : s + block] ^ q)
            for pos in np.nonzero(d <= r)[0]:
                i, dist = int(id_arr[s + pos]), int(d[pos])
                if i not in best or dist < best[i]:
                    best[i] = dist
        out.append(sorted(best.items(), key=lambda kv: (kv[1], kv[0])))
    return out


# ---------------------------------------------------------------------------------------------
# layout, plans and segments


@dataclass(frozen=True)
class _Layout:
    """Disjoint chunks of the 256 bits: chunk i is bits [starts[i], starts[i] + widths[i])."""

    starts: tuple[int, ...]
    widths: tuple[int, ...]

    def __post_init__(self) -> None:
        if not self.starts or len(self.starts) != len(self.widths):
            raise ValueError("layout needs at least one chunk")
        end = 0
        for s, w in sorted(zip(self.starts, self.widths, strict=True)):
            if not 1 <= w <= MAX_CHUNK_BITS:
                raise ValueError(f"chunk width must be 1..{MAX_CHUNK_BITS}, got {w}")
            if s < end or s + w > PDQ_BITS:
                raise ValueError("chunks must be disjoint and inside the 256 bits")
            end = s + w

    @classmethod
    def uniform(cls, num_chunks: int, chunk_bits: int) -> _Layout:
        if num_chunks * chunk_bits > PDQ_BITS:
            raise ValueError(f"{num_chunks} chunks of {chunk_bits} bits exceed 256 bits")
        return cls(tuple(i * chunk_bits for i in range(num_chunks)), (chunk_bits,) * num_chunks)

    @property
    def m(self) -> int:
        return len(self.widths)

    def table_bytes(self) -> int:
        return sum(4 * ((1 << w) + 1) for w in self.widths)

    def bytes_per_row(self, n: int) -> float:
        return 40 + 4 * (self.m - 1) + self.table_bytes() / max(n, 1)


def _radii(layout: _Layout, r: int) -> list[int] | None:
    """Probe radius per chunk with sum(t_i + 1) == r + 1, or None if the layout cannot
    guarantee exactness at ``r`` (then brute force is used)."""
    m = layout.m
    if r + 1 > sum(w + 1 for w in layout.widths):
        return None
    base, extra = divmod(r + 1, m)
    s = [base + (1 if i < extra else 0) for i in range(m)]
    # a chunk cannot use more than w + 1 "slots"; move the excess to others
    over = 0
    for i, w in enumerate(layout.widths):
        if s[i] > w + 1:
            over += s[i] - (w + 1)
            s[i] = w + 1
    for i, w in enumerate(layout.widths):
        while over and s[i] < w + 1:
            s[i] += 1
            over -= 1
    return [x - 1 for x in s]


def _probes(width: int, t: int) -> int:
    return sum(math.comb(width, k) for k in range(t + 1)) if t >= 0 else 0


def _mih_cost(layout: _Layout, n: int, r: int) -> float | None:
    radii = _radii(layout, r)
    if radii is None:
        return None
    cost = 0.0
    for w, t in zip(layout.widths, radii, strict=True):
        p = _probes(w, t)
        cost += p * (1.0 + n / (1 << w))
    return cost


def choose_layout(n: int) -> _Layout | None:
    """Cheapest uniform layout at threshold 31 within the memory budget (None: stay flat)."""
    if n < MIN_MIH_ROWS:
        return None
    best: tuple[float, _Layout] | None = None
    for b in range(8, MAX_CHUNK_BITS + 1):
        for m in range(1, PDQ_BITS // b + 1):
            lay = _Layout.uniform(m, b)
            if lay.bytes_per_row(n) > BYTES_PER_HASH_BUDGET:
                break  # more chunks only cost more memory
            cost = _mih_cost(lay, n, DEFAULT_THRESHOLD)
            if cost is not None and (best is None or cost < best[0]):
                best = (cost, lay)
    if best is None or best[0] >= n * FLAT_ROW_COST:
        return None
    return best[1]


_MASKS: dict[tuple[int, int], np.ndarray] = {}


def _masks(width: int, t: int) -> np.ndarray:
    key = (width, t)
    arr = _MASKS.get(key)
    if arr is None:
        arr = K.combination_masks(width, t)
        arr.setflags(write=False)
        _MASKS[key] = arr
    return arr


@dataclass(frozen=True)
class _Plan:
    radii: np.ndarray
    masks: np.ndarray
    mask_lo: np.ndarray
    mask_hi: np.ndarray
    cost: float


class _Segment:
    """Immutable rows plus (optionally) their MIH tables."""

    def __init__(self, words, ids, layout, perm, offsets):
        self.words = words
        self.ids = ids
        self.layout: _Layout | None = layout
        self.perm = perm
        self.offsets = offsets
        self.n = int(words.shape[0])
        if layout is not None:
            self.starts = np.array(layout.starts, dtype=np.int64)
            self.widths = np.array(layout.widths, dtype=np.int64)
            bases = np.cumsum([0] + [(1 << w) + 1 for w in layout.widths])
            self.off_base = bases[:-1].astype(np.int64)
            self.cmask = K.chunk_masks(self.starts, self.widths)
        self._plans: dict[int, _Plan | None] = {}

    @classmethod
    def build(cls, words: np.ndarray, ids: np.ndarray, layout: _Layout | None) -> _Segment:
        n = words.shape[0]
        if n >= 2**32 - 1:
            raise ValueError("a segment holds fewer than 2**32 rows")
        if layout is None:
            return cls(np.ascontiguousarray(words), np.ascontiguousarray(ids), None, None, None)
        keys0 = K.chunk_keys(words, layout.starts[0], layout.widths[0])
        order, off0 = K.counting_sort(keys0, layout.widths[0])
        del keys0
        words = np.ascontiguousarray(words[order])
        ids = np.ascontiguousarray(ids[order])
        del order
        perm = np.empty((layout.m - 1, n), dtype=np.uint32)
        offs: list[np.ndarray] = [off0] + [None] * (layout.m - 1)  # type: ignore[list-item]

        def table(i: int) -> None:
            keys = K.chunk_keys(words, layout.starts[i], layout.widths[i])
            p, o = K.counting_sort(keys, layout.widths[i])
            perm[i - 1] = p
            offs[i] = o

        if layout.m > 1:
            with ThreadPoolExecutor(max_workers=min(2, layout.m - 1)) as ex:
                list(ex.map(table, range(1, layout.m)))
        return cls(words, ids, layout, perm, np.concatenate(offs))

    def plan(self, r: int) -> _Plan | None:
        if r in self._plans:
            return self._plans[r]
        assert self.layout is not None
        radii = _radii(self.layout, r)
        plan = None
        if radii is not None:
            parts, lo, hi, pos = [], [], [], 0
            for w, t in zip(self.layout.widths, radii, strict=True):
                lo.append(pos)
                if t >= 0:
                    mk = _masks(w, t)
                    parts.append(mk)
                    pos += mk.size
                hi.append(pos)
            plan = _Plan(
                radii=np.array(radii, dtype=np.int64),
                masks=np.concatenate(parts) if parts else np.zeros(0, np.uint32),
                mask_lo=np.array(lo, dtype=np.int64),
                mask_hi=np.array(hi, dtype=np.int64),
                cost=_mih_cost(self.layout, self.n, r) or 0.0,
            )
        self._plans[r] = plan
        return plan

    def nbytes(self) -> int:
        total = self.words.nbytes + self.ids.nbytes
        if self.layout is not None:
            total += self.perm.nbytes + self.offsets.nbytes
        return int(total)


@dataclass(frozen=True)
class _Part:
    segment: _Segment
    tomb: np.ndarray  # uint8 per row, or size 0 when nothing is removed
    live: int


@dataclass(frozen=True)
class _State:
    parts: tuple[_Part, ...]
    tail_words: np.ndarray
    tail_ids: np.ndarray

    @property
    def size(self) -> int:
        return sum(p.live for p in self.parts) + int(self.tail_ids.size)


@dataclass(frozen=True)
class _Compaction:
    parts: tuple[_Part, ...]  # what the merge reads
    removed: list[np.ndarray]  # ids removed while it runs


class DuplicateIdError(ValueError):
    """An id given to :meth:`PdqIndex.add` is already stored (or repeated in the batch)."""

    def __init__(self, ids: list[int], why: str) -> None:
        self.ids = ids
        super().__init__(f"ids {why}: {ids}" if ids else f"ids {why}")


@dataclass(frozen=True)
class SearchResult:
    """Results of a batch in CSR form: query ``i`` matched ``ids[lims[i]:lims[i + 1]]`` at
    ``distances[lims[i]:lims[i + 1]]`` (ordered by distance, then id)."""

    lims: np.ndarray
    ids: np.ndarray
    distances: np.ndarray

    def __len__(self) -> int:
        return int(self.lims.size - 1)

    def to_lists(self) -> list[list[tuple[int, int]]]:
        ids = self.ids.tolist()
        ds = self.distances.tolist()
        lims = self.lims.tolist()
        return [
            list(zip(ids[lims[i] : lims[i + 1]], ds[lims[i] : lims[i + 1]], strict=True))
            for i in range(len(lims) - 1)
        ]


_EXECUTORS: dict[int, ThreadPoolExecutor] = {}
_EXECUTOR_LOCK = threading.Lock()


def _forget_executors_after_fork() -> None:
    # A forked child (gunicorn/celery prefork) inherits the executors but not their threads:
    # submitting to them would hang, so the child starts with fresh ones.
    global _EXECUTOR_LOCK
    _EXECUTORS.clear()
    _EXECUTOR_LOCK = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_executors_after_fork)


def _executor(workers: int) -> ThreadPoolExecutor:
    with _EXECUTOR_LOCK:
        ex = _EXECUTORS.get(workers)
        if ex is None:
            ex = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="pdq-index")
            _EXECUTORS[workers] = ex
        return ex


def _default_threads() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


class _ResultBuffer:
    """One worker's matches as parallel arrays (query, id, distance); see the kernels. The
    query index is int32: a batch would need 64 GiB of hashes to overflow it."""

    def __init__(self, capacity: int) -> None:
        self.q = np.empty(capacity, np.int32)
        self.ids = np.empty(capacity, np.int64)
        self.d = np.empty(capacity, np.int32)
        self.n = 0

    def grow(self, need: int) -> None:
        """Make room for at least ``need`` matches (doubling), keeping the first ``n``."""
        cap = max(need, 2 * self.ids.size)
        for name in ("q", "ids", "d"):
            old = getattr(self, name)
            new = np.empty(cap, old.dtype)
            new[: self.n] = old[: self.n]
            setattr(self, name, new)

    def run_flat(self, q, lo, hi, r, words, ids, tomb) -> None:
        resume = np.array([0, lo, lo], np.int64)
        while True:
            self.n, need = K.flat_search(
                q, hi, r, words, ids, tomb, self.q, self.ids, self.d, self.n, resume
            )
            if not need:
                return
            self.grow(need)


# ---------------------------------------------------------------------------------------------
# the index


class PdqIndex:
    """Exact Hamming range search over PDQ hashes. See the module docstring."""

    def __init__(
        self,
        *,
        threads: int | None = None,
        tail_limit: int = 4096,
        num_chunks: int | None = None,
        chunk_bits: int | None = None,
        min_mih_rows: int = MIN_MIH_ROWS,
    ) -> None:
        """``threads``: worker threads for batch searches (default: CPUs available).
        ``tail_limit``: rows kept unindexed before they become a segment.
        ``num_chunks``/``chunk_bits``: force the MIH layout (default: cost model per segment).
        ``min_mih_rows``: segments smaller than this are scanned rather than indexed.
        """
        if threads is not None and (
            isinstance(threads, bool) or not isinstance(threads, int) or threads < 1
        ):
            raise ValueError("threads must be a positive int")
        if isinstance(tail_limit, bool) or not isinstance(tail_limit, int) or tail_limit < 1:
            raise ValueError("tail_limit must be a positive int")
        if isinstance(min_mih_rows, bool) or not isinstance(min_mih_rows, int) or min_mih_rows < 1:
            raise ValueError("min_mih_rows must be a positive int")
        if (num_chunks is None) != (chunk_bits is None):
            raise ValueError("give both num_chunks and chunk_bits, or neither")
        self._forced_layout = (
            _Layout.uniform(num_chunks, chunk_bits) if num_chunks is not None else None
        )
        self.threads = threads or _default_threads()
        self.tail_limit = tail_limit
        self.min_mih_rows = min_mih_rows
        self._write_lock = threading.Lock()
        self._compact_lock = threading.Lock()
        self._frozen: set[int] = set()
        self._compacting: _Compaction | None = None
        self._state = _State((), np.zeros((0, 4), np.uint64), np.zeros(0, np.int64))
        #: JSON metadata saved with the index (``save(meta=...)``), e.g. a bank sequence number
        self.meta: dict = {}

    # -- introspection ------------------------------------------------------------------------
    def __len__(self) -> int:
        return self._state.size

    def __repr__(self) -> str:
        st = self._state
        return f"<PdqIndex {st.size} hashes, {len(st.parts)} segments, tail {st.tail_ids.size}>"

    def memory_bytes(self) -> int:
        """Bytes held by the index arrays (mapped or in memory)."""
        st = self._state
        total = st.tail_words.nbytes + st.tail_ids.nbytes
        for p in st.parts:
            total += p.segment.nbytes() + p.tomb.nbytes
        return int(total)

    def stats(self) -> dict:
        st = self._state
        return {
            "size": st.size,
            "tail": int(st.tail_ids.size),
            "segments": [
                {
                    "rows": p.segment.n,
                    "live": p.live,
                    "chunks": None if p.segment.layout is None else list(p.segment.layout.widths),
                }
                for p in st.parts
            ],
            "memory_bytes": self.memory_bytes(),
        }

    # -- writes -------------------------------------------------------------------------------
    def _layout_for(self, n: int) -> _Layout | None:
        if n < self.min_mih_rows:
            return None
        if self._forced_layout is not None:
            return self._forced_layout
        return choose_layout(n)

    def _build(self, words: np.ndarray, ids: np.ndarray) -> _Part:
        seg = _Segment.build(words, ids, self._layout_for(words.shape[0]))
        return _Part(seg, _EMPTY_TOMB, seg.n)

    @staticmethod
    def _live_rows(part: _Part) -> tuple[np.ndarray, np.ndarray]:
        seg = part.segment
        if part.tomb.size == 0:
            return seg.words, seg.ids
        keep = part.tomb == 0
        return seg.words[keep], seg.ids[keep]

    def _merge(self, parts: Sequence[_Part]) -> _Part:
        words, ids = zip(*(self._live_rows(p) for p in parts), strict=True)
        return self._build(np.concatenate(words), np.concatenate(ids))

    def _settle(self, parts: list[_Part]) -> list[_Part]:
        # LSM rule: merge the newest two while the newer is at least half the older. Parts
        # that a background compaction is merging are left alone (it will replace them).
        frozen = self._frozen
        while (
            len(parts) >= 2
            and 2 * parts[-1].live >= parts[-2].live
            and id(parts[-2]) not in frozen
            and id(parts[-1]) not in frozen
        ):
            merged = self._merge(parts[-2:])
            parts = parts[:-2] + ([merged] if merged.live else [])
        return parts

    def _colliding(self, st: _State, sorted_ids: np.ndarray) -> np.ndarray:
        """The ids of ``sorted_ids`` (sorted, unique) that are stored (live) in ``st``."""
        found = np.zeros(sorted_ids.size, np.bool_)
        for p in st.parts:
            K.find_ids(p.segment.ids, p.tomb, sorted_ids, found, False)
        if st.tail_ids.size:
            found |= np.isin(sorted_ids, st.tail_ids)
        return sorted_ids[found]

    def add(self, hashes: object, ids: object) -> None:
        """Add hashes with their ids (int64). ``hashes``: hex strings, a (n, 32) uint8 array
        or a (n, 4) uint64 array (see :func:`hashes_to_words`).

        Every id is stored once: an id repeated in ``ids`` or already in the index raises
        :class:`DuplicateIdError` (remove it first to replace its hash). All-or-nothing: on
        bad input nothing is added."""
        words = hashes_to_words(hashes)
        self._add_words(words, _ids_array(ids, words.shape[0]))

    def _add_words(self, words: np.ndarray, id_arr: np.ndarray) -> None:
        if words.shape[0] == 0:
            return
        uniq = np.unique(id_arr)
        if uniq.size != id_arr.size:
            vals, counts = np.unique(id_arr, return_counts=True)
            raise DuplicateIdError(vals[counts > 1][:10].tolist(), "repeated in the batch")
        with self._write_lock:
            st = self._state
            clash = self._colliding(st, uniq)
            if clash.size:
                raise DuplicateIdError(clash[:10].tolist(), "already in the index")
            tail_w = np.concatenate([st.tail_words, words])
            tail_i = np.concatenate([st.tail_ids, id_arr])
            parts = list(st.parts)
            if tail_i.size >= self.tail_limit:
                parts = self._settle(parts + [self._build(tail_w, tail_i)])
                tail_w, tail_i = np.zeros((0, 4), np.uint64), np.zeros(0, np.int64)
            self._state = _State(tuple(parts), tail_w, tail_i)

    @classmethod
    def from_words(cls, words: np.ndarray, ids: np.ndarray, **kwargs) -> PdqIndex:
        """Build an index in one segment from hashes already in the internal word form
        (``(n, 4)`` native ``uint64``, see :func:`hashes_to_words`), e.g. a memory-mapped file.

        The input is read, never copied whole: the build sorts row numbers by the first chunk
        and gathers words and ids in that order into the segment's own arrays, so the peak
        is one copy of the rows (plus the tables) however large the input. Ids must be
        unique (checked)."""
        if not (
            isinstance(words, np.ndarray)
            and words.dtype == np.uint64
            and words.ndim == 2
            and words.shape[1] == 4
        ):
            raise ValueError("words must be an (n, 4) uint64 array")
        if not (isinstance(ids, np.ndarray) and ids.dtype == np.int64 and ids.ndim == 1):
            raise ValueError("ids must be a one-dimensional int64 array")
        if ids.size != words.shape[0]:
            raise ValueError(f"got {words.shape[0]} hashes but {ids.size} ids")
        index = cls(**kwargs)
        if ids.size == 0:
            return index
        part = index._build(words, ids)
        if not K.sorted_unique(np.sort(part.segment.ids)):
            raise DuplicateIdError([], "repeated in the input")
        index._state = _State((part,), np.zeros((0, 4), np.uint64), np.zeros(0, np.int64))
        return index

    def remove(self, ids: object, *, missing: Literal["error", "ignore"] = "error") -> int:
        """Remove the hashes stored under ``ids``; returns how many were removed.

        An id that is not in the index raises ``KeyError`` (nothing is removed) unless
        ``missing="ignore"``."""
        if missing not in ("error", "ignore"):
            raise ValueError("missing must be 'error' or 'ignore'")
        rem = np.unique(_ids_array(ids, -1))
        if rem.size == 0:
            return 0
        with self._write_lock:
            st = self._state
            found = np.zeros(rem.size, np.bool_)
            removed = 0
            parts: list[_Part] = []
            for p in st.parts:
                tomb = p.tomb.copy() if p.tomb.size else np.zeros(p.segment.n, np.uint8)
                marked = int(K.find_ids(p.segment.ids, tomb, rem, found, True))
                if marked == 0:
                    parts.append(p)
                    continue
                removed += marked
                live = p.live - marked
                if live == 0 and id(p) not in self._frozen:
                    continue
                np_ = _Part(p.segment, tomb, live)
                if 2 * live < p.segment.n and id(p) not in self._frozen:
                    np_ = self._merge([np_])  # rebuild without the dead rows
                elif id(p) in self._frozen:
                    self._frozen_alias(p, np_)
                parts.append(np_)
            in_tail = np.isin(st.tail_ids, rem)
            if in_tail.any():
                found |= np.isin(rem, st.tail_ids)
            if missing == "error" and not found.all():
                raise KeyError(f"ids not in the index: {rem[~found][:10].tolist()}")
            removed += int(in_tail.sum())
            if self._compacting is not None:
                self._compacting.removed.append(rem[found])
            self._state = _State(tuple(parts), st.tail_words[~in_tail], st.tail_ids[~in_tail])
            return removed

    def _frozen_alias(self, old: _Part, new: _Part) -> None:
        """``new`` (more tombstones) replaces frozen ``old``: it is frozen in its place."""
        self._frozen.discard(id(old))
        self._frozen.add(id(new))

    def compact(self, *, background: bool = False) -> threading.Thread | None:
        """Merge all segments and the tail into one segment without dead rows.

        Searches never wait for it (they read the published snapshot). With
        ``background=True`` the merge runs in a new thread, which is returned, and writes are
        not blocked either: ``add`` and ``remove`` go on while it builds; rows removed
        meanwhile are tombstoned in the merged segment before it is published, rows added
        meanwhile stay in their own segments. One compaction at a time (a second call
        waits for the first)."""
        if background:
            t = threading.Thread(target=self._compact, name="pdq-compact", daemon=True)
            t.start()
            return t
        self._compact()
        return None

    def _compact(self) -> None:
        with self._compact_lock:
            with self._write_lock:
                st = self._state
                if not st.parts and st.tail_ids.size == 0:
                    return
                only = st.parts[0] if len(st.parts) == 1 else None
                if (
                    only is not None
                    and only.tomb.size == 0
                    and st.tail_ids.size == 0
                    and only.segment.layout == self._layout_for(only.segment.n)
                ):
                    return  # already one clean segment with the right layout
                # the tail joins the frozen set as an unindexed segment
                parts = list(st.parts)
                if st.tail_ids.size:
                    seg = _Segment.build(st.tail_words, st.tail_ids, None)
                    parts.append(_Part(seg, _EMPTY_TOMB, seg.n))
                self._state = _State(
                    tuple(parts), np.zeros((0, 4), np.uint64), np.zeros(0, np.int64)
                )
                self._frozen = {id(p) for p in parts}
                self._compacting = _Compaction(tuple(parts), [])
            try:
                merged = self._merge(self._compacting.parts)  # no lock: writers go on
                with self._write_lock:
                    st = self._state
                    if self._compacting.removed:
                        gone = np.unique(np.concatenate(self._compacting.removed))
                        tomb = np.zeros(merged.segment.n, np.uint8)
                        marked = int(
                            K.find_ids(
                                merged.segment.ids, tomb, gone, np.zeros(gone.size, np.bool_), True
                            )
                        )
                        if marked:
                            merged = _Part(merged.segment, tomb, merged.live - marked)
                    rest = [p for p in st.parts if id(p) not in self._frozen]
                    head = [merged] if merged.live else []
                    self._state = _State(tuple(head + rest), st.tail_words, st.tail_ids)
            finally:
                with self._write_lock:
                    self._frozen = set()
                    self._compacting = None

    # -- search -------------------------------------------------------------------------------
    def _run(
        self,
        st: _State,
        q: np.ndarray,
        lo: int,
        hi: int,
        r: int,
        strategy: SearchStrategy,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Search queries ``q[lo:hi]`` in every segment and the tail; CSR result of the range."""
        buf = self._collect(st, q, lo, hi, r, strategy)
        return K.finalize(buf.q, buf.ids, buf.d, buf.n, lo, hi, r)

    def _collect(
        self,
        st: _State,
        q: np.ndarray,
        lo: int,
        hi: int,
        r: int,
        strategy: SearchStrategy,
    ) -> _ResultBuffer:
        """Raw matches of queries ``q[lo:hi]``, each (query, row) once, in kernel order."""
        buf = _ResultBuffer(max(_RESULTS_MIN_START, _RESULTS_PER_QUERY_START * (hi - lo)))
        for p in st.parts:
            seg = p.segment
            plan = None
            if seg.layout is not None and strategy != "brute":
                plan = seg.plan(r)
                if plan is not None and strategy == "auto" and plan.cost >= seg.n * FLAT_ROW_COST:
                    plan = None
            if plan is None:
                buf.run_flat(q, lo, hi, r, seg.words, seg.ids, p.tomb)
            else:
                resume = np.array([lo, 0, 0], np.int64)
                while True:
                    buf.n, need = K.mih_search(
                        q,
                        hi,
                        r,
                        seg.words,
                        seg.ids,
                        p.tomb,
                        seg.starts,
                        seg.widths,
                        seg.cmask,
                        seg.perm,
                        seg.offsets,
                        seg.off_base,
                        plan.radii,
                        plan.masks,
                        plan.mask_lo,
                        plan.mask_hi,
                        buf.q,
                        buf.ids,
                        buf.d,
                        buf.n,
                        resume,
                    )
                    if not need:
                        break
                    buf.grow(need)
        if st.tail_ids.size:
            buf.run_flat(q, lo, hi, r, st.tail_words, st.tail_ids, _EMPTY_TOMB)
        return buf

    def search_arrays(
        self,
        queries: object,
        threshold: int = DEFAULT_THRESHOLD,
        *,
        strategy: SearchStrategy = "auto",
    ) -> SearchResult:
        """Like :meth:`search` but returns NumPy arrays in CSR form (no Python objects per
        match): the fast path for large batches."""
        r = _check_threshold(threshold)
        if strategy not in ("auto", "mih", "brute"):
            raise ValueError("strategy must be 'auto', 'mih' or 'brute'")
        q = hashes_to_words(queries, what="queries")
        st = self._state  # one consistent snapshot for the whole batch
        nq = q.shape[0]
        # Every query is searched once: matches go to a growable buffer per worker thread, so
        # a query with thousands of matches costs no second pass.
        workers = min(self.threads, nq // 4) if nq >= 8 else 1
        if workers <= 1:
            return SearchResult(*self._run(st, q, 0, nq, r, strategy))
        bounds = np.linspace(0, nq, workers + 1).astype(int).tolist()
        futs = [
            _executor(self.threads).submit(self._run, st, q, a, b, r, strategy)
            for a, b in zip(bounds[:-1], bounds[1:], strict=True)
        ]
        parts = [f.result() for f in futs]
        lims = np.zeros(nq + 1, np.int64)
        done = 0
        for (a, b), (plims, _, _) in zip(
            zip(bounds[:-1], bounds[1:], strict=True), parts, strict=True
        ):
            lims[a + 1 : b + 1] = plims[1:] + done
            done += int(plims[-1])
        ids = np.concatenate([p[1] for p in parts])
        dists = np.concatenate([p[2] for p in parts])
        return SearchResult(lims, ids, dists)

    def search(
        self,
        queries: object,
        threshold: int = DEFAULT_THRESHOLD,
        *,
        strategy: SearchStrategy = "auto",
    ) -> list[list[tuple[int, int]]]:
        """For each query, the ``(id, distance)`` pairs with distance <= ``threshold``.

        ``queries``: a sequence of hex strings or an array (as for :meth:`add`). Each id is
        listed once per query (smallest distance), ordered by (distance, id). ``strategy``
        "mih"/"brute" forces the method (results are identical; for tests and benchmarks).
        """
        return self.search_arrays(queries, threshold, strategy=strategy).to_lists()

    def query(self, hash_hex: str, threshold: int = DEFAULT_THRESHOLD) -> list[tuple[int, int]]:
        """Search for a single hex hash."""
        if not isinstance(hash_hex, str):
            raise TypeError("query takes one hex str; use search() for batches")
        return self.search([hash_hex], threshold)[0]

    # -- persistence --------------------------------------------------------------------------
    def save(self, path: str | os.PathLike, *, meta: dict | None = None) -> None:
        """Write the index to directory ``path`` as a new generation (see ``_indexfile``):
        every array file has a version/length/checksum header and is fsynced, and the new
        generation replaces the old one atomically, so a save killed halfway leaves the
        previous save loadable. ``meta`` (JSON-serialisable) is stored with it and comes
        back as ``loaded.meta``."""
        path = Path(path)
        st = self._state
        gen = IF.new_generation(path, "PdqIndex")
        try:
            files: dict[str, str] = {}

            def put(name: str, arr: np.ndarray) -> None:
                # arrays mapped from an earlier save are linked, not rewritten: saving a
                # loaded 100M index after a few changes writes only what changed
                meta = IF.link_if_mapped(arr, gen / name) or IF.write_array(gen / name, arr)
                files[name] = meta["checksum"]

            segs = []
            for k, p in enumerate(st.parts):
                seg = p.segment
                name = f"seg{k}"
                put(f"{name}.words", seg.words)
                put(f"{name}.ids", seg.ids)
                entry = {
                    "name": name,
                    "rows": seg.n,
                    "live": p.live,
                    "tombstones": False,
                    "starts": None,
                    "widths": None,
                }
                if seg.layout is not None:
                    put(f"{name}.perm", seg.perm)
                    put(f"{name}.offsets", seg.offsets)
                    entry["starts"] = list(seg.layout.starts)
                    entry["widths"] = list(seg.layout.widths)
                if p.tomb.size:
                    put(f"{name}.tomb", p.tomb)
                    entry["tombstones"] = True
                segs.append(entry)
            put("tail.words", st.tail_words)
            put("tail.ids", st.tail_ids)
            manifest = {
                "format": MANIFEST_FORMAT,
                "version": MANIFEST_VERSION,
                "size": st.size,
                "segments": segs,
                "files": files,
                "meta": meta if meta is not None else {},
            }
            body = json.dumps(manifest, indent=1, sort_keys=True)
            wrapped = {
                "manifest": manifest,
                "checksum": f"{IF.checksum(np.frombuffer(body.encode(), np.uint8)):016x}",
            }
            write_manifest(gen, wrapped, indent=1)
        except BaseException:
            IF.abandon(gen)
            raise
        IF.publish(path, gen)

    @classmethod
    def load(
        cls,
        path: str | os.PathLike,
        *,
        mmap: bool = True,
        verify: bool | Literal["full", "quick"] = "full",
        **kwargs,
    ) -> PdqIndex:
        """Open an index written by :meth:`save`. With ``mmap`` (default) the arrays are
        memory-mapped (copy-on-write: pages are shared with every other process that maps the
        same generation). ``verify``:

        * ``"full"`` (default, also ``True``): every file's header (version, length), every
          payload checksum, and the tables' consistency -- a truncated, foreign or corrupt
          file raises :class:`IndexFileError` and never gives a wrong answer;
        * ``"quick"``: headers, lengths, the manifest checksum and the tables' bounds, but no
          payload checksums (for processes opening a generation that a writer verified);
        * ``False``: headers and lengths only (tests and benchmarks).
        """
        path = Path(path)
        if verify is True:
            verify = "full"
        if verify not in ("full", "quick", False):
            raise ValueError("verify must be 'full', 'quick', True or False")
        gen = IF.current_generation(path)
        try:
            with open(gen / "manifest.json", encoding="utf-8") as fh:
                wrapped = json.load(fh)
            manifest = wrapped["manifest"]
            body = json.dumps(manifest, indent=1, sort_keys=True)
            ok = (
                wrapped["checksum"] == f"{IF.checksum(np.frombuffer(body.encode(), np.uint8)):016x}"
            )
        except FileNotFoundError:
            raise IF.IndexFileError(f"{gen}: manifest.json missing") from None
        except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError) as exc:
            raise IF.IndexFileError(f"corrupt PdqIndex manifest: {exc!r}") from None
        if not ok:
            raise IF.IndexFileError("corrupt PdqIndex manifest (checksum mismatch)")
        if not isinstance(manifest, dict) or manifest.get("format") != MANIFEST_FORMAT:
            raise IF.IndexFileError(f"{path} is not a PdqIndex")
        if manifest.get("version") != MANIFEST_VERSION:
            raise IF.IndexFileError(
                f"unsupported PdqIndex version {manifest.get('version')!r} "
                f"(this Ostoja reads {MANIFEST_VERSION}); rebuild the index"
            )
        files = manifest.get("files")
        if not isinstance(files, dict):
            raise IF.IndexFileError("corrupt PdqIndex manifest: files")

        def arr(name: str, dtype, shape, *, mapped: bool = True) -> np.ndarray:
            """Load one array; a -1 in ``shape`` accepts any length on that axis."""
            if name not in files:
                raise IF.IndexFileError(f"corrupt PdqIndex manifest: {name} not listed")
            return IF.read_array(
                gen / name,
                dtype,
                shape,
                mmap=mmap and mapped,
                verify_checksum=verify == "full" or not mapped,
                expected_checksum=files[name],
            )

        index = cls(**kwargs)
        parts = []
        try:
            for e in manifest["segments"]:
                name, n = str(e["name"]), int(e["rows"])
                if not re.fullmatch(r"seg\d+", name):
                    raise IF.IndexFileError(f"bad segment name {name!r}")
                words = arr(f"{name}.words", np.uint64, (n, 4))
                ids = arr(f"{name}.ids", np.int64, (n,))
                layout = perm = offsets = None
                if e["widths"] is not None:
                    layout = _Layout(tuple(map(int, e["starts"])), tuple(map(int, e["widths"])))
                    perm = arr(f"{name}.perm", np.uint32, (layout.m - 1, n))
                    offsets = arr(f"{name}.offsets", np.uint32, (layout.table_bytes() // 4,))
                seg = _Segment(words, ids, layout, perm, offsets)
                if (
                    verify
                    and layout is not None
                    and not K.check_segment(n, perm, offsets, seg.off_base, seg.widths)
                ):
                    raise IF.IndexFileError(f"corrupt PdqIndex segment {name}: inconsistent tables")
                tomb = _EMPTY_TOMB
                live = n
                if e["tombstones"]:
                    tomb = arr(f"{name}.tomb", np.uint8, (n,), mapped=False)
                    live = int(n - np.count_nonzero(tomb))
                if live != int(e["live"]):
                    raise IF.IndexFileError(f"corrupt PdqIndex segment {name}: live count")
                parts.append(_Part(seg, tomb, live))
            tw = arr("tail.words", np.uint64, (-1, 4), mapped=False)
            ti = arr("tail.ids", np.int64, (tw.shape[0],), mapped=False)
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, IF.IndexFileError):
                raise
            raise IF.IndexFileError(f"corrupt PdqIndex manifest: {exc!r}") from None
        index._state = _State(tuple(parts), tw, ti)
        if index._state.size != manifest.get("size"):
            raise IF.IndexFileError("corrupt PdqIndex: size does not match the manifest")
        index.meta = manifest.get("meta") or {}
        return index
