"""ExactIndex for md5/sha1/sha256 digests."""

import hashlib
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ostoja.matching import ExactIndex, SignalParseError

ALGOS = {"md5": hashlib.md5, "sha1": hashlib.sha1, "sha256": hashlib.sha256}


def digests(name, items):
    return [ALGOS[name](str(i).encode()).hexdigest() for i in items]


@pytest.mark.parametrize("name", sorted(ALGOS))
def test_add_search_remove(name):
    index = ExactIndex(name, delta_limit=8)
    hs = digests(name, range(50))
    index.add(hs[:30], range(30))
    index.add(hs[30:], range(30, 50))  # crosses the delta limit: merged
    assert len(index) == 50
    assert index.search([hs[3], hs[45].upper(), " " + hs[7] + "\n"]) == [
        [(3, 0)],
        [(45, 0)],
        [(7, 0)],
    ]
    assert index.query(digests(name, ["absent"])[0]) == []
    assert index.remove([3, 45, 999]) == 2
    assert index.search([hs[3], hs[45], hs[4]]) == [[], [], [(4, 0)]]
    index.add([hs[3]], [3])  # re-add
    assert index.query(hs[3]) == [(3, 0)]
    assert len(index) == 49


def test_duplicates_and_many_ids_per_digest():
    index = ExactIndex("sha256", delta_limit=2)
    h = digests("sha256", ["x"])[0]
    index.add([h, h, h], [5, 1, 5])
    index.add([h], [9])
    assert index.query(h) == [(1, 0), (5, 0), (9, 0)]
    assert index.remove([5]) == 2
    assert index.query(h) == [(1, 0), (9, 0)]


def test_digests_with_zero_bytes_are_distinct():
    index = ExactIndex("md5")
    a = "00" * 15 + "01"
    b = "00" * 16
    c = "01" + "00" * 15
    index.add([a, b, c], [1, 2, 3])
    assert index.search([a, b, c]) == [[(1, 0)], [(2, 0)], [(3, 0)]]
    index.add(np.zeros((1, 16), np.uint8), [4])
    assert index.query(b) == [(2, 0), (4, 0)]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 40), st.integers(-5, 5)), max_size=80),
    st.lists(st.integers(-5, 5), max_size=10),
    st.integers(1, 20),
)
def test_matches_a_dict_model(pairs, removals, delta_limit):
    index = ExactIndex("sha1", delta_limit=delta_limit)
    model: dict[str, set[int]] = {}
    for k in range(0, len(pairs), 7):
        chunk = pairs[k : k + 7]
        hs = digests("sha1", [p[0] for p in chunk])
        index.add(hs, [p[1] for p in chunk])
        for h, (_, i) in zip(hs, chunk, strict=True):
            model.setdefault(h, set()).add(i)
    index.remove(removals)
    for s in model.values():
        s.difference_update(removals)
    probe = digests("sha1", range(0, 45))
    assert index.search(probe) == [sorted((i, 0) for i in model.get(h, ())) for h in probe]


@pytest.mark.parametrize("mmap", [True, False])
def test_save_load(tmp_path, mmap):
    index = ExactIndex("md5", delta_limit=4)
    hs = digests("md5", range(20))
    index.add(hs, range(20))
    index.remove([0, 1])
    index.save(tmp_path / "x")
    loaded = ExactIndex.load(tmp_path / "x", mmap=mmap)
    assert loaded.signal_type.name == "md5"
    assert len(loaded) == 18
    assert loaded.search(hs) == index.search(hs)
    loaded.add([hs[0]], [0])
    loaded.remove([5])
    loaded.save(tmp_path / "x")
    again = ExactIndex.load(tmp_path / "x")
    assert again.query(hs[0]) == [(0, 0)] and again.query(hs[5]) == []
    ExactIndex("sha1").save(tmp_path / "empty")
    assert len(ExactIndex.load(tmp_path / "empty")) == 0


def test_load_rejects_corrupt(tmp_path):
    with pytest.raises(FileNotFoundError):
        ExactIndex.load(tmp_path / "none")
    index = ExactIndex("md5")
    index.add(digests("md5", range(5)), range(5))
    index.save(tmp_path / "x")
    m = json.loads((tmp_path / "x" / "manifest.json").read_text())
    for bad in ({"signal_type": "pdq"}, {"format": "y"}, {"version": 2}, {"size": 6}, {"size": -1}):
        (tmp_path / "x" / "manifest.json").write_text(json.dumps({**m, **bad}))
        with pytest.raises(ValueError):
            ExactIndex.load(tmp_path / "x")
    (tmp_path / "x" / "manifest.json").write_text(json.dumps(m))
    keys = np.load(tmp_path / "x" / "keys.npy")
    np.save(tmp_path / "x" / "keys.npy", keys[::-1].copy())
    with pytest.raises(ValueError, match="sorted"):
        ExactIndex.load(tmp_path / "x")
    with pytest.raises(FileExistsError):
        (tmp_path / "f").write_text("keep")
        index.save(tmp_path / "f")


@pytest.mark.parametrize(
    "call",
    [
        lambda i: i.add("a" * 32, [1]),
        lambda i: i.add(["a" * 31], [1]),
        lambda i: i.add(["a" * 64], [1]),
        lambda i: i.add(["z" * 32], [1]),
        lambda i: i.add(["a" * 32], [1, 2]),
        lambda i: i.add(["a" * 32], ["1"]),
        lambda i: i.add(np.zeros((1, 20), np.uint8), [1]),
        lambda i: i.add(np.zeros((1, 16), np.int8), [1]),
        lambda i: i.search("a" * 32),
        lambda i: i.search(["a" * 32], threshold=3),
        lambda i: i.query(None),
        lambda i: i.remove("1"),
    ],
)
def test_bad_input(call):
    index = ExactIndex("md5")
    with pytest.raises((TypeError, ValueError, SignalParseError)):
        call(index)
    assert len(index) == 0


@pytest.mark.parametrize("bad", ["pdq", "crc32", None, 5])
def test_rejects_non_exact_signal_types(bad):
    with pytest.raises(ValueError):
        ExactIndex(bad)
