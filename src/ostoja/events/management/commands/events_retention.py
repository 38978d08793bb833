from django.core.management.base import BaseCommand

from ostoja.events.services import retention


class Command(BaseCommand):
    help = "Delete sensitive answers after events; anonymise participants after the set time."

    def handle(self, *args, **options):
        result = retention.run()
        self.stdout.write(
            f"Sensitive answers deleted: {result['sensitive_answers']}; "
            f"registrations anonymised: {result['anonymised']}."
        )
