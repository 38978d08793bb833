"""Compile (or load from numba's cache) every PdqIndex kernel before the first search.

A fresh install compiles the numba kernels on the first ``PdqIndex.search`` (about 10 s on
the benchmark machine), and a process without a warm cache pays that before its first match
answer. :func:`warm_up` runs every code path of the index once on random hashes (no image, no
real data): adding, building a multi-index segment, both search strategies, removal and
saving/loading. With ``cache=True`` on the kernels the compiled code lands in numba's cache
directory, so the next process only loads it (well under a second).

Where it runs: ``manage.py matching_warmup`` (``make run`` calls it after migrating, a
deployment after ``migrate``), and in a background thread when a web process starts
(``ostoja.config.wsgi``), so that its first match answer finds the kernels loaded.
"""

from __future__ import annotations

import logging
import tempfile
import threading
import time

import numpy as np

logger = logging.getLogger(__name__)

_started = threading.Event()
_done = threading.Event()


def kernels() -> list:
    """The numba dispatchers behind PdqIndex."""
    from numba.core.registry import CPUDispatcher

    from . import _pdq_kernels

    return [v for v in vars(_pdq_kernels).values() if isinstance(v, CPUDispatcher)]


def cache_stats() -> tuple[int, int]:
    """(cache hits, cache misses) summed over the kernels of this process. A miss is a
    compilation; a process whose first search found a warm cache has none."""
    hits = misses = 0
    for dispatcher in kernels():
        stats = dispatcher.stats
        hits += sum(stats.cache_hits.values())
        misses += sum(stats.cache_misses.values())
    return hits, misses


def warm_up() -> float:
    """Run every PdqIndex code path once; return the seconds it took."""
    from .pdq_index import PdqIndex

    start = time.perf_counter()
    rng = np.random.default_rng(20261205)
    n = 3000
    words = rng.integers(0, 2**63, size=(n, 4), dtype=np.uint64)
    ids = np.arange(n, dtype=np.int64)
    queries = words[:4].copy()
    queries[:, 0] ^= np.uint64(0b1011)  # a few bits away: real matches to verify

    index = PdqIndex(threads=1, tail_limit=1024, min_mih_rows=1000)
    index.add(words, ids)
    index.compact()  # one indexed segment (multi-index hashing)
    index.search(queries, 31, strategy="mih")
    index.search(queries, 31, strategy="brute")
    index.add(words[:10] ^ np.uint64(1), ids[:10] + n)  # an unindexed tail
    index.search(queries, 31)
    index.remove(ids[:5])  # tombstones
    index.search(queries, 31)
    with tempfile.TemporaryDirectory(prefix="ostoja-warmup-") as tmp:
        index.save(f"{tmp}/index")
        PdqIndex.load(f"{tmp}/index").search(queries, 31)
        PdqIndex.load(f"{tmp}/index", verify="quick").search(queries, 31)
    # one segment straight from a word array (what banks_index_publish builds)
    PdqIndex.from_words(words, ids, threads=1, min_mih_rows=1000).search(queries, 31)
    return time.perf_counter() - start


def warm_up_in_background() -> threading.Thread | None:
    """Start :func:`warm_up` in a daemon thread (once per process)."""
    if _started.is_set():
        return None
    _started.set()

    def run() -> None:
        try:
            seconds = warm_up()
            logger.info("matching kernels ready in %.2f s", seconds)
        except Exception:  # a failed warm-up only means the first search compiles
            logger.exception("matching warm-up failed")
        finally:
            _done.set()

    thread = threading.Thread(target=run, name="ostoja-matching-warmup", daemon=True)
    thread.start()
    return thread
