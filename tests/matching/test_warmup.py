"""Issue 11, item 17: a new process with a warm kernel cache compiles nothing for its first
search (asserted with numba's own cache counters, not with a clock)."""

import json
import os
import subprocess
import sys
from pathlib import Path

SRC = str(Path(__file__).resolve().parents[2] / "src")

FIRST_SEARCH = """
import json, numpy as np
from ostoja.matching import PdqIndex
from ostoja.matching.warmup import cache_stats
rng = np.random.default_rng(1)
hashes = [rng.bytes(32).hex() for _ in range(500)]
index = PdqIndex()
index.add(hashes, list(range(500)))
assert index.search(hashes[:2], 31)[0][0] == (0, 0)
hits, misses = cache_stats()
print(json.dumps({"hits": hits, "misses": misses}))
"""


def _run(code: str, cache_dir: str) -> str:
    env = {**os.environ, "PYTHONPATH": SRC, "NUMBA_CACHE_DIR": cache_dir}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=600
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.strip().splitlines()[-1]


def test_a_new_process_with_a_warm_cache_compiles_nothing_for_its_first_search():
    # The project's cache directory (settings point NUMBA_CACHE_DIR into var/), as a web
    # process after `manage.py matching_warmup` sees it.
    cache_dir = os.environ.get("NUMBA_CACHE_DIR") or str(Path(SRC).parent / "var" / "numba-cache")
    _run("from ostoja.matching.warmup import warm_up; warm_up(); print('ok')", cache_dir)
    stats = json.loads(_run(FIRST_SEARCH, cache_dir))
    assert stats["misses"] == 0, stats
    assert stats["hits"] > 0, stats


def test_warm_up_in_background_runs_once_per_process():
    from ostoja.matching import warmup

    first = warmup.warm_up_in_background()
    assert warmup.warm_up_in_background() is None
    if first is not None:
        first.join(timeout=600)
    assert warmup._done.wait(timeout=600)
