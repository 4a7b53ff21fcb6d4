"""Trellis settings: one module, driven by environment variables.

Every variable read here is documented in docs/configuration.md; a test fails when one
is not. Defaults suit a local install on SQLite; production sets DEBUG=0 and the rest.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


VAR_DIR = Path(env("TRELLIS_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", True)


def _secret_key() -> str:
    key = env("SECRET_KEY")
    if key:
        return key
    if not DEBUG:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    # Local use: generate once and keep it under ./var/ so sessions survive restarts.
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    # django-ninja: its Swagger UI static files, so the API docs need no CDN.
    "ninja",
    "trellis.core",
    "trellis.people",
    "trellis.communities",
    "trellis.onboarding",
    "trellis.activity",
    "trellis.events",
    "trellis.kpis",
    "trellis.surveys",
    "trellis.reports",
    "trellis.stories",
    "trellis.recognition",
    "trellis.comms",
    "trellis.incubation",
    "trellis.programme",
    "trellis.coaching",
    "trellis.health",
    "trellis.ops",
    "trellis.api",
]

# Background work (imports, e-mails, PDFs, year snapshots): django-tasks on the database
# backend; `trellis worker` runs a worker, and several workers on several hosts are safe.
# TASKS_BACKEND=immediate runs tasks inline (tests, quick local use).
TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend"
            if env("TASKS_BACKEND", "database") == "immediate"
            else "django_tasks_db.DatabaseBackend"
        ),
        "QUEUES": ["default"],
    }
}

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "trellis.core.remote_user.ProxyRemoteUserMiddleware",
    "trellis.api.middleware.RejectNulMiddleware",
    "trellis.core.middleware.LanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "trellis.core.middleware.SecurityHeadersMiddleware",
]

ROOT_URLCONF = "trellis.urls"
WSGI_APPLICATION = "trellis.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "trellis.core.context_processors.trellis",
                "trellis.reports.context_processors.reports",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
DATABASE_URL = env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'trellis.sqlite3'}")
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("CONN_MAX_AGE", 0))
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE + WAL keep concurrent writers from failing with "database is locked"
    # (measured in docs/quality: deferred mode failed 98 % of read-then-write races).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["TEST"] = {"NAME": env("TEST_SQLITE_NAME") or None}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication ---------------------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
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
# Single sign-on through an authenticating proxy (docs/deployment.md): the header the proxy
# sets with the user's name or e-mail, believed only from the proxies listed.
REMOTE_USER_HEADER = env("REMOTE_USER_HEADER", "")
REMOTE_USER_TRUSTED_PROXIES = env_list("REMOTE_USER_TRUSTED_PROXIES", "127.0.0.1,::1")
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "trellis.core.remote_user.DirectoryRemoteUserBackend",
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Brute-force limit: this many failures per username, or per IP address, within the
# window locks further attempts for the rest of the window.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_FAILURE_WINDOW = env_int("LOGIN_FAILURE_WINDOW", 900)
# REST API: requests allowed per token and window ("600/min"; units s, min, hour, day);
# empty for no limit. Over it, 429 with a Retry-After header (docs/api.md).
API_RATE_LIMIT = env("API_RATE_LIMIT", "600/min")
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
SESSION_SAVE_EVERY_REQUEST = True  # the timeout counts from the last request (idle timeout)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Internationalisation ------------------------------------------------------------------
LANGUAGE_CODE = env("LANGUAGE_CODE", "en")
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True
# Years and ids must not read "2,026": figures use the `intcomma` filter instead.
USE_THOUSAND_SEPARATOR = False
FORMAT_MODULE_PATH = ["trellis.formats"]

# --- Static files ----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 10 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Largest spreadsheet an upload page accepts, in bytes.
IMPORT_MAX_UPLOAD_SIZE = env_int("IMPORT_MAX_UPLOAD_SIZE", 50 * 1024 * 1024)
# Largest file attached to a success story, in bytes (docs/stories.md).
STORY_ATTACHMENT_MAX_BYTES = env_int("STORY_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)

# An active community with no ESN activity and no event for this many months is a dormancy
# candidate (`trellis detect-dormancy`, docs/incubation.md).
DORMANCY_MONTHS = env_int("DORMANCY_MONTHS", 6)

# Community health rules (docs/health.md): months without an event before amber and red,
# the month by which the year's charter is due, how long a leader's questionnaire counts,
# and the fall in ESN messages (percent, three months against the three before) for amber
# and red.
HEALTH_NO_EVENT_AMBER_MONTHS = env_int("HEALTH_NO_EVENT_AMBER_MONTHS", 6)
HEALTH_NO_EVENT_RED_MONTHS = env_int("HEALTH_NO_EVENT_RED_MONTHS", 12)
HEALTH_CHARTER_DUE_MONTH = env_int("HEALTH_CHARTER_DUE_MONTH", 3)
HEALTH_QUESTIONNAIRE_VALID_DAYS = env_int("HEALTH_QUESTIONNAIRE_VALID_DAYS", 183)
HEALTH_ACTIVITY_DROP_AMBER_PCT = env_int("HEALTH_ACTIVITY_DROP_AMBER_PCT", 30)
HEALTH_ACTIVITY_DROP_RED_PCT = env_int("HEALTH_ACTIVITY_DROP_RED_PCT", 60)

# --- E-mail ----------------------------------------------------------------------------------
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "trellis@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# The landing page of the catalogue (/welcome/) shows without a login when on: for an
# intranet where the company network already is the gate (docs/communication.md).
COMMS_PUBLIC_LANDING = env_bool("COMMS_PUBLIC_LANDING", False)

# --- Security (production) ------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Cache shared by every web process (dashboard figures, login limits, API rate limits).
# Empty: memory of each process (one process, or figures that may differ for a minute
# between processes); redis://host:port/db for several processes or hosts.
CACHE_URL = env("CACHE_URL", "")
if CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "trellis",
        }
    }
elif CACHE_URL:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        f"CACHE_URL must start with redis://, rediss:// or unix:// (got {CACHE_URL!r})."
    )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {
        "handlers": ["console"],
        "level": env("LOG_LEVEL", "INFO" if not DEBUG else "WARNING"),
    },
}
