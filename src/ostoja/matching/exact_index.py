"""Exact-match index for cryptographic digests (md5, sha1, sha256): :class:`ExactIndex`.

Same shape as :class:`~ostoja.matching.pdq_index.PdqIndex` (``add``/``remove``/``search``/
``save``/``load``), with distance 0 for every match.

Storage is a sorted array of fixed-width digests (NumPy ``S{k}``) with aligned ids, searched
with ``np.searchsorted`` (vectorised over a batch), plus a small sorted *delta* for recent
additions and a tombstone array for removals; the delta is merged into the main array when it
grows past ``delta_limit`` (or ``max(delta_limit, n / 8)``), so an add costs O(delta) and not
a full re-sort. ~(k + 8) bytes per digest: 24 for md5, 40 for sha256.

Concurrency is the same as PdqIndex: searches read an immutable snapshot without locking;
writers are serialised by a lock and publish a new snapshot.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import _pdq_kernels as K
from ._storage import replacing_directory, write_manifest
from .pdq_index import _ids_array
from .signals import SIGNAL_TYPES, ExactSignalType, SignalParseError

__all__ = ["ExactIndex"]

MANIFEST_FORMAT = "ostoja-exact-index"
MANIFEST_VERSION = 1
_HEX_RE = re.compile(r"[0-9a-fA-F]*")


def _digests(values: object, st: ExactSignalType, what: str) -> np.ndarray:
    """1-D ``S{k}`` array of raw digests from hex strings or a (n, k) uint8 array."""
    k = st.byte_length
    dt = np.dtype(f"S{k}")
    if isinstance(values, str | bytes | bytearray):
        raise TypeError(f"{what} must be a sequence of hex strings, not a single value")
    if isinstance(values, np.ndarray) and values.dtype == np.uint8:
        if values.ndim != 2 or values.shape[1] != k:
            raise ValueError(f"{what}: uint8 array must have shape (n, {k}), got {values.shape}")
        return np.ascontiguousarray(values).view(dt).reshape(-1)
    if isinstance(values, np.ndarray) and values.dtype.kind not in "UO":
        raise TypeError(f"{what}: array dtype must be uint8, not {values.dtype}")
    if not isinstance(values, Iterable):
        raise TypeError(f"{what} must be a sequence of hex strings")
    items = values.tolist() if isinstance(values, np.ndarray) else list(values)
    for i, h in enumerate(items):
        if not isinstance(h, str):
            raise TypeError(f"{what}[{i}] must be a hex str, not {type(h).__name__}")
    joined = "".join(items)
    if all(len(h) == st.hex_length for h in items) and _HEX_RE.fullmatch(joined):
        raw = bytes.fromhex(joined)
    else:
        parts = []
        for i, h in enumerate(items):
            try:
                parts.append(st.parse(h))
            except SignalParseError as exc:
                raise SignalParseError(f"{what}[{i}]: {exc}") from None
        raw = bytes.fromhex("".join(parts))
    return np.frombuffer(raw, dtype=np.uint8).view(dt).reshape(-1).copy()


def _sorted(keys: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(keys, kind="stable")
    return keys[order], ids[order]


@dataclass(frozen=True)
class _State:
    keys: np.ndarray  # sorted S{k}
    ids: np.ndarray
    tomb: np.ndarray  # uint8 per main row or size 0
    live: int
    dkeys: np.ndarray  # sorted delta
    dids: np.ndarray

    @property
    def size(self) -> int:
        return self.live + int(self.dids.size)


class ExactIndex:
    """Exact lookup of md5/sha1/sha256 digests. See the module docstring."""

    def __init__(
        self, signal_type: str | ExactSignalType = "md5", *, delta_limit: int = 65_536
    ) -> None:
        st = SIGNAL_TYPES.get(signal_type) if isinstance(signal_type, str) else signal_type
        if not isinstance(st, ExactSignalType):
            exact = sorted(n for n, s in SIGNAL_TYPES.items() if isinstance(s, ExactSignalType))
            raise ValueError(f"signal_type must be one of {exact}, got {signal_type!r}")
        if isinstance(delta_limit, bool) or not isinstance(delta_limit, int) or delta_limit < 1:
            raise ValueError("delta_limit must be a positive int")
        self.signal_type: ExactSignalType = st
        self.delta_limit = delta_limit
        self._dtype = np.dtype(f"S{st.byte_length}")
        self._lock = threading.Lock()
        empty_k = np.zeros(0, self._dtype)
        empty_i = np.zeros(0, np.int64)
        self._state = _State(empty_k, empty_i, np.zeros(0, np.uint8), 0, empty_k, empty_i)

    def __len__(self) -> int:
        return self._state.size

    def __repr__(self) -> str:
        return f"<ExactIndex {self.signal_type.name} {len(self)} digests>"

    def memory_bytes(self) -> int:
        s = self._state
        return int(s.keys.nbytes + s.ids.nbytes + s.tomb.nbytes + s.dkeys.nbytes + s.dids.nbytes)

    # -- writes -------------------------------------------------------------------------------
    def add(self, hashes: object, ids: object) -> None:
        """Add digests (hex strings or a (n, k) uint8 array) with int64 ids."""
        keys = _digests(hashes, self.signal_type, "hashes")
        id_arr = _ids_array(ids, keys.size)
        if keys.size == 0:
            return
        with self._lock:
            s = self._state
            dk, di = _sorted(np.concatenate([s.dkeys, keys]), np.concatenate([s.dids, id_arr]))
            if dk.size > max(self.delta_limit, s.live // 8):
                self._state = self._merged(s, dk, di)
            else:
                self._state = _State(s.keys, s.ids, s.tomb, s.live, dk, di)

    def _merged(self, s: _State, dk: np.ndarray, di: np.ndarray) -> _State:
        keep = s.tomb == 0 if s.tomb.size else slice(None)
        k, i = _sorted(np.concatenate([s.keys[keep], dk]), np.concatenate([s.ids[keep], di]))
        return _State(k, i, np.zeros(0, np.uint8), int(k.size), dk[:0], di[:0])

    def remove(self, ids: object) -> int:
        """Remove every digest stored under any of ``ids``; returns how many were removed."""
        rem = np.unique(_ids_array(ids, -1))
        if rem.size == 0:
            return 0
        with self._lock:
            s = self._state
            tomb = s.tomb.copy() if s.tomb.size else np.zeros(s.keys.size, np.uint8)
            marked = int(K.mark_ids(s.ids, rem, tomb)) if s.keys.size else 0
            keep = ~np.isin(s.dids, rem)
            removed = marked + int(keep.size - keep.sum())
            new = _State(
                s.keys,
                s.ids,
                tomb if marked else s.tomb,
                s.live - marked,
                s.dkeys[keep],
                s.dids[keep],
            )
            if marked and 2 * new.live < s.keys.size:
                new = self._merged(new, new.dkeys, new.dids)
            self._state = new
            return removed

    def compact(self) -> None:
        with self._lock:
            s = self._state
            self._state = self._merged(s, s.dkeys, s.dids)

    # -- search -------------------------------------------------------------------------------
    def search(self, queries: object, threshold: int | None = 0) -> list[list[tuple[int, int]]]:
        """For each query digest, ``[(id, 0), ...]`` of the ids stored under it (sorted)."""
        if threshold not in (0, None) or isinstance(threshold, bool):
            raise ValueError(f"{self.signal_type.name} is matched exactly: threshold must be 0")
        q = _digests(queries, self.signal_type, "queries")
        s = self._state
        out: list[list[tuple[int, int]]] = [[] for _ in range(q.size)]
        for keys, ids, tomb in ((s.keys, s.ids, s.tomb), (s.dkeys, s.dids, None)):
            if keys.size == 0 or q.size == 0:
                continue
            lo = np.searchsorted(keys, q, side="left")
            hi = np.searchsorted(keys, q, side="right")
            for qi in np.nonzero(hi > lo)[0].tolist():
                rows = np.arange(lo[qi], hi[qi])
                if tomb is not None and tomb.size:
                    rows = rows[tomb[rows] == 0]
                out[qi].extend((int(i), 0) for i in ids[rows].tolist())
        return [sorted(set(r)) for r in out]

    def query(self, hash_hex: str) -> list[tuple[int, int]]:
        if not isinstance(hash_hex, str):
            raise TypeError("query takes one hex str; use search() for batches")
        return self.search([hash_hex])[0]

    # -- persistence --------------------------------------------------------------------------
    def save(self, path: str | os.PathLike) -> None:
        """Write to directory ``path`` (replaced atomically if it exists)."""
        path = Path(path)
        s = self._state
        s = self._merged(s, s.dkeys, s.dids)  # write one sorted array without dead rows
        with replacing_directory(path, "ExactIndex") as tmp:
            np.save(tmp / "keys.npy", s.keys)
            np.save(tmp / "ids.npy", s.ids)
            manifest = {
                "format": MANIFEST_FORMAT,
                "version": MANIFEST_VERSION,
                "signal_type": self.signal_type.name,
                "size": int(s.keys.size),
            }
            write_manifest(tmp, manifest)

    @classmethod
    def load(cls, path: str | os.PathLike, *, mmap: bool = True, **kwargs) -> ExactIndex:
        path = Path(path)
        try:
            with open(path / "manifest.json", encoding="utf-8") as fh:
                manifest = json.load(fh)
        except FileNotFoundError:
            raise FileNotFoundError(f"no ExactIndex at {path} (manifest.json missing)") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ValueError(f"corrupt ExactIndex manifest: {exc}") from None
        if not isinstance(manifest, dict) or manifest.get("format") != MANIFEST_FORMAT:
            raise ValueError(f"{path} is not an ExactIndex")
        if manifest.get("version") != MANIFEST_VERSION:
            raise ValueError(f"unsupported ExactIndex version {manifest.get('version')!r}")
        index = cls(manifest.get("signal_type"), **kwargs)
        n = manifest.get("size")
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValueError("corrupt ExactIndex manifest: size")
        mode = "c" if mmap and n else None  # copy-on-write: same numba types as in memory
        try:
            keys = np.load(path / "keys.npy", mmap_mode=mode, allow_pickle=False)
            ids = np.load(path / "ids.npy", mmap_mode=mode, allow_pickle=False)
        except (OSError, ValueError, EOFError) as exc:
            raise ValueError(f"corrupt ExactIndex file: {exc}") from None
        if (
            keys.dtype != index._dtype
            or keys.shape != (n,)
            or ids.dtype != np.int64
            or ids.shape != (n,)
        ):
            raise ValueError("corrupt ExactIndex: arrays do not match the manifest")
        if n > 1 and not bool(np.all(keys[1:] >= keys[:-1])):
            raise ValueError("corrupt ExactIndex: keys are not sorted")
        s = index._state
        index._state = _State(keys, ids, np.zeros(0, np.uint8), n, s.dkeys, s.dids)
        return index
