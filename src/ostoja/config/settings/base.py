"""Settings shared by every environment.

Everything secret or site-specific comes from the environment; the embedded default
(a SQLite file under ``var/``, local-memory cache, database task queue) needs no configuration.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parents[2]  # src/ostoja
BASE_DIR = PACKAGE_DIR.parents[1]  # repository root
VAR_DIR = Path(os.environ.get("OSTOJA_VAR_DIR", BASE_DIR / "var"))
# numba's cache of compiled matching kernels: a writable directory of our own (not the
# package's __pycache__, which may be read-only), filled by `manage.py matching_warmup`.
os.environ.setdefault("NUMBA_CACHE_DIR", str(VAR_DIR / "numba-cache"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "csp",
    # Ostoja apps (one per domain)
    "ostoja.core",
    "ostoja.audit",
    "ostoja.accounts",
    "ostoja.organisations",
    "ostoja.hotline",
    "ostoja.banks",
    "ostoja.directory",
    "ostoja.outbox",
    "ostoja.takedown",
    "ostoja.pact",
    "ostoja.scheduler",
    "ostoja.safeguarding",
    "ostoja.people",
    "ostoja.network",
    "ostoja.certificates",
    "ostoja.forum",
    "ostoja.newsletter",
    "ostoja.events",
    "ostoja.learning",
    "ostoja.library",
    "ostoja.positions",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "ostoja.core.middleware.RequestIdMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "ostoja.core.api_middleware.ApiJsonMiddleware",
    "django.middleware.common.CommonMiddleware",
    "ostoja.core.middleware.FetchMetadataOriginMiddleware",
    "ostoja.core.body_limits.RequestBodyLimitMiddleware",  # before CSRF reads the body
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "ostoja.accounts.middleware.StaffIdleTimeoutMiddleware",
    "ostoja.accounts.middleware.RequireMfaMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "csp.middleware.CSPMiddleware",
    "ostoja.core.middleware.PrivacyHeadersMiddleware",
]

ROOT_URLCONF = "ostoja.config.urls"
WSGI_APPLICATION = "ostoja.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ostoja.core.context_processors.ostoja",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'ostoja.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run while the worker writes; a busy timeout instead of instant
    # "database is locked" errors; IMMEDIATE transactions take the write lock up front.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Server-side parameter binding: psycopg sends the values apart from the SQL instead of
    # quoting every one of them into the text in Python (a sixth of the intake's CPU time went
    # to that quoting; bench: hotline intake).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "server_side_binding", os.environ.get("DB_SERVER_SIDE_BINDING", "true") == "true"
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "home"

# --- django-allauth -------------------------------------------------------------------------
ACCOUNT_ADAPTER = "ostoja.accounts.adapter.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_PREVENT_ENUMERATION = True
# Accounts are created by coordinators (members are admitted, not self-registered).
OSTOJA_OPEN_SIGNUP = env_bool("OSTOJA_OPEN_SIGNUP", False)
# Login throttling (allauth keeps counters in the cache).
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "5/5m/ip,5/5m/key",
    "reset_password": "5/m/ip,3/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "signup": "20/m/ip",
}
# A second factor is an authenticator app (TOTP) or a passkey / security key (WebAuthn).
# Passkeys are a second factor only: signing in with a passkey instead of the password
# (MFA_PASSKEY_LOGIN_ENABLED) is left off, so the first factor stays the same for everyone.
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = False
# The TOTP secret stays the same across visits of the set-up page (see accounts/forms.py).
MFA_FORMS = {"activate_totp": "ostoja.accounts.forms.ActivateTOTPForm"}
MFA_TOTP_ISSUER = "Ostoja"
MFA_RECOVERY_CODE_COUNT = 10
# Accept the previous/next 30-second code too (RFC 6238 §5.2: clock drift and typing time);
# a code is still usable only once.
MFA_TOTP_TOLERANCE = 1
# allauth would ask for the password again right after sign-in before MFA set-up; privileged
# sessions already expire after 30 idle minutes, so a fresh login is trusted for MFA changes.
MFA_REAUTHENTICATION_REQUIRED = False

# Safeguarding register: months after the last engagement before a record is deleted.
OSTOJA_SAFEGUARDING_RETENTION_MONTHS = int(
    os.environ.get("OSTOJA_SAFEGUARDING_RETENTION_MONTHS", "36")
)
# … and months after an intervention record is closed before it is deleted.
OSTOJA_INTERVENTION_RETENTION_MONTHS = int(
    os.environ.get("OSTOJA_INTERVENTION_RETENTION_MONTHS", "120")
)
# Staff idle timeout (minutes) for users whose role reaches hotline data or administration.
OSTOJA_STAFF_IDLE_TIMEOUT_MINUTES = int(os.environ.get("OSTOJA_STAFF_IDLE_TIMEOUT_MINUTES", "30"))
SESSION_COOKIE_AGE = 60 * 60 * 12
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
# A browser-session cookie (gone when the browser closes), not Django's one year: on a shared
# device the anonymous report and appeal forms must leave no lasting trace of the visit.
CSRF_COOKIE_AGE = None
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- i18n -----------------------------------------------------------------------------------
LANGUAGE_CODE = "pl"
LANGUAGES = [("pl", _("Polish")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Europe/Warsaw"
# Day-month-year and 24-hour time in both languages; ISO values in date inputs.
FORMAT_MODULE_PATH = ["ostoja.config.formats"]
USE_I18N = True
USE_TZ = True

# --- static files (all self-hosted) ---------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- security headers -----------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "no-referrer"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
FILE_UPLOAD_MAX_MEMORY_SIZE = 60 * 1024 * 1024  # uploads stay in memory (never on disk)
FILE_UPLOAD_HANDLERS = ["django.core.files.uploadhandler.MemoryFileUploadHandler"]

# Reverse proxy in front of Ostoja (see ostoja/core/ratelimit.py): the anonymous pages' rate
# limits count the client address from X-Forwarded-For only when the connection comes from one
# of these proxies. Default: no proxy trusted, REMOTE_ADDR counted. Addresses are never stored.
OSTOJA_TRUSTED_PROXIES = env_list("OSTOJA_TRUSTED_PROXIES")
OSTOJA_PROXY_COUNT = os.environ.get("OSTOJA_PROXY_COUNT") or None  # default 1 behind a proxy

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

# --- background work ------------------------------------------------------------------------
# OSTOJA_TASK_BACKEND: "db" (default: the queue is a table of the database, `manage.py
# db_worker` runs it) or "rq" (RQ on the Redis at REDIS_URL; `manage.py rqworker`). Task code is
# the same for both.
OSTOJA_TASK_BACKEND = os.environ.get("OSTOJA_TASK_BACKEND", "db").strip().lower()
if OSTOJA_TASK_BACKEND == "rq":
    if not REDIS_URL:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("OSTOJA_TASK_BACKEND=rq needs REDIS_URL (redis://host:6379/0).")
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    # Jobs may run long (imports, retention): an hour before RQ kills one.
    RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 3600}}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
elif OSTOJA_TASK_BACKEND == "db":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
else:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("OSTOJA_TASK_BACKEND is 'db' or 'rq'.")

# --- e-mail ---------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Ostoja <no-reply@ostoja.invalid>")

# --- API ------------------------------------------------------------------------------------
NINJA_PAGINATION_PER_PAGE = 50

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "ostoja.core.logging.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"}
    },
    "handlers": {
        # A logger with no handler falls back to logging.lastResort (stderr) for warnings;
        # the null handler really silences it.
        "null": {"class": "logging.NullHandler"},
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id"],
        },
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # The default request logger would write full paths (with query strings, e.g.
        # search terms or status codes) next to addresses; we log our own minimal lines.
        "django.server": {"handlers": ["null"], "propagate": False},
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
    },
}
CSRF_FAILURE_VIEW = "ostoja.core.views.csrf_failure"

# --- notice and takedown (ostoja.takedown; defaults and meaning in takedown/conf.py) --------
# MaxMind-format databases (GeoLite2 or DB-IP Lite, country and ASN editions); none shipped.
OSTOJA_GEOIP_COUNTRY_DB = os.environ.get("OSTOJA_GEOIP_COUNTRY_DB") or None
OSTOJA_GEOIP_ASN_DB = os.environ.get("OSTOJA_GEOIP_ASN_DB") or None
OSTOJA_TAKEDOWN_RESOLVER = os.environ.get(
    "OSTOJA_TAKEDOWN_RESOLVER", "ostoja.takedown.trace.SystemResolver"
)
# Re-notice interval (hours) and escalation to supervisors (days after the first notice).
OSTOJA_RENOTICE_HOURS = float(os.environ.get("OSTOJA_RENOTICE_HOURS", "24"))
OSTOJA_ESCALATE_DAYS = float(os.environ.get("OSTOJA_ESCALATE_DAYS", "7"))
# Slug of a police organisation, or an e-mail address; empty: police are not notified (the
# case says so).
OSTOJA_POLICE_CONTACT = os.environ.get("OSTOJA_POLICE_CONTACT", "")
# Appellants' e-mail addresses and names are deleted this many days after the decision.
OSTOJA_APPEAL_RETENTION_DAYS = int(os.environ.get("OSTOJA_APPEAL_RETENTION_DAYS", "90"))

# --- hash banks ------------------------------------------------------------------------------
# The hotline asks the hash banks whether reported hashes are known material.
OSTOJA_KNOWN_MATERIAL_CHECKER = "ostoja.banks.services.check_known_for_hotline"
OSTOJA_BANK_SIGNING_KEY_FILE = os.environ.get(
    "OSTOJA_BANK_SIGNING_KEY_FILE", str(VAR_DIR / "keys" / "bank-signing-ed25519.pem")
)
# Every web worker checks for bank changes this often (≤ 10 s); 1 s keeps a change visible
# within 2 s even at 100M hashes (docs/benchmarks.md, issue 17).
OSTOJA_BANKS_REFRESH_SECONDS = 1
# A directory on local disk for the shared, memory-mapped PDQ index (empty: every worker builds
# its own from the database); the scheduler's banks_publish_index job keeps it fresh.
OSTOJA_BANKS_INDEX_DIR = os.environ.get("OSTOJA_BANKS_INDEX_DIR", "")

# SQLite has no covering indexes: Django ignores INCLUDE columns there, which is fine for the
# embedded default (PostgreSQL, the production database, uses them).
SILENCED_SYSTEM_CHECKS = ["models.W040"]
