"""Checking an uploaded certificate scan from its content, before it is encrypted.

Accepted: PDF, PNG and JPEG, at most ``MAX_BYTES``. The type is read from the first bytes, not
from the name or the browser's claim; a file whose content does not match its claimed type
or name is refused. Images are re-encoded (PNG) so that their metadata (camera, place, time)
is dropped; PDFs are stored as they are (they are not rendered by the platform).
"""

from __future__ import annotations

import io

from django.utils.translation import gettext_lazy as _

from .errors import SafeguardingError

MAX_BYTES = 5 * 1024 * 1024
_SIGNATURES = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
}
_EXTENSIONS = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}


def sniff(head: bytes) -> str | None:
    for content_type, signatures in _SIGNATURES.items():
        if any(head.startswith(sig) for sig in signatures):
            return content_type
    return None


def clean_upload(uploaded) -> tuple[bytes, str]:
    """Return ``(bytes to store, content type)`` or raise :class:`SafeguardingError`."""
    size = getattr(uploaded, "size", None)
    if size is None or size > MAX_BYTES:
        raise SafeguardingError(_("The attachment is larger than 5 MB."), field="attachment")
    data = uploaded.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise SafeguardingError(_("The attachment is larger than 5 MB."), field="attachment")
    detected = sniff(data[:16])
    name = (getattr(uploaded, "name", "") or "").lower()
    ext = "." + name.rsplit(".", 1)[-1] if "." in name else ""
    claimed = (getattr(uploaded, "content_type", "") or "").split(";")[0].strip().lower()
    if (
        detected is None
        or _EXTENSIONS.get(ext) != detected
        or (claimed and claimed not in (detected, "application/octet-stream"))
    ):
        raise SafeguardingError(
            _(
                "The attachment is not what it claims to be: only PDF, PNG or JPEG files whose "
                "content matches their name are accepted."
            ),
            field="attachment",
        )
    if detected.startswith("image/"):
        data = _reencode(data)
        detected = "image/png"
    return data, detected


def _reencode(data: bytes) -> bytes:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.width * img.height > 40_000_000:
                raise SafeguardingError(_("The image is too large."), field="attachment")
            img.load()
            clean = Image.new(img.mode if img.mode in ("RGB", "L", "RGBA") else "RGB", img.size)
            clean.paste(img.convert(clean.mode))
            out = io.BytesIO()
            clean.save(out, format="PNG")
            return out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise SafeguardingError(
            _("The attachment is not what it claims to be: the image cannot be read."),
            field="attachment",
        )
