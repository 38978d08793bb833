"""Splitting a :class:`~.pdq_index.PdqIndex` across machines: shards by id range, fan-out, merge.

When one machine is not enough, the hashes are split by **id range** into shards: shard ``k``
holds the ids in ``[bounds[k], bounds[k + 1])``. Every shard is an ordinary ``PdqIndex`` (its
own segments, tombstones and saved generations), so an add or a remove goes to exactly one
shard (the one whose range holds the id) and the id stays unique across all of them. A query
is sent to every shard (the hashes, not the ids, decide where a match is) and the answers are
merged: because ids are disjoint, the merged list of a query is the union of the shards' lists,
ordered by ``(distance, id)`` like a single index's answer -- exactly the one-index result,
not an approximation (``tests/matching/test_shards.py`` runs two shards in two processes).

This module holds only the pure parts (routing and merging); how the shards are reached
(processes on one host, HTTP between hosts) is the caller's choice. See
``docs/architecture.md``, "Beyond one machine".
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .pdq_index import SearchResult

__all__ = ["merge_results", "shard_of"]


def shard_of(ids: object, bounds: Sequence[int]) -> np.ndarray:
    """Shard number of every id for shards ``[bounds[k], bounds[k + 1])``.

    ``bounds`` must be strictly increasing; an id outside ``[bounds[0], bounds[-1])`` raises
    ``ValueError`` (a shard map that does not cover an id is a configuration error, never a
    silent drop)."""
    b = np.asarray(bounds, dtype=np.int64)
    if b.ndim != 1 or b.size < 2 or np.any(np.diff(b) <= 0):
        raise ValueError("bounds must be a strictly increasing list of at least two ints")
    arr = np.asarray(ids, dtype=np.int64)
    if arr.size and (arr.min() < b[0] or arr.max() >= b[-1]):
        raise ValueError("an id lies outside every shard's range")
    return np.searchsorted(b, arr, side="right") - 1


def merge_results(parts: Sequence[SearchResult]) -> SearchResult:
    """Merge the answers of shards with disjoint ids to the same queries (same order)."""
    if not parts:
        raise ValueError("nothing to merge")
    nq = len(parts[0])
    if any(len(p) != nq for p in parts):
        raise ValueError("shards answered different numbers of queries")
    counts = sum(np.diff(p.lims) for p in parts)
    lims = np.zeros(nq + 1, np.int64)
    np.cumsum(counts, out=lims[1:])
    ids = np.empty(int(lims[-1]), np.int64)
    dists = np.empty(int(lims[-1]), np.int32)
    for q in range(nq):
        a, b = lims[q], lims[q + 1]
        if a == b:
            continue
        qi = np.concatenate([p.ids[p.lims[q] : p.lims[q + 1]] for p in parts])
        qd = np.concatenate([p.distances[p.lims[q] : p.lims[q + 1]] for p in parts])
        order = np.lexsort((qi, qd))  # by distance, then id
        ids[a:b] = qi[order]
        dists[a:b] = qd[order]
    return SearchResult(lims, ids, dists)
