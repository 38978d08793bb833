"""Hash lists to and from python-threatexchange 1.2.17, with the package itself as the other
side (issue 11, item 18): its ``LocalFileSignalExchangeAPI`` reads Ostoja's export, and
files written by its own ``dataset`` printing code import into Ostoja.
"""

from __future__ import annotations

import csv
import io
import types
from contextlib import redirect_stdout

import pytest
from threatexchange.cli.dataset_cmd import DatasetCommand
from threatexchange.exchanges.fetch_state import (
    FetchedSignalMetadata,
    SignalOpinion,
    SignalOpinionCategory,
)
from threatexchange.exchanges.impl.file_api import (
    FileCollaborationConfig,
    LocalFileSignalExchangeAPI,
)
from threatexchange.signal_type.md5 import VideoMD5Signal
from threatexchange.signal_type.pdq.signal import PdqSignal
from threatexchange.signal_type.raw_text import RawTextSignal
from threatexchange.signal_type.sha256 import VideoSHA256Signal
from threatexchange.signal_type.url import URLSignal
from threatexchange.signal_type.url_md5 import UrlMD5Signal

from ostoja.banks import csv_formats, services

from .helpers import PDQ_A, add, flip_bits, make_bank

pytestmark = pytest.mark.django_db

TE_TYPES = {c.get_name(): c for c in (PdqSignal, VideoMD5Signal, VideoSHA256Signal)}


def read_with_threatexchange(path) -> dict[tuple[str, str], object]:
    collab = FileCollaborationConfig(
        name="ostoja export", api="local_file", enabled=True, filename=str(path)
    )
    api = LocalFileSignalExchangeAPI.for_collab(collab)
    updates: dict = {}
    for delta in api.fetch_iter(list(TE_TYPES.values()), None):
        updates.update(delta.updates)
    return updates


def test_the_threatexchange_export_is_read_by_threatexchange(bank, signing_key, tmp_path):
    pdqs = [flip_bits(PDQ_A, n, seed=n) for n in range(1, 21)]
    md5s = [f"{i:032x}" for i in range(1, 16)]
    sha256s = [f"{i:064x}" for i in range(1, 9)]
    for value in pdqs:
        add(bank, "pdq", value)
    for value in md5s:
        add(bank, "md5", value)
    for value in sha256s:
        add(bank, "sha256", value)
    add(bank, "sha1", "a" * 40)  # threatexchange has no SHA-1 type: left out, counted
    gone = add(bank, "md5", "f" * 32)
    services.remove_entry(actor=None, entry=gone)  # the line format has no removals

    signed = services.export_bank(actor=None, bank=bank, file_format="threatexchange")
    path = tmp_path / signed.file_name
    path.write_bytes(signed.data)
    updates = read_with_threatexchange(path)

    expected = (
        {("pdq", v) for v in pdqs}
        | {("video_md5", v) for v in md5s}
        | {("video_sha256", v) for v in sha256s}
    )
    assert set(updates) == expected  # 43 of 43 exportable signals
    assert signed.statement["rows"] == 43 and signed.statement["left_out"] == 1
    for signal_type, signal in updates:
        assert TE_TYPES[signal_type].validate_signal_str(signal) == signal


def _te_writer_stdout(rows) -> str:
    """Lines printed by threatexchange's own ``dataset -P`` code (``_print_stdout``)."""
    fake_cmd = types.SimpleNamespace(only_signals=[], print_signals_only=True, only_collabs=[])
    out = io.StringIO()
    with redirect_stdout(out):
        for signal_type, signal in rows:
            DatasetCommand._print_stdout(fake_cmd, "", signal_type, signal, None)
    return out.getvalue()


class _Opinion(FetchedSignalMetadata):
    def __init__(self, category, tags=()):
        self._opinion = SignalOpinion(False, category, set(tags))

    def get_as_opinions(self):
        return [self._opinion]


def _te_writer_csv(rows) -> str:
    """A ``dataset -P --csv`` file, written by threatexchange's own ``_print_csv``."""
    out = io.StringIO()
    writer = csv.DictWriter(out, ["signal_type", "signal_str", "collab", "category", "tags"])
    writer.writeheader()
    for signal_type, signal, metadata in rows:
        DatasetCommand._print_csv(None, writer, "Sample Collab", signal_type, signal, metadata)
    return out.getvalue()


MIXED = [
    (PdqSignal, PDQ_A),
    (VideoMD5Signal, "0123456789abcdef0123456789abcdef"),
    (VideoSHA256Signal, "ab" * 32),
    (URLSignal, "https://example.com/some/page"),
    (UrlMD5Signal, "11112222333344445555666677778888"),
    (RawTextSignal, "some words of text"),
]


def test_threatexchange_signal_lines_import(bank):
    text = _te_writer_stdout(MIXED)
    assert text.splitlines()[0] == f"pdq {PDQ_A}"
    report = csv_formats.parse_csv(text.encode())
    assert report.ok, report.errors
    assert report.file_format == "threatexchange"
    assert sorted(r.key() for r in report.rows) == [
        ("md5", "0123456789abcdef0123456789abcdef"),
        ("pdq", PDQ_A),
        ("sha256", "ab" * 32),
    ]
    assert report.skipped_types == {"url": 1, "url_md5": 1, "raw_text": 1}
    _imp, result = services.import_list(actor=None, bank=bank, data=text.encode())
    assert len(result.added) == 3


def test_threatexchange_csv_imports_with_every_category(bank):
    seed = _Opinion(SignalOpinionCategory.INVESTIGATION_SEED)
    positive = _Opinion(SignalOpinionCategory.POSITIVE_CLASS, ["classification:baseline"])
    negative = _Opinion(SignalOpinionCategory.NEGATIVE_CLASS)
    add(bank, "md5", "9" * 32)  # withdrawn upstream: the NEGATIVE_CLASS row removes it
    text = _te_writer_csv(
        [
            (PdqSignal, PDQ_A, seed),
            (VideoMD5Signal, "0123456789abcdef0123456789abcdef", positive),
            (VideoMD5Signal, "9" * 32, negative),
            (URLSignal, "https://example.com/x", positive),
            (RawTextSignal, "text, with a comma", seed),
            (UrlMD5Signal, "1" * 32, seed),
        ]
    )
    report = csv_formats.parse_csv(text.encode())
    assert report.ok, report.errors
    assert report.file_format == "threatexchange-csv"
    assert report.seeds == 1
    assert report.skipped_types == {"url": 1, "raw_text": 1, "url_md5": 1}
    _imp, result = services.import_list(actor=None, bank=bank, data=text.encode())
    assert (len(result.added), result.removed) == (2, 1)
    pdq = bank.entries.active().get(signal_type="pdq")
    assert pdq.note == "threatexchange:INVESTIGATION_SEED" and pdq.source == "Sample Collab"
    md5 = bank.entries.active().get(signal_type="md5")
    assert md5.classification == "baseline"


def test_a_file_of_only_foreign_types_is_refused_with_a_reason():
    text = _te_writer_stdout([(URLSignal, "https://example.com/")])
    report = csv_formats.parse_csv(text.encode())
    assert not report.ok and report.skipped_types == {"url": 1}


def test_round_trip_through_threatexchange_and_back(bank, hotline_org, signing_key, tmp_path):
    add(bank, "pdq", PDQ_A)
    add(bank, "md5", "0123456789abcdef0123456789abcdef")
    signed = services.export_bank(actor=None, bank=bank, file_format="threatexchange")
    path = tmp_path / "export.txt"
    path.write_bytes(signed.data)
    updates = read_with_threatexchange(path)
    # threatexchange reads it, prints it with its own code, Ostoja imports what it printed.
    printed = _te_writer_stdout([(TE_TYPES[t], s) for t, s in sorted(updates)])
    other = make_bank(hotline_org, slug="from-te")
    _imp, result = services.import_list(actor=None, bank=other, data=printed.encode())
    assert sorted((e.signal_type, e.value) for e in result.added) == [
        ("md5", "0123456789abcdef0123456789abcdef"),
        ("pdq", PDQ_A),
    ]
