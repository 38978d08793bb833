"""Attachments: checked from their content, images re-encoded, stored outside the web root.

* The size is checked before the content is read (the view also refuses a request body over
  the limit before Django parses it).
* The type comes from the content (the ``filetype`` library reads the magic bytes); for the
  zip-based office formats the zip itself is opened and its ``mimetype`` entry (OpenDocument)
  or ``[Content_Types].xml`` (Office Open XML) is read, bounded in size, so a renamed zip
  or a zip bomb is not taken for a document. The name's extension must agree with the content.
* Images are decoded and re-encoded with Pillow (EXIF with GPS positions, XMP, comments are
  dropped); animated GIF and WebP become a still PNG.
* Files go to ``settings.OSTOJA_FORUM_FILES_DIR`` (default ``VAR_DIR/forum-files``), never
  under the static or media root, under a random name; only
  :func:`ostoja.forum.views.attachment` serves them, to people who may read the thread.
"""

from __future__ import annotations

import io
import os
import re
import secrets
import time
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

MAX_FILES_PER_POST = 5
MAX_IMAGE_PIXELS = 40_000_000
_ZIP_ENTRY_LIMIT = 1_000_000

OOXML = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": "pptx",
}
ODF = {
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.presentation": "odp",
}
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
}
#: Extensions a file's name may have for each detected kind.
EXTENSIONS = {
    "pdf": {"pdf"},
    "png": {"png"},
    "jpg": {"jpg", "jpeg"},
    "gif": {"gif"},
    "webp": {"webp"},
    **{kind: {kind} for kind in (*OOXML.values(), *ODF.values())},
}
IMAGE_KINDS = {"png", "jpg", "gif", "webp"}


def max_bytes() -> int:
    return int(getattr(settings, "OSTOJA_FORUM_MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024))


def files_dir() -> Path:
    return Path(getattr(settings, "OSTOJA_FORUM_FILES_DIR", settings.VAR_DIR / "forum-files"))


def storage() -> FileSystemStorage:
    return FileSystemStorage(location=str(files_dir()), directory_permissions_mode=0o700)


@dataclass
class CheckedFile:
    name: str
    content: bytes
    content_type: str


def clean_name(name: str) -> str:
    """The uploader's file name without a path, control characters or shell-unfriendly
    punctuation (letters of any alphabet kept), at most 120 characters."""
    name = unicodedata.normalize("NFC", os.path.basename((name or "").replace("\\", "/")))
    name = "".join(c for c in name if unicodedata.category(c)[0] not in "CZ" or c == " ")
    name = re.sub(r"[^\w.\- ()]", "_", name).strip(" .")
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    stem = stem[:100] or "plik"
    return f"{stem}.{ext[:10]}" if ext else stem


def _extension(name: str) -> str:
    return name.rpartition(".")[2].lower() if "." in name else ""


def _zip_kind(head: bytes, data: bytes) -> str | None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return None

    def read(entry: str) -> bytes | None:
        try:
            info = archive.getinfo(entry)
        except KeyError:
            return None
        if info.file_size > _ZIP_ENTRY_LIMIT:
            return None
        with archive.open(info) as handle:
            return handle.read(_ZIP_ENTRY_LIMIT + 1)[:_ZIP_ENTRY_LIMIT]

    mimetype = read("mimetype")
    if mimetype is not None:
        return ODF.get(mimetype.decode("ascii", "replace").strip())
    types = read("[Content_Types].xml")
    if types is not None:
        text = types.decode("utf-8", "replace")
        for content_type, kind in OOXML.items():
            if f'ContentType="{content_type}"' in text:
                return kind
    return None


def detect(data: bytes) -> str | None:
    """The kind of file the content is (one of :data:`EXTENSIONS`), or None."""
    guess = filetype.guess(data[:8192])
    if guess is None:
        return None
    if guess.mime == "application/pdf":
        return "pdf"
    if guess.mime in ("image/png", "image/jpeg", "image/gif", "image/webp"):
        return {"image/png": "png", "image/jpeg": "jpg"}.get(guess.mime, guess.extension)
    if guess.mime == "application/zip" or guess.extension in {
        "docx",
        "xlsx",
        "pptx",
        "odt",
        "ods",
        "odp",
    }:
        return _zip_kind(data[:8192], data)
    return None


def _reencode(data: bytes, kind: str) -> tuple[bytes, str]:
    """Decode and re-encode an image without its metadata; return (bytes, kind)."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_IMAGE_PIXELS:
                raise ValidationError(_("The image is too large (over 40 megapixels)."))
            image.load()
            out = io.BytesIO()
            if kind == "jpg":
                clean = image.convert("RGB")
                clean.save(out, format="JPEG", quality=90, optimize=True)
                return out.getvalue(), "jpg"
            frame = image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB")
            frame.save(out, format="PNG", optimize=True)
            return out.getvalue(), "png"
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError):
        raise ValidationError(_("The image cannot be read; it may be damaged."))


def check_upload(upload) -> CheckedFile:
    """Validate one uploaded file; raise :class:`ValidationError` with a clear message."""
    name = clean_name(getattr(upload, "name", ""))
    limit = max_bytes()
    if upload.size is None or upload.size > limit:  # before anything is read
        raise ValidationError(
            _("“%(name)s” is larger than %(limit)s.")
            % {"name": name, "limit": filesizeformat(limit)}
        )
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ValidationError(
            _("“%(name)s” is larger than %(limit)s.")
            % {"name": name, "limit": filesizeformat(limit)}
        )
    if not data:
        raise ValidationError(_("“%(name)s” is empty.") % {"name": name})
    kind = detect(data)
    if kind is None:
        raise ValidationError(
            _(
                "“%(name)s” is not a file the forum accepts. Attach PDF, office documents "
                "(Word, Excel, PowerPoint, OpenDocument) or images (PNG, JPEG, GIF, WebP)."
            )
            % {"name": name}
        )
    if _extension(name) not in EXTENSIONS[kind]:
        raise ValidationError(
            _("The content of “%(name)s” is not what its name says (it is a %(kind)s file).")
            % {"name": name, "kind": kind.upper()}
        )
    if kind in IMAGE_KINDS:
        data, new_kind = _reencode(data, kind)
        if new_kind != kind:
            name = f"{name.rpartition('.')[0]}.{new_kind}"
        kind = new_kind
    return CheckedFile(name=name, content=data, content_type=CONTENT_TYPES[kind])


def store(checked: CheckedFile) -> str:
    """Write the file under a random name; return that name."""
    stored_name = secrets.token_hex(20)
    saved = storage().save(stored_name, ContentFile(checked.content))
    return saved


def open_stored(stored_name: str):
    return storage().open(stored_name, "rb")


def delete_stored(stored_name: str) -> None:
    storage().delete(stored_name)


def sweep_orphans(*, older_than_seconds: int = 3600, now: float | None = None) -> list[str]:
    """Delete stored files that no attachment row names, once they are old enough.

    A file is written before the post's transaction commits; if the transaction rolls back (a
    database error, a killed process), the file stays without a row. Files younger than
    ``older_than_seconds`` are left alone: their post may still be committing.
    """
    from .models import Attachment

    folder = files_dir()
    if not folder.is_dir():
        return []
    now = time.time() if now is None else now
    candidates = [
        entry
        for entry in os.scandir(folder)
        if entry.is_file(follow_symlinks=False)
        and now - entry.stat(follow_symlinks=False).st_mtime >= older_than_seconds
    ]
    known = set(
        Attachment.objects.filter(stored_name__in=[e.name for e in candidates]).values_list(
            "stored_name", flat=True
        )
    )
    removed = []
    for entry in candidates:
        if entry.name not in known:
            Path(entry.path).unlink(missing_ok=True)
            removed.append(entry.name)
    return removed
