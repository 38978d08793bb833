"""The per-process in-memory index of every enabled bank, kept fresh without a restart.

Each web (or task) worker process holds one :class:`BankIndexCache`: a
:class:`~ostoja.matching.PdqIndex` for PDQ and an :class:`~ostoja.matching.ExactIndex` per
exact signal type, over the active entries of the *enabled* banks, keyed by entry id.

Freshness (issue 5: "a change to a bank is matched by every web worker within 10 seconds"):
before a search the cache reads the one-row :class:`~.models.BankChangeSequence` — at most
once every ``OSTOJA_BANKS_REFRESH_SECONDS`` (default 1, capped at 10) — and, if the number
moved, fetches only the entries whose ``change_seq`` is newer and applies them (remove the id,
add it back if still active), plus the entries of banks that were enabled or disabled since.
A new ``epoch`` (the sequence row was created anew) or a sequence that went backwards means a
full rebuild. While one thread refreshes, the others keep searching the previous state (the
indexes publish immutable snapshots), so a refresh never blocks matching.

Shared snapshot (issue 17: 100 million hashes). With ``OSTOJA_BANKS_INDEX_DIR`` set, the PDQ
index is not built by every worker from the database: ``manage.py banks_index_publish`` (or
the scheduler's ``banks_publish_index`` job) writes the PDQ entries of the enabled banks to
that directory as a saved :class:`~ostoja.matching.PdqIndex` generation, together with the
change sequence it was read at. The job runs every 10 minutes and publishes a new generation
only when the published one is stale (:func:`publish_if_stale`): none yet, another database,
another set of enabled banks, at least ``OSTOJA_BANKS_PUBLISH_MIN_CHANGES`` (10,000) changed
entries since, or any change and the generation older than
``OSTOJA_BANKS_PUBLISH_MAX_AGE_SECONDS`` (1 h); otherwise a run costs a file read and two
small queries. A worker opens the published generation memory-mapped (``verify="quick"``:
the publisher checked every checksum), so every worker on the host shares the same
page-cache pages -- a new worker neither loads nor copies the index -- and then applies only
the changes made since the snapshot's sequence, as above (a removal tombstones the shared
rows in a small per-worker array; an addition goes to the worker's own small segments). When
a newer generation is published, the next check switches to it. Exact signal types are still
built per worker from the database (they are small).

The index is only a candidate filter: ``services.match_hashes`` re-reads every candidate from
the database (active, bank enabled) and recomputes its distance, so a stale index can at worst
miss a hash added in the last seconds; it can never report a removed one.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from django.conf import settings

from ostoja.matching import SIGNAL_TYPES, ExactIndex, PdqIndex
from ostoja.matching.pdq_index import hashes_to_words

logger = logging.getLogger(__name__)

MAX_REFRESH_SECONDS = 10.0
# 1 s: a change is then seen within 1 s + the time to apply it (at most 0.72 s measured at 100M
# hashes), inside issue 17's 2 s; the check is one primary-key read per worker per second.
DEFAULT_REFRESH_SECONDS = 1.0
#: publish_if_stale: republish once this many entries changed since the published generation
#: (every worker holds those in its own small segments and applies them when it starts) ...
DEFAULT_PUBLISH_MIN_CHANGES = 10_000
#: ... or once the generation is this old and anything changed at all.
DEFAULT_PUBLISH_MAX_AGE_SECONDS = 3600
BATCH = 50_000


def index_dir() -> Path | None:
    value = getattr(settings, "OSTOJA_BANKS_INDEX_DIR", None)
    return Path(value) if value else None


def refresh_seconds() -> float:
    value = float(getattr(settings, "OSTOJA_BANKS_REFRESH_SECONDS", DEFAULT_REFRESH_SECONDS))
    return min(max(value, 0.0), MAX_REFRESH_SECONDS)


@dataclass
class _Snapshot:
    epoch: str | None
    seq: int
    enabled: frozenset[int]
    pdq: PdqIndex
    exact: dict[str, ExactIndex] = field(default_factory=dict)
    #: the published generation the PDQ index was opened from (None: built here)
    generation: str | None = None

    def add(self, rows: list[tuple[int, str, str]], *, replace: bool = False) -> None:
        """Index ``rows``; with ``replace`` an entry already indexed is replaced (updates may
        name an entry twice, e.g. changed and in a bank enabled since)."""
        by_type: dict[str, tuple[list[str], list[int]]] = {}
        for pk, signal_type, value in rows:
            values, ids = by_type.setdefault(signal_type, ([], []))
            values.append(value)
            ids.append(pk)
        for signal_type, (values, ids) in by_type.items():
            index = self.index_for(signal_type)
            if signal_type == "pdq":
                if replace:
                    index.remove(ids, missing="ignore")
                ids, values = _last_per_id(ids, values)
            index.add(values, ids)

    def remove(self, ids: list[int]) -> None:
        if not ids:
            return
        self.pdq.remove(ids, missing="ignore")
        for index in self.exact.values():
            index.remove(ids)

    def index_for(self, signal_type: str):
        if signal_type == "pdq":
            return self.pdq
        index = self.exact.get(signal_type)
        if index is None:
            index = self.exact[signal_type] = ExactIndex(signal_type)
        return index

    def size(self) -> int:
        return len(self.pdq) + sum(len(i) for i in self.exact.values())


class BankIndexCache:
    """See the module docstring. ``clock`` is injectable for tests."""

    def __init__(
        self,
        *,
        refresh: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        pdq_threads: int | None = None,
    ) -> None:
        self._refresh = refresh
        self._clock = clock
        self._pdq_threads = pdq_threads
        self._lock = threading.Lock()
        self._snapshot: _Snapshot | None = None
        self._last_check = float("-inf")
        self.rebuilds = 0
        self.updates = 0

    # -- state --------------------------------------------------------------------------------
    @property
    def refresh_interval(self) -> float:
        if self._refresh is not None:
            return min(max(self._refresh, 0.0), MAX_REFRESH_SECONDS)
        return refresh_seconds()

    @property
    def seq(self) -> int | None:
        snap = self._snapshot
        return None if snap is None else snap.seq

    def size(self) -> int:
        snap = self._snapshot
        return 0 if snap is None else snap.size()

    def reset(self) -> None:
        with self._lock:
            self._snapshot = None
            self._last_check = float("-inf")

    # -- freshness ----------------------------------------------------------------------------
    def ensure_fresh(self, *, force: bool = False) -> None:
        """Bring the index up to date if the check interval has passed (or ``force``)."""
        snap = self._snapshot
        if (
            snap is not None
            and not force
            and self._clock() - self._last_check < (self.refresh_interval)
        ):
            return
        # Only the first build (or a forced check) waits for a refresh in progress; everyone
        # else searches the current snapshot meanwhile.
        if not self._lock.acquire(blocking=snap is None or force):
            return
        try:
            now = self._clock()
            snap = self._snapshot
            if snap is not None and not force and now - self._last_check < self.refresh_interval:
                return
            epoch, seq = _read_sequence()
            published = self._published()
            if (
                snap is None
                or snap.epoch != epoch
                or seq < snap.seq
                or (published is not None and published != snap.generation)
            ):
                self._snapshot = self._build(epoch, seq)
                self.rebuilds += 1
            elif seq > snap.seq:
                self._update(snap, seq)
                self.updates += 1
            self._last_check = now
        finally:
            self._lock.release()

    def _published(self) -> str | None:
        """Name of the published generation in ``OSTOJA_BANKS_INDEX_DIR`` (None: none)."""
        root = index_dir()
        if root is None:
            return None
        try:
            return (root / "CURRENT").read_text(encoding="ascii").strip() or None
        except OSError:
            return None

    def _open_published(self, epoch: str | None, seq: int) -> _Snapshot | None:
        """The published PDQ snapshot (memory-mapped) brought up to ``seq``, or None if there
        is none for this database (another epoch, a sequence ahead of the database's)."""
        from .models import BankEntry

        root = index_dir()
        generation = self._published()
        if root is None or generation is None:
            return None
        try:
            pdq = PdqIndex.load(root, verify="quick", threads=self._pdq_threads)
        except (OSError, ValueError):
            logger.exception(
                "published bank index in %s unusable; building from the database", root
            )
            return None
        meta = pdq.meta
        if meta.get("epoch") != epoch or int(meta.get("seq", -1)) > seq:
            return None
        snap = _Snapshot(
            epoch, int(meta["seq"]), frozenset(meta["enabled"]), pdq, generation=generation
        )
        rows = (
            BankEntry.objects.active()
            .filter(bank_id__in=snap.enabled)
            .exclude(signal_type="pdq")
            .order_by()
            .values_list("pk", "signal_type", "value")
        )
        snap.add(list(rows.iterator(chunk_size=10_000)))
        if seq > snap.seq:
            self._update(snap, seq)
        return snap

    def _build(self, epoch: str | None, seq: int) -> _Snapshot:
        from .models import BankEntry, HashBank

        published = self._open_published(epoch, seq)
        if published is not None:
            return published
        enabled = frozenset(HashBank.objects.enabled().values_list("pk", flat=True))
        snap = _Snapshot(epoch, seq, enabled, PdqIndex(threads=self._pdq_threads))
        rows = (
            BankEntry.objects.active()
            .filter(bank_id__in=enabled)
            .order_by()
            .values_list("pk", "signal_type", "value")
        )
        batch: list[tuple[int, str, str]] = []
        for row in rows.iterator(chunk_size=10_000):
            batch.append(row)
            if len(batch) >= BATCH:
                snap.add(batch)
                batch = []
        snap.add(batch)
        return snap

    def _update(self, snap: _Snapshot, seq: int) -> None:
        from .models import BankEntry, HashBank

        enabled = frozenset(HashBank.objects.enabled().values_list("pk", flat=True))
        disabled_now = snap.enabled - enabled
        enabled_now = enabled - snap.enabled
        if disabled_now:
            ids = list(
                BankEntry.objects.filter(bank_id__in=disabled_now)
                .order_by()
                .values_list("pk", flat=True)
            )
            snap.remove(ids)
        if enabled_now:
            rows = (
                BankEntry.objects.active()
                .filter(bank_id__in=enabled_now)
                .order_by()
                .values_list("pk", "signal_type", "value")
            )
            snap.add(list(rows), replace=True)
        changed = list(
            BankEntry.objects.filter(change_seq__gt=snap.seq)
            .order_by()
            .values_list("pk", "signal_type", "value", "bank_id", "removed_at")
        )
        snap.remove([c[0] for c in changed])
        snap.add(
            [(pk, t, v) for pk, t, v, bank, removed in changed if not removed and bank in enabled],
            replace=True,
        )
        snap.enabled = enabled
        snap.seq = seq

    # -- search -------------------------------------------------------------------------------
    def search(
        self, signal_type: str, values: list[str], threshold: int | None = None
    ) -> list[list[tuple[int, int]]]:
        """Candidate ``(entry id, distance)`` per value (canonical hex). Call ensure_fresh
        first."""
        if signal_type not in SIGNAL_TYPES:
            raise ValueError(f"unknown signal type {signal_type!r}")
        snap = self._snapshot
        if snap is None or not values:
            return [[] for _ in values]
        if signal_type == "pdq":
            t = SIGNAL_TYPES["pdq"].default_threshold if threshold is None else threshold
            return snap.pdq.search(values, t)
        index = snap.exact.get(signal_type)
        if index is None:
            return [[] for _ in values]
        return index.search(values)


def publish_index(root: Path | None = None, *, threads: int | None = None) -> dict:
    """Write the PDQ entries of the enabled banks to ``root`` (default
    ``OSTOJA_BANKS_INDEX_DIR``) as a new generation that every worker opens memory-mapped.

    The change sequence is read *before* the entries, so a change made while they are read
    has a higher number and is applied again by the workers (remove, then add if active):
    idempotent, never lost. Returns what was written."""
    from .models import BankEntry, HashBank

    root = root or index_dir()
    if root is None:
        raise ValueError("OSTOJA_BANKS_INDEX_DIR is not set")
    t0 = time.monotonic()
    epoch, seq = _read_sequence()
    enabled = sorted(HashBank.objects.enabled().values_list("pk", flat=True))
    rows = (
        BankEntry.objects.active()
        .filter(bank_id__in=enabled, signal_type="pdq")
        .order_by()
        .values_list("pk", "value")
    )
    # one array of hash words, filled batch by batch, then one segment built from it: no
    # per-batch duplicate scans, no Python string per hash kept
    total = rows.count()
    words = np.empty((total, 4), np.uint64)
    ids = np.empty(total, np.int64)
    filled = 0
    batch_ids: list[int] = []
    batch_values: list[str] = []

    def flush() -> None:
        nonlocal filled
        k = len(batch_ids)
        words[filled : filled + k] = hashes_to_words(batch_values)
        ids[filled : filled + k] = batch_ids
        filled += k
        batch_ids.clear()
        batch_values.clear()

    for pk, value in rows.iterator(chunk_size=10_000):
        if filled + len(batch_ids) >= total:
            break  # entries added after the count: the workers apply them as changes
        batch_ids.append(pk)
        batch_values.append(value)
        if len(batch_ids) >= BATCH:
            flush()
    flush()
    index = PdqIndex.from_words(words[:filled], ids[:filled], threads=threads)
    index.save(
        root,
        meta={"epoch": epoch, "seq": seq, "enabled": enabled, "published_at": time.time()},
    )
    return {"hashes": len(index), "seq": seq, "seconds": time.monotonic() - t0}


def published_meta(root: Path) -> dict | None:
    """The metadata of the generation published in ``root`` (read from its manifest, without
    opening the arrays), or None when there is none or it cannot be read."""
    import json

    from ostoja.matching import _indexfile

    try:
        gen = _indexfile.current_generation(root)
        with open(gen / "manifest.json", encoding="utf-8") as fh:
            meta = json.load(fh)["manifest"]["meta"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return meta if isinstance(meta, dict) else None


def publish_if_stale(
    root: Path | None = None,
    *,
    min_changes: int | None = None,
    max_age: float | None = None,
    now: float | None = None,
) -> dict:
    """Publish (see :func:`publish_index`) only when the published generation is stale.

    Stale means: no readable generation, one of another database (epoch) or from a sequence
    ahead of the database's, another set of enabled banks (a bank switched on or off would
    otherwise be tombstoned or added row by row in every worker), at least ``min_changes``
    entries changed since it was read, or any change at all once it is ``max_age`` seconds
    old. Returns ``{"published": bool, "reason": str, ...}``; without ``OSTOJA_BANKS_INDEX_DIR``
    (and no ``root``) nothing is done (``reason="not configured"``): the workers then build
    their indexes from the database, as a small installation should."""
    from .models import BankEntry, HashBank

    root = root or index_dir()
    if root is None:
        return {"published": False, "reason": "not configured"}
    if min_changes is None:
        min_changes = int(
            getattr(settings, "OSTOJA_BANKS_PUBLISH_MIN_CHANGES", DEFAULT_PUBLISH_MIN_CHANGES)
        )
    if max_age is None:
        max_age = float(
            getattr(
                settings, "OSTOJA_BANKS_PUBLISH_MAX_AGE_SECONDS", DEFAULT_PUBLISH_MAX_AGE_SECONDS
            )
        )
    now = time.time() if now is None else now
    meta = published_meta(root)
    epoch, seq = _read_sequence()
    reason = None
    changed = 0
    if meta is None:
        reason = "none published"
    elif meta.get("epoch") != epoch or int(meta.get("seq", -1)) > seq:
        reason = "another database"
    elif sorted(meta.get("enabled") or []) != sorted(
        HashBank.objects.enabled().values_list("pk", flat=True)
    ):
        reason = "enabled banks changed"
    elif seq > int(meta["seq"]):
        changed = BankEntry.objects.filter(change_seq__gt=int(meta["seq"])).count()
        age = now - float(meta.get("published_at") or 0)
        if changed >= min_changes:
            reason = "changes"
        elif changed and age >= max_age:
            reason = "age"
    if reason is None:
        return {"published": False, "reason": "up to date", "changed": changed}
    out = publish_index(root)
    return {"published": True, "reason": reason, "changed": changed, **out}


def _last_per_id(ids: list[int], values: list[str]) -> tuple[list[int], list[str]]:
    """One value per id (the last): the index stores an id once."""
    if len(set(ids)) == len(ids):
        return ids, values
    last = dict(zip(ids, values, strict=True))
    return list(last), list(last.values())


def _read_sequence() -> tuple[str | None, int]:
    from .models import BankChangeSequence

    row = BankChangeSequence.objects.filter(pk=1).values_list("epoch", "seq").first()
    if row is None:
        return None, 0
    return str(row[0]), int(row[1])


#: The cache of this process.
default_cache = BankIndexCache()
