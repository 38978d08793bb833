"""Checking an uploaded library file from its content, and where files are kept.

The type is read from the first bytes (``filetype``), never from the name or the browser's
claim; the name's extension must agree with what the content is. The size is checked before
the file is read. Files are stored under a random name in ``OSTOJA_LIBRARY_DIR`` (default
``var/library``), outside the web root, and served only by the permission-checking download
view.
"""

from __future__ import annotations

import hashlib
import secrets

import filetype
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.utils.translation import gettext_lazy as _

from .errors import LibraryError

MAX_BYTES = 50 * 1024 * 1024

#: extension -> content type the content must be detected as.
ACCEPTED = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".odp": "application/vnd.oasis.opendocument.presentation",
    ".mp3": "audio/mpeg",
    ".ogg": "audio/ogg",
    ".csv": "text/csv",
    ".txt": "text/plain",
}
_TEXT_TYPES = {"text/csv", "text/plain"}


def storage() -> FileSystemStorage:
    location = getattr(settings, "OSTOJA_LIBRARY_DIR", None) or settings.VAR_DIR / "library"
    return FileSystemStorage(location=str(location), base_url=None)


def _looks_like_text(data: bytes) -> bool:
    if b"\x00" in data[:65536]:
        return False
    try:
        data[:65536].decode("utf-8")
    except UnicodeDecodeError as exc:  # a multi-byte character cut at the boundary is fine
        return exc.start >= 65536 - 4
    return True


def check_upload(uploaded) -> tuple[bytes, str, str]:
    """``(content, content type, safe original name)`` or :class:`LibraryError`."""
    size = getattr(uploaded, "size", None)
    if size is None or size > MAX_BYTES:
        raise LibraryError(_("The file is larger than 50 MB."), field="file")
    data = uploaded.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise LibraryError(_("The file is larger than 50 MB."), field="file")
    if not data:
        raise LibraryError(_("The file is empty."), field="file")
    name = (getattr(uploaded, "name", "") or "").replace("\\", "/").rsplit("/", 1)[-1]
    ext = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    expected = ACCEPTED.get(ext)
    if expected is None:
        raise LibraryError(
            _("This kind of file is not accepted: PDF, office documents, CSV, text or audio."),
            field="file",
        )
    kind = filetype.guess(data[:8192] if expected != "application/pdf" else data[:1024])
    if expected in _TEXT_TYPES:
        ok = kind is None and _looks_like_text(data)
    else:
        ok = kind is not None and kind.mime == expected
    if not ok:
        raise LibraryError(
            _("The file is not what its name says: its content is not a %(ext)s file.")
            % {"ext": ext[1:].upper()},
            field="file",
        )
    safe_name = "".join(c for c in name if c.isprintable() and c not in '"<>:|?*')[:200]
    return data, expected, safe_name or f"file{ext}"


def store(data: bytes, ext: str) -> tuple[str, str]:
    """Save under a random name; return ``(stored name, sha256)``."""
    name = f"{secrets.token_hex(16)}{ext}"
    storage().save(name, ContentFile(data))
    return name, hashlib.sha256(data).hexdigest()


def open_stored(name: str):
    return storage().open(name, "rb")


def read_stored(name: str) -> bytes:
    with open_stored(name) as handle:
        return handle.read()
