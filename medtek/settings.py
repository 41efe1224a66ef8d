"""medtek settings: one module, configured from environment variables.

Every variable is documented in ``.env.example``. The helpers below fail loudly on a bad value
instead of guessing. A secret can also be given in a file: ``SECRET_KEY_FILE=/run/secrets/key``.

With ``DEBUG`` off (the default) the process refuses to start without a real ``SECRET_KEY`` and an
explicit ``ALLOWED_HOSTS``: a production server must never run on a development key.
"""

import json
import os
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env(name: str, default: str = "") -> str:
    """The variable's value; ``NAME_FILE`` names a file holding it (Docker/Kubernetes secrets)."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={file_name!r} cannot be read: {exc}") from exc
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = env(name, "true" if default else "false").strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use true or false)")


def env_int(name: str, default: int) -> int:
    raw = env(name, str(default)).strip()
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


def env_json_object(name: str) -> dict[str, Any]:
    """A JSON object (``{"bucket_name": "medtek"}``); empty if the variable is unset."""
    raw = env(name).strip()
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise ImproperlyConfigured(f"{name} must be a JSON object ({{...}}), not {raw!r}")
    return value


DEBUG = env_bool("DEBUG", False)

# A key that is only ever acceptable with DEBUG on.
_DEV_SECRET_KEY = "insecure-development-key-do-not-use-in-production"
SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if DEBUG:
    SECRET_KEY = SECRET_KEY or _DEV_SECRET_KEY
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]"]
else:
    if not SECRET_KEY or SECRET_KEY == _DEV_SECRET_KEY or len(SECRET_KEY) < 32:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set to a random value of at least 32 characters when DEBUG is off "
            "(set DEBUG=true for local development)."
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "ALLOWED_HOSTS must list the host names this server answers to when DEBUG is off."
        )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "medtek.core",
    "medtek.organisation",
    "medtek.imports",
    "medtek.devices",
    "medtek.registry",
    "medtek.reports",
    "medtek.inhouse",
    "medtek.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "medtek.core.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "medtek.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, so that it sees the outcome of authentication (django-axes' requirement).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "medtek.urls"
# A form's empty choice reads "Choose …" (the renderer), a filter's "All": never Django's dashes.
FORM_RENDERER = "medtek.core.widgets.FormRenderer"
FILTERS_EMPTY_CHOICE_LABEL = _("All")
WSGI_APPLICATION = "medtek.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "medtek.views.navigation.context_processor",
            ],
        },
    },
]

# Database: SQLite under var/ by default, PostgreSQL (production) through DATABASE_URL.
DATABASE_URL = env("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'var' / 'medtek.sqlite3'}"
try:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {exc}") from exc
# A connection kept between requests is checked before it is reused, so that a database restart
# costs the next request a reconnect, not an error.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # BEGIN IMMEDIATE takes the write lock at the start of every transaction, so that a
    # read-then-write (number allocation) cannot interleave with another writer.
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "organisation.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Brute-force protection: lock a user name + address after repeated failures.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 30) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", _("Swedish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "var" / "static")))

# The file store (core.files, ADR 0010): every uploaded or generated file, once, named by its
# SHA-256. A directory by default; any Django storage class (S3-compatible object storage through
# django-storages) by FILE_STORAGE_BACKEND and its options as JSON in FILE_STORAGE_OPTIONS.
_FILE_SYSTEM_STORAGE = "django.core.files.storage.FileSystemStorage"
FILE_STORAGE_BACKEND = env("FILE_STORAGE_BACKEND", _FILE_SYSTEM_STORAGE).strip()
if not FILE_STORAGE_BACKEND or "." not in FILE_STORAGE_BACKEND:
    raise ImproperlyConfigured(
        f"FILE_STORAGE_BACKEND={FILE_STORAGE_BACKEND!r} is not the dotted path of a storage class"
    )
FILE_STORE_ROOT = Path(env("FILE_STORE_ROOT", str(BASE_DIR / "var" / "files")))
_file_storage_options = env_json_object("FILE_STORAGE_OPTIONS")
if FILE_STORAGE_BACKEND == _FILE_SYSTEM_STORAGE:
    # Readable by medtek's own user and group only: the files hold patient and staff details.
    _file_storage_options = {
        "location": str(FILE_STORE_ROOT),
        "file_permissions_mode": 0o640,
        "directory_permissions_mode": 0o750,
        **_file_storage_options,
    }
elif env("FILE_STORE_ROOT"):
    raise ImproperlyConfigured(
        "FILE_STORE_ROOT is for the file system store only; with "
        f"FILE_STORAGE_BACKEND={FILE_STORAGE_BACKEND} give the store's settings in "
        "FILE_STORAGE_OPTIONS (and leave FILE_STORE_ROOT unset)."
    )
STORAGES = {
    "default": {"BACKEND": _FILE_SYSTEM_STORAGE},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "medtek_files": {"BACKEND": FILE_STORAGE_BACKEND, "OPTIONS": _file_storage_options},
}
# What the store accepts: the largest file in bytes, and the types (found from the content;
# medtek.core.files.KINDS lists the ones it can tell apart).
FILE_UPLOAD_MAX_BYTES = env_int("FILE_UPLOAD_MAX_BYTES", 25 * 1024 * 1024)
if FILE_UPLOAD_MAX_BYTES < 1:
    raise ImproperlyConfigured(f"FILE_UPLOAD_MAX_BYTES={FILE_UPLOAD_MAX_BYTES} must be at least 1")
# The largest file an import reads, in bytes (the upload form, `medtek import` and the workflow).
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 50 * 1024 * 1024)
if IMPORT_MAX_BYTES < 1:
    raise ImproperlyConfigured(f"IMPORT_MAX_BYTES={IMPORT_MAX_BYTES} must be at least 1")
FILE_UPLOAD_TYPES = env_list(
    "FILE_UPLOAD_TYPES",
    ",".join(
        [
            "application/pdf",
            "image/png",
            "image/jpeg",
            "image/gif",
            "image/tiff",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            "application/vnd.oasis.opendocument.text",
            "application/vnd.oasis.opendocument.spreadsheet",
            "application/vnd.oasis.opendocument.presentation",
            "text/plain",
            "text/csv",
            "application/xml",
            "message/rfc822",
            "application/vnd.ms-outlook",
            "application/msword",
            "application/vnd.ms-excel",
            "application/vnd.ms-powerpoint",
        ]
    ),
)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
SESSION_COOKIE_SECURE = not DEBUG and env_bool("SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# Content-Security-Policy: only our own scripts and styles; no inline script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# The region's name: it heads every generated document and is the author in its PDF metadata.
REGION_NAME = env("REGION_NAME", "Region Mälarmark").strip()
if not REGION_NAME:
    raise ImproperlyConfigured("REGION_NAME must name the region; it heads every document.")

# The diary (registry): the authority named in secrecy markings, and how many working days a
# submitted document may wait before it counts as overdue (docs/domain/registry.md).
REGISTRY_AUTHORITY = env("REGISTRY_AUTHORITY", "Regionstyrelsen")
REGISTRY_TARGET_WORKING_DAYS = env_int("REGISTRY_TARGET_WORKING_DAYS", 1)
if REGISTRY_TARGET_WORKING_DAYS < 0:
    raise ImproperlyConfigured("REGISTRY_TARGET_WORKING_DAYS must not be negative")

# Reports to the authorities (docs/domain/reporting.md): the code of the authority that receives
# the matters of in-house manufacture (IVO today; supervision may move to Läkemedelsverket, code
# "lv"), and the diary number series a sent report's case is opened in when it has none.
REPORTS_IN_HOUSE_AUTHORITY = env("REPORTS_IN_HOUSE_AUTHORITY", "ivo")
REPORTS_CASE_SERIES = env("REPORTS_CASE_SERIES", "mft")

# In-house manufacture (docs/domain/inhouse.md): months between reviews of clinical experience
# (MDR art. 5(5)(h)) for a new file.
INHOUSE_REVIEW_MONTHS = env_int("INHOUSE_REVIEW_MONTHS", 12)
if not 1 <= INHOUSE_REVIEW_MONTHS <= 60:
    raise ImproperlyConfigured("INHOUSE_REVIEW_MONTHS must be between 1 and 60")

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# Seconds before a silent mail server counts as a failed attempt (the outbox retries it); without
# a limit a hung connection would hold its message, and the request sending it, indefinitely.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "medtek@localhost")

# The outbox (ADR 0011): e-mail and other side effects are queued in the transaction of the change
# that causes them and delivered after it commits.
OUTBOX_DELIVER_ON_COMMIT = env_bool("OUTBOX_DELIVER_ON_COMMIT", True)
OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 10)
OUTBOX_RETRY_SECONDS = env_int("OUTBOX_RETRY_SECONDS", 60)
if EMAIL_TIMEOUT < 1:
    raise ImproperlyConfigured(f"EMAIL_TIMEOUT={EMAIL_TIMEOUT} must be at least 1 second")
if OUTBOX_MAX_ATTEMPTS < 1:
    raise ImproperlyConfigured(f"OUTBOX_MAX_ATTEMPTS={OUTBOX_MAX_ATTEMPTS} must be at least 1")
if OUTBOX_RETRY_SECONDS < 0:
    raise ImproperlyConfigured(f"OUTBOX_RETRY_SECONDS={OUTBOX_RETRY_SECONDS} must not be negative")

# Background tasks (ADR 0019): queued in the database, in the transaction that asks for them, and
# run by `medtek db_worker` (`make run` starts one beside the server).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Imports: files of more data rows than IMPORT_INLINE_ROWS are validated and imported by the
# background worker, never in a web request (smaller ones still run in the request); a background
# run without progress for IMPORT_RUN_STALE_SECONDS counts as stopped (its owner may resume it);
# a run waiting IMPORT_WORKER_WAIT_SECONDS for a worker makes the page say that none is running;
# and a session untouched for IMPORT_SESSION_EXPIRY_DAYS loses its stored rows (`medtek
# import_expire`, daily).
IMPORT_INLINE_ROWS = env_int("IMPORT_INLINE_ROWS", 5000)
# A command-line upload of at least IMPORT_PARALLEL_ROWS rows is validated in
# IMPORT_VALIDATION_PROCESSES processes (PostgreSQL; 1: in the importing process).
IMPORT_PARALLEL_ROWS = env_int("IMPORT_PARALLEL_ROWS", 20_000)
IMPORT_VALIDATION_PROCESSES = env_int("IMPORT_VALIDATION_PROCESSES", 2)
# A valid-only commit writes IMPORT_COMMIT_BATCH lines of the file per transaction: what a
# stopped commit keeps, and how often its progress moves (a transaction per 1,000 lines cost a
# commit of 100,000 rows a third more time than one per 5,000: benchmarks/README.md).
IMPORT_COMMIT_BATCH = env_int("IMPORT_COMMIT_BATCH", 5000)
IMPORT_RUN_STALE_SECONDS = env_int("IMPORT_RUN_STALE_SECONDS", 300)
IMPORT_WORKER_WAIT_SECONDS = env_int("IMPORT_WORKER_WAIT_SECONDS", 60)
IMPORT_SESSION_EXPIRY_DAYS = env_int("IMPORT_SESSION_EXPIRY_DAYS", 14)
if min(IMPORT_INLINE_ROWS, IMPORT_RUN_STALE_SECONDS, IMPORT_WORKER_WAIT_SECONDS) < 0:
    raise ImproperlyConfigured(
        "IMPORT_INLINE_ROWS, IMPORT_RUN_STALE_SECONDS and IMPORT_WORKER_WAIT_SECONDS must not be "
        "negative"
    )
if IMPORT_SESSION_EXPIRY_DAYS < 1:
    raise ImproperlyConfigured(
        f"IMPORT_SESSION_EXPIRY_DAYS={IMPORT_SESSION_EXPIRY_DAYS} must be at least 1"
    )
if min(IMPORT_PARALLEL_ROWS, IMPORT_VALIDATION_PROCESSES, IMPORT_COMMIT_BATCH) < 1:
    raise ImproperlyConfigured(
        "IMPORT_PARALLEL_ROWS, IMPORT_VALIDATION_PROCESSES and IMPORT_COMMIT_BATCH must be at "
        "least 1"
    )
# For tests only (not read from the environment): seconds an import pauses after writing each
# chunk, so that a test can stop a worker in the middle of a commit.
IMPORT_CHUNK_PAUSE = 0.0

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "medtek.core.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "medtek.core.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "medtek API",
    "DESCRIPTION": "Medical technology governance for a Swedish region.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI served from our own static files (no CDN; CSP allows only 'self').
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # Without deep links, as a link inside each operation's button is a control within a
    # control, which a screen reader cannot reach (axe: nested-interactive).
    "SWAGGER_UI_SETTINGS": {"deepLinking": False},
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a field named "status"; each choice set gets its own name.
    "ENUM_NAME_OVERRIDES": {
        "DeviceStatusEnum": "medtek.devices.models.DeviceStatus",
        "CaseStatusEnum": "medtek.registry.models.Case.Status",
        "OutcomeEnum": "medtek.reports.models.Outcome",
        "InhouseDeviceKindEnum": "medtek.inhouse.models.InhouseDevice.Kind",
        "InhouseDeviceStatusEnum": "medtek.inhouse.models.InhouseDevice.Status",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "medtek.core.schema.document_errors",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    # WeasyPrint logs each step of every document at INFO; its warnings still come through.
    "loggers": {"weasyprint.progress": {"level": "WARNING"}},
}
