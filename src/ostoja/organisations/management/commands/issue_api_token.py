from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from ostoja.organisations.models import Organisation
from ostoja.organisations.scopes import DEFAULT_SCOPES, SCOPES
from ostoja.organisations.services import issue_api_token


class Command(BaseCommand):
    help = "Print a new API token for an organisation (stored hashed; shown only now)."

    def add_arguments(self, parser):
        parser.add_argument("org_slug")
        parser.add_argument(
            "--scope",
            action="append",
            dest="scopes",
            choices=sorted(SCOPES),
            help=f"repeat for several; default: {' '.join(DEFAULT_SCOPES)}",
        )
        parser.add_argument("--name", default="CLI")

    def handle(self, *args, org_slug, scopes, name, **options):
        try:
            organisation = Organisation.objects.get(slug=org_slug)
        except Organisation.DoesNotExist:
            raise CommandError(f"No organisation with the slug '{org_slug}'.")
        try:
            token, secret = issue_api_token(
                actor=None, organisation=organisation, name=name, scopes=scopes or DEFAULT_SCOPES
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stderr.write(
            f"Token {token.prefix}… for {organisation.slug}, scopes: {', '.join(token.scopes)}"
        )
        self.stdout.write(secret)
