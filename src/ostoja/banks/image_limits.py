"""How many images a web process hashes at once (issue 11, item 1).

Decoding and hashing an image costs up to ~100 MB for a moment (see
``ostoja.matching.pdq_image`` and ``bench/image_memory_bench.py``). A process therefore hashes
at most ``OSTOJA_IMAGE_HASH_SLOTS`` images at a time (default 2: the CPU-bound work gains
nothing from more on a small machine). A request that finds every slot taken waits up to
``OSTOJA_IMAGE_HASH_WAIT_SECONDS`` (default 3) and is then answered 503 with ``Retry-After``.

The slot is taken *before* the request body is read: a waiting request holds no image bytes,
so 32 concurrent uploads cost two images' worth of memory, not 32.

Freed image memory goes back to the operating system. glibc raises its mmap threshold after
the first large free (up to 32 MB), after which decoded images and their tiles come from the
threads' arenas and stay in the worker's RSS for good (the issue saw 940 -> 1,668 MB). The
threshold is therefore pinned at 256 KiB (``mallopt(M_MMAP_THRESHOLD)``, as the environment
variable ``MALLOC_MMAP_THRESHOLD_`` would), so every block of that size is unmapped when freed,
and ``malloc_trim`` runs after each image request for what remains.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
from functools import cache, wraps

from django.conf import settings
from django.core.signals import request_finished
from django.http import JsonResponse
from django.utils.translation import gettext as _

DEFAULT_SLOTS = 2
DEFAULT_WAIT_SECONDS = 3.0
RETRY_AFTER_SECONDS = 5

_lock = threading.Lock()
_local = threading.local()
_semaphore: threading.BoundedSemaphore | None = None
_semaphore_size = 0


def _slots() -> threading.BoundedSemaphore:
    """The process's semaphore (made again if the setting changed, e.g. in tests)."""
    global _semaphore, _semaphore_size
    size = max(1, int(getattr(settings, "OSTOJA_IMAGE_HASH_SLOTS", DEFAULT_SLOTS)))
    with _lock:
        if _semaphore is None or _semaphore_size != size:
            _semaphore = threading.BoundedSemaphore(size)
            _semaphore_size = size
        return _semaphore


M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD_BYTES = 256 * 1024


@cache
def _libc():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim  # noqa: B018 - glibc only
        libc.mallopt  # noqa: B018
        return libc
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to tune
        return None


def _malloc_trim():
    libc = _libc()
    return libc.malloc_trim if libc is not None else None


def pin_mmap_threshold() -> bool:
    """Keep large allocations in their own mappings (returned to the system when freed)."""
    libc = _libc()
    return bool(libc is not None and libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES))


def release_memory() -> None:
    """Return freed heap memory to the operating system (glibc only; a no-op elsewhere)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def busy_response() -> JsonResponse:
    detail = _("Too many images are being hashed right now. Try again in a few seconds.")
    response = JsonResponse({"detail": detail, "errors": []}, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def limited_image_hashing(view):
    """Run ``view`` holding one of the process's image-hashing slots, or answer 503."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        semaphore = _slots()
        wait = float(getattr(settings, "OSTOJA_IMAGE_HASH_WAIT_SECONDS", DEFAULT_WAIT_SECONDS))
        if not semaphore.acquire(timeout=max(0.0, wait)):
            return busy_response()
        try:
            return view(request, *args, **kwargs)
        finally:
            semaphore.release()
            # Trimmed once the response is sent and the request's objects are gone.
            _local.trim_pending = True

    return wrapper


def _trim_after_image_request(sender, **kwargs) -> None:
    if getattr(_local, "trim_pending", False):
        _local.trim_pending = False
        release_memory()


request_finished.connect(_trim_after_image_request, dispatch_uid="ostoja.banks.image_limits")
pin_mmap_threshold()
