from django.core.management.base import BaseCommand, CommandError

from ostoja.organisations.models import ApiToken
from ostoja.organisations.services import revoke_api_token


class Command(BaseCommand):
    help = "Revoke an API token by its prefix (the part after 'ost_')."

    def add_arguments(self, parser):
        parser.add_argument("prefix")

    def handle(self, *args, prefix, **options):
        tokens = list(ApiToken.objects.active().filter(prefix=prefix))
        if len(tokens) != 1:
            raise CommandError(f"{len(tokens)} active tokens have the prefix '{prefix}'.")
        revoke_api_token(actor=None, token=tokens[0])
        self.stdout.write(f"Revoked {prefix}.")
