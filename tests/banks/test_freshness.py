"""Every worker sees a bank change within the refresh interval (≤ 10 s), without a restart.

Two :class:`BankIndexCache` instances stand for two web worker processes; a fake clock
stands for time passing.
"""

import threading
import time

import pytest

from ostoja.banks import services
from ostoja.banks.index_cache import MAX_REFRESH_SECONDS, BankIndexCache
from ostoja.banks.models import BankChangeSequence

from .helpers import PDQ_A, add, flip_bits, make_bank

pytestmark = pytest.mark.django_db

MD5 = "0123456789abcdef0123456789abcdef"


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def matched(cache, signal_type, value) -> bool:
    (result,) = services.match_hashes([(signal_type, value)], cache=cache)
    return bool(result.matches)


def candidates(cache, signal_type, value) -> int:
    """What the in-memory index itself holds (before the database confirms)."""
    return len(cache.search(signal_type, [value])[0])


def test_two_workers_see_an_addition_within_the_interval(bank):
    clock = Clock()
    worker_1 = BankIndexCache(refresh=2, clock=clock)
    worker_2 = BankIndexCache(refresh=2, clock=clock)
    near = flip_bits(PDQ_A, 5)
    assert not matched(worker_1, "pdq", near)
    assert not matched(worker_2, "pdq", near)

    add(bank, "pdq", PDQ_A)  # a change made through a third process
    clock.now += 1.0  # within the interval the workers may still answer from memory
    assert not matched(worker_1, "pdq", near)
    clock.now += 1.1  # > 2 s after their last check: both refresh
    assert matched(worker_1, "pdq", near)
    assert matched(worker_2, "pdq", near)
    assert worker_1.rebuilds == 1 and worker_1.updates == 1  # incremental, not a rebuild


def test_removal_is_effective_at_once_and_leaves_the_index_at_the_next_check(bank):
    clock = Clock()
    worker = BankIndexCache(refresh=2, clock=clock)
    entry = add(bank, "md5", MD5)
    assert matched(worker, "md5", MD5)
    services.remove_entry(actor=None, entry=entry)
    # The index still holds it, but the database check refuses it immediately.
    assert candidates(worker, "md5", MD5) == 1
    assert not matched(worker, "md5", MD5)
    clock.now += 2.5
    worker.ensure_fresh()
    assert candidates(worker, "md5", MD5) == 0


def test_disable_and_enable_a_bank(bank, hotline_org):
    clock = Clock()
    worker = BankIndexCache(refresh=2, clock=clock)
    add(bank, "pdq", PDQ_A)
    other = make_bank(hotline_org, slug="other")
    add(other, "md5", MD5)
    assert matched(worker, "pdq", PDQ_A) and matched(worker, "md5", MD5)
    services.set_bank_enabled(actor=None, bank=bank, enabled=False)
    assert not matched(worker, "pdq", PDQ_A)  # the database check, at once
    clock.now += 3
    worker.ensure_fresh()
    assert candidates(worker, "pdq", PDQ_A) == 0  # and out of memory
    assert candidates(worker, "md5", MD5) == 1
    services.set_bank_enabled(actor=None, bank=bank, enabled=True)
    clock.now += 3
    assert matched(worker, "pdq", PDQ_A)


def test_import_of_many_rows_is_applied_incrementally(bank):
    clock = Clock()
    worker = BankIndexCache(refresh=2, clock=clock)
    assert worker.size() == 0
    worker.ensure_fresh()
    rows = "".join(f"sha1,{i:040x}\n" for i in range(3000))
    services.import_list(actor=None, bank=bank, data=f"signal_type,signal_value\n{rows}".encode())
    clock.now += 2.5
    assert matched(worker, "sha1", f"{2999:040x}")
    assert worker.size() == 3000 and worker.updates == 1


def test_a_new_epoch_means_a_full_rebuild(bank):
    clock = Clock()
    worker = BankIndexCache(refresh=2, clock=clock)
    add(bank, "md5", MD5)
    assert matched(worker, "md5", MD5)
    # The database was restored or emptied: the sequence row is created anew.
    BankChangeSequence.objects.all().delete()
    add(bank, "sha1", "1" * 40)
    clock.now += 2.5
    assert matched(worker, "sha1", "1" * 40)
    assert worker.rebuilds == 2


def test_refresh_interval_is_capped_at_ten_seconds(settings):
    settings.OSTOJA_BANKS_REFRESH_SECONDS = 3600
    assert BankIndexCache().refresh_interval == MAX_REFRESH_SECONDS == 10
    assert BankIndexCache(refresh=60).refresh_interval == 10
    settings.OSTOJA_BANKS_REFRESH_SECONDS = 2
    assert BankIndexCache().refresh_interval == 2


def test_checks_are_throttled(bank, django_assert_max_num_queries):
    clock = Clock()
    worker = BankIndexCache(refresh=2, clock=clock)
    worker.ensure_fresh()
    with django_assert_max_num_queries(0):
        for _ in range(50):
            worker.ensure_fresh()
    clock.now += 2.1
    with django_assert_max_num_queries(1):  # one look at the sequence, nothing changed
        worker.ensure_fresh()


@pytest.mark.django_db(transaction=True)
def test_searches_continue_while_another_thread_refreshes(hotline_org):
    bank = make_bank(hotline_org, slug="threads")
    add(bank, "md5", MD5)
    worker = BankIndexCache(refresh=0)
    worker.ensure_fresh()
    started, release = threading.Event(), threading.Event()
    real_update = worker._update

    def slow_update(snap, seq):
        started.set()
        release.wait(5)
        real_update(snap, seq)

    worker._update = slow_update
    add(bank, "sha1", "1" * 40)
    refresher = threading.Thread(target=worker.ensure_fresh)  # its own database connection
    refresher.start()
    try:
        assert started.wait(5)
        t0 = time.monotonic()
        worker.ensure_fresh()  # does not wait for the refresher
        assert worker.search("md5", [MD5])[0]  # the previous snapshot answers
        assert time.monotonic() - t0 < 1
    finally:
        release.set()
        refresher.join(5)


@pytest.mark.django_db(transaction=True)
def test_real_time_within_ten_seconds(hotline_org):
    """Without a fake clock: a worker checking every 0.2 s sees a change well within 10 s."""
    bank = make_bank(hotline_org, slug="rt")
    worker = BankIndexCache(refresh=0.2)
    worker.ensure_fresh()
    add(bank, "md5", MD5)
    t0 = time.monotonic()
    while not matched(worker, "md5", MD5):
        assert time.monotonic() - t0 < 10
        time.sleep(0.05)
