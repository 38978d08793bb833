from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ostoja.audit import checkpoint as checkpoints
from ostoja.audit.services import verify_chain_state


class Command(BaseCommand):
    help = (
        "Verify the audit log hash chain in one snapshot, up to its head; exit non-zero naming "
        "the first broken entry. With --checkpoint, also prove that no entry up to a signed "
        "checkpoint was changed, removed or reordered."
    )

    def add_arguments(self, parser):
        parser.add_argument("--checkpoint", help="a checkpoint file written by audit_checkpoint")
        parser.add_argument(
            "--public-key",
            help="the checkpoint key's public key (PEM file; default: the .pub beside "
            "OSTOJA_AUDIT_CHECKPOINT_KEY_FILE)",
        )

    def handle(self, *args, checkpoint=None, public_key=None, **options):
        anchor = None
        if checkpoint:
            key_file = Path(public_key) if public_key else checkpoints.public_key_path()
            try:
                pem = key_file.read_bytes()
                data = Path(checkpoint).read_bytes()
            except OSError as exc:
                raise CommandError(f"Cannot read {exc.filename}: {exc.strerror}.") from None
            try:
                anchor = checkpoints.read_checkpoint(data, pem)
            except checkpoints.CheckpointError as exc:
                raise CommandError(f"Checkpoint refused: {exc}.") from None
        problem, state = verify_chain_state(anchor=anchor.anchor if anchor else None)
        if problem:
            raise CommandError(f"Audit chain broken at entry #{problem.seq}: {problem.reason}.")
        message = f"Audit chain intact ({state.seq} entries)."
        if anchor is not None:
            message += (
                f" Entries #1–#{anchor.seq} are exactly those of the checkpoint signed "
                f"{anchor.created_at} (key {anchor.key_id})."
            )
        self.stdout.write(self.style.SUCCESS(message))
