"""A deliverer process for the SQLite race test (run with ``python -m tests.outbox.race_worker``).

Modes: ``setup <n> <url>`` (migrate and enqueue n webhooks), ``deliver <go-file>`` (wait for
the go file, then sweep until idle; print the number sent), ``report`` (print states as JSON).
"""

import json
import os
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.outbox.race_settings")
django.setup()

from django.core.management import call_command  # noqa: E402

from ostoja.outbox.models import OutboxMessage  # noqa: E402
from ostoja.outbox.services import deliver_due, enqueue_webhook  # noqa: E402


def main(mode, *args):
    if mode == "setup":
        call_command("migrate", verbosity=0)
        n, url = int(args[0]), args[1]
        for i in range(n):
            enqueue_webhook(dedup_key=f"race:{i}", url=url, payload={"i": i})
    elif mode == "deliver":
        deadline = time.monotonic() + 30
        while not os.path.exists(args[0]) and time.monotonic() < deadline:
            time.sleep(0.005)
        sent = idle = 0
        while idle < 3:
            report = deliver_due(limit=1)
            sent += report.sent
            idle = 0 if report.total else idle + 1
        print(sent)
    elif mode == "deliver-later":
        from datetime import timedelta

        from django.utils import timezone

        print(deliver_due(now=timezone.now() + timedelta(hours=1)).sent)
    elif mode == "report":
        states = {}
        for state in OutboxMessage.objects.values_list("state", flat=True):
            states[state] = states.get(state, 0) + 1
        keys = sorted(m.idempotency_key for m in OutboxMessage.objects.all())
        print(json.dumps({"states": states, "keys": keys}))


if __name__ == "__main__":
    main(*sys.argv[1:])
