"""Run by test_concurrency.py in a subprocess: "next item" from several threads against a real
SQLite *file* (WAL, busy timeout, IMMEDIATE transactions: the embedded production setup).

The in-memory test database cannot be used for this: SQLite's shared-cache mode, which lets
threads share an in-memory database, reports lock conflicts at once instead of waiting.
Prints one JSON line: {"claimed": {analyst: [item ids]}, "items": [...], "errors": [...]}.
"""

from __future__ import annotations

import json
import os
import sys
import threading


def main(db_path: str, analysts: int, items: int) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "ostoja.config.settings.dev"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from ostoja.hotline import services
    from ostoja.hotline.models import Item
    from tests.conftest import make_user
    from tests.hotline.factories import HotlineFactory, item

    hotline = HotlineFactory()
    for _ in range(items):
        item(hotline)
    users = [make_user("hotline_analyst", hotline) for _ in range(analysts)]
    claimed = {u.pk: [] for u in users}
    errors = []
    barrier = threading.Barrier(len(users))

    def work(user):
        try:
            barrier.wait(timeout=30)
            while True:
                got = services.next_item(actor=user, hotline_ids=[hotline.pk])
                if got is None:
                    return
                claimed[user.pk].append(got.pk)
                Item.objects.filter(pk=got.pk).update(state="closed_not_illegal")
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    print(
        json.dumps(
            {
                "vendor": connection.vendor,
                "claimed": claimed,
                "items": list(Item.objects.values_list("pk", flat=True)),
                "errors": errors,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
