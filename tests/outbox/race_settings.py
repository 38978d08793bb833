"""Settings for the multi-process SQLite race test: production's SQLite set-up (a file in WAL
mode, IMMEDIATE transactions, busy timeout) instead of the in-memory test database."""

import os

from ostoja.config.settings.base import *  # noqa: F403
from ostoja.config.settings.base import DATABASES

SECRET_KEY = "race-test-secret-key-not-for-production-0123456789"
DATABASES = {"default": {**DATABASES["default"], "NAME": os.environ["OSTOJA_RACE_DB"]}}
OUTBOX_WEBHOOK_ALLOW_PRIVATE = True
OUTBOX_DELIVER_ON_COMMIT = False
OUTBOX_WEBHOOK_TIMEOUT = 5
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
