"""Invite a person from the command line (the first coordinator of a new installation).

    manage.py people_invite anna@example.org --organisation koalicja --role coordinator

The invitation e-mail goes through the outbox as usual; the link is also printed, for an
installation whose mail is not set up yet. Anyone who can run this command can read the
database anyway, so printing the link gives away nothing new.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ostoja.organisations.models import Organisation
from ostoja.organisations.roles import Role
from ostoja.people import services


class Command(BaseCommand):
    help = "Invite an e-mail address into an organisation with a role (operator, no role check)."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--organisation", required=True, help="slug of the organisation")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--language", choices=[code for code, _ in settings.LANGUAGES])

    def handle(self, *args, email, organisation, role, language=None, **options):
        org = Organisation.objects.filter(slug=organisation).first()
        if org is None:
            raise CommandError(f"No organisation with the slug {organisation!r}.")
        try:
            invitation, token = services.invite(
                actor=None,
                organisation=org,
                email=email,
                role=role,
                language=language or "",
                operator=True,
            )
        except services.PeopleError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(
            f"Invited {invitation.email} to {org.name} as {role}; the link works until "
            f"{invitation.expires_at:%Y-%m-%d %H:%M %Z}:\n"
            f"{services.invitation_url(token, services.mail_language(invitation))}"
        )
