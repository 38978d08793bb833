"""Extracting the text of an uploaded file for search, with limits against hostile files.

Runs in a background task (:mod:`ostoja.library.tasks`), never in the web request. A PDF is
read with pypdf under limits:

* at most :data:`MAX_PAGES` pages (a "page bomb" declaring a million pages is refused before a
  single page is read);
* at most :data:`MAX_SECONDS` of work (checked after every page) and :data:`MAX_CHARS` of text;
* deeply nested objects make pypdf recurse: a ``RecursionError`` is caught and reported;
* an encrypted PDF is tried with the empty password (many "protected" PDFs only restrict
  printing), and otherwise reported.

Problems are returned as codes (:data:`REASONS` holds their translated explanations); nothing
here raises for a bad file. Office documents (OOXML, OpenDocument) are zip files of XML: their
text is read with a cap on the uncompressed size (zip bombs).
"""

from __future__ import annotations

import io
import re
import time
import zipfile
from dataclasses import dataclass
from xml.etree import ElementTree as ET  # noqa: S405 - parsed with entity expansion off below

from django.utils.translation import gettext_lazy as _

MAX_PAGES = 3000
MAX_SECONDS = 60.0
MAX_CHARS = 3_000_000
MAX_XML_BYTES = 30 * 1024 * 1024

REASONS = {
    "encrypted": _("The PDF is encrypted with a password; its text cannot be searched."),
    "broken": _("The file is damaged or not a valid document; its text cannot be searched."),
    "too_many_pages": _("The PDF declares more pages than the library reads (3000)."),
    "too_slow": _("Reading the text took too long; only the first pages are searchable."),
    "too_deep": _("The PDF is built of too deeply nested objects; its text cannot be read."),
    "too_large": _("The document unpacks to too much data; its text cannot be read."),
    "truncated": _("The text is very long; only its beginning is searchable."),
}


@dataclass
class Result:
    text: str = ""
    pages: int | None = None
    problem: str = ""  # a key of REASONS, or ""
    #: False when nothing could be read at all (the problem is then fatal for search).
    ok: bool = True


def extract(data: bytes, content_type: str, *, clock=time.monotonic) -> Result:
    if content_type == "application/pdf":
        return extract_pdf(data, clock=clock)
    if "opendocument" in content_type or "openxmlformats" in content_type:
        return extract_office(data)
    if content_type.startswith("text/"):
        text = data.decode("utf-8", errors="replace")
        return _capped(text, None)
    return Result(ok=True)  # audio: nothing to read


def _capped(text: str, pages: int | None, problem: str = "") -> Result:
    if len(text) > MAX_CHARS:
        return Result(text=text[:MAX_CHARS], pages=pages, problem=problem or "truncated")
    return Result(text=text, pages=pages, problem=problem)


def extract_pdf(data: bytes, *, clock=time.monotonic) -> Result:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    started = clock()
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                if not reader.decrypt(""):
                    return Result(problem="encrypted", ok=False)
            except (PyPdfError, NotImplementedError, ValueError, KeyError):
                return Result(problem="encrypted", ok=False)
        declared = _declared_pages(reader)
        if declared is not None and declared > MAX_PAGES:
            return Result(pages=declared, problem="too_many_pages", ok=False)
        pages = reader.pages
        count = len(pages)
        if count > MAX_PAGES:
            return Result(pages=count, problem="too_many_pages", ok=False)
        parts: list[str] = []
        total = 0
        for index in range(count):
            if clock() - started > MAX_SECONDS:
                return _capped("\n".join(parts), count, "too_slow")
            try:
                chunk = pages[index].extract_text() or ""
            except RecursionError:
                return Result(pages=count, problem="too_deep", ok=False)
            except Exception:  # noqa: BLE001 - one unreadable page does not spoil the rest
                chunk = ""
            parts.append(chunk)
            total += len(chunk)
            if total > MAX_CHARS:
                return _capped("\n".join(parts), count, "truncated")
        return _capped("\n".join(parts), count)
    except RecursionError:
        return Result(problem="too_deep", ok=False)
    except Exception:  # noqa: BLE001 - any parser failure is a damaged file, reported
        return Result(problem="broken", ok=False)


def _declared_pages(reader) -> int | None:
    """The page count the document claims in its page tree root (read without walking it)."""
    try:
        root = reader.trailer["/Root"].get_object()
        count = root["/Pages"].get_object().get("/Count")
        return int(count) if count is not None else None
    except Exception:  # noqa: BLE001 - a malformed root is found by the real walk
        return None


_OFFICE_PARTS = re.compile(
    r"^(content\.xml|word/document\.xml|xl/sharedStrings\.xml|ppt/slides/slide\d+\.xml)$"
)


def extract_office(data: bytes) -> Result:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = [i for i in archive.infolist() if _OFFICE_PARTS.match(i.filename)]
            if sum(i.file_size for i in names) > MAX_XML_BYTES:
                return Result(problem="too_large", ok=False)
            texts = []
            for info in names:
                with archive.open(info) as handle:
                    raw = handle.read(MAX_XML_BYTES + 1)
                if len(raw) > MAX_XML_BYTES or b"<!ENTITY" in raw[:4096]:
                    return Result(problem="too_large", ok=False)
                root = ET.fromstring(raw)  # noqa: S314 - no DTD/entities (checked above)
                texts.append(" ".join(t.strip() for t in root.itertext() if t.strip()))
            return _capped("\n".join(texts), None)
    except (zipfile.BadZipFile, ET.ParseError, EOFError, ValueError, OSError):
        return Result(problem="broken", ok=False)
