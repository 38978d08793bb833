"""The background-work tests (marker ``background``) and their second run on RQ over Redis.

``make test`` runs every test with the immediate task backend, then ``make test-rq`` runs the
tests marked ``background`` again with ``OSTOJA_TASK_BACKEND=rq`` (django-tasks-rq on the Redis
at ``REDIS_URL``, database 1 by default; see ``tests/rq_inline.py``). Without a reachable Redis
that second run is skipped, except under CI (``CI=true``), where it fails.

Background-work tests are the ones that enqueue or run tasks and periodic work: outbox
delivery, the takedown sweep, the scheduler, imports. A module is marked here by path (or by
its own ``pytestmark = pytest.mark.background``).
"""

from __future__ import annotations

import os

import pytest

BACKGROUND_PATHS = (
    "tests/outbox/",
    "tests/scheduler/",
    "tests/takedown/test_app_commands.py",
    "tests/takedown/test_app_end_to_end.py",
    "tests/takedown/test_app_referral_resend.py",
    "tests/takedown/test_app_cancel_unsent.py",
    "tests/takedown/test_app_appeal_retention.py",
    "tests/takedown/test_app_services.py",
    "tests/banks/test_services.py",
    "tests/banks/test_commands.py",
    "tests/directory/test_import_export.py",
    "tests/directory/test_reminders.py",
)


def rq_enabled() -> bool:
    return os.environ.get("OSTOJA_TASK_BACKEND", "").strip().lower() == "rq"


def _redis_problem() -> str | None:
    import redis
    from django.conf import settings

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001 - any failure means "no Redis here"
        return f"Redis at {settings.REDIS_URL} is not reachable ({type(exc).__name__})"
    return None


def pytest_collection_modifyitems(config, items):
    root = str(config.rootpath)
    for item in items:
        path = str(item.path)[len(root) + 1 :].replace(os.sep, "/")
        if path.startswith(BACKGROUND_PATHS):
            item.add_marker(pytest.mark.background)
    if not rq_enabled():
        return
    problem = _redis_problem()
    if problem is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.exit(f"The RQ run needs Redis: {problem}.", returncode=1)
    skip = pytest.mark.skip(reason=f"{problem}: the RQ run of the background tests is skipped")
    for item in items:
        item.add_marker(skip)


@pytest.fixture(autouse=True)
def _fresh_rq_queue(request):
    """Under the RQ run, each test starts with an empty Redis database (no left-over jobs)."""
    if not rq_enabled():
        yield
        return
    import django_rq

    connection = django_rq.get_connection("default")
    connection.flushdb()
    yield
    connection.flushdb()
