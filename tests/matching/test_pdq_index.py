"""PdqIndex: exactness against the brute-force oracle, updates, persistence, bad input."""

import contextlib
import json
import struct
import threading

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ostoja.matching import (
    DuplicateIdError,
    IndexFileError,
    PdqIndex,
    SignalParseError,
    brute_force_search,
    pdq_index,
)
from ostoja.matching.pdq_index import (
    BYTES_PER_HASH_BUDGET,
    _Layout,
    _radii,
    choose_layout,
    hashes_to_words,
    words_to_hex,
)

# -- helpers -----------------------------------------------------------------------------------


def rand_hashes(rng, n):
    return rng.integers(0, 256, size=(n, 32), dtype=np.uint8)


def flip(h, d, rng):
    """Copy of hash ``h`` (32 uint8) with exactly ``d`` distinct bits flipped."""
    out = h.copy()
    for b in rng.choice(256, size=d, replace=False):
        out[b // 8] ^= np.uint8(1 << (b % 8))
    return out


def clustered(rng, seeds, per_seed):
    """Seed hashes plus variants at distances 2..30 (near-duplicate families)."""
    base = rand_hashes(rng, seeds)
    rows = [base]
    for s in range(seeds):
        rows.append(
            np.stack([flip(base[s], int(rng.integers(2, 31)), rng) for _ in range(per_seed)])
        )
    return np.concatenate(rows)


def queries_near(rng, db, nq, max_d=70):
    qs = []
    for _ in range(nq):
        if len(db) and rng.random() < 0.85:
            qs.append(flip(db[rng.integers(len(db))], int(rng.integers(0, max_d + 1)), rng))
        else:
            qs.append(rand_hashes(rng, 1)[0])
    return np.stack(qs) if qs else np.zeros((0, 32), np.uint8)


def hexes(arr):
    return [bytes(r).hex() for r in arr]


@contextlib.contextmanager
def tiny_result_buffer():
    """Start searches with a one-slot result buffer (exercises the grow-and-resume path)."""
    saved = pdq_index._RESULTS_MIN_START, pdq_index._RESULTS_PER_QUERY_START
    pdq_index._RESULTS_MIN_START, pdq_index._RESULTS_PER_QUERY_START = 1, 0
    try:
        yield
    finally:
        pdq_index._RESULTS_MIN_START, pdq_index._RESULTS_PER_QUERY_START = saved


def small_index(**kw):
    kw.setdefault("num_chunks", 8)
    kw.setdefault("chunk_bits", 16)
    kw.setdefault("min_mih_rows", 1)
    return PdqIndex(threads=2, **kw)


# -- conversion --------------------------------------------------------------------------------


def test_hex_and_array_inputs_are_equivalent():
    rng = np.random.default_rng(1)
    arr = rand_hashes(rng, 5)
    hx = hexes(arr)
    w = hashes_to_words(hx)
    assert np.array_equal(w, hashes_to_words(arr))
    # uint64 words: word k is the integer value of hex digits 16k..16k+15
    u64 = np.array(
        [[int(h[16 * k : 16 * k + 16], 16) for k in range(4)] for h in hx], dtype=np.uint64
    )
    assert np.array_equal(w, hashes_to_words(u64))
    assert words_to_hex(w) == hx
    assert hashes_to_words([h.upper() for h in hx]).tolist() == w.tolist()
    assert hashes_to_words([f"  {h}\n" for h in hx]).tolist() == w.tolist()
    assert hashes_to_words(np.array(hx)).tolist() == w.tolist()


def test_brute_force_oracle_matches_python_popcount():
    rng = np.random.default_rng(2)
    db = rand_hashes(rng, 60)
    q = queries_near(rng, db, 10, max_d=40)
    ids = list(range(100, 160))
    got = brute_force_search(hexes(db), ids, hexes(q), 40)
    for qi, qh in enumerate(hexes(q)):
        expected = sorted(
            (
                (ids[i], bin(int(qh, 16) ^ int(h, 16)).count("1"))
                for i, h in enumerate(hexes(db))
                if bin(int(qh, 16) ^ int(h, 16)).count("1") <= 40
            ),
            key=lambda t: (t[1], t[0]),
        )
        assert got[qi] == expected


# -- exactness ---------------------------------------------------------------------------------


def test_radii_satisfy_the_pigeonhole_condition():
    for m, b in [(1, 8), (3, 10), (8, 16), (11, 23), (16, 16), (13, 19)]:
        lay = _Layout.uniform(m, b)
        for r in range(0, 257):
            radii = _radii(lay, r)
            if radii is None:
                assert r + 1 > m * (b + 1)
                continue
            assert sum(t + 1 for t in radii) >= r + 1
            assert all(-1 <= t <= b for t in radii)


@pytest.mark.parametrize("d", [0, 1, 2, 30, 31, 32, 33, 40, 63, 64, 100])
@pytest.mark.parametrize("layout", [None, (16, 16), (11, 23), (8, 8)])
def test_exact_boundaries(d, layout):
    rng = np.random.default_rng(d)
    kw = {} if layout is None else {"num_chunks": layout[0], "chunk_bits": layout[1]}
    if layout == (11, 23):
        kw["min_mih_rows"] = 10**9  # 23-bit tables are too big for a test: flat segment
    index = small_index(**kw) if kw else PdqIndex(threads=2, min_mih_rows=1)
    db = rand_hashes(rng, 500)
    q = db[7]
    target = flip(q, d, rng)
    db = np.concatenate([db, target[None, :]])
    index.add(db, np.arange(len(db)))
    for r in (0, 31, 32, 33, 63, 64):
        res = dict(index.search(q[None, :], r, strategy="mih")[0])
        assert (500 in res) == (d <= r), (d, r)
        if d <= r:
            assert res[500] == d
        assert res[7] == 0
        assert index.search(q[None, :], r) == brute_force_search(
            db, np.arange(len(db)), q[None, :], r
        )


@st.composite
def scenario(draw):
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    kind = draw(st.sampled_from(["random", "clustered", "duplicates"]))
    n = draw(st.integers(0, 400))
    if kind == "random":
        db = rand_hashes(rng, n)
    elif kind == "clustered":
        seeds = max(1, n // 40)
        db = clustered(rng, seeds, max(1, n // seeds))
    else:
        base = rand_hashes(rng, max(1, n // 10))
        db = base[rng.integers(0, len(base), size=n)]
    id_range = draw(st.sampled_from([10**12, len(db) + 1]))  # ids are unique in an index
    ids = rng.choice(2 * id_range, size=len(db), replace=False).astype(np.int64) - id_range
    layout = draw(st.sampled_from([(1, 8), (3, 10), (4, 16), (8, 16), (16, 16), (32, 8)]))
    tail_limit = draw(st.sampled_from([1, 7, 64, 100_000]))
    thresholds = draw(st.lists(st.integers(0, 63), min_size=1, max_size=3))
    if draw(st.booleans()):
        thresholds.append(draw(st.integers(64, 256)))
    q = queries_near(rng, db, draw(st.integers(1, 12)))
    batches = draw(st.integers(1, 4))
    return db, ids, layout, tail_limit, thresholds, q, batches


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario())
def test_search_equals_brute_force(sc):
    db, ids, (m, b), tail_limit, thresholds, q, batches = sc
    index = small_index(num_chunks=m, chunk_bits=b, tail_limit=tail_limit)
    for part_db, part_ids in zip(
        np.array_split(db, batches), np.array_split(ids, batches), strict=True
    ):
        index.add(part_db, part_ids)
    assert len(index) == len(db)
    for r in thresholds:
        expected = brute_force_search(db, ids, q, r)
        assert index.search(q, r, strategy="mih") == expected
        assert index.search(q, r) == expected
        assert index.search(hexes(q), r, strategy="brute") == expected
        with tiny_result_buffer():  # every kernel stops, grows its buffer and resumes
            assert index.search(q, r, strategy="mih") == expected
            assert index.search(q, r, strategy="brute") == expected


def test_default_layout_on_a_larger_set_equals_brute_force():
    rng = np.random.default_rng(5)
    db = np.concatenate([rand_hashes(rng, 30_000), clustered(rng, 20, 300)])
    ids = np.arange(len(db)) * 7 - 1000
    index = PdqIndex(threads=2)
    index.add(db, ids)
    assert index.stats()["segments"][0]["chunks"] is not None  # really uses MIH
    q = queries_near(rng, db, 200, max_d=40)
    for r in (0, 15, 31, 32, 47, 63):
        assert index.search(q, r, strategy="mih") == brute_force_search(db, ids, q, r)


def test_large_result_lists_are_complete():
    rng = np.random.default_rng(6)
    h = rand_hashes(rng, 1)
    db = np.concatenate([np.repeat(h, 300, axis=0), rand_hashes(rng, 200)])
    ids = np.arange(len(db))
    index = small_index(tail_limit=50)
    index.add(db, ids)
    q = np.concatenate([h, flip(h[0], 3, rng)[None, :], rand_hashes(rng, 20)])
    res = index.search(q, 31)
    assert len(res[0]) == 300 and len(res[1]) == 300
    assert res == brute_force_search(db, ids, q, 31)
    arrays = index.search_arrays(q, 31)
    assert arrays.to_lists() == res
    assert len(arrays) == len(q)


def test_threshold_256_returns_everything():
    rng = np.random.default_rng(7)
    db = rand_hashes(rng, 100)
    index = small_index()
    index.add(db, np.arange(100))
    res = index.search(rand_hashes(rng, 3), 256)
    assert all(sorted(i for i, _ in r) == list(range(100)) for r in res)


# -- ids, updates --------------------------------------------------------------------------------


def test_duplicate_hashes_under_different_ids():
    rng = np.random.default_rng(8)
    a, b = rand_hashes(rng, 2)
    near_a = flip(a, 3, rng)
    index = small_index(tail_limit=2)
    index.add([bytes(a).hex(), bytes(near_a).hex()], [42, 43])
    index.add(np.stack([a, b]), [7, 8])  # the same hash under a second id
    assert index.query(bytes(a).hex()) == [(7, 0), (42, 0), (43, 3)]
    assert len(index) == 4
    assert index.remove([42]) == 1
    assert index.query(bytes(a).hex()) == [(7, 0), (43, 3)]


@pytest.mark.parametrize("tail_limit", [1, 3, 1000])
def test_colliding_ids_are_refused_and_nothing_is_added(tail_limit):
    rng = np.random.default_rng(80)
    db = rand_hashes(rng, 10)
    index = small_index(tail_limit=tail_limit)
    index.add(db[:5], [1, 2, 3, 4, 5])
    with pytest.raises(DuplicateIdError, match=r"already in the index: \[3\]") as exc:
        index.add(db[5:7], [6, 3])  # 3 is stored (in a segment or the tail)
    assert exc.value.ids == [3]
    with pytest.raises(DuplicateIdError, match=r"repeated in the batch: \[9\]"):
        index.add(db[5:8], [9, 10, 9])
    assert len(index) == 5
    assert index.query(bytes(db[5]).hex(), 0) == []  # nothing of the refused batches
    # a removed id is free again
    index.remove([3])
    index.add(db[5:6], [3])
    assert index.query(bytes(db[5]).hex(), 0) == [(3, 0)]
    assert index.query(bytes(db[2]).hex(), 0) == []
    with pytest.raises(DuplicateIdError):
        PdqIndex.from_words(hashes_to_words(db[:3]), np.array([5, 6, 5], np.int64))


def test_remove_of_a_missing_id_raises_and_removes_nothing():
    rng = np.random.default_rng(81)
    db = rand_hashes(rng, 50)
    index = small_index(tail_limit=20)
    index.add(db, np.arange(50))
    with pytest.raises(KeyError, match=r"not in the index: \[99\]"):
        index.remove([3, 99, 45])  # 3 in a segment, 45 in the tail, 99 nowhere
    assert len(index) == 50
    assert index.query(bytes(db[3]).hex(), 0) == [(3, 0)]
    assert index.query(bytes(db[45]).hex(), 0) == [(45, 0)]
    assert index.remove([3, 99, 45], missing="ignore") == 2
    assert len(index) == 48
    with pytest.raises(KeyError):
        index.remove([3])  # removed already
    with pytest.raises(ValueError):
        index.remove([1], missing="maybe")


def test_add_remove_readd():
    rng = np.random.default_rng(9)
    db = rand_hashes(rng, 600)
    ids = np.arange(600)
    index = small_index(tail_limit=100)
    index.add(db, ids)
    q = db[:50]
    gone = list(range(0, 600, 3))
    assert index.remove(gone) == 200
    assert index.remove(gone, missing="ignore") == 0
    assert index.remove([10**15, -5], missing="ignore") == 0
    assert len(index) == 400
    keep = np.setdiff1d(ids, gone)
    assert index.search(q, 40) == brute_force_search(db[keep], keep, q, 40)
    # re-add the removed ids with new hashes (and one of them with its old hash)
    new = rand_hashes(rng, len(gone))
    new[0] = db[0]
    index.add(new, gone)
    all_db = np.concatenate([db[keep], new])
    all_ids = np.concatenate([keep, gone])
    assert len(index) == 600
    assert index.search(q, 40) == brute_force_search(all_db, all_ids, q, 40)
    assert index.query(bytes(db[0]).hex(), 0) == [(0, 0)]


def test_many_small_adds_stay_few_segments():
    rng = np.random.default_rng(10)
    db = rand_hashes(rng, 3000)
    index = small_index(tail_limit=20)
    for s in range(0, 3000, 37):
        index.add(db[s : s + 37], np.arange(s, min(s + 37, 3000)))
    st_ = index.stats()
    assert st_["size"] == 3000
    assert len(st_["segments"]) <= 2 * int(np.log2(3000)) + 1
    q = queries_near(rng, db, 30)
    assert index.search(q, 31) == brute_force_search(db, np.arange(3000), q, 31)


def test_removing_most_rows_rebuilds_and_compact():
    rng = np.random.default_rng(11)
    db = rand_hashes(rng, 1000)
    index = small_index(tail_limit=1000)
    index.add(db, np.arange(1000))
    index.remove(np.arange(700))
    st_ = index.stats()
    assert st_["size"] == 300
    assert all(s["live"] == s["rows"] for s in st_["segments"])  # rebuilt without tombstones
    index.add(db[:5], np.arange(5))
    index.compact()
    assert len(index.stats()["segments"]) == 1 and index.stats()["tail"] == 0
    ids = np.concatenate([np.arange(700, 1000), np.arange(5)])
    rows = np.concatenate([db[700:], db[:5]])
    q = queries_near(rng, db, 30)
    assert index.search(q, 31) == brute_force_search(rows, ids, q, 31)
    index.remove(ids)
    assert len(index) == 0
    assert index.search(q, 31) == [[] for _ in range(30)]


def test_failed_add_adds_nothing():
    index = small_index()
    good = "a" * 64
    with pytest.raises(SignalParseError, match=r"hashes\[2\]"):
        index.add([good, good, "a" * 63], [1, 2, 3])
    with pytest.raises(ValueError, match="3 hashes but 2 ids"):
        index.add([good, good, good], [1, 2])
    assert len(index) == 0


# -- empty index and bad input -----------------------------------------------------------------


def test_empty_index():
    index = PdqIndex()
    assert len(index) == 0
    assert index.search(["0" * 64], 31) == [[]]
    assert index.search([], 31) == []
    assert index.search(np.zeros((0, 32), np.uint8)) == []
    assert index.remove([1, 2], missing="ignore") == 0
    index.add([], [])
    index.compact()
    assert len(index) == 0


@pytest.mark.parametrize(
    "hashes, ids, exc",
    [
        ("a" * 64, [1], TypeError),
        (b"\x00" * 32, [1], TypeError),
        (None, [1], TypeError),
        ([123], [1], TypeError),
        (["a" * 64], "1", TypeError),
        (["a" * 64], [1.5], TypeError),
        (["a" * 64], [True], TypeError),
        (["a" * 64], [2**63], ValueError),
        (["a" * 64], np.array([2**64 - 1], dtype=np.uint64), ValueError),
        (["a" * 64], np.array([1.0]), TypeError),
        (["a" * 64], np.array([[1]]), ValueError),
        (["a" * 64], [1, 2], ValueError),
        (["g" * 64], [1], SignalParseError),
        (["a" * 65], [1], SignalParseError),
        (["\uff41" * 64], [1], SignalParseError),
        (np.zeros((2, 31), np.uint8), [1, 2], ValueError),
        (np.zeros(32, np.uint8), [1], ValueError),
        (np.zeros((1, 4), np.int64), [1], TypeError),
        (np.zeros((1, 3), np.uint64), [1], ValueError),
        (np.zeros((1, 32), np.float32), [1], TypeError),
    ],
)
def test_add_rejects_bad_input(hashes, ids, exc):
    index = small_index()
    with pytest.raises(exc):
        index.add(hashes, ids)
    assert len(index) == 0


@pytest.mark.parametrize(
    "threshold, exc",
    [
        (-1, ValueError),
        (257, ValueError),
        (1.5, TypeError),
        (True, TypeError),
        ("31", TypeError),
        (None, TypeError),
    ],
)
def test_search_rejects_bad_threshold(threshold, exc):
    with pytest.raises(exc):
        PdqIndex().search(["0" * 64], threshold)


def test_search_and_remove_reject_bad_input():
    index = PdqIndex()
    with pytest.raises(TypeError):
        index.search("0" * 64)
    with pytest.raises(SignalParseError, match=r"queries\[0\]"):
        index.search(["xyz"])
    with pytest.raises(ValueError, match="strategy"):
        index.search(["0" * 64], strategy="fast")
    with pytest.raises(TypeError):
        index.query(["0" * 64])
    with pytest.raises(TypeError):
        index.remove("12")
    with pytest.raises(TypeError):
        index.remove([1.0])
    with pytest.raises(TypeError):
        index.remove(None)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"threads": 0},
        {"threads": True},
        {"tail_limit": 0},
        {"min_mih_rows": -1},
        {"num_chunks": 8},
        {"num_chunks": 20, "chunk_bits": 16},
        {"num_chunks": 2, "chunk_bits": 30},
    ],
)
def test_constructor_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        PdqIndex(**kwargs)


# -- persistence -------------------------------------------------------------------------------


def build_mixed(rng):
    db = rand_hashes(rng, 900)
    index = small_index(tail_limit=300)
    index.add(db[:800], np.arange(800))  # segments
    index.add(db[800:], np.arange(800, 900))  # tail
    index.remove([1, 2, 3, 850])  # tombstones and tail removal
    keep = np.setdiff1d(np.arange(900), [1, 2, 3, 850])
    return index, db, keep


@pytest.mark.parametrize("mmap", [True, False])
def test_save_load_round_trip(tmp_path, mmap):
    rng = np.random.default_rng(12)
    index, db, keep = build_mixed(rng)
    path = tmp_path / "pdq"
    index.save(path)
    loaded = PdqIndex.load(path, mmap=mmap, threads=2)
    assert len(loaded) == len(index) == len(keep)
    q = queries_near(rng, db, 40)
    expected = brute_force_search(db[keep], keep, q, 35)
    assert loaded.search(q, 35) == expected == index.search(q, 35)
    assert loaded.stats()["segments"] == index.stats()["segments"]
    # a loaded index keeps working: add, remove, save over the same path
    loaded.add(db[1:3], [1, 2])
    loaded.remove([5])
    loaded.save(path)
    again = PdqIndex.load(path)
    keep2 = np.setdiff1d(np.arange(900), [3, 5, 850])
    assert again.search(q, 35) == brute_force_search(db[keep2], keep2, q, 35)


def test_save_load_empty(tmp_path):
    PdqIndex().save(tmp_path / "e")
    assert len(PdqIndex.load(tmp_path / "e")) == 0
    assert PdqIndex.load(tmp_path / "e").search(["0" * 64]) == [[]]


def test_save_refuses_to_overwrite_other_things(tmp_path):
    (tmp_path / "file").write_text("precious")
    with pytest.raises(FileExistsError):
        PdqIndex().save(tmp_path / "file")
    (tmp_path / "dir").mkdir()
    (tmp_path / "dir" / "x.txt").write_text("precious")
    with pytest.raises(FileExistsError):
        PdqIndex().save(tmp_path / "dir")
    assert (tmp_path / "file").read_text() == "precious"


def _gen(path):
    return path / (path / "CURRENT").read_text().strip()


def test_load_rejects_missing_and_corrupt_manifest(tmp_path):
    with pytest.raises(FileNotFoundError):
        PdqIndex.load(tmp_path / "nothing")
    rng = np.random.default_rng(13)
    index, _, _ = build_mixed(rng)
    path = tmp_path / "pdq"
    index.save(path)
    wrapped = json.loads((_gen(path) / "manifest.json").read_text())
    manifest = wrapped["manifest"]

    def write(man, checksum=None):
        (_gen(path) / "manifest.json").write_text(
            json.dumps({"manifest": man, "checksum": checksum or wrapped["checksum"]})
        )

    # any edit without the matching checksum is refused
    for changes in ({"size": 5}, {"segments": "x"}, {"version": 99}):
        write({**manifest, **changes})
        with pytest.raises(IndexFileError, match="checksum"):
            PdqIndex.load(path)
    (_gen(path) / "manifest.json").write_text("{not json")
    with pytest.raises(IndexFileError):
        PdqIndex.load(path)
    write(manifest)
    PdqIndex.load(path)  # restored manifest loads again


def _rewrite_header(file, **changes):
    raw = bytearray(file.read_bytes())
    magic = b"OSTOJA-IX\n"
    version, hlen = struct.unpack(">II", raw[len(magic) : len(magic) + 8])
    version = changes.pop("version", version)
    meta = json.loads(raw[len(magic) + 8 : len(magic) + 8 + hlen])
    meta.update(changes)
    body = json.dumps(meta).encode()
    head = (magic + struct.pack(">II", version, len(body)) + body).ljust(4096, b"\0")
    file.write_bytes(head + raw[4096:])


@pytest.mark.parametrize("verify", ["full", "quick"])
def test_truncated_foreign_or_corrupt_files_raise_never_answer(tmp_path, verify):
    rng = np.random.default_rng(16)
    index, db, keep = build_mixed(rng)
    path = tmp_path / "pdq"
    index.save(path)
    gen = _gen(path)
    words = gen / "seg0.words"
    original = words.read_bytes()

    def expect(match):
        with pytest.raises(IndexFileError, match=match):
            PdqIndex.load(path, verify=verify)
        words.write_bytes(original)

    words.write_bytes(original[:-32])  # truncated by one hash
    expect("truncated")
    words.write_bytes(original[:100])  # truncated inside the header
    expect("not an Ostoja index file|corrupt header")
    words.write_bytes(original + b"\0" * 8)
    expect("trailing")
    _rewrite_header(words, version=1)  # another format version
    expect("format version 1; this Ostoja reads version 2")
    words.write_bytes(b"\x93NUMPY" + original[7:])
    expect("not an Ostoja index file")
    # another save's file of the same shape: its checksum is not the one in the manifest
    other = PdqIndex(num_chunks=8, chunk_bits=16, min_mih_rows=1, tail_limit=300)
    other.add(rand_hashes(rng, 800), np.arange(800))
    other.save(tmp_path / "other")
    words.write_bytes((_gen(tmp_path / "other") / "seg0.words").read_bytes())
    expect("does not belong to this index")
    # a flipped bit in the payload (header intact): only the full check can see it
    flipped = bytearray(original)
    flipped[4096 + 5] ^= 1
    words.write_bytes(bytes(flipped))
    if verify == "full":
        expect("checksum mismatch")
    # offsets/perm that point past the rows would make the kernels read out of bounds: found
    # by the table check even when payload checksums are skipped (header checksum patched)
    offsets = gen / "seg0.offsets"
    off_raw = offsets.read_bytes()
    arr = np.frombuffer(off_raw[4096:], np.uint32).copy()
    arr[5] = 10**6
    from ostoja.matching._indexfile import checksum

    offsets.write_bytes(off_raw[:4096] + arr.tobytes())
    _rewrite_header(offsets, checksum=f"{checksum(arr):016x}")
    with pytest.raises(IndexFileError, match="does not belong|inconsistent"):
        PdqIndex.load(path, verify=verify)
    offsets.write_bytes(off_raw)
    (gen / "seg0.ids").unlink()
    with pytest.raises(IndexFileError, match="missing"):
        PdqIndex.load(path, verify=verify)


def test_a_version_1_directory_is_refused_clearly(tmp_path):
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "manifest.json").write_text('{"format": "ostoja-pdq-index"}')
    with pytest.raises(IndexFileError, match="format version 1"):
        PdqIndex.load(tmp_path / "old")


def test_a_save_killed_halfway_leaves_the_old_index(tmp_path, monkeypatch):
    rng = np.random.default_rng(17)
    index, db, keep = build_mixed(rng)
    path = tmp_path / "pdq"
    index.save(path, meta={"seq": 1})
    q = queries_near(rng, db, 30)
    expected = brute_force_search(db[keep], keep, q, 31)
    bigger = small_index(tail_limit=300)
    bigger.add(db, np.arange(900))
    from ostoja.matching import _indexfile

    real = _indexfile.write_array
    calls = []

    def dying(file, arr):
        calls.append(file.name)
        if len(calls) == 3:
            real(file, arr[: len(arr) // 2])  # half a file on disk, then the process "dies"
            raise KeyboardInterrupt
        return real(file, arr)

    monkeypatch.setattr(_indexfile, "write_array", dying)
    with pytest.raises(KeyboardInterrupt):
        bigger.save(path)
    monkeypatch.setattr(_indexfile, "write_array", real)
    loaded = PdqIndex.load(path)
    assert loaded.meta == {"seq": 1}
    assert loaded.search(q, 31) == expected
    # even if the partial generation directory survived (a real kill leaves it), it is ignored
    leftover = path / ".g-deadbeef"
    leftover.mkdir()
    (leftover / "seg0.words").write_bytes(b"partial")
    assert PdqIndex.load(path).search(q, 31) == expected
    bigger.save(path)  # the next save works and replaces it
    assert len(PdqIndex.load(path)) == 900


# -- memory, concurrency -------------------------------------------------------------------------


def test_memory_budget():
    for n in (10**5, 10**6, 3 * 10**6, 10**7, 10**8):
        layout = choose_layout(n)
        assert layout is not None
        assert layout.bytes_per_row(n) <= BYTES_PER_HASH_BUDGET <= 128
    rng = np.random.default_rng(14)
    n = 150_000
    index = PdqIndex()
    index.add(rand_hashes(rng, n), np.arange(n))
    assert index.memory_bytes() / n <= 128


def test_concurrent_searches_while_writing():
    rng = np.random.default_rng(15)
    stable = rand_hashes(rng, 300)
    index = small_index(tail_limit=64)
    index.add(stable, np.arange(300))
    q = queries_near(rng, stable, 40, max_d=31)
    expected = index.search(q, 31)
    assert expected == brute_force_search(stable, np.arange(300), q, 31)
    errors = []
    stop = threading.Event()

    def reader():
        try:
            while not stop.is_set():
                # the writer only touches ids >= 10_000, far away random hashes
                got = [[m for m in r if m[0] < 10_000] for r in index.search(q, 31)]
                assert got == expected
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    wrng = np.random.default_rng(16)
    for k in range(30):
        ids = np.arange(10_000 + 50 * k, 10_050 + 50 * k)
        index.add(rand_hashes(wrng, 50), ids)
        if k % 3 == 2:
            index.remove(ids[:25])
    stop.set()
    for t in threads:
        t.join()
    assert not errors


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs fork")
def test_batch_search_works_in_a_forked_child():
    import os
    import signal

    rng = np.random.default_rng(17)
    db = rand_hashes(rng, 200)
    index = small_index()
    index.add(db, np.arange(200))
    q = db[:40]
    expected = index.search(q, 10)  # starts the worker threads in the parent
    pid = os.fork()
    if pid == 0:  # child: a hang is killed by SIGALRM, a mismatch exits 1
        ok = False
        try:
            signal.alarm(30)
            ok = index.search(q, 10) == expected
        finally:
            os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


# -- queries with very many matches (the result buffer grows) -----------------------------------


def big_family(rng, variants, max_d=40):
    """One seed hash and ``variants`` near copies at distances 0..max_d (a huge cluster)."""
    seed = rand_hashes(rng, 1)[0]
    family = np.stack([flip(seed, int(d), rng) for d in rng.integers(0, max_d + 1, variants)])
    return seed, family


@pytest.mark.parametrize("layout", [(8, 16), (16, 16), (32, 8)])
def test_query_with_thousands_of_matches_equals_brute_force(layout):
    # Far more matches per query than any fixed per-query slot count: every match must be
    # found exactly once, in (distance, id) order, also when the batch is split over threads.
    rng = np.random.default_rng(18)
    seed, family = big_family(rng, 6000)
    db = np.concatenate([family, rand_hashes(rng, 3000), family[:500]])  # 500 exact repeats
    ids = rng.permutation(len(db)).astype(np.int64) - 4000  # negative and positive ids
    index = small_index(num_chunks=layout[0], chunk_bits=layout[1])
    index.add(db, ids)
    q = np.stack([seed, flip(seed, 5, rng), flip(seed, 20, rng), *rand_hashes(rng, 6), family[7]])
    for r in (31, 32, 33, 63):
        expected = brute_force_search(db, ids, q, r)
        assert len(expected[0]) > 4000  # really "thousands of matches"
        assert index.search(q, r, strategy="mih") == expected
        assert index.search(q, r) == expected
        assert index.search(q[:1], r, strategy="mih") == expected[:1]  # batch of one
        arrays = index.search_arrays(q, r)
        assert arrays.lims[-1] == sum(len(e) for e in expected)


def test_thousands_of_matches_across_segments_tail_and_tombstones(monkeypatch):
    # Start with a one-slot buffer so that every kernel (MIH segments, scanned segments, the
    # tail) has to stop, ask for room and resume many times, and several segments each add
    # matches for the same queries (each from its own rows).
    monkeypatch.setattr(pdq_index, "_RESULTS_MIN_START", 1)
    monkeypatch.setattr(pdq_index, "_RESULTS_PER_QUERY_START", 0)
    rng = np.random.default_rng(19)
    seed, family = big_family(rng, 3000)
    db = np.concatenate([family, rand_hashes(rng, 1000)])
    ids = np.arange(len(db), dtype=np.int64) * 3 - 2500
    index = small_index(tail_limit=700, min_mih_rows=600)  # two MIH segments + a tail
    for part_db, part_ids in zip(np.array_split(db, 7), np.array_split(ids, 7), strict=True):
        index.add(part_db, part_ids)
    gone = ids[::7]
    index.remove(gone)
    keep = ~np.isin(ids, gone)
    assert len(index.stats()["segments"]) > 1 and index.stats()["tail"] > 0
    q = np.stack([seed, flip(seed, 9, rng), *rand_hashes(rng, 7), family[1], family[2000]])
    for r in (31, 32, 33):
        expected = brute_force_search(db[keep], ids[keep], q, r)
        assert len(expected[0]) > 1000
        for strategy in ("auto", "mih", "brute"):
            assert index.search(q, r, strategy=strategy) == expected


def test_ids_at_the_ends_of_int64_are_ordered_correctly():
    # Matches are sorted as packed (id - smallest id, distance) keys when the ids of a
    # query span less than 2**55, and indirectly otherwise: both orders must be exact.
    rng = np.random.default_rng(20)
    seed, family = big_family(rng, 400, max_d=20)
    lo, hi = np.iinfo(np.int64).min, np.iinfo(np.int64).max
    near = rng.integers(-(2**40), 2**40, size=len(family))
    spread = near.copy()
    spread[:3] = [lo, hi, -1]
    wide = near * 2**17  # spans ~2**58: too wide for the packed keys, fits in int64
    for ids in (near, spread, wide, near + hi - 2**41, near + lo + 2**41):
        index = small_index()
        index.add(family, ids)
        q = np.stack([seed, family[0]])
        assert index.search(q, 31) == brute_force_search(family, ids, q, 31)
        assert index.search(q, 31, strategy="brute") == brute_force_search(family, ids, q, 31)


@pytest.mark.parametrize(
    "strategy, layout", [("mih", (4, 16)), ("mih", (16, 16)), ("brute", (4, 16))]
)
def test_kernels_emit_each_match_once_when_resuming(monkeypatch, strategy, layout):
    # The final per-id dedup would hide a kernel that reports a row twice (e.g. from two MIH
    # tables, or by repeating work after growing the buffer), so check the raw matches: a
    # one-slot start forces a resume in many probe blocks (4 x 16 bits at 31 is 26,333 probe
    # keys per table, 26 blocks), and the raw output must equal an unbounded run exactly.
    # 16 x 16 bits probes at radius 1, where many rows sit exactly on a table's radius.
    rng = np.random.default_rng(21)
    seed, family = big_family(rng, 2500)
    db = np.concatenate([family, rand_hashes(rng, 500)])
    ids = np.arange(len(db), dtype=np.int64)  # unique: a repeated (query, id) is a bug
    index = small_index(num_chunks=layout[0], chunk_bits=layout[1], tail_limit=2600)
    index.add(db[:2600], ids[:2600])  # one MIH segment of 2,600 rows
    index.add(db[2600:], ids[2600:])  # and a tail of 400
    assert index.stats()["tail"] == 400
    q = hashes_to_words(np.stack([seed, flip(seed, 12, rng), rand_hashes(rng, 1)[0], db[-1]]))
    st_ = index._state

    def raw(start):
        monkeypatch.setattr(pdq_index, "_RESULTS_MIN_START", start)
        monkeypatch.setattr(pdq_index, "_RESULTS_PER_QUERY_START", 0)
        buf = index._collect(st_, q, 0, len(q), 31, strategy)
        return buf.q[: buf.n].copy(), buf.ids[: buf.n].copy(), buf.d[: buf.n].copy()

    small, big = raw(1), raw(10**6)
    for a, b in zip(small, big, strict=True):
        assert np.array_equal(a, b)
    pairs = set(zip(small[0].tolist(), small[1].tolist(), strict=True))
    assert len(pairs) == len(small[0]) > 2000  # no (query, row) reported twice
    expected = brute_force_search(db, ids, words_to_hex(q), 31)
    got = [sorted((i, d) for qq, i, d in zip(*small, strict=True) if qq == k) for k in range(4)]
    assert got == [sorted(e) for e in expected]


# -- every layout the cost model uses, at every size (issue 17) -----------------------------------


def _layouts_in_use():
    """The distinct layouts ``choose_layout`` picks for segment sizes 32,768 .. 2**32."""
    seen = {}
    for n in np.unique(np.geomspace(pdq_index.MIN_MIH_ROWS, 2**32 - 2, 300).astype(np.int64)):
        layout = choose_layout(int(n))
        if layout is not None and layout.widths not in seen:
            seen[layout.widths] = (int(n), layout)
    return seen


LAYOUTS_IN_USE = _layouts_in_use()


def test_layouts_in_use_cover_the_benchmark_sizes():
    used = {layout.widths for _, layout in LAYOUTS_IN_USE.values()}
    for n in (10**6, 10**7, 10**8):
        assert choose_layout(n).widths in used
    assert choose_layout(10**8).widths == (23,) * 11


@pytest.mark.parametrize("widths", sorted(LAYOUTS_IN_USE), ids=lambda w: f"{len(w)}x{w[0]}")
@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 600),
    kind=st.sampled_from(["random", "clustered"]),
    thresholds=st.lists(st.integers(0, 40), min_size=1, max_size=3),
    high=st.integers(41, 90),
)
def test_every_layout_in_use_equals_brute_force(widths, seed, n, kind, thresholds, high):
    # The real layout (chunk count and width) of a segment of that size, forced onto a small
    # set so that the exact same probe plans run; the oracle shares no code with the index.
    rng = np.random.default_rng(seed)
    db = rand_hashes(rng, n) if kind == "random" else clustered(rng, max(1, n // 50), 50)[:n]
    ids = rng.permutation(len(db)).astype(np.int64) * 5 - 100
    layout = LAYOUTS_IN_USE[widths][1]
    index = small_index(num_chunks=layout.m, chunk_bits=layout.widths[0], tail_limit=len(db))
    index.add(db, ids)
    assert index.stats()["segments"][0]["chunks"] == list(widths)
    q = queries_near(rng, db, 12, max_d=45)
    for r in [*thresholds, 31]:
        expected = brute_force_search(db, ids, q, r)
        assert index.search(q, r, strategy="mih") == expected
        assert index.search(q, r) == expected
    # far above the design radius the cost model may switch to a scan: still exact
    assert index.search(q, high) == brute_force_search(db, ids, q, high)


# -- building from a mapped array, background compaction ----------------------------------------


def test_from_words_reads_a_memory_mapped_array_without_copying_it(tmp_path):
    rng = np.random.default_rng(30)
    db = np.concatenate([rand_hashes(rng, 3000), clustered(rng, 10, 100)])
    words = np.lib.format.open_memmap(tmp_path / "w.npy", "w+", np.uint64, (len(db), 4))
    words[:] = hashes_to_words(db)
    words.flush()
    mapped = np.load(tmp_path / "w.npy", mmap_mode="r")  # read-only: the build must not write
    ids = np.arange(len(db), dtype=np.int64)[::-1].copy()
    index = PdqIndex.from_words(mapped, ids, num_chunks=8, chunk_bits=16, min_mih_rows=1)
    assert index.stats()["segments"][0]["chunks"] is not None
    assert not np.shares_memory(index._state.parts[0].segment.words, mapped)
    q = queries_near(rng, db, 40)
    assert index.search(q, 31) == brute_force_search(db, ids, q, 31)
    with pytest.raises(ValueError):
        PdqIndex.from_words(db, ids)  # bytes, not words
    with pytest.raises(ValueError):
        PdqIndex.from_words(mapped, ids[:-1])


def test_background_compaction_never_stops_searches_and_keeps_concurrent_writes():
    rng = np.random.default_rng(31)
    db = rand_hashes(rng, 6000)
    index = small_index(tail_limit=97)
    for a, b in ((0, 2400), (2400, 3400), (3400, 3850), (3850, 4000)):
        index.add(db[a:b], np.arange(a, b))  # shrinking batches: the LSM rule keeps them apart
    index.remove(np.arange(0, 4000, 9))
    assert len(index.stats()["segments"]) > 1
    live = set(range(4000)) - set(range(0, 4000, 9))
    q = queries_near(rng, db[:4000], 30, max_d=31)
    errors = []
    searches = [0]
    stop = threading.Event()
    stable_ids = np.array(sorted(i for i in live if i % 9 != 1 and i < 2000))

    def reader():
        # rows the writer never touches must be found on every snapshot, mid-merge included
        want = brute_force_search(db[stable_ids], stable_ids, q, 31)
        try:
            while not stop.is_set():
                got = index.search(q, 31)
                got = [[m for m in r if m[0] in set(stable_ids.tolist())] for r in got]
                assert got == want
                searches[0] += 1
        except AssertionError as exc:  # pragma: no cover - reported below
            errors.append(exc)

    t = threading.Thread(target=reader)
    t.start()
    # hold the merge until writes have happened while it runs
    real_merge = index._merge
    gate = threading.Event()

    def slow_merge(parts):
        gate.wait(5)
        return real_merge(parts)

    index._merge = slow_merge
    compaction = index.compact(background=True)
    # writes go on while the merge waits: adds (new segments), removes in merged rows
    index.add(db[4000:4300], np.arange(4000, 4300))
    index.remove(np.arange(1, 2000, 9))
    index.add(db[1:2], [1])  # a removed id comes back with its hash
    gate.set()
    compaction.join(10)
    index._merge = real_merge
    stop.set()
    t.join()
    assert not errors and searches[0] > 0
    final = (live - set(range(1, 2000, 9))) | set(range(4000, 4300)) | {1}
    keep = np.array(sorted(final))
    assert len(index) == len(keep)
    q2 = queries_near(rng, db[:4300], 40)
    assert index.search(q2, 31) == brute_force_search(db[keep], keep, q2, 31)
    seg = index.stats()["segments"]
    assert seg[0]["rows"] >= 3000  # the merged segment, then what was added meanwhile


def test_saving_a_loaded_index_links_the_unchanged_files(tmp_path):
    rng = np.random.default_rng(32)
    index, db, keep = build_mixed(rng)
    path = tmp_path / "pdq"
    index.save(path)
    before = (_gen(path) / "seg0.words").stat().st_ino
    loaded = PdqIndex.load(path)
    loaded.remove([10])
    loaded.add(db[1:2], [1])
    loaded.save(path)  # a new generation: the mapped rows are linked, not copied
    assert (_gen(path) / "seg0.words").stat().st_ino == before
    keep2 = np.setdiff1d(np.concatenate([keep, [1]]), [10])
    q = queries_near(rng, db, 30)
    assert PdqIndex.load(path).search(q, 35) == brute_force_search(db[keep2], keep2, q, 35)
    in_memory = PdqIndex.load(path, mmap=False)
    in_memory.save(tmp_path / "copy")  # not mapped: written
    assert (_gen(tmp_path / "copy") / "seg0.words").stat().st_ino != before
