"""Settings of the events benchmark: the dev settings without debug, persistent database
connections, mail to the benchmark's loopback SMTP sink, no delivery task per message (the
sink is drained afterwards by the outbox sweep)."""

import os

from ostoja.config.settings.dev import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
DATABASES["default"]["CONN_MAX_AGE"] = 600  # noqa: F405
OUTBOX_DELIVER_ON_COMMIT = False
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = "127.0.0.1"
EMAIL_PORT = int(os.environ.get("BENCH_SMTP_PORT", "2525"))
EMAIL_USE_TLS = False
LOGGING = {
    "version": 1,
    "disable_existing_loggers": True,
    "root": {"level": "ERROR", "handlers": []},
}
OSTOJA_MATCHING_WARMUP = False  # no matching here: its kernels would compete with the rush
