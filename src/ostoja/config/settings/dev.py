"""Local development: debug on, e-mail into files (read at /dev/mail/), a throw-away secret key."""

import os

from .base import *  # noqa: F403
from .base import VAR_DIR, env_list

DEBUG = True
SECRET_KEY = os.environ.get("SECRET_KEY") or "dev-only-insecure-key-do-not-use-in-production"  # noqa: F405
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
# Fixed, published safeguarding keys when OSTOJA_SAFEGUARDING_KEYS is not set (dev only).
OSTOJA_SAFEGUARDING_DEV_KEYS = True
# Whole MIME messages on the console drowned `make run`'s output (681 lines in the first
# minute): mail goes to files under var/mail/, which coordinators read at /dev/mail/.
EMAIL_BACKEND = os.environ.get(  # noqa: F405
    "EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend"
)
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH") or str(VAR_DIR / "mail")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
VAR_DIR.mkdir(parents=True, exist_ok=True)
