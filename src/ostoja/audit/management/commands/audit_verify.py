from django.core.management.base import BaseCommand, CommandError

from ostoja.audit.models import AuditEntry
from ostoja.audit.services import verify_chain


class Command(BaseCommand):
    help = "Verify the audit log hash chain; exit non-zero naming the first broken entry."

    def handle(self, *args, **options):
        problem = verify_chain()
        if problem:
            raise CommandError(f"Audit chain broken at entry #{problem.seq}: {problem.reason}.")
        self.stdout.write(
            self.style.SUCCESS(f"Audit chain intact ({AuditEntry.objects.count()} entries).")
        )
