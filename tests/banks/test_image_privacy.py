"""Proof that an uploaded image never reaches the disk, the database or the logs.

The image carries a unique marker (drawn as text and stored in a PNG text chunk). During the
request every way of creating a file is watched; afterwards every row of every table and
every log record is searched for the marker, the raw bytes, and the image's digests.
"""

import base64
import builtins
import hashlib
import io
import logging
import os
import tempfile
import uuid

import pytest
from django.apps import apps
from django.conf import settings
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from ostoja.matching import pdq_from_image

from .helpers import add, synthetic_image

pytestmark = pytest.mark.django_db


def marked_image(marker: str) -> bytes:
    base = Image.open(io.BytesIO(synthetic_image(11, text=marker)))
    info = PngInfo()
    info.add_text("Comment", marker)
    buf = io.BytesIO()
    base.save(buf, format="PNG", pnginfo=info)
    return buf.getvalue()


def _db_dump() -> tuple[dict, str]:
    counts, text = {}, []
    for model in apps.get_models():
        rows = list(model._base_manager.values_list())
        counts[model._meta.label] = len(rows)
        text.append(repr(rows))
    return counts, "\n".join(text)


class FileWatch:
    """Records every attempt to open a file for writing or to make a temporary file."""

    WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC

    def __init__(self, monkeypatch):
        self.writes: list[str] = []
        real_open, real_os_open = builtins.open, os.open

        def watched_open(file, mode="r", *args, **kwargs):
            if any(c in mode for c in "wax+"):
                self.writes.append(f"open({file!r}, {mode!r})")
            return real_open(file, mode, *args, **kwargs)

        def watched_os_open(path, flags, *args, **kwargs):
            if flags & self.WRITE_FLAGS:
                self.writes.append(f"os.open({path!r})")
            return real_os_open(path, flags, *args, **kwargs)

        def forbidden(name):
            def fail(*args, **kwargs):
                self.writes.append(f"tempfile.{name}")
                raise AssertionError(f"tempfile.{name} called")

            return fail

        monkeypatch.setattr(builtins, "open", watched_open)
        monkeypatch.setattr(io, "open", watched_open)
        monkeypatch.setattr(os, "open", watched_os_open)
        for name in (
            "mkstemp",
            "mkdtemp",
            "NamedTemporaryFile",
            "TemporaryFile",
            "SpooledTemporaryFile",
        ):
            monkeypatch.setattr(tempfile, name, forbidden(name))


def test_upload_handlers_keep_files_in_memory():
    assert settings.FILE_UPLOAD_HANDLERS == [
        "django.core.files.uploadhandler.MemoryFileUploadHandler"
    ]
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE > 50 * 1024 * 1024


@pytest.mark.parametrize("known", [True, False], ids=["matching-image", "unknown-image"])
def test_nothing_of_the_image_is_kept(api, bank, caplog, monkeypatch, known):
    marker = f"OSTOJA-PRIVACY-{uuid.uuid4().hex}"
    image = marked_image(marker)
    assert marker.encode() in image
    if known:
        add(bank, "pdq", pdq_from_image(image).hash)
    # Warm up (compiled kernels, lazy imports) with another image so the watched request
    # exercises only the per-request path.
    warm = io.BytesIO(synthetic_image(99))
    warm.name = "warm.png"
    assert api.post("/api/v1/match/image", {"image": warm}).status_code == 200

    counts_before, _ = _db_dump()
    caplog.set_level(logging.DEBUG)
    watch = FileWatch(monkeypatch)
    upload = io.BytesIO(image)
    upload.name = f"{marker}.png"
    response = api.post("/api/v1/match/image", {"image": upload})
    monkeypatch.undo()
    assert response.status_code == 200, response.content
    assert response.json()["matched"] == (1 if known else 0)

    assert watch.writes == []  # no file opened for writing, no temporary file

    counts_after, dump = _db_dump()
    assert counts_after == counts_before  # no row added or deleted anywhere
    needles = [
        marker,
        hashlib.sha256(image).hexdigest(),
        hashlib.md5(image).hexdigest(),
        image[:64].hex(),
        base64.b64encode(image[:48]).decode(),
    ]
    for needle in needles:
        assert needle not in dump

    log_text = "\n".join(
        f"{r.name} {r.getMessage()} {r.args!r} {getattr(r, 'exc_text', '')}" for r in caplog.records
    )
    for needle in needles:
        assert needle not in log_text
    assert image[:32].decode("latin-1") not in log_text


def test_rejected_images_leave_nothing_either(api, caplog, monkeypatch):
    marker = f"OSTOJA-PRIVACY-{uuid.uuid4().hex}"
    broken = marked_image(marker)[:-200]  # truncated PNG
    counts_before, _ = _db_dump()
    caplog.set_level(logging.DEBUG)
    watch = FileWatch(monkeypatch)
    upload = io.BytesIO(broken)
    upload.name = "broken.png"
    response = api.post("/api/v1/match/image", {"image": upload})
    monkeypatch.undo()
    assert response.status_code == 422
    assert marker not in response.content.decode()
    assert watch.writes == []
    counts_after, dump = _db_dump()
    assert counts_after == counts_before and marker not in dump
    assert all(marker not in r.getMessage() for r in caplog.records)
