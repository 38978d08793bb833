"""Settings for the multi-process SQLite race of schedulers: production's SQLite set-up (a file
in WAL mode, IMMEDIATE transactions, busy timeout); tasks run at once in the claiming process,
or with ``OSTOJA_TASK_BACKEND=rq`` go to Redis for a real ``manage.py rqworker``."""

import os

from ostoja.config.settings.base import *  # noqa: F403
from ostoja.config.settings.base import DATABASES

SECRET_KEY = "race-test-secret-key-not-for-production-0123456789"
DATABASES = {"default": {**DATABASES["default"], "NAME": os.environ["OSTOJA_RACE_DB"]}}
if OSTOJA_TASK_BACKEND != "rq":  # noqa: F405 - with rq: RQ on Redis, run by `rqworker`
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
