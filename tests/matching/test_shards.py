"""Two shards by id range in two processes give exactly the one-index answer (issue 17)."""

import multiprocessing as mp

import numpy as np
import pytest

from ostoja.matching import PdqIndex, SearchResult, brute_force_search
from ostoja.matching.shards import merge_results, shard_of

from .test_pdq_index import clustered, queries_near, rand_hashes

THRESHOLDS = (0, 17, 31, 40)


def _shard_worker(path, queries, conn):
    """One shard server: open the saved shard (memory-mapped) and answer the queries."""
    index = PdqIndex.load(path, threads=1)
    out = []
    for r in THRESHOLDS:
        res = index.search_arrays(queries, r)
        out.append((res.lims, res.ids, res.distances))
    conn.send((out, len(index)))
    conn.close()


def test_two_shards_in_two_processes_equal_one_index(tmp_path):
    rng = np.random.default_rng(40)
    db = np.concatenate([rand_hashes(rng, 3000), clustered(rng, 20, 60)])
    ids = rng.permutation(10 * len(db))[: len(db)].astype(np.int64) - 5000
    bounds = [int(ids.min()), 7000, int(ids.max()) + 1]  # two id ranges
    shard = shard_of(ids, bounds)
    assert set(shard.tolist()) == {0, 1}
    paths = []
    for k in (0, 1):
        index = PdqIndex(num_chunks=8, chunk_bits=16, min_mih_rows=1, tail_limit=500)
        index.add(db[shard == k], ids[shard == k])
        index.save(tmp_path / f"shard{k}")
        paths.append(tmp_path / f"shard{k}")
    one = PdqIndex(num_chunks=8, chunk_bits=16, min_mih_rows=1, tail_limit=500)
    one.add(db, ids)
    q = queries_near(rng, db, 80, max_d=40)

    ctx = mp.get_context("spawn")  # fresh interpreters: nothing shared but the files
    pipes, procs = [], []
    for p in paths:
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=_shard_worker, args=(str(p), q, child))
        proc.start()
        pipes.append(parent)
        procs.append(proc)
    answers = [pipe.recv() for pipe in pipes]
    for proc in procs:
        proc.join(30)
        assert proc.exitcode == 0
    assert sum(a[1] for a in answers) == len(db)
    for k, r in enumerate(THRESHOLDS):
        merged = merge_results([SearchResult(*a[0][k]) for a in answers])
        assert merged.to_lists() == one.search(q, r) == brute_force_search(db, ids, q, r)
        if r == 31:
            assert sum(map(len, merged.to_lists())) > 80  # real matches from both shards
            assert all(len(a[0][k][1]) for a in answers)


def test_shard_routing_rejects_ids_outside_the_map():
    assert shard_of([0, 9, 10, 99], [0, 10, 100]).tolist() == [0, 0, 1, 1]
    with pytest.raises(ValueError, match="outside"):
        shard_of([100], [0, 10, 100])
    with pytest.raises(ValueError):
        shard_of([1], [0, 0, 5])
    with pytest.raises(ValueError):
        merge_results([])
