"""Test settings: fast hasher, in-memory e-mail, tasks run immediately, no external calls."""

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-secret-key-not-for-production-0123456789abcdef"  # noqa: S105
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Fixed, published safeguarding keys when OSTOJA_SAFEGUARDING_KEYS is not set (tests only).
OSTOJA_SAFEGUARDING_DEV_KEYS = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
if OSTOJA_TASK_BACKEND == "rq":  # noqa: F405
    # The background-work tests a second time through Redis (`make test-rq`): RQ's own backend,
    # and after each enqueue an rq worker in burst mode runs the queue (tests/rq_inline.py).
    TASKS = {"default": {**TASKS["default"], "BACKEND": "tests.rq_inline.InlineRQBackend"}}  # noqa: F405
else:
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["NAME"] = ":memory:"  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}  # noqa: F405
    DATABASES["default"]["OPTIONS"].pop("init_command", None)  # noqa: F405
