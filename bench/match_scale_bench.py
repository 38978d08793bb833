"""Benchmark: PdqIndex at 100 million hashes on one machine (issue 17), against FAISS flat.

A benchmark, not a test. Every step runs in its own subprocess so that its peak memory is its
own (``ru_maxrss`` of that process; the memory-mapped input and index files are page cache,
counted separately as "mapped"):

1. ``data``   write the hashes (internal ``(n, 4) uint64`` words) and ids to memory-mapped
              ``.npy`` files: ``random`` (uniform random bits) or ``images`` (PDQ hashes of
              generated images plus two stored transforms, padded with random rows); queries
              (near duplicates at distances 0-40, random non-matches, and for ``images`` the
              hashes of transformed copies that are not stored); brute-force ground truth at
              threshold 31 for every query (numba scan, ``bench/match_data.py``).
2. ``build``  ``PdqIndex.from_words`` on the mapped arrays, ``save``; build time, peak RSS,
              bytes per hash on disk.
3. ``search`` ``PdqIndex.load`` (mmap, verify full and quick), q/s at batch 1 and 256 with wall
              and CPU time, recall/precision against the ground truth; then add 1M and remove
              1M (tombstones) without a rebuild and check exactness again.
4. ``faiss``  ``faiss.IndexBinaryFlat`` on the same rows: q/s on a sample of queries (batch 1
              and one batch), recall/precision.

    nice -n 10 .venv/bin/python bench/match_scale_bench.py --n 100000000 --dataset images

Results go to ``bench/results/matching_scale_<dataset>_<n>.json`` and are summarised by hand
in ``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

THRESHOLD = 31
CHUNK = 1 << 22


def max_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class AnonPeak:
    """Samples this process's anonymous resident memory (RssAnon: heap, not mapped files)
    every 0.2 s; ``ru_maxrss`` would also count the pages of memory-mapped input files."""

    def __init__(self) -> None:
        import threading

        self.peak = 0
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            self.peak = max(self.peak, self.now())

    @staticmethod
    def now() -> int:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("RssAnon"):
                    return int(line.split()[1]) * 1024
        return 0

    def stop(self) -> int:
        self._stop.set()
        self._t.join()
        return max(self.peak, self.now())


def loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def step_data(args, d: Path) -> dict:
    import match_data as md
    from ostoja.matching.pdq_index import hashes_to_words

    n = args.n
    rng = np.random.default_rng(args.seed)
    t0 = time.time()
    words = np.lib.format.open_memmap(d / "words.npy", "w+", np.uint64, (n, 4))
    planted = np.zeros((0, 4), np.uint64)
    img = None
    if args.dataset == "images":
        cache = d.parent / f"images-{args.images}-{args.seed}.npz"
        if cache.exists():
            img = dict(np.load(cache))
        else:
            img = md.image_hashes(args.images, args.seed + 13)
            np.savez(cache, **img)
        parts = [img["original"]] + [img[t] for t in md.STORED_TRANSFORMS]
        planted = hashes_to_words(np.concatenate(parts))
    for s in range(0, n, CHUNK):
        e = min(n, s + CHUNK)
        words[s:e] = rng.integers(0, 2**64, size=(e - s, 4), dtype=np.uint64)
    # planted rows spread over the whole range (positions fixed by the seed)
    pos = np.sort(rng.choice(n, size=planted.shape[0], replace=False))
    words[pos] = planted
    words.flush()
    ids = np.lib.format.open_memmap(d / "ids.npy", "w+", np.int64, (n,))
    for s in range(0, n, CHUNK):
        e = min(n, s + CHUNK)
        ids[s:e] = np.arange(s, e, dtype=np.int64)
    ids.flush()
    gen_s = time.time() - t0

    # queries: near duplicates of stored rows (planted image rows for ``images``)
    k = args.per_distance
    cats: list[str] = []
    qs = []
    for dist in range(0, 41):
        src = pos[rng.integers(0, pos.size, size=k)] if pos.size else rng.integers(0, n, size=k)
        rows = np.ascontiguousarray(words[np.sort(src)]).view(np.uint8).reshape(-1, 32)
        flipped = md.flip_bits(rows, np.full(k, dist, np.int64), args.seed + 100 + dist)
        qs.append(flipped.view(np.uint64).reshape(-1, 4))
        cats += [f"d={dist}"] * k
    qs.append(rng.integers(0, 2**64, size=(4 * k, 4), dtype=np.uint64))
    cats += ["random"] * (4 * k)
    if img is not None:
        for t in md.QUERY_TRANSFORMS:
            pick = rng.integers(0, args.images, size=k)
            qs.append(hashes_to_words(img[t][pick]))
            cats += [f"img:{t}"] * k
    q = np.ascontiguousarray(np.concatenate(qs))
    np.save(d / "queries.npy", q)
    t1 = time.time()
    db8 = np.load(d / "words.npy", mmap_mode="r").view(np.uint8).reshape(n, 32)
    lims, gt_ids, gt_d = md.brute_force_gt(db8, q.view(np.uint8).reshape(-1, 32), THRESHOLD)
    gt_s = time.time() - t1
    np.savez(d / "gt.npz", lims=lims, ids=gt_ids, dists=gt_d)
    (d / "cats.json").write_text(json.dumps(cats))
    return {
        "generate_s": gen_s,
        "ground_truth_s": gt_s,
        "queries": int(q.shape[0]),
        "planted_image_rows": int(planted.shape[0]),
        "matches_in_ground_truth": int(lims[-1]),
        "max_rss_bytes": max_rss(),
    }


def step_build(args, d: Path) -> dict:
    from ostoja.matching import PdqIndex

    words = np.load(d / "words.npy", mmap_mode="r")
    ids = np.load(d / "ids.npy", mmap_mode="r")
    # warm the compiled kernels on a small build so that compile time is not build time
    PdqIndex.from_words(np.ascontiguousarray(words[:50_000]), np.arange(50_000, dtype=np.int64))
    rss_before = max_rss()
    sampler = AnonPeak()
    t0, c0 = time.time(), time.process_time()
    index = PdqIndex.from_words(words, ids, threads=args.threads)
    build_s, build_cpu = time.time() - t0, time.process_time() - c0
    anon_peak = sampler.stop()
    stats = index.stats()
    t0 = time.time()
    out = d / "index"
    index.save(out)
    save_s = time.time() - t0
    disk = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    return {
        "build_s": build_s,
        "build_cpu_s": build_cpu,
        "save_s": save_s,
        "index_bytes_in_memory": stats["memory_bytes"],
        "bytes_per_hash_in_memory": stats["memory_bytes"] / args.n,
        "index_bytes_on_disk": disk,
        "bytes_per_hash_on_disk": disk / args.n,
        "layout": stats["segments"][0]["chunks"],
        "max_rss_bytes": max_rss(),
        "max_rss_before_build_bytes": rss_before,
        "peak_anon_rss_build_bytes": anon_peak,
    }


def _score(cats, lims, ids, dists, gt, sel):
    """Per category: [expected, found, correct, wrong] over the queries ``sel``."""
    g_l, g_i, g_d = gt
    out: dict[str, list[int]] = {}
    for j, qi in enumerate(sel):
        exp = set(
            zip(
                g_i[g_l[qi] : g_l[qi + 1]].tolist(),
                g_d[g_l[qi] : g_l[qi + 1]].tolist(),
                strict=False,
            )
        )
        got = set(
            zip(
                ids[lims[j] : lims[j + 1]].tolist(),
                dists[lims[j] : lims[j + 1]].tolist(),
                strict=False,
            )
        )
        c = out.setdefault(cats[qi], [0, 0, 0, 0])
        c[0] += len(exp)
        c[1] += len(got)
        c[2] += len(exp & got)
        c[3] += len(got - exp)
    return out


def _summary(score):
    e = sum(v[0] for v in score.values())
    f = sum(v[1] for v in score.values())
    c = sum(v[2] for v in score.values())
    return {
        "expected": e,
        "found": f,
        "recall": (c / e) if e else 1.0,
        "precision": (c / f) if f else 1.0,
    }


def _timed_search(search, q, batch):
    lims, ids, ds = [0], [], []
    c0, t0 = time.process_time(), time.time()
    lat = []
    for s in range(0, q.shape[0], batch):
        t1 = time.perf_counter()
        r = search(q[s : s + batch])
        lat.append(time.perf_counter() - t1)
        lims.extend((np.asarray(r[0][1:]) + lims[-1]).tolist())
        ids.append(np.asarray(r[1]))
        ds.append(np.asarray(r[2]))
    wall, cpu = time.time() - t0, time.process_time() - c0
    res = (np.array(lims), np.concatenate(ids), np.concatenate(ds))
    lat_ms = np.array(lat) * 1000
    return res, {
        "queries": int(q.shape[0]),
        "batch": batch,
        "qps": q.shape[0] / wall,
        "cpu_ms_per_query": 1000 * cpu / q.shape[0],
        "batch_latency_ms_p50": float(np.percentile(lat_ms, 50)),
        "batch_latency_ms_max": float(lat_ms.max()),
    }


def step_search(args, d: Path) -> dict:
    from ostoja.matching import PdqIndex

    # queries as (n, 32) bytes in hex order: the index's word form is their little-endian view
    q = np.load(d / "queries.npy").view(np.uint8).reshape(-1, 32)
    g = np.load(d / "gt.npz")
    gt = (g["lims"], g["ids"], g["dists"])
    cats = json.loads((d / "cats.json").read_text())
    res: dict = {}
    for verify in ("quick", "full"):
        t0 = time.time()
        index = PdqIndex.load(d / "index", verify=verify, threads=args.threads)
        res[f"load_{verify}_s"] = time.time() - t0
    # first query after load touches cold pages
    t0 = time.time()
    index.search_arrays(q[:1], THRESHOLD)
    res["first_query_ms"] = 1000 * (time.time() - t0)

    def search(b):
        r = index.search_arrays(b, THRESHOLD)
        return r.lims, r.ids, r.distances

    sel = np.arange(q.shape[0])
    for batch in (256, 1):
        out, timing = _timed_search(search, q, batch)
        sc = _score(cats, *out, gt, sel)
        timing.update(_summary(sc))
        res[f"batch{batch}"] = timing
        res[f"batch{batch}_by_category"] = sc
    # a second batch-256 round (page cache warm)
    out, timing = _timed_search(search, q, 256)
    res["batch256_second_round"] = timing

    # updates without a rebuild: add 1M new rows, remove 1M stored ones
    rng = np.random.default_rng(args.seed + 7)
    m = args.update_rows
    new_words = rng.integers(0, 2**64, size=(m, 4), dtype=np.uint64)
    new_ids = np.arange(args.n, args.n + m, dtype=np.int64)
    gone = np.sort(rng.choice(args.n, size=m, replace=False)).astype(np.int64)
    t0 = time.time()
    index.add(new_words.view(np.uint8).reshape(-1, 32), new_ids)
    res["add_1m_s"] = time.time() - t0
    t0 = time.time()
    removed = index.remove(gone)
    res["remove_1m_s"] = time.time() - t0
    res["removed"] = removed
    res["segments_after_updates"] = index.stats()["segments"]
    # exactness after updates: ground truth minus removed ids plus a scan of the new rows
    from match_data import brute_force_gt

    nl, ni, nd = brute_force_gt(new_words.view(np.uint8).reshape(-1, 32), q, THRESHOLD)
    g_l, g_i, g_d = gt
    exp_l, exp_i, exp_d = [0], [], []
    gone_set = set(gone.tolist())
    for qi in range(q.shape[0]):
        pairs = [
            (i, dd)
            for i, dd in zip(
                g_i[g_l[qi] : g_l[qi + 1]].tolist(),
                g_d[g_l[qi] : g_l[qi + 1]].tolist(),
                strict=False,
            )
            if i not in gone_set
        ]
        pairs += [
            (args.n + i, dd)
            for i, dd in zip(
                ni[nl[qi] : nl[qi + 1]].tolist(), nd[nl[qi] : nl[qi + 1]].tolist(), strict=False
            )
        ]
        exp_i += [p[0] for p in pairs]
        exp_d += [p[1] for p in pairs]
        exp_l.append(len(exp_i))
    gt2 = (np.array(exp_l), np.array(exp_i, np.int64), np.array(exp_d, np.int64))
    out, timing = _timed_search(search, q, 256)
    timing.update(_summary(_score(cats, *out, gt2, sel)))
    res["batch256_after_updates"] = timing
    res["max_rss_bytes"] = max_rss()
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(("RssAnon", "RssFile")):
                k, v = line.split(":")
                res[k] = int(v.split()[0]) * 1024
    return res


def step_faiss(args, d: Path) -> dict:
    import faiss

    faiss.omp_set_num_threads(args.threads)
    words = np.load(d / "words.npy", mmap_mode="r")
    n = words.shape[0]
    q = np.load(d / "queries.npy")
    g = np.load(d / "gt.npz")
    gt = (g["lims"], g["ids"], g["dists"])
    cats = json.loads((d / "cats.json").read_text())
    index = faiss.IndexBinaryFlat(256)
    t0 = time.time()
    for s in range(0, n, CHUNK):
        index.add(np.ascontiguousarray(words[s : s + CHUNK]).view(np.uint8).reshape(-1, 32))
    res = {"build_s": time.time() - t0}
    q8 = q.view(np.uint8).reshape(-1, 32)
    sel = np.linspace(0, len(q8) - 1, args.faiss_queries).astype(int)

    def search(b):
        lims, dd, ii = index.range_search(np.ascontiguousarray(b), THRESHOLD + 1)
        return lims, ii, dd

    out, timing = _timed_search(search, q8[sel], 1)
    timing.update(_summary(_score(cats, *out, gt, sel)))
    res["batch1"] = timing
    out, timing = _timed_search(search, q8[sel], len(sel))
    timing.update(_summary(_score(cats, *out, gt, sel)))
    res[f"batch{len(sel)}"] = timing
    res["max_rss_bytes"] = max_rss()
    return res


STEPS = {"data": step_data, "build": step_build, "search": step_search, "faiss": step_faiss}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--n", type=int, default=100_000_000)
    p.add_argument("--dataset", choices=("random", "images"), default="images")
    p.add_argument("--images", type=int, default=1000)
    p.add_argument("--per-distance", type=int, default=8)
    p.add_argument("--update-rows", type=int, default=1_000_000)
    p.add_argument("--faiss-queries", type=int, default=16)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=20261205)
    p.add_argument("--steps", default="data,build,search,faiss")
    p.add_argument("--dir", default=str(HERE / "data"))
    p.add_argument("--step", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    d = Path(args.dir) / f"scale-{args.dataset}-{args.n}"
    d.mkdir(parents=True, exist_ok=True)
    if args.step:
        t0 = time.time()
        out = STEPS[args.step](args, d)
        out["step_wall_s"] = time.time() - t0
        out["loadavg_end"] = loadavg()
        (d / f"{args.step}.json").write_text(json.dumps(out, indent=1))
        return 0
    result_file = HERE / "results" / f"matching_scale_{args.dataset}_{args.n}.json"
    result = json.loads(result_file.read_text()) if result_file.exists() else {}
    result["command"] = " ".join([Path(sys.executable).name, *sys.argv])
    for step in args.steps.split(","):
        la = loadavg()
        print(f"[{time.strftime('%H:%M:%S')}] {step} (load {la})", flush=True)
        t0 = time.time()
        cmd = [sys.executable, __file__, *(argv or sys.argv[1:]), "--step", step]
        rc = subprocess.call(cmd)
        if rc != 0:
            result[step] = {"error": f"exit code {rc}", "loadavg_start": la}
            result_file.write_text(json.dumps(result, indent=1))
            print(f"  step {step} failed ({rc})", flush=True)
            return rc
        out = json.loads((d / f"{step}.json").read_text())
        out["loadavg_start"] = la
        out["started"] = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(t0))
        result[step] = out
        result_file.write_text(json.dumps(result, indent=1))
        print(f"  {step} done in {time.time() - t0:.0f}s: {json.dumps(out)[:600]}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
