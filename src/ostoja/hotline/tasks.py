"""Background work of the hotline (django-tasks; the worker runs them, tests run them at once).

There is no scheduler in django-tasks: run ``manage.py hotline_retention`` daily and
``manage.py hotline_rescore`` every few minutes from cron or a systemd timer (or enqueue the
tasks below from one). The queue page and "next item" also re-score stale items themselves.
"""

from __future__ import annotations

from django_tasks import task

from . import services


@task()
def rescore_hotline(hotline_id: int) -> int:
    """Re-score all waiting items of a hotline (after its priority rules changed)."""
    return services.rescore_items(hotline_id)


@task()
def rescore_stale_items() -> int:
    from .models import WAITING_STATES, Item

    ids = list(
        Item.objects.filter(state__in=WAITING_STATES)
        .values_list("hotline_id", flat=True)
        .distinct()
    )
    return sum(services.rescore_items(hid, only_stale=True) for hid in ids)


@task()
def hotline_retention() -> int:
    """Delete reporters' e-mail addresses whose retention period has passed."""
    return services.apply_retention(actor=None)
