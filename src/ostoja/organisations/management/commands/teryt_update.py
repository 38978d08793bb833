"""Install a new yearly TERC register file (Statistics Poland publishes one each 1 January)."""

from __future__ import annotations

import shutil
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ostoja.organisations import teryt


class Command(BaseCommand):
    help = (
        "Check a TERC file (official columns WOJ;POW;GMI;RODZ;NAZWA;NAZWA_DOD;STAN_NA) and copy "
        "it into the shipped data as terc-<STAN_NA>.csv; the newest file is the one used."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--dry-run", action="store_true", help="only check the file and compare it"
        )

    def handle(self, *args, file: Path, dry_run: bool, **options):
        if not file.is_file():
            raise CommandError(f"No such file: {file}")
        try:
            new = teryt.parse(file)
        except (teryt.RegisterError, UnicodeDecodeError, OSError) as exc:
            raise CommandError(f"Not a valid TERC register: {exc}")
        old = teryt.register()
        added = sorted(set(new.units) - set(old.units))
        removed = sorted(set(old.units) - set(new.units))
        self.stdout.write(
            f"{file.name}: state as of {new.date}; {len(new.authorities())} local authorities "
            f"(in use: {old.date}, {len(old.authorities())}); {len(added)} codes added, "
            f"{len(removed)} removed."
        )
        for code in removed[:50]:
            self.stdout.write(f"  removed: {code} {old.units[code].name}")
        if new.date <= old.date:
            raise CommandError(f"The register in use ({old.date}) is not older than {new.date}.")
        if dry_run:
            return
        target = teryt.DATA_DIR / f"terc-{new.date}.csv"
        shutil.copyfile(file, target)
        teryt.register.cache_clear()
        self.stdout.write(
            f"Installed {target}. Organisations whose TERYT code was removed keep it; "
            "check them on the organisations list (filter: not in the register)."
        )
