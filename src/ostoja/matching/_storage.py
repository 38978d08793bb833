"""Saving an index directory atomically (shared by PdqIndex and ExactIndex)."""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def replacing_directory(path: Path, what: str) -> Iterator[Path]:
    """Yield a fresh directory beside ``path``; on success it atomically replaces ``path``.

    An existing ``path`` must be an earlier save (it has a manifest) or empty, so a typo can
    never wipe an unrelated directory. On any failure the partial directory is removed and
    the previous save stays in place.
    """
    if path.exists() and not (
        path.is_dir() and ((path / "manifest.json").exists() or not any(path.iterdir()))
    ):
        raise FileExistsError(f"{path} exists and is not a saved {what}")
    tmp = path.parent / f".{path.name}.tmp-{uuid.uuid4().hex}"
    tmp.mkdir(parents=True)
    try:
        yield tmp
        old = None
        if path.exists():
            old = path.parent / f".{path.name}.old-{uuid.uuid4().hex}"
            os.replace(path, old)
        os.replace(tmp, path)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_manifest(directory: Path, manifest: dict, *, indent: int | None = None) -> None:
    """Write ``manifest.json`` and flush it to disk before the directory is swapped in."""
    with open(directory / "manifest.json", "w", encoding="utf-8") as fh:
        json.dump(manifest, fh, indent=indent)
        fh.flush()
        os.fsync(fh.fileno())
