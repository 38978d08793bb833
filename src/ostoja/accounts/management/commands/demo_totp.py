from django.core.management.base import BaseCommand, CommandError

from ostoja.accounts.demo import DEMO_TOTP_SECRETS, current_code


class Command(BaseCommand):
    help = "Print the current TOTP code of a demo account (demo accounts only)."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email, **options):
        secret = DEMO_TOTP_SECRETS.get(email.lower())
        if not secret:
            raise CommandError(f"{email} is not a demo account with a published TOTP secret.")
        self.stdout.write(current_code(secret))
