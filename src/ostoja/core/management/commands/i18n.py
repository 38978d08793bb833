from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ostoja.core import i18n_tools

PACKAGE_DIR = Path(__file__).resolve().parents[3]


class Command(BaseCommand):
    help = "Translations without GNU gettext: update (extract+merge .po), compile (.mo), check."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["update", "compile", "check", "fill"])
        parser.add_argument(
            "--from", dest="source", help="fill: a JSON file {msgid: Polish translation}"
        )
        parser.add_argument("--app", help="only this app (directory name under src/ostoja)")

    def handle(self, *args, action, app=None, source=None, **options):
        base = PACKAGE_DIR.parent
        domains = [d for d in i18n_tools.discover_domains(PACKAGE_DIR) if not app or d.name == app]
        if action == "update":
            for domain in domains:
                for path in i18n_tools.update(domain, base):
                    self.stdout.write(f"updated {path.relative_to(base.parent)}")
            for domain in domains:
                i18n_tools.compile_all(domain)
        elif action == "fill":
            if not source:
                raise CommandError("fill needs --from FILE.json")
            import json

            translations = json.loads(Path(source).read_text(encoding="utf-8"))
            for domain in domains:
                n = i18n_tools.fill(domain, "pl", translations)
                if n:
                    self.stdout.write(f"{domain.name}: filled {n} message(s)")
                i18n_tools.compile_all(domain)
        elif action == "compile":
            for domain in domains:
                for path in i18n_tools.compile_all(domain):
                    self.stdout.write(f"compiled {path.relative_to(base.parent)}")
        else:
            problems = [p for d in domains for p in i18n_tools.check(d, base)]
            for p in problems[:200]:
                self.stderr.write(f"[{p.domain}/{p.lang}] {p.reason}: {p.msgid!r}")
            if problems:
                raise CommandError(
                    f"{len(problems)} UI string(s) without a translation. Run "
                    "`make messages`, translate the empty msgstr entries in the .po files "
                    "and run `make messages` again."
                )
            self.stdout.write(self.style.SUCCESS("All UI strings are translated."))
