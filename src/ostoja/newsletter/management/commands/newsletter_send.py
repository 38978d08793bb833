from django.core.management.base import BaseCommand

from ostoja.newsletter.sending import run_due


class Command(BaseCommand):
    help = "Start due newsletter issues and deliver their messages in batches."

    def handle(self, *args, **options):
        result = run_due()
        self.stdout.write(
            f"issues started: {len(result['started'])}, sent: {result['sent']}, "
            f"failed: {result['failed']}"
        )
