"""Settings, read from environment variables.

Two modes (TANDEM_MODE):
- ``demo`` (default): the embedded set-up — SQLite in ./data, tasks run immediately,
  e-mail printed to the console, a fixed development secret key.
- ``production``: TANDEM_SECRET_KEY and TANDEM_ALLOWED_HOSTS are required, cookies are
  secure, HTTPS is enforced; ``tandem check --deploy`` reports nothing.
"""

from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from tandem.conf import envbool, envchoice, envint, envlist, envstr

BASE_DIR = Path(__file__).resolve().parent.parent
MODE = envchoice("TANDEM_MODE", "demo", ("demo", "production"))
PRODUCTION = MODE == "production"
# Off everywhere unless a developer turns it on (TANDEM_DEBUG=1, README): the demo shows
# the Russian 404/403/500 pages, never Django's English debug page; WhiteNoise serves the
# static files either way.
DEBUG = envbool("TANDEM_DEBUG", False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("TANDEM_DEBUG cannot be on in production mode")

DATA_DIR = Path(envstr("TANDEM_DATA_DIR") or BASE_DIR / "data")

SECRET_KEY = envstr("TANDEM_SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured(
            "TANDEM_SECRET_KEY is required in production mode "
            "(50+ random characters: "
            "`python -c 'import secrets; print(secrets.token_urlsafe(64))'`)"
        )
    SECRET_KEY = "django-insecure-tandem-demo-only-never-use-this-key-in-production"  # noqa: S105

ALLOWED_HOSTS = envlist(
    "TANDEM_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]", "testserver"]
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("TANDEM_ALLOWED_HOSTS is required in production mode")
CSRF_TRUSTED_ORIGINS = envlist("TANDEM_CSRF_TRUSTED_ORIGINS", [])
# How many reverse proxies (nginx, a balancer) stand in front of the app and append to
# X-Forwarded-For; 0 means clients connect directly and the header is ignored.
TANDEM_PROXY_COUNT = envint("TANDEM_PROXY_COUNT", 0, minimum=0)

INSTALLED_APPS = [
    "tandem.web",  # first, so that its templates (log-in, password reset) win over admin's
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "django_htmx",
    # Third-party apps under Russian names in the admin (tandem/web/vendor_apps.py).
    "tandem.web.vendor_apps.AuditlogRussian",
    "tandem.web.vendor_apps.AxesRussian",
    "tandem.web.vendor_apps.TasksRussian",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served by us: no CDN in schools
    "tandem.accounts",
    "tandem.territory",
    "tandem.people",
    "tandem.notifications",
    "tandem.access",
    "tandem.directory",
    "tandem.diagnostics",
    "tandem.pairs",
    "tandem.resources",
    "tandem.maps",
    "tandem.roster",
    "tandem.api",
    "tandem.surveys",
    "tandem.reminders",
    "tandem.monitoring",
    "tandem.programmes",
    "tandem.school",
    "tandem.training",
    "tandem.demo",
    "tandem.home",
    # Last: its ready() follows every app's audited models (tandem/audit/deletes.py).
    "tandem.audit",
]

MIDDLEWARE = [
    "tandem.web.middleware.ClientAddressMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tandem.access.middleware.TimeZoneMiddleware",
    # Every page needs a log-in unless its view is marked @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    # Axes must come last: it turns a lock-out into the lock-out response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tandem.urls"
FORM_RENDERER = "tandem.web.forms.FormRenderer"
WSGI_APPLICATION = "tandem.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "tandem.home.context_processors.navigation",
                "tandem.notifications.context_processors.bell",
            ],
        },
    },
]

_default_db = f"sqlite:///{DATA_DIR / 'tandem.sqlite3'}"
# Persistent connections in both modes (a demo stand under gunicorn too): a new PostgreSQL
# connection per request costs more than many of the pages' queries. Checked before reuse.
_CONN_MAX_AGE = envint("TANDEM_DB_CONN_MAX_AGE", 60, minimum=0)
# PostgreSQL settings of every session of the application (docs/deploy.md «Настройки
# PostgreSQL»), sent once per connection in the start-up packet (libpq ``options``): no
# JIT — the monitoring aggregates over millions of answers are costed high enough to be
# compiled, and the compilation takes longer than the query; work_mem for their hashes and
# sorts (the default 4MB spills them to disk). «off»: send nothing (a pgbouncer that
# refuses start-up options; then ALTER DATABASE … SET, as the docs say).
_PG_SESSION = envstr("TANDEM_DB_SESSION_OPTIONS", "-c jit=off -c work_mem=32MB")
if _PG_SESSION.lower() == "off":
    _PG_SESSION = ""


def _postgresql_options(db: Any) -> None:  # dj_database_url.DBConfig
    options = db.setdefault("OPTIONS", {})
    # A database that hangs must not hang the health check and every worker with it.
    options.setdefault("connect_timeout", 5)
    if _PG_SESSION and "options" not in options:  # ``?options=…`` in the URL wins
        options["options"] = _PG_SESSION


DATABASES = {
    "default": dj_database_url.parse(
        envstr("DATABASE_URL", _default_db) or _default_db,
        conn_max_age=_CONN_MAX_AGE,
        conn_health_checks=_CONN_MAX_AGE > 0,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    _postgresql_options(DATABASES["default"])
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded set-up must start on a fresh clone: make the data folder on first use.
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        # WAL lets the page being served read while a task writes.
        # IMMEDIATE: a transaction takes the write lock when it begins, so one that read
        # first and writes later waits (timeout) instead of failing at once with
        # "database is locked" when another request writes at the same time.
        {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", "timeout": 20,
         "transaction_mode": "IMMEDIATE"}
    )

# A streaming replica of the same PostgreSQL cluster (docs/deploy.md, «Размеры: одна
# машина, резерв и реплики»): reports and exports read from it inside
# tandem.web.dbrouter.reading_from_replica(); every other read and every write stays on
# default. Unset: no second alias, no router.
_replica_url = envstr("DATABASE_REPLICA_URL")
if _replica_url:
    DATABASES["replica"] = dj_database_url.parse(
        _replica_url,
        conn_max_age=_CONN_MAX_AGE,
        conn_health_checks=_CONN_MAX_AGE > 0,
    )
    if {DATABASES["default"]["ENGINE"], DATABASES["replica"]["ENGINE"]} != {
            "django.db.backends.postgresql"}:
        raise ImproperlyConfigured(
            "DATABASE_REPLICA_URL needs PostgreSQL in both DATABASE_URL and "
            "DATABASE_REPLICA_URL (a streaming replica of the same cluster)")
    _postgresql_options(DATABASES["replica"])
    # Under the tests the replica streams the primary's whole cluster, so the test database
    # created on the primary appears on it under the same name. A mirror is exactly that:
    # Django copies only NAME; the replica's host and port stay its own.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["tandem.web.dbrouter.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The monitoring aggregates (tandem.monitoring.selectors) and the staff overview
# (tandem.home.selectors) are cached. Production runs several app servers and task workers
# against one database: they must share the cache, so it lives in tables of that database
# (created by `createcachetable` — the monitoring migrations 0001 and 0008 call it during
# `migrate`). The entries that name people (the overview: its reminders panel, a staff
# member's own part) have a cache of their own, "personal" (tandem/web/personal_cache.py):
# a full table drops the third with the smallest keys, and in one table the dashboards'
# (":1:monitoring:…") went first when a thousand curators' own entries filled it; an
# anonymisation deletes them. The embedded demo and the tests keep Django's per-process
# memory cache.
CACHE_TABLE = "tandem_cache"
PERSONAL_CACHE_TABLE = "tandem_cache_personal"
_DATABASE_CACHE = envbool("TANDEM_DATABASE_CACHE", PRODUCTION)


def _cache(table: str, memory: str, max_entries: int) -> dict[str, object]:
    if _DATABASE_CACHE:
        return {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": table,
                "OPTIONS": {"MAX_ENTRIES": max_entries}}
    return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": memory}


# The personal table: the overview's staff part per set of units and a staff member's own
# part per user, each entry left behind by a new data version until culled. The warm-up
# writes one staff part per unit whose dashboard it computes (home.selectors.warm_overview:
# a full one — tasks.warm_every_unit — 58 on t300k, a region and its 57 municipalities:
# 290 for a country of five such regions; the hourly run and the logins add each viewed
# organization's), so it must hold an entry per unit the shared table holds warmed (a third
# of CACHE_ENTRIES: a unit's entry, pointer and mark), one more for the version before
# (alive till it expires, WARM_SECONDS), and the users' own parts: as many entries as the
# shared table. At 5,000 the hourly run warming the ~6,600 units the shared table makes
# room for culled a third of its own entries at each write, at random (the keys are
# hashes; issue #16, h/cachekeys).
# The shared table: the dashboards warmed every hour — each region, municipality and
# organization viewed in a day (a federal installation: ~2,700 municipalities, of ~30,000
# organizations those whose curators looked: room for ~3,800 at the default, more needs a
# larger TANDEM_CACHE_ENTRIES; docs/deploy.md 8.2), each one's newest entry and a pointer
# to it (a new one removes the one before), their 24-hour «viewed» marks, chart images. A
# full table drops the third with the smallest keys at every write (data
# ":1:monitoring:<hex>" before the marks ":1:monitoring:viewed:…"), so it must hold about
# three entries per viewed unit, or the hourly run throws its own work away (review of
# h/coordfirst: 2,000 kept 248 of 2,790 warmed at the country's size).
CACHE_ENTRIES = envint("TANDEM_CACHE_ENTRIES", 20_000, minimum=300)
PERSONAL_CACHE_ENTRIES = envint("TANDEM_PERSONAL_CACHE_ENTRIES", CACHE_ENTRIES, minimum=300)
CACHES = {"default": _cache(CACHE_TABLE, "tandem", CACHE_ENTRIES),
          "personal": _cache(PERSONAL_CACHE_TABLE, "tandem-personal", PERSONAL_CACHE_ENTRIES)}

AUTH_USER_MODEL = "accounts.User"

# Argon2 first: new and re-saved passwords are hashed with it — Argon2id at 46 MiB, one hash
# at a time per process, not Django's 100 MiB for each log-in in flight, which the worker
# took on top of its own (tandem/accounts/hashers.py). Hashes made with other parameters
# still verify and are re-hashed at the next log-in.
PASSWORD_HASHERS = [
    "tandem.accounts.hashers.BoundedArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# Repeated failed log-ins: five tries per user name and address, then a 15-minute pause.
AXES_FAILURE_LIMIT = envint("TANDEM_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = 0.25
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", "Русский")]
LOCALE_PATHS = [BASE_DIR / "tandem" / "locale"]
TIME_ZONE = envstr("TANDEM_TIME_ZONE", "Asia/Yekaterinburg")
# The installation's zone (Tyumen: UTC+5): the default of a new region's own zone
# (Region.time_zone, tandem/territory/zones.py), and the zone of users with no region.
# tandem.access.middleware.TimeZoneMiddleware activates the user's zone for each request.
TANDEM_TIME_ZONE = TIME_ZONE
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# collectstatic's target; WhiteNoise serves it in production. In the demo WhiteNoise
# serves straight from the apps' static folders (WHITENOISE_USE_FINDERS).
STATIC_ROOT = (Path(envstr("TANDEM_STATIC_ROOT") or BASE_DIR / "staticfiles")
               if PRODUCTION or envstr("TANDEM_STATIC_ROOT") else None)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
MEDIA_ROOT = DATA_DIR / "media"
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Neither setting above caps a file upload: this handler refuses a larger body while it
# streams in (tandem/web/uploads.py); the largest form (school materials) takes 20 MB.
UPLOAD_MAX_MB = 20
FILE_UPLOAD_HANDLERS = [
    "tandem.web.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# Tasks: run at once in the embedded set-up, through a database queue in production,
# where any number of `tandem db_worker` processes share one PostgreSQL.
_TASK_BACKENDS = {
    "immediate": "django.tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}
TASKS = {
    "default": {
        "BACKEND": _TASK_BACKENDS[
            envchoice("TANDEM_TASKS", "database" if PRODUCTION else "immediate",
                      tuple(_TASK_BACKENDS))
        ]
    }
}

# E-mail through Django 6.1's MAILERS: printed to the console in the demo, SMTP in production.
_MAIL_KIND = envchoice("TANDEM_EMAIL_BACKEND", "smtp" if PRODUCTION else "console",
                       ("console", "smtp", "file"))
if _MAIL_KIND == "smtp":
    _MAILER = {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": envstr("TANDEM_EMAIL_HOST", "localhost"),
            "port": envint("TANDEM_EMAIL_PORT", 25, minimum=1),
            "username": envstr("TANDEM_EMAIL_USER"),
            "password": envstr("TANDEM_EMAIL_PASSWORD"),
            "use_tls": envbool("TANDEM_EMAIL_USE_TLS", False),
            "timeout": 20,
        },
    }
elif _MAIL_KIND == "file":
    _MAILER = {"BACKEND": "django.core.mail.backends.filebased.EmailBackend",
               "OPTIONS": {"file_path": str(DATA_DIR / "mail")}}
else:
    _MAILER = {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
MAILERS = {"default": _MAILER}
DEFAULT_FROM_EMAIL = envstr("TANDEM_FROM_EMAIL", "tandem@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Security headers. CSP is on in every mode, so a page that needs an inline script
# fails in development rather than in a school.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 12
if PRODUCTION:
    SECURE_SSL_REDIRECT = envbool("TANDEM_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # A balancer checks /health/ over plain HTTP on the app's own port.
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]
    SECURE_HSTS_SECONDS = envint("TANDEM_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = envbool("TANDEM_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("TANDEM_LOG_LEVEL", "WARNING")},
}

# REST API v1 (docs/api.md): a key or a session; scoped like the pages.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tandem.api.auth.TokenAuthentication",  # first: a missing key is a 401
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "tandem.api.pagination.Pages",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "tandem.api.errors.handler",
    # Rate limits (docs/security.md): counted in the default cache, which in production is
    # the database table shared by every process. The reset form uses the same mechanism.
    "DEFAULT_THROTTLE_CLASSES": ["tandem.api.throttling.AnonThrottle",
                                 "tandem.api.throttling.UserThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "anon": envstr("TANDEM_RATE_API_ANON", "300/minute"),
        "user": envstr("TANDEM_RATE_API_USER", "3000/minute"),
        # Password-reset letters: per client address and per e-mail address.
        "password_reset": envstr("TANDEM_RATE_PASSWORD_RESET", "10/hour"),
        "password_reset_email": envstr("TANDEM_RATE_PASSWORD_RESET_EMAIL", "3/hour"),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Тандем API",
    "DESCRIPTION": "REST API платформы реверсивного наставничества (docs/api.md).",
    "VERSION": "1.0.0",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "tandem.api.schema.add_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "CampaignKindEnum": "tandem.diagnostics.models.Campaign.Kind",
        "MunicipalityKindEnum": "tandem.territory.models.Municipality.Kind",
        "ResourceKindEnum": "tandem.resources.models.Kind",
    },
}

AUDITLOG_INCLUDE_ALL_MODELS = False
AUDITLOG_DISABLE_REMOTE_ADDR = False

# Demo password for the seeded demo region; printed by `tandem seed-demo`.
TANDEM_DEMO_PASSWORD = envstr("TANDEM_DEMO_PASSWORD", "tandem-demo-2026")

# Surveys and reminders (docs/surveys.md, docs/deploy.md): the address links in scheduled
# e-mails point to (no request to take it from).
TANDEM_BASE_URL = envstr("TANDEM_BASE_URL", "http://127.0.0.1:8000")
# When a running pair needs its curator (docs/rules.md; tandem/core/attention.py): one
# setting each, read by the dashboard and the reminders alike. A quiet pair: no meeting
# held for this many weeks (the old name TANDEM_REMINDER_NO_MEETING_WEEKS still works).
# A map not agreed: still a draft this many days after the pair began working.
TANDEM_NO_MEETING_WEEKS = envint(
    "TANDEM_NO_MEETING_WEEKS", envint("TANDEM_REMINDER_NO_MEETING_WEEKS", 5, minimum=1),
    minimum=1)
TANDEM_MAP_AGREE_DAYS = envint("TANDEM_MAP_AGREE_DAYS", 14, minimum=1)
# The hours of a region's own day (its Region.time_zone) in which its surveys and reminders
# go out: from FROM:00 up to UNTIL:00 (tandem/reminders/tasks.py; the run is hourly).
TANDEM_REMINDERS_FROM_HOUR = envint("TANDEM_REMINDERS_FROM_HOUR", 8, minimum=0)
TANDEM_REMINDERS_UNTIL_HOUR = envint("TANDEM_REMINDERS_UNTIL_HOUR", 20, minimum=1)
if not TANDEM_REMINDERS_FROM_HOUR < TANDEM_REMINDERS_UNTIL_HOUR <= 24:
    raise ImproperlyConfigured(
        "TANDEM_REMINDERS_FROM_HOUR must be below TANDEM_REMINDERS_UNTIL_HOUR, which is at "
        f"most 24, not {TANDEM_REMINDERS_FROM_HOUR} and {TANDEM_REMINDERS_UNTIL_HOUR}")
# A finished map, a closed diagnostic and a revoked certificate may be reopened by the
# curator (with a reason, audited) for this many days (tandem/web/confirm.py).
TANDEM_REOPEN_DAYS = envint("TANDEM_REOPEN_DAYS", 30, minimum=1)

# Long jobs (roster checks and commits, matching runs) beat while they work; one silent
# for this long was abandoned (its worker killed) and is marked failed-and-retryable
# (tandem/web/jobs.py, docs/deploy.md «Сбои и восстановление»).
TANDEM_JOB_LEASE_SECONDS = envint("TANDEM_JOB_LEASE_SECONDS", 120, minimum=10)
# E-mail: a failed send is tried again this many times, after 1, 2, 4 … minutes.
TANDEM_EMAIL_RETRIES = envint("TANDEM_EMAIL_RETRIES", 5, minimum=0)
