"""Development mail viewer: the messages the file-based e-mail backend wrote (``/dev/mail/``).

Only when ``DEBUG`` is on (404 otherwise) and only for coordinators: in development the
platform's e-mails (invitations, notices, password resets) go to files under
``EMAIL_FILE_PATH`` instead of the console, and this page lists them. Bodies are shown as
plain text only (templates escape them); an HTML part is never rendered, only named.
"""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ostoja.organisations.permissions import is_coordinator

from .permissions import permission_required

#: The file-based backend separates the messages of one connection by this line.
SEPARATOR = b"\n" + b"-" * 79 + b"\n"
MAX_FILES = 200
MAX_BODY = 20_000


@dataclass
class Mail:
    file: str
    subject: str
    sender: str
    to: str
    date: str
    text: str
    other_parts: list[str] = field(default_factory=list)


def parse(raw: bytes, file: str) -> Mail:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    text, others = "", []
    for part in message.walk():
        if part.is_multipart():
            continue
        kind = part.get_content_type()
        name = part.get_filename()
        if kind == "text/plain" and not name and not text:
            try:
                text = part.get_content()
            except (LookupError, UnicodeError):
                text = part.get_payload(decode=True).decode("utf-8", "replace")
        else:
            others.append(f"{kind}" + (f" ({name})" if name else ""))
    return Mail(
        file=file,
        subject=str(message.get("Subject", "")),
        sender=str(message.get("From", "")),
        to=str(message.get("To", "")),
        date=str(message.get("Date", "")),
        text=text[:MAX_BODY],
        other_parts=others,
    )


def read_mailbox(directory: Path) -> list[Mail]:
    """Messages in ``directory``, newest file first (at most :data:`MAX_FILES` files)."""
    if not directory.is_dir():
        return []
    files = sorted((p for p in directory.iterdir() if p.is_file()), key=lambda p: p.stat().st_mtime)
    mails: list[Mail] = []
    for path in reversed(files[-MAX_FILES:]):
        for chunk in path.read_bytes().split(SEPARATOR):
            if chunk.strip():
                mails.append(parse(chunk.strip(b"\n") + b"\n", path.name))
    return mails


@require_GET
@permission_required(is_coordinator)
def mailbox(request):
    if not settings.DEBUG:
        raise Http404
    directory = Path(getattr(settings, "EMAIL_FILE_PATH", "") or "")
    using_files = settings.EMAIL_BACKEND.endswith("filebased.EmailBackend")
    mails = read_mailbox(directory) if using_files and str(directory) else []
    return render(
        request,
        "core/dev_mail.html",
        {"mails": mails, "directory": directory, "using_files": using_files},
    )
