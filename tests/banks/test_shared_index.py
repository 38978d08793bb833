"""The published, memory-mapped PDQ index shared by every worker (issue 17)."""

import pytest
from django.core.management import call_command

from ostoja.banks import index_cache, services
from ostoja.banks.index_cache import BankIndexCache, publish_index

from .helpers import PDQ_A, add, flip_bits, make_bank

pytestmark = pytest.mark.django_db


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def matched(cache, value) -> list[int]:
    (result,) = services.match_hashes([("pdq", value)], cache=cache)
    return [m.entry_id for m in result.matches]


@pytest.fixture
def index_dir(tmp_path, settings):
    settings.OSTOJA_BANKS_INDEX_DIR = str(tmp_path / "pdq-index")
    return tmp_path / "pdq-index"


def test_workers_map_the_published_index_and_apply_later_changes(bank, hotline_org, index_dir):
    a = add(bank, "pdq", PDQ_A)
    b = add(bank, "pdq", flip_bits(PDQ_A, 40, seed=1))
    add(bank, "md5", "0123456789abcdef0123456789abcdef")
    other = make_bank(hotline_org, slug="off", name="Off", enabled=False)
    d = add(other, "pdq", flip_bits(PDQ_A, 3, seed=2))  # a disabled bank: not published
    out = publish_index()
    assert out["hashes"] == 2
    clock = Clock()
    w1 = BankIndexCache(refresh=2, clock=clock)
    w2 = BankIndexCache(refresh=2, clock=clock)
    assert matched(w1, flip_bits(PDQ_A, 4)) == [a.pk]
    assert matched(w2, PDQ_A) == [a.pk]
    for w in (w1, w2):
        snap = w._snapshot
        assert snap.generation is not None
        seg = snap.pdq._state.parts[0].segment
        assert seg.words.filename is not None  # memory-mapped from the published files
    # exact types still come from the database
    (md5,) = services.match_hashes([("md5", "0123456789abcdef0123456789abcdef")], cache=w1)
    assert len(md5.matches) == 1

    # changes after publishing: a removal, an addition, a bank enabled
    services.remove_entry(actor=None, entry=a)
    c = add(bank, "pdq", flip_bits(PDQ_A, 6, seed=3))
    services.set_bank_enabled(actor=None, bank=other, enabled=True)
    clock.now += 2.1
    near = flip_bits(PDQ_A, 2, seed=4)
    assert sorted(matched(w1, near)) == sorted([c.pk, d.pk])
    found = {i for i, _ in w1.search("pdq", [near])[0]}  # the index itself, unconfirmed
    assert found == {c.pk, d.pk}
    assert w1.rebuilds == 1 and w1.updates == 1  # changes applied, no rebuild
    assert b.pk in {i for i, _ in w2.search("pdq", [flip_bits(PDQ_A, 40, seed=1)])[0]}

    # a newer generation is picked up at the next check
    publish_index()
    clock.now += 2.1
    w1.ensure_fresh()
    assert w1.rebuilds == 2
    assert w1._snapshot.generation == (index_dir / "CURRENT").read_text().strip()
    assert {i for i, _ in w1.search("pdq", [near])[0]} == {c.pk, d.pk}


def test_a_snapshot_of_another_database_is_not_used(bank, index_dir):
    add(bank, "pdq", PDQ_A)
    publish_index()
    # the change sequence row is recreated (restored database): another epoch
    from ostoja.banks.models import BankChangeSequence

    BankChangeSequence.objects.all().delete()
    entry = add(bank, "pdq", flip_bits(PDQ_A, 9))
    cache = BankIndexCache(refresh=0)
    cache.ensure_fresh()
    assert cache._snapshot.generation is None  # built from the database instead
    assert entry.pk in {i for i, _ in cache.search("pdq", [PDQ_A])[0]}


def test_a_corrupt_published_index_falls_back_to_the_database(bank, index_dir):
    entry = add(bank, "pdq", PDQ_A)
    publish_index()
    gen = index_dir / (index_dir / "CURRENT").read_text().strip()
    (gen / "tail.ids").write_bytes(b"garbage")
    cache = BankIndexCache(refresh=0)
    assert matched(cache, PDQ_A) == [entry.pk]
    assert cache._snapshot.generation is None


def test_publish_command(bank, index_dir, capsys):
    add(bank, "pdq", PDQ_A)
    call_command("banks_index_publish")
    assert "Published 1 PDQ hashes" in capsys.readouterr().out
    assert (index_dir / "CURRENT").exists()


def test_publish_command_without_a_directory(settings):
    settings.OSTOJA_BANKS_INDEX_DIR = None
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="OSTOJA_BANKS_INDEX_DIR"):
        call_command("banks_index_publish")
    assert index_cache.index_dir() is None
