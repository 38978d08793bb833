"""Verify a signed bank export (ZIP bundle, or CSV with its .sig) against a public key."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ostoja.banks import signing
from ostoja.banks.services import BankError, unpack_upload


class Command(BaseCommand):
    help = (
        "Check that FILE (an export ZIP, or a CSV with FILE.sig next to it) was signed by the "
        "holder of --public-key and not altered. Exit status 1 if it does not verify."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--public-key", required=True, help="the publisher's PEM public key")
        parser.add_argument("--signature", help="the .sig file (default: FILE.sig)")

    def handle(self, *args, file, public_key, signature=None, **options):
        path = Path(file)
        try:
            data = path.read_bytes()
            pem = Path(public_key).read_bytes()
        except OSError as exc:
            raise CommandError(str(exc)) from None
        sig_path = Path(signature) if signature else path.with_name(path.name + ".sig")
        sig = sig_path.read_bytes() if sig_path.is_file() else None
        try:
            upload = unpack_upload(data, path.name, sig)
        except BankError as exc:
            raise CommandError(str(exc)) from None
        if upload.signature is None:
            raise CommandError(f"No signature: expected {sig_path} or a ZIP bundle.")
        try:
            verified = signing.verify_export(upload.csv, upload.signature, pem)
        except signing.VerificationError as exc:
            raise CommandError(f"NOT VERIFIED: {exc}") from None
        self.stdout.write(self.style.SUCCESS(f"Verified with key {verified.key_id}."))
        self.stdout.write(json.dumps(verified.statement, indent=2, sort_keys=True))
