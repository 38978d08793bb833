"""A deliverer process for the SQLite race test (run with ``python -m tests.outbox.race_worker``).

Modes: ``setup <n> <url>`` (migrate and enqueue n webhooks), ``deliver <go-file>`` (wait for
the go file, then sweep until idle; print the number sent), ``cancel <go-file>`` (wait for the
go file, then cancel every message one by one, last first; print the report as JSON),
``report`` (print states as JSON).
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
from ostoja.outbox.services import cancel_unsent, deliver_due, enqueue_webhook  # noqa: E402


def _wait_for(go_file):
    deadline = time.monotonic() + 30
    while not os.path.exists(go_file) and time.monotonic() < deadline:
        time.sleep(0.005)


def main(mode, *args):
    if mode == "setup":
        call_command("migrate", verbosity=0)
        n, url = int(args[0]), args[1]
        for i in range(n):
            enqueue_webhook(dedup_key=f"race:{i}", url=url, payload={"i": i})
    elif mode == "deliver":
        _wait_for(args[0])
        sent = idle = 0
        while idle < 3:
            report = deliver_due(limit=1)
            sent += report.sent
            idle = 0 if report.total else idle + 1
        print(sent)
    elif mode == "cancel":
        from tests.outbox.race_helpers import wait_until_under_way

        _wait_for(args[0])
        wait_until_under_way()
        cancelled, requested = [], []
        for pk in OutboxMessage.objects.order_by("-pk").values_list("pk", flat=True):
            report = cancel_unsent(
                actor=None, messages=OutboxMessage.objects.filter(pk=pk), reason="race"
            )
            cancelled += report.cancelled
            requested += report.requested
            time.sleep(0.002)
        print(json.dumps({"cancelled": cancelled, "requested": requested}))
    elif mode == "deliver-later":
        from datetime import timedelta

        from django.utils import timezone

        print(deliver_due(now=timezone.now() + timedelta(hours=1)).sent)
    elif mode == "report":
        states = {}
        for state in OutboxMessage.objects.values_list("state", flat=True):
            states[state] = states.get(state, 0) + 1
        keys = sorted(m.idempotency_key for m in OutboxMessage.objects.all())
        rows = list(OutboxMessage.objects.all())
        by_pk = {m.pk: m.state for m in rows}
        keys_by_pk = {m.pk: m.idempotency_key for m in rows}
        result = {"states": states, "keys": keys, "by_pk": by_pk, "keys_by_pk": keys_by_pk}
        print(json.dumps(result))


if __name__ == "__main__":
    main(*sys.argv[1:])
