"""Reading and writing hash lists: both formats, every column, hostile input."""

import datetime as dt

import pytest

from ostoja.banks import csv_formats as cf
from ostoja.banks.models import AgeBand, Classification

from .helpers import PDQ_A

MD5 = "0123456789abcdef0123456789abcdef"
SHA1 = "0123456789abcdef0123456789abcdef01234567"
SHA256 = "ab" * 32


def parse(text: str, **kw):
    return cf.parse_csv(text.encode("utf-8"), **kw)


def test_choices_match_the_models():
    assert set(cf.CLASSIFICATIONS) == set(Classification.values)
    assert set(cf.AGE_BANDS) == set(AgeBand.values)


def test_ostoja_full_row_and_mixed_case():
    report = parse(
        "signal_type,signal_value,classification,category,age_band,source,date,note\n"
        f"PDQ, {PDQ_A.upper()} ,International baseline,A1,3-13,INHOPE,2024-05-01,seen twice\n"
        f"md5,{MD5},national,,,,,\n"
        f"sha1,{SHA1},,,,,2024-05-02T10:00:00Z,\n"
        f"video_sha256,{SHA256},,,,,,\n"
    )
    assert report.ok, report.errors
    assert report.file_format == "ostoja"
    first = report.rows[0]
    assert (first.signal_type, first.value) == ("pdq", PDQ_A)
    assert first.classification == "baseline"
    assert (first.category, first.age_band, first.source) == ("A1", "3-13", "INHOPE")
    assert first.source_date == dt.date(2024, 5, 1)
    assert first.note == "seen twice"
    assert report.rows[2].source_date == dt.date(2024, 5, 2)
    assert report.rows[3].signal_type == "sha256"


def test_only_the_two_required_columns_and_a_bom():
    report = cf.parse_csv(f"\ufeffsignal_value,signal_type\n{MD5},md5\n".encode())
    assert report.ok
    assert report.rows[0].classification == ""  # the import's default applies later


@pytest.mark.parametrize(
    ("line", "column", "fragment"),
    [
        (f"pdq,{PDQ_A[:-1]}", "signal_value", "has 63"),
        (f"pdq,{PDQ_A[:-1]}g", "signal_value", "not hexadecimal"),
        ("pdq,", "signal_value", "empty"),
        (f"md4,{MD5}", "signal_type", "unknown signal type"),
        (f"md5,{MD5},secret", "classification", "baseline or national"),
        (f"md5,{MD5},,,7-9", "age_band", "0-2"),
        (f"md5,{MD5},,,,,31/12/2024", "date", "YYYY-MM-DD"),
        (f"md5,{MD5},,=HYPERLINK(1)", "category", "formulas"),
        (f"md5,{MD5},,,,@evil", "source", "formulas"),
        (f"md5,{MD5},,A\u202eB", "category", "text-direction"),
        (f"md5,{MD5},,A\x07B", "category", "control"),
        (f"md5,{MD5},,{'x' * 65}", "category", "64"),
        (f"md5,{MD5},,,,,,,deleted", "status", "active or removed"),
    ],
)
def test_each_bad_field_is_named_with_its_line(line, column, fragment):
    report = parse(
        "signal_type,signal_value,classification,category,age_band,source,date,note,status\n"
        f"md5,{'f' * 32}\n{line}\n"
    )
    assert not report.ok
    assert report.rows == []  # all or nothing
    err = report.errors[0]
    assert (err.line, err.column) == (3, column)
    assert fragment in err.message


def test_errors_are_capped_but_counted():
    body = "".join(f"md5,zz{i}\n" for i in range(200))
    report = parse("signal_type,signal_value\n" + body)
    assert report.error_count == 200
    assert len(report.errors) == cf.MAX_ERRORS


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"", "empty"),
        (b"\n\n", "empty"),
        (b"hash,type\nab,md5\n", "header row is not recognised"),
        (b"signal_type,signal_value\n", "no hashes"),
        (b"signal_type,signal_value\x00\n", "NUL"),
        (b"signal_type,signal_value\nmd5,\xff\xfe\n", "not UTF-8"),
        (b'signal_type,signal_value\nmd5,"abc\n', "malformed"),
        (b"signal_type,signal_value,signal_type\nmd5,a,b\n", "twice"),
    ],
)
def test_unusable_files(data, fragment):
    report = cf.parse_csv(data)
    assert not report.ok
    assert fragment in report.errors[0].message


def test_duplicates_ignored_but_contradictions_refused():
    ok = parse(f"signal_type,signal_value\nmd5,{MD5}\nmd5,{MD5.upper()}\n")
    assert ok.ok and len(ok.rows) == 1 and ok.duplicates == 1
    bad = parse(f"signal_type,signal_value,status\nmd5,{MD5},\nmd5,{MD5},removed\n")
    assert not bad.ok
    assert "line 2" in bad.errors[0].message


def test_row_limit():
    body = "".join(f"md5,{i:032x}\n" for i in range(11))
    report = parse("signal_type,signal_value\n" + body, max_rows=10)
    assert not report.ok
    assert "more than 10 rows" in report.errors[0].message


def test_unknown_columns_are_ignored_and_reported():
    report = parse(f"signal_type,signal_value,colour\nmd5,{MD5},red\n")
    assert report.ok
    assert report.ignored_columns == ["colour"]


def test_explicit_format_must_match_header():
    report = parse(f"signal_type,signal_value\nmd5,{MD5}\n", file_format="threatexchange-csv")
    assert not report.ok


def test_threatexchange_csv():
    report = parse(
        "signal_type,signal_str,collab,category,tags\n"
        f"pdq,{PDQ_A},Sample Collab,POSITIVE_CLASS,classification:baseline category:A "
        "age_band:0-2 extra\n"
        f"video_md5,{MD5},Sample Collab,NEGATIVE_CLASS,\n"
        f"md5,{'e' * 32},Sample Collab,INVESTIGATION_SEED,\n"
        f"sha256,{SHA256},Sample Collab,,\n"
    )
    assert report.ok, report.errors
    assert report.file_format == "threatexchange-csv"
    # INVESTIGATION_SEED ("no opinion recorded"): imported, counted, marked in the note.
    assert report.seeds == 1 and report.skipped_seeds == 0
    pdq, md5, seed, sha = report.rows
    assert seed.note == "threatexchange:INVESTIGATION_SEED" and not seed.removed
    assert (pdq.classification, pdq.category, pdq.age_band) == ("baseline", "A", "0-2")
    assert pdq.source == "Sample Collab" and pdq.note == "extra"
    assert md5.removed and md5.signal_type == "md5"
    assert not sha.removed


def test_threatexchange_bad_category():
    report = parse(f"signal_type,signal_str,collab,category,tags\npdq,{PDQ_A},c,MAYBE,\n")
    assert not report.ok
    assert report.errors[0].column == "category"


def _export_rows():
    return [
        cf.ExportRow("md5", MD5, "national", "B 2", "", "Hotline A", dt.date(2024, 1, 2), None),
        cf.ExportRow(
            "pdq",
            PDQ_A,
            "baseline",
            "",
            "3-13",
            "",
            None,
            dt.datetime(2024, 3, 1, 12, tzinfo=dt.UTC),
        ),
    ]


def test_ostoja_round_trip_with_tombstone():
    data, n = cf.write_ostoja(_export_rows())
    assert n == 2
    assert data.decode().splitlines()[0] == ",".join(cf.OSTOJA_EXPORT_COLUMNS)
    report = cf.parse_csv(data)
    assert report.ok
    md5, pdq = report.rows
    assert (md5.classification, md5.category, md5.source) == ("national", "B 2", "Hotline A")
    assert md5.source_date == dt.date(2024, 1, 2) and not md5.removed
    assert pdq.removed and pdq.age_band == "3-13"


def test_threatexchange_round_trip():
    data, _n = cf.write_threatexchange_csv(_export_rows(), collab="Bank A")
    lines = data.decode().splitlines()
    assert lines[0] == "signal_type,signal_str,collab,category,tags"
    assert lines[1].startswith("video_md5,")  # threatexchange's name for an MD5
    assert "POSITIVE_CLASS" in lines[1] and "category:B_2" in lines[1]
    assert "NEGATIVE_CLASS" in lines[2] and "ostoja:removed" in lines[2]
    assert ",Bank A," in lines[2]  # no source: the bank is the collaboration
    report = cf.parse_csv(data)
    assert report.ok
    assert report.rows[0].category == "B_2"
    assert report.rows[1].removed
