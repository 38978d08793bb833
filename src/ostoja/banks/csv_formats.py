"""Reading and writing hash lists as CSV: Ostoja's own format and python-threatexchange's.

Both formats have a header row; the format is recognised from it (``detect_format``).

**Ostoja** (``ostoja``) — columns by name, in any order; the first two are required::

    signal_type,signal_value,classification,category,age_band,source,date,note,status,removed_at

* ``signal_type``: ``pdq``, ``md5``, ``sha1``, ``sha256`` (python-threatexchange's names;
  the aliases ``video_md5``, ``photo_md5``, ``video_sha256``, ``photo_sha256`` are accepted).
* ``signal_value``: hexadecimal digits of the right length; upper or mixed case and
  surrounding spaces are accepted and stored lower-case.
* ``classification``: ``baseline`` (INTERPOL's international baseline) or ``national``;
  empty means the default chosen for the import.
* ``category``: free text (at most 64 characters), e.g. a national category code.
* ``age_band``: ``0-2``, ``3-13``, ``14-17``, ``unknown`` or empty.
* ``source``: the organisation the hash comes from (at most 200 characters).
* ``date``: the source's date, ``YYYY-MM-DD`` (a full ISO timestamp is cut to its date).
* ``note``: free text (at most 500 characters). Never exported (it may hold internal remarks).
* ``status``: ``active`` (default) or ``removed``: a tombstone. Importing a tombstone removes
  the same hash from the receiving bank, so partners can synchronise deletions.
* ``removed_at``: informational (exports fill it in for tombstones); ignored on import.

Other columns are ignored and listed in the import report.

**python-threatexchange signal file** (``threatexchange``) — what python-threatexchange's
only file reader, ``LocalFileSignalExchangeAPI``, reads and ``threatexchange dataset -P``
prints: one ``<signal_type> <signal>`` per line, no header, threatexchange's type names
(``pdq``, ``video_md5``, ``video_sha256``; 1.2.17 has no photo digest types and no SHA-1, and
its MD5/SHA-256 are computed over the file's bytes like Ostoja's). Exports write the active
hashes (no removals: the format has none; SHA-1 is left out and counted in the signature's
statement as ``left_out``). Imports skip lines of types Ostoja does not keep (``url``,
``raw_text``, ``url_md5``…) and count them per type; anything after the signal is ignored.

**python-threatexchange CSV** (``threatexchange-csv``) — what ``threatexchange dataset -P
--csv`` prints (nothing in the package reads it back; Ostoja does)::

    signal_type,signal_str,collab,category,tags

* ``signal_type``/``signal_str``: as above (``signal_str`` is the hash); rows of types Ostoja
  does not keep are skipped and counted per type, not an error.
* ``collab``: the collaboration the hash came from; stored as the entry's source.
* ``category``: ``POSITIVE_CLASS`` (or empty) adds the hash; ``NEGATIVE_CLASS`` (a known false
  positive or a withdrawn hash) is treated as a tombstone; ``INVESTIGATION_SEED`` is what
  threatexchange gives every row that carries no opinion (all rows of its file and sample
  sources), so such rows are imported, counted in the report (``seeds``) and marked
  ``threatexchange:INVESTIGATION_SEED`` in the note; the analyst sees the count before
  confirming the import. ``DISPUTED`` and other values are errors.
* ``tags``: space-separated. ``classification:…``, ``category:…`` and ``age_band:…`` fill
  those fields; other tags go into the note. Exports write those three tags, plus
  ``ostoja:removed`` on tombstones (spaces in a category become ``_``).

Free-text fields must not contain control or bidirectional-override characters and must not
begin with ``=``, ``+``, ``-`` or ``@`` (spreadsheet formula injection when a partner opens
the file).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from ostoja.matching import SIGNAL_TYPES, get_signal_type

FORMAT_OSTOJA = "ostoja"
#: python-threatexchange's signal file: ``<signal_type> <signal>`` per line (what its
#: ``LocalFileSignalExchangeAPI`` reads, and ``threatexchange dataset -P`` prints).
FORMAT_THREATEXCHANGE = "threatexchange"
#: ``threatexchange dataset -P --csv``: ``signal_type,signal_str,collab,category,tags``.
FORMAT_THREATEXCHANGE_CSV = "threatexchange-csv"
FORMATS = (FORMAT_OSTOJA, FORMAT_THREATEXCHANGE, FORMAT_THREATEXCHANGE_CSV)

OSTOJA_COLUMNS = (
    "signal_type",
    "signal_value",
    "classification",
    "category",
    "age_band",
    "source",
    "date",
    "note",
    "status",
    "removed_at",
)
OSTOJA_REQUIRED = ("signal_type", "signal_value")
#: What an export writes (``note`` stays home).
OSTOJA_EXPORT_COLUMNS = tuple(c for c in OSTOJA_COLUMNS if c != "note")
TE_COLUMNS = ("signal_type", "signal_str", "collab", "category", "tags")

CLASSIFICATIONS = ("baseline", "national")
AGE_BANDS = ("0-2", "3-13", "14-17", "unknown")
SIGNAL_ALIASES = {
    "video_md5": "md5",
    "photo_md5": "md5",
    "video_sha256": "sha256",
    "photo_sha256": "sha256",
}
CLASSIFICATION_ALIASES = {
    "baseline": "baseline",
    "international baseline": "baseline",
    "international_baseline": "baseline",
    "international": "baseline",
    "national": "national",
}
#: Ostoja's names → python-threatexchange 1.2.17's ``SignalType.get_name()``. Its only MD5 and
#: SHA-256 types are ``video_md5``/``video_sha256`` (declared for video content, computed over
#: the file's bytes, as Ostoja's are for any file); it has no photo digest types and no SHA-1.
TE_NAMES = {"pdq": "pdq", "md5": "video_md5", "sha256": "video_sha256"}
TE_POSITIVE = "POSITIVE_CLASS"
TE_NEGATIVE = "NEGATIVE_CLASS"
TE_SEED = "INVESTIGATION_SEED"
TE_REMOVED_TAG = "ostoja:removed"
TE_SEED_NOTE = "threatexchange:INVESTIGATION_SEED"

MAX_CATEGORY = 64
MAX_SOURCE = 200
MAX_NOTE = 500
MAX_ERRORS = 50

_FORBIDDEN_START = ("=", "+", "-", "@")
_BIDI = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F)}


@dataclass
class Row:
    """One validated row (canonical values)."""

    line: int
    signal_type: str
    value: str
    classification: str = ""
    category: str = ""
    age_band: str = ""
    source: str = ""
    source_date: dt.date | None = None
    note: str = ""
    removed: bool = False

    def key(self) -> tuple[str, str]:
        return (self.signal_type, self.value)

    def to_json(self) -> dict:
        return {
            "line": self.line,
            "signal_type": self.signal_type,
            "value": self.value,
            "classification": self.classification,
            "category": self.category,
            "age_band": self.age_band,
            "source": self.source,
            "source_date": self.source_date.isoformat() if self.source_date else None,
            "note": self.note,
            "removed": self.removed,
        }

    @classmethod
    def from_json(cls, d: dict) -> Row:
        date = d.get("source_date")
        return cls(
            line=int(d.get("line", 0)),
            signal_type=d["signal_type"],
            value=d["value"],
            classification=d.get("classification", ""),
            category=d.get("category", ""),
            age_band=d.get("age_band", ""),
            source=d.get("source", ""),
            source_date=dt.date.fromisoformat(date) if date else None,
            note=d.get("note", ""),
            removed=bool(d.get("removed")),
        )


@dataclass
class RowError:
    line: int
    column: str
    message: str

    def to_json(self) -> dict:
        return {"line": self.line, "column": self.column, "message": self.message}


@dataclass
class ParseReport:
    """The outcome of reading a file: valid rows, or the errors that make it unusable."""

    file_format: str = ""
    rows: list[Row] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    duplicates: int = 0
    skipped_seeds: int = 0  # always 0 now: INVESTIGATION_SEED rows are imported (``seeds``)
    #: INVESTIGATION_SEED rows of a python-threatexchange file: imported, counted here.
    seeds: int = 0
    #: Rows of signal types Ostoja does not hold (url, raw_text…), skipped: type → count.
    skipped_types: dict[str, int] = field(default_factory=dict)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def error(self, line: int, column: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(RowError(line, column, message))


# -- field validation ---------------------------------------------------------------------------


def normalise_signal_type(raw: str) -> str | None:
    name = (raw or "").strip().lower()
    name = SIGNAL_ALIASES.get(name, name)
    return name if name in SIGNAL_TYPES else None


def parse_value(signal_type: str, raw: str) -> tuple[str | None, str]:
    """``(canonical value, "")`` or ``(None, translated reason)``."""
    st = get_signal_type(signal_type)
    text = (raw or "").strip()
    if not text:
        return None, _("the hash is empty")
    for pos, ch in enumerate(text):
        if ch not in "0123456789abcdefABCDEF":
            return None, _(
                "the hash contains a character that is not hexadecimal (position %(pos)d)"
            ) % {"pos": pos + 1}
    if len(text) != st.hex_length:
        return None, _(
            "a %(type)s hash has %(expected)d hexadecimal digits, this one has %(got)d"
        ) % {"type": signal_type, "expected": st.hex_length, "got": len(text)}
    return st.parse(text), ""


def check_text(value: str, max_length: int) -> str:
    """Translated reason why a free-text value is refused, or ""."""
    if len(value) > max_length:
        return _("at most %(n)d characters") % {"n": max_length}
    for ch in value:
        if ch in _BIDI:
            return _("contains an invisible text-direction character")
        if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co"):
            return _("contains a control character")
    if value.startswith(_FORBIDDEN_START):
        return _("must not begin with =, +, - or @ (spreadsheet formulas)")
    return ""


def parse_classification(raw: str) -> str | None:
    text = (raw or "").strip().lower()
    if not text:
        return ""
    return CLASSIFICATION_ALIASES.get(text)


def parse_age_band(raw: str) -> str | None:
    text = (raw or "").strip().lower()
    if not text:
        return ""
    return text if text in AGE_BANDS else None


def parse_date(raw: str) -> tuple[dt.date | None, bool]:
    """``(date or None, ok)``."""
    text = (raw or "").strip()
    if not text:
        return None, True
    try:
        if len(text) == 10:
            return dt.date.fromisoformat(text), True
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date(), True
    except ValueError:
        return None, False


# -- reading ------------------------------------------------------------------------------------


def _header_names(header: list[str]) -> list[str]:
    return [h.strip().lower().lstrip("\ufeff") for h in header]


def detect_format(header: list[str]) -> str | None:
    names = _header_names(header)
    if "signal_type" in names and "signal_value" in names:
        return FORMAT_OSTOJA
    if "signal_type" in names and "signal_str" in names:
        return FORMAT_THREATEXCHANGE_CSV
    return None


_SIGNAL_LINE = re.compile(r"^[a-z][a-z0-9_]* \S")


def _looks_like_signal_lines(text: str) -> bool:
    """Is the first meaningful line ``<signal_type> <signal>`` (no CSV header)?"""
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            return bool(_SIGNAL_LINE.match(line.strip())) and "," not in line.split(" ", 1)[0]
    return False


def _te_signal_type(raw: str, line: int, report: ParseReport) -> str | None:
    """Ostoja's name for a threatexchange signal type, or None: a type Ostoja does not hold
    (``url``, ``raw_text``, ``url_md5``…) is skipped and counted, not an error."""
    name = (raw or "").strip().lower()
    ours = normalise_signal_type(name)
    if ours is None:
        key = name[:40] or "?"
        report.skipped_types[key] = report.skipped_types.get(key, 0) + 1
    return ours


def _parse_signal_lines(text: str, report: ParseReport, *, max_rows: int | None) -> ParseReport:
    """python-threatexchange's signal file, read as ``LocalFileSignalExchangeAPI`` reads it:
    per line ``<signal_type> <signal>`` (split at the first space). ``dataset -P`` may print
    the collaboration and the metadata after the signal; they are ignored."""
    report.file_format = FORMAT_THREATEXCHANGE
    seen: dict[tuple[str, str], Row] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        type_raw, _sep, rest = line.partition(" ")
        signal = rest.strip().split(" ", 1)[0]
        if not signal:
            report.error(number, "signal", _("the line has a signal type but no signal"))
            continue
        signal_type = _te_signal_type(type_raw, number, report)
        if signal_type is None:
            continue
        if max_rows is not None and len(seen) >= max_rows:
            report.error(
                number,
                "",
                _("The file has more than %(n)d rows; split it into smaller files.")
                % {"n": max_rows},
            )
            break
        value, problem = parse_value(signal_type, signal)
        if value is None:
            report.error(number, "signal", problem)
            continue
        row = Row(line=number, signal_type=signal_type, value=value)
        if row.key() in seen:
            report.duplicates += 1
        else:
            seen[row.key()] = row
    if report.ok:
        report.rows = list(seen.values())
        if not report.rows:
            report.error(0, "", _("The file holds no hash of a type Ostoja keeps."))
    return report


def decode(data: bytes) -> tuple[str | None, str]:
    """``(text, "")`` or ``(None, translated reason)``."""
    if b"\x00" in data:
        return None, _("The file contains NUL bytes: it is not a CSV text file.")
    try:
        return data.decode("utf-8-sig"), ""
    except UnicodeDecodeError as exc:
        return None, _("The file is not UTF-8 text (invalid byte at position %(pos)d).") % {
            "pos": exc.start + 1
        }


def parse_csv(
    data: bytes,
    *,
    file_format: str = "auto",
    max_rows: int | None = None,
) -> ParseReport:
    """Read and validate a whole file. Rows are returned only if there is no error at all."""
    report = ParseReport()
    text, problem = decode(data)
    if text is None:
        report.error(0, "", problem)
        return report
    if file_format == FORMAT_THREATEXCHANGE or (
        file_format == "auto" and _looks_like_signal_lines(text)
    ):
        return _parse_signal_lines(text, report, max_rows=max_rows)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    try:
        for record in reader:
            if not any(cell.strip() for cell in record):
                continue
            header = record
            break
    except csv.Error as exc:
        report.error(reader.line_num, "", _("The CSV is malformed: %(e)s") % {"e": exc})
        return report
    if header is None:
        report.error(0, "", _("The file is empty."))
        return report
    detected = detect_format(header)
    if file_format == "auto":
        file_format = detected or ""
    if file_format not in FORMATS or detected not in (None, file_format):
        report.error(
            reader.line_num,
            "",
            _(
                "The header row is not recognised. Expected a header with signal_type and "
                "signal_value (Ostoja) or signal_type and signal_str (python-threatexchange)."
            ),
        )
        return report
    if detected is None:
        report.error(reader.line_num, "", _("The header row does not match the chosen format."))
        return report
    report.file_format = file_format
    names = _header_names(header)
    known = OSTOJA_COLUMNS if file_format == FORMAT_OSTOJA else TE_COLUMNS
    report.ignored_columns = [n for n in names if n and n not in known]
    dup_names = sorted({n for n in names if n and names.count(n) > 1})
    if dup_names:
        report.error(
            reader.line_num,
            "",
            _("The header names a column twice: %(cols)s") % {"cols": ", ".join(dup_names)},
        )
        return report
    index = {n: i for i, n in enumerate(names)}
    seen: dict[tuple[str, str], Row] = {}
    parse_row = _parse_ostoja_row if file_format == FORMAT_OSTOJA else _parse_te_row
    try:
        for record in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if record[0].lstrip().startswith("#"):
                continue
            if max_rows is not None and len(seen) >= max_rows:
                report.error(
                    line,
                    "",
                    _("The file has more than %(n)d rows; split it into smaller files.")
                    % {"n": max_rows},
                )
                break
            cells = {n: (record[i] if i < len(record) else "") for n, i in index.items()}
            row = parse_row(line, cells, report)
            if row is None:
                continue
            earlier = seen.get(row.key())
            if earlier is None:
                seen[row.key()] = row
            elif earlier.removed == row.removed:
                report.duplicates += 1
            else:
                report.error(
                    line,
                    "status",
                    _("this hash is both added and removed in the file (see line %(line)d)")
                    % {"line": earlier.line},
                )
    except csv.Error as exc:
        report.error(reader.line_num, "", _("The CSV is malformed: %(e)s") % {"e": exc})
    if report.ok:
        report.rows = list(seen.values())
        if not report.rows:
            report.error(0, "", _("The file has a header but no hashes."))
    return report


def _common_fields(line: int, cells: dict, report: ParseReport, value_column: str):
    st_raw = cells.get("signal_type", "")
    signal_type = normalise_signal_type(st_raw)
    if signal_type is None:
        report.error(
            line,
            "signal_type",
            _("unknown signal type; use one of: %(types)s")
            % {"types": ", ".join(sorted(SIGNAL_TYPES))},
        )
        return None, None
    value, problem = parse_value(signal_type, cells.get(value_column, ""))
    if value is None:
        report.error(line, value_column, problem)
        return signal_type, None
    return signal_type, value


def _text(line: int, cells: dict, column: str, max_length: int, report: ParseReport) -> str:
    value = (cells.get(column) or "").strip()
    problem = check_text(value, max_length)
    if problem:
        report.error(line, column, problem)
    return value


def _parse_ostoja_row(line: int, cells: dict, report: ParseReport) -> Row | None:
    before = report.error_count
    signal_type, value = _common_fields(line, cells, report, "signal_value")
    classification = parse_classification(cells.get("classification", ""))
    if classification is None:
        report.error(line, "classification", _("use baseline or national"))
    age_band = parse_age_band(cells.get("age_band", ""))
    if age_band is None:
        report.error(line, "age_band", _("use one of: %(v)s") % {"v": ", ".join(AGE_BANDS)})
    date, ok = parse_date(cells.get("date", ""))
    if not ok:
        report.error(line, "date", _("use the form YYYY-MM-DD"))
    category = _text(line, cells, "category", MAX_CATEGORY, report)
    source = _text(line, cells, "source", MAX_SOURCE, report)
    note = _text(line, cells, "note", MAX_NOTE, report)
    status = (cells.get("status") or "").strip().lower()
    if status not in ("", "active", "removed"):
        report.error(line, "status", _("use active or removed"))
    if report.error_count != before or value is None:
        return None
    return Row(
        line=line,
        signal_type=signal_type,
        value=value,
        classification=classification or "",
        category=category,
        age_band=age_band or "",
        source=source,
        source_date=date,
        note=note,
        removed=status == "removed",
    )


def _parse_te_row(line: int, cells: dict, report: ParseReport) -> Row | None:
    before = report.error_count
    if _te_signal_type(cells.get("signal_type", ""), line, report) is None:
        return None  # a type Ostoja does not hold: counted in skipped_types
    signal_type, value = _common_fields(line, cells, report, "signal_str")
    category_raw = (cells.get("category") or "").strip().upper()
    if category_raw not in ("", TE_POSITIVE, TE_NEGATIVE, TE_SEED):
        report.error(
            line,
            "category",
            _("use POSITIVE_CLASS, NEGATIVE_CLASS or INVESTIGATION_SEED"),
        )
    source = _text(line, cells, "collab", MAX_SOURCE, report)
    classification = category = age_band = ""
    other_tags = []
    for tag in (cells.get("tags") or "").split():
        key, sep, rest = tag.partition(":")
        if sep and key == "classification":
            classification = parse_classification(rest.replace("_", " "))
            if classification is None:
                report.error(line, "tags", _("classification: use baseline or national"))
                classification = ""
        elif sep and key == "category":
            category = rest
        elif sep and key == "age_band":
            age_band = parse_age_band(rest)
            if age_band is None:
                report.error(
                    line, "tags", _("age_band: use one of: %(v)s") % {"v": ", ".join(AGE_BANDS)}
                )
                age_band = ""
        elif tag != TE_REMOVED_TAG:
            other_tags.append(tag)
    problem = check_text(category, MAX_CATEGORY)
    if problem:
        report.error(line, "tags", problem)
    note = " ".join(other_tags)
    problem = check_text(note, MAX_NOTE)
    if problem:
        report.error(line, "tags", problem)
    if report.error_count != before or value is None:
        return None
    if category_raw == TE_SEED:
        # threatexchange gives every row of a file or sample source this category: it means
        # "no opinion recorded", not "refuted". Imported (the analyst confirms the preview,
        # which counts them) and marked in the note so they can be found.
        report.seeds += 1
        note = " ".join(filter(None, [TE_SEED_NOTE, note]))[:MAX_NOTE]
    return Row(
        line=line,
        signal_type=signal_type,
        value=value,
        classification=classification,
        category=category,
        age_band=age_band,
        source=source,
        note=note,
        removed=category_raw == TE_NEGATIVE,
    )


# -- writing ------------------------------------------------------------------------------------


@dataclass
class ExportRow:
    signal_type: str
    value: str
    classification: str
    category: str
    age_band: str
    source: str
    source_date: dt.date | None
    removed_at: dt.datetime | None


def write_ostoja(rows: Iterable[ExportRow]) -> tuple[bytes, int]:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(OSTOJA_EXPORT_COLUMNS)
    n = 0
    for r in rows:
        writer.writerow(
            [
                r.signal_type,
                r.value,
                r.classification,
                r.category,
                r.age_band,
                r.source,
                r.source_date.isoformat() if r.source_date else "",
                "removed" if r.removed_at else "active",
                r.removed_at.isoformat() if r.removed_at else "",
            ]
        )
        n += 1
    return out.getvalue().encode("utf-8"), n


_SPACES = re.compile(r"\s+")


def write_threatexchange(rows: Iterable[ExportRow]) -> tuple[bytes, int, int]:
    """python-threatexchange's signal file: ``<signal_type> <signal>`` per line, the active
    hashes only (the format has no removals: a file collaboration is a full snapshot), under
    threatexchange's names. SHA-1 has no threatexchange type and is left out.
    Returns ``(data, lines written, hashes left out)``."""
    lines = []
    left_out = 0
    for r in rows:
        if r.removed_at:
            continue
        name = TE_NAMES.get(r.signal_type)
        if name is None:
            left_out += 1
            continue
        lines.append(f"{name} {r.value}\n")
    return "".join(lines).encode("ascii"), len(lines), left_out


def write_threatexchange_csv(rows: Iterable[ExportRow], *, collab: str) -> tuple[bytes, int]:
    """The layout of ``threatexchange dataset -P --csv`` (threatexchange's type names; SHA-1,
    which it has no name for, as ``sha1``). Only Ostoja reads this file back."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(TE_COLUMNS)
    n = 0
    for r in rows:
        tags = []
        if r.classification:
            tags.append(f"classification:{r.classification}")
        if r.category:
            tags.append(f"category:{_SPACES.sub('_', r.category)}")
        if r.age_band:
            tags.append(f"age_band:{r.age_band}")
        if r.removed_at:
            tags.append(TE_REMOVED_TAG)
        writer.writerow(
            [
                TE_NAMES.get(r.signal_type, r.signal_type),
                r.value,
                r.source or collab,
                TE_NEGATIVE if r.removed_at else TE_POSITIVE,
                " ".join(tags),
            ]
        )
        n += 1
    return out.getvalue().encode("utf-8"), n
