"""Export a bank as a signed CSV (file + .sig, or a ZIP bundle)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from ostoja.banks import csv_formats
from ostoja.banks.models import HashBank
from ostoja.banks.services import BankError, export_bank, export_zip


class Command(BaseCommand):
    help = "Write BANK as CSV plus its Ed25519 signature (FILE and FILE.sig, or --zip)."

    def add_arguments(self, parser):
        parser.add_argument("bank", help="the bank's slug")
        parser.add_argument("--format", choices=csv_formats.FORMATS, default="ostoja")
        parser.add_argument("--since", help="only changes since this ISO date or timestamp")
        parser.add_argument("--output", "-o", help="directory or file name (default: here)")
        parser.add_argument("--zip", action="store_true", help="write one ZIP bundle")

    def handle(self, *args, bank, format, since=None, output=None, zip=False, **options):
        obj = HashBank.objects.filter(slug=bank).first()
        if obj is None:
            raise CommandError(f"No bank {bank!r}.")
        since_dt = None
        if since:
            since_dt = parse_datetime(since)
            if since_dt is None and parse_date(since):
                since_dt = parse_datetime(since + "T00:00:00")
            if since_dt is None:
                raise CommandError("--since: use YYYY-MM-DD or an ISO timestamp.")
            if timezone.is_naive(since_dt):
                since_dt = timezone.make_aware(since_dt)
        try:
            signed = export_bank(actor=None, bank=obj, file_format=format, since=since_dt)
        except BankError as exc:
            raise CommandError(str(exc)) from None
        out = Path(output or ".")
        name = signed.file_name.removesuffix(".csv") + ".zip" if zip else signed.file_name
        target = out / name if out.is_dir() else out
        if zip:
            target.write_bytes(export_zip(signed))
            written = [target]
        else:
            target.write_bytes(signed.data)
            sig = target.with_name(target.name + ".sig")
            sig.write_bytes(signed.signature)
            written = [target, sig]
        rows = signed.statement["rows"]
        self.stdout.write(
            self.style.SUCCESS(f"{rows} row(s) exported: {', '.join(map(str, written))}")
        )
