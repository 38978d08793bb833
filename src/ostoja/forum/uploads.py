"""Refusing oversized uploads before their bytes are read.

Two checks run before Django parses a forum form's body: the request's declared length
against what a post may carry at most (:func:`body_too_large`), and, while the multipart body
is read, each file's running size against the per-file limit (:class:`UploadLimit` skips the
file's remaining bytes at once and marks the request, so the view can say which file it was).
"""

from __future__ import annotations

from django.core.files.uploadhandler import FileUploadHandler, SkipFile

from . import files as forum_files

#: Room for the form fields and the multipart framing beside the files.
FORM_OVERHEAD = 512 * 1024


def body_too_large(request) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True
    return length > forum_files.MAX_FILES_PER_POST * forum_files.max_bytes() + FORM_OVERHEAD


class UploadLimit(FileUploadHandler):
    def __init__(self, request=None):
        super().__init__(request)
        self.limit = forum_files.max_bytes()
        self.too_large = False

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.too_large = False

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.limit:
            self.request._forum_file_too_large = self.file_name or "?"
            raise SkipFile()
        return raw_data

    def file_complete(self, file_size):
        return None
