"""Sign the audit chain's head, write it to the checkpoint directory and e-mail it."""

from django.core.management.base import BaseCommand, CommandError

from ostoja.audit import checkpoint as checkpoints
from ostoja.audit.services import send_checkpoint


class Command(BaseCommand):
    help = (
        "Verify the audit chain, sign its head (Ed25519, key OSTOJA_AUDIT_CHECKPOINT_KEY_FILE, "
        "generated if missing), write the checkpoint under OSTOJA_AUDIT_CHECKPOINT_DIR and "
        "e-mail it to the coordinators. Check it later with `audit_verify --checkpoint FILE`."
    )

    def add_arguments(self, parser):
        parser.add_argument("--no-email", action="store_true", help="only write the file")

    def handle(self, *args, no_email=False, **options):
        try:
            key, created = checkpoints.ensure_key()
        except Exception as exc:  # unreadable key file: say so, do not sign with another
            raise CommandError(str(exc)) from None
        if created:
            self.stdout.write(
                f"Checkpoint key created at {checkpoints.key_path()}; public key at "
                f"{checkpoints.public_key_path()} (keep a copy outside this server)."
            )
        try:
            data, checkpoint = checkpoints.sign_head(key)
        except checkpoints.ChainBroken as exc:
            raise CommandError(str(exc)) from None
        path = checkpoints.write_checkpoint(data, checkpoint)
        sent = 0 if no_email else send_checkpoint(data, checkpoint, path.name)
        self.stdout.write(
            self.style.SUCCESS(
                f"Checkpoint of entry #{checkpoint.seq} written to {path}; e-mailed to {sent} "
                "coordinator(s)."
            )
        )
