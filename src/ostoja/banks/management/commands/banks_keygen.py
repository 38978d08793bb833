"""Create the Ed25519 key that signs bank exports (development, or a new production key)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from ostoja.banks import signing


class Command(BaseCommand):
    help = (
        "Generate the bank export signing key (Ed25519, PKCS#8 PEM, mode 0600) at "
        "OSTOJA_BANK_SIGNING_KEY_FILE (default var/keys/bank-signing-ed25519.pem) and print "
        "the public key to publish."
    )

    def add_arguments(self, parser):
        parser.add_argument("--path", help="where to write the key (default: the setting)")
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace an existing key (old exports then verify only with the old public key)",
        )

    def handle(self, *args, path=None, force=False, **options):
        target = path or signing.signing_key_path()
        try:
            key = signing.generate_key(target, overwrite=force)
        except FileExistsError as exc:
            raise CommandError(f"{exc} Use --force to replace it.") from None
        self.stdout.write(self.style.SUCCESS(f"Signing key written to {target}"))
        self.stdout.write(f"Key id: {signing.key_id(key)}")
        self.stdout.write("Public key (publish it; also served at /banks/public-key/):")
        self.stdout.write(signing.public_key_pem(key))
