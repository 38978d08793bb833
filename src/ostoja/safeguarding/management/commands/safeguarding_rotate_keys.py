from django.core.management.base import BaseCommand
from django.db import transaction

from ostoja.safeguarding import crypto
from ostoja.safeguarding.models import CheckAttachment, Person


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted value of the safeguarding register with the current key "
        "(the first of OSTOJA_SAFEGUARDING_KEYS); with --reindex also recompute the PESEL "
        "look-up hashes after OSTOJA_SAFEGUARDING_INDEX_KEY changed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--reindex", action="store_true")

    def handle(self, *args, reindex=False, **options):
        ring = crypto.keyring()
        people = attachments = 0
        for person in Person.objects.order_by("id").iterator(chunk_size=500):
            fields = ["previous_names", "date_of_birth", "pesel", "foreign_id"]
            if reindex:
                person.pesel_index = (
                    crypto.blind_index(person.pesel, purpose="pesel") if person.pesel else ""
                )
                fields.append("pesel_index")
            person.save(update_fields=fields)  # values are encrypted anew with the current key
            people += 1
        for att in CheckAttachment.objects.exclude(key_id=ring.current_id).iterator():
            context = f"safeguarding.checkattachment.{att.check_record_id}"
            data = crypto.decrypt_bytes(att.key_id, bytes(att.ciphertext), context=context)
            with transaction.atomic():
                att.key_id, att.ciphertext = crypto.encrypt_bytes(data, context=context)
                att.save(update_fields=["key_id", "ciphertext"])
            attachments += 1
        self.stdout.write(
            f"Re-encrypted {people} record(s) and {attachments} attachment(s) with key "
            f"{ring.current_id}."
        )
