"""Benchmark: where a PdqIndex query's time goes, against the machine's memory limit (issue 17).

For a saved index (``bench/match_scale_bench.py`` writes them) and its queries, per query:

* ``probes``     bucket look-ups (keys within the chunk radius, all tables of every segment),
* ``candidates`` row positions read from those buckets (each needs its 32-byte row),
* ``matches``    rows within the threshold,

and the measured CPU time per query (batches of 256, 1 thread). The physical limit: every
probe is at least one random read (bucket offsets) and every candidate one random row read,
so a query costs at least ``(probes + candidates) / R`` where ``R`` is the machine's rate of
independent random 32-byte reads from an array of the index's size (measured here by a numba
gather with as much memory-level parallelism as the core gives; a dependent pointer chase is
reported for the latency). The ratio measured / floor says how close the kernels are to it.

    nice -n 10 .venv/bin/python bench/match_cost_bench.py \\
        --index bench/data/scale-images-100000000/index \\
        --queries bench/data/scale-images-100000000/queries.npy
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
from numba import njit

from ostoja.matching._pdq_kernels import _prefetch

HERE = Path(__file__).resolve().parent


@njit(cache=True)
def _gather(words, idx, q):
    """Independent random row reads, prefetched 24 ahead like the index kernels: the best
    rate one core reaches on random rows."""
    s = 0
    pd = 24
    for j in range(min(pd, idx.size)):
        _prefetch(words, idx[j] * 4)
    for j in range(idx.size):
        if j + pd < idx.size:
            _prefetch(words, idx[j + pd] * 4)
        r = idx[j]
        for k in range(4):
            x = words[r, k] ^ q[k]
            # popcount (SWAR)
            x = x - ((x >> np.uint64(1)) & np.uint64(0x5555555555555555))
            x = (x & np.uint64(0x3333333333333333)) + (
                (x >> np.uint64(2)) & np.uint64(0x3333333333333333)
            )
            x = (x + (x >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
            s += (x * np.uint64(0x0101010101010101)) >> np.uint64(56)
    return s


@njit(cache=True)
def _chase(nxt, steps):
    """Dependent reads: each index comes from the previous read (latency)."""
    i = 0
    for _ in range(steps):
        i = nxt[i]
    return i


def memory_limits(rows: int, reads: int = 4_000_000) -> dict:
    rng = np.random.default_rng(1)
    words = np.empty((rows, 4), np.uint64)
    for s in range(0, rows, 1 << 22):
        e = min(rows, s + (1 << 22))
        words[s:e] = rng.integers(0, 2**63, size=(e - s, 4), dtype=np.uint64)
    idx = rng.integers(0, rows, size=reads).astype(np.int64)
    q = np.zeros(4, np.uint64)
    _gather(words, idx[:1000], q)
    t0 = time.process_time()
    _gather(words, idx, q)
    gather_ns = (time.process_time() - t0) / reads * 1e9
    n = min(rows, 1 << 25)
    perm = rng.permutation(n).astype(np.int64)
    nxt = np.empty(n, np.int64)
    nxt[perm[:-1]] = perm[1:]
    nxt[perm[-1]] = perm[0]
    _chase(nxt, 1000)
    steps = 2_000_000
    t0 = time.process_time()
    _chase(nxt, steps)
    chase_ns = (time.process_time() - t0) / steps * 1e9
    return {
        "array_rows": rows,
        "array_bytes": int(words.nbytes),
        "random_row_read_ns": gather_ns,
        "dependent_read_latency_ns": chase_ns,
        "chase_array_bytes": int(nxt.nbytes),
    }


def costs(index, q: np.ndarray, r: int) -> dict:
    from ostoja.matching import _pdq_kernels as K

    st = index._state
    probes = np.zeros(q.shape[0], np.int64)
    cands = np.zeros(q.shape[0], np.int64)
    for p in st.parts:
        seg = p.segment
        plan = seg.plan(r) if seg.layout is not None else None
        if plan is None:
            cands += seg.n  # scanned
            continue
        for i, (w, t) in enumerate(zip(seg.layout.widths, plan.radii, strict=True)):
            if t < 0:
                continue
            masks = plan.masks[plan.mask_lo[i] : plan.mask_hi[i]].astype(np.int64)
            keys = K.chunk_keys(q, seg.layout.starts[i], w).astype(np.int64)
            base = int(seg.off_base[i])
            off = seg.offsets
            for j in range(q.shape[0]):
                kk = keys[j] ^ masks
                sizes = off[base + kk + 1].astype(np.int64) - off[base + kk]
                cands[j] += int(sizes.sum())
                probes[j] += kk.size
    return {"probes": probes, "candidates": cands}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--index", required=True)
    p.add_argument("--queries", required=True, help=".npy of (n, 4) words (match_scale_bench)")
    p.add_argument("--threshold", type=int, default=31)
    p.add_argument("--limit-rows", type=int, default=0, help="rows for the memory test")
    p.add_argument("--write")
    args = p.parse_args(argv)
    from ostoja.matching import PdqIndex

    index = PdqIndex.load(args.index, verify="quick", threads=1)
    q8 = np.load(args.queries).view(np.uint8).reshape(-1, 32)
    from ostoja.matching.pdq_index import hashes_to_words

    qw = hashes_to_words(q8)
    c = costs(index, qw, args.threshold)
    index.search_arrays(q8[:256], args.threshold)  # warm
    best = None
    for _ in range(2):
        t0 = time.process_time()
        res = None
        for s in range(0, q8.shape[0], 256):
            res = index.search_arrays(q8[s : s + 256], args.threshold)
        cpu = (time.process_time() - t0) / q8.shape[0]
        best = cpu if best is None else min(best, cpu)
    matches = int(index.search_arrays(q8, args.threshold).lims[-1])
    del res
    n = len(index)
    rows = args.limit_rows or min(n, 200_000_000)
    # the memory test allocates rows x 32 bytes: keep it to the index's own words size
    mem = memory_limits(min(rows, n))
    units = c["probes"] + c["candidates"]
    floor_ms = float(units.mean()) * mem["random_row_read_ns"] / 1e6
    out = {
        "index": args.index,
        "hashes": n,
        "queries": int(q8.shape[0]),
        "threshold": args.threshold,
        "segments": index.stats()["segments"],
        "probes_per_query_mean": float(c["probes"].mean()),
        "candidates_per_query_mean": float(c["candidates"].mean()),
        "candidates_per_query_p99": float(np.percentile(c["candidates"], 99)),
        "matches_per_query_mean": matches / q8.shape[0],
        "cpu_ms_per_query_1_thread_b256": best * 1000,
        "memory": mem,
        "floor_ms_per_query": floor_ms,
        "measured_over_floor": best * 1000 / floor_ms,
        "loadavg": os.getloadavg(),
        "when": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
    }
    print(json.dumps(out, indent=1))
    if args.write:
        Path(args.write).write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
