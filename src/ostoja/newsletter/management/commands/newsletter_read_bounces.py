import sys

from django.core.management.base import BaseCommand, CommandError

from ostoja.newsletter import bounces


class Command(BaseCommand):
    help = (
        "Read bounces from the configured mailbox (NEWSLETTER_BOUNCE_MAILBOX), or one message "
        "from a file or standard input ('-')."
    )

    def add_arguments(self, parser):
        parser.add_argument("--file", help="read one message (RFC 822) from this file or '-'")
        parser.add_argument("--keep", action="store_true", help="do not delete read messages")

    def handle(self, *args, file=None, keep=False, **options):
        if file:
            raw = sys.stdin.buffer.read() if file == "-" else open(file, "rb").read()  # noqa: SIM115
            report = bounces.process_message(raw)
        else:
            try:
                report = bounces.read_mailbox(delete=not keep)
            except bounces.MailboxNotConfigured:
                self.stdout.write("No bounce mailbox configured; nothing to read.")
                return
            except OSError as exc:
                raise CommandError(f"Cannot read the bounce mailbox: {exc}") from exc
        self.stdout.write(
            f"stopped: {report.stopped}, counted: {report.counted}, "
            f"unsubscribed: {report.unsubscribed}, ignored: {report.ignored}"
        )
