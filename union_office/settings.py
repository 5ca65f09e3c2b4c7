"""Settings for 工会办公管理系统, configured only from the environment (12-factor).

With nothing set, the app runs on SQLite with Celery in eager mode (the embedded default used by
`make run`). `DATABASE_URL` switches to PostgreSQL, `REDIS_URL` to a real broker and cache, and
`DJANGO_ENV=production` turns on the deployment hardening. Every variable is listed in
docs/settings.md. A bad value stops start-up with ImproperlyConfigured naming the variable; any
secret can also be read from a file named by `<VAR>_FILE` (Docker/Kubernetes secrets).
"""

import os
import re
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str | None = None) -> str | None:
    """Read NAME, or the contents of the file named by NAME_FILE."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE: cannot read {file_name!r}: {exc}") from exc
    value = os.environ.get(name)
    return default if value is None or value == "" else value


def env_bool(name: str, default: bool) -> bool:
    value = env_str(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_int(name: str, default: int) -> int:
    value = env_str(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    value = env_str(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DJANGO_ENV = env_str("DJANGO_ENV", "development")
if DJANGO_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(f"DJANGO_ENV must be development or production, not {DJANGO_ENV!r}")
PRODUCTION = DJANGO_ENV == "production"

# Off unless asked for, in development too: with DEBUG an unknown URL shows Django's page listing
# every URL pattern instead of our 404 page (docs/settings.md: `DJANGO_DEBUG=true make run`).
DEBUG = env_bool("DJANGO_DEBUG", False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DJANGO_DEBUG must be false when DJANGO_ENV=production")

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if SECRET_KEY is None:
    if PRODUCTION:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY (or DJANGO_SECRET_KEY_FILE) is required in production")
    SECRET_KEY = "dev-only-not-secret-union-office-key-do-not-use-in-production-0123456789"

# Encrypts personal data at rest (身份证号): see union_office/crypto.py. Losing it loses the ID numbers;
# keep it in the secret store beside the database backups, never in the same dump.
# FIELD_ENCRYPTION_KEYS (comma- or newline-separated) is the list for a key rotation: the first
# encrypts and hashes, every one decrypts (docs/backup.md "Rotating the field key"). One key may
# still be given as FIELD_ENCRYPTION_KEY; giving both is an error.
_field_keys = env_str("FIELD_ENCRYPTION_KEYS")
_field_key = env_str("FIELD_ENCRYPTION_KEY")
if _field_keys is not None and _field_key is not None:
    raise ImproperlyConfigured("Set FIELD_ENCRYPTION_KEYS or FIELD_ENCRYPTION_KEY, not both")
if _field_keys is not None:
    FIELD_ENCRYPTION_KEYS = [key for key in re.split(r"[,\s]+", _field_keys) if key]
    if not FIELD_ENCRYPTION_KEYS:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS names no key")
elif _field_key is not None:
    FIELD_ENCRYPTION_KEYS = [_field_key]
elif PRODUCTION:
    raise ImproperlyConfigured(
        "FIELD_ENCRYPTION_KEY (or FIELD_ENCRYPTION_KEYS, or their *_FILE) is required in production"
    )
else:
    FIELD_ENCRYPTION_KEYS = ["dev-only-field-key:" + SECRET_KEY]
if any(len(key) < 32 for key in FIELD_ENCRYPTION_KEYS):
    raise ImproperlyConfigured("Each FIELD_ENCRYPTION_KEYS key must be at least 32 characters of random text")
if len(set(FIELD_ENCRYPTION_KEYS)) != len(FIELD_ENCRYPTION_KEYS):
    raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS names a key twice")
# The current key: it encrypts and hashes. union_office/crypto.py reads the others from the list.
FIELD_ENCRYPTION_KEY = FIELD_ENCRYPTION_KEYS[0]

ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]", "testserver"]
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS is required in production (comma-separated host names)")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # Our own apps first so that their templates (login page, admin tweaks) win.
    "union_office",
    "members",
    "finance",
    "welfare",
    "activities",
    "congress",
    "plans",
    "yearend",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "django_htmx",
    "import_export",
    # The history of the rules a union sets (慰问标准, 经费使用规则): union_office/history.py.
    "simple_history",
    # Authentication hardening (docs/authentication.md): login lockout, TOTP two-factor.
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    # GET /health/ for load balancers and compose healthchecks (union_office/health.py).
    "health_check",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Permissions-Policy on every response: no camera, microphone, location, payment... (PERMISSIONS_POLICY).
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "union_office.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The client address and user agent of every audit entry written while serving the request.
    "union_office.audit.AuditContextMiddleware",
    # request.user.is_verified(): has this session passed the second factor?
    "django_otp.middleware.OTPMiddleware",
    # Every page needs a login unless its view says @login_not_required (login, language switch).
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After messages: says so when a background job could not be sent to a dead broker (jobs.py).
    "union_office.jobs.QueueNoticeMiddleware",
    # Idle and absolute session lifetime (after messages: the logout explains itself), then
    # 2FA enrolment/verification where required.
    "union_office.accounts.middleware.SessionTimeoutMiddleware",
    "union_office.accounts.middleware.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes requires: turns a locked-out login into the 429 page.
    "axes.middleware.AxesMiddleware",
    # A throttled view (django-ratelimit) answers with the 429 page, not a 403.
    "django_ratelimit.middleware.RatelimitMiddleware",
]

ROOT_URLCONF = "union_office.urls"
WSGI_APPLICATION = "union_office.wsgi.application"
ASGI_APPLICATION = "union_office.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "union_office.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# conn_health_checks: a PostgreSQL restart must not leave dead persistent connections behind.
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    try:
        DATABASES = {
            "default": dj_database_url.parse(
                DATABASE_URL,
                conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
                conn_health_checks=True,
            )
        }
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from exc
    # Behind PgBouncer in transaction pooling (several nodes, docs/scale.md) a server-side cursor
    # (.iterator()) may be fetched from on another server connection than the one that declared it:
    # turn them off there. Client-side cursors then hold a whole result in memory, so the workers
    # that export large rosters should connect to PostgreSQL directly, with this left off.
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env_bool("DATABASE_DISABLE_SERVER_SIDE_CURSORS", False)
else:
    (BASE_DIR / "var").mkdir(exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": BASE_DIR / "var" / "db.sqlite3",
            # SQLite serialises writers; wait instead of failing with "database is locked".
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Covering indexes (INCLUDE) are a PostgreSQL optimisation; the embedded SQLite default builds the
# same index without the extra columns, which is all a demo database needs.
SILENCED_SYSTEM_CHECKS = ["models.W040"] if not DATABASE_URL else []

# --- Cache, Celery ----------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    # Redis down is an empty cache, not a 500 (union_office/cache.py); sessions are in the database.
    CACHES = {
        "default": {
            "BACKEND": "union_office.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # Embedded default: no broker, tasks run in the request's process right away.
    CELERY_BROKER_URL = "memory://"
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 30 * 60)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "Asia/Shanghai"

# --- Celery queues (docs/scale.md) ---------------------------------------------------------------
# Two queues, so that a 100,000-row import or a 提案汇编 PDF never delays a reminder: "bulk" for the
# long jobs (imports, exports, PDFs, sweeps over every file), "default" for everything short
# (reminders, notifications, the requeue sweeps, beat's other ticks). docker-compose runs one worker
# per queue. A task not named here goes to "default"; union_office/tests/test_celery_queues.py fails
# when a route names a task that does not exist.
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "members.tasks.roster_export_task": {"queue": "bulk"},
    "members.tasks.roster_import_validate_task": {"queue": "bulk"},
    "members.tasks.roster_import_commit_task": {"queue": "bulk"},
    "members.tasks.roster_retention_cleanup_task": {"queue": "bulk"},
    "congress.tasks.compilation_task": {"queue": "bulk"},
}
# A worker process is replaced after this many tasks: WeasyPrint and openpyxl keep memory they
# never give back, so a long-lived process only grows. The bulk worker sets a lower figure itself.
CELERY_WORKER_MAX_TASKS_PER_CHILD = env_int("CELERY_WORKER_MAX_TASKS_PER_CHILD", 200)

# --- Notifications, reminders, email (docs/notifications.md) ---------------------------------
# The address links in emails start with (the URL users open the system at).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
# Seconds between two dispatcher runs (Celery beat, or the embedded thread).
REMINDERS_DISPATCH_INTERVAL = env_int("REMINDERS_DISPATCH_INTERVAL", 60)
# A claim older than this belongs to a run that died; it must exceed the time to send one message.
REMINDERS_CLAIM_TIMEOUT = env_int("REMINDERS_CLAIM_TIMEOUT", 300)
# The in-process dispatcher thread: "auto" runs it under `runserver` when there is no REDIS_URL
# (the embedded default); "true" also under gunicorn (one thread per worker process); "false" never.
REMINDERS_THREAD = env_str("REMINDERS_THREAD", "auto")
if REMINDERS_THREAD not in ("auto", "true", "false"):
    raise ImproperlyConfigured(f"REMINDERS_THREAD must be auto, true or false, not {REMINDERS_THREAD!r}")
# In development email goes to the console (the runserver/worker log) until EMAIL_HOST names an
# SMTP server; in production it always goes to SMTP (EMAIL_HOST, default localhost: the host's own
# relay), because a console backend there would drop reminders and password resets silently.
# Django 6.1's MAILERS replaces the EMAIL_* settings; the environment variables keep those names.
_email_host = env_str("EMAIL_HOST", "")
_email_use_tls = env_bool("EMAIL_USE_TLS", False)
_email_use_ssl = env_bool("EMAIL_USE_SSL", False)
if _email_use_tls and _email_use_ssl:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be true")
_email_backend = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if _email_host or PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
if _email_backend.endswith("smtp.EmailBackend"):
    _email_options = {
        "host": _email_host or "localhost",
        "port": env_int("EMAIL_PORT", 25),
        "username": env_str("EMAIL_HOST_USER", ""),
        "password": env_str("EMAIL_HOST_PASSWORD", ""),
        "use_tls": _email_use_tls,
        "use_ssl": _email_use_ssl,
        "timeout": env_int("EMAIL_TIMEOUT", 20),
    }
elif _email_backend.endswith("filebased.EmailBackend"):
    # Tests and demos: one file per connection in EMAIL_FILE_PATH.
    _email_options = {"file_path": env_str("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail"))}
else:
    _email_options = {}
MAILERS = {"default": {"BACKEND": _email_backend, "OPTIONS": _email_options}}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "工会办公管理系统 <noreply@localhost>")

# --- Authentication -----------------------------------------------------------------------------
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # zxcvbn (offline: its dictionaries of common passwords, names, words and keyboard patterns ship
    # with the package): a password must score at least this (0-4; 3 = "safely unguessable").
    {"NAME": "django_zxcvbn_password_validator.ZxcvbnPasswordValidator"},
]
PASSWORD_MINIMAL_STRENGTH = env_int("PASSWORD_MINIMAL_STRENGTH", 3)
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 60 * 60)  # one working day
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# union_office.accounts.middleware.SessionTimeoutMiddleware: logged out after this many seconds
# without a request, and in any case this long after logging in (docs/authentication.md).
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 30 * 60)
SESSION_ABSOLUTE_TIMEOUT = env_int("SESSION_ABSOLUTE_TIMEOUT", 12 * 60 * 60)
if SESSION_IDLE_TIMEOUT <= 0 or SESSION_ABSOLUTE_TIMEOUT <= 0:
    raise ImproperlyConfigured("SESSION_IDLE_TIMEOUT and SESSION_ABSOLUTE_TIMEOUT must be positive numbers of seconds")
# The server-side session must live at least as long as a login may.
SESSION_COOKIE_AGE = max(SESSION_COOKIE_AGE, SESSION_ABSOLUTE_TIMEOUT)
# Sessions are read from the cache (Redis in production) and written to it and to the database:
# every page saves a database query. With Redis down the cache answers "none" (union_office/cache.py)
# and the session is read from the database, so nobody is logged out (docs/performance.md).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# Brute-force protection (django-axes). Failures count per username *and* client address together,
# so a stranger guessing at one account behind the office NAT locks out neither the colleagues
# sharing that address nor the account's owner at another address.
AUTHENTICATION_BACKENDS = [
    # Axes' lockout check; skips authenticate() calls that come without a request (shell, scripts).
    "union_office.accounts.backends.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# A success does not wipe the failures: one address could otherwise try four passwords on every
# account, log into its own, and start again (issue 17, finding 5).
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_CALLABLE = "union_office.accounts.views.locked_out"
AXES_HTTP_RESPONSE_CODE = 429
# Behind nginx every request comes from the proxy: the client is the address the proxies appended to
# X-Forwarded-For, counted from the right (DJANGO_TRUSTED_PROXY_COUNT proxies of our own).
TRUSTED_PROXY_COUNT = env_int("DJANGO_TRUSTED_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "union_office.accounts.backends.client_ip"
# django-ratelimit on top (union_office/accounts/throttles.py): failed logins per address across
# usernames (spraying) and per username across addresses; reset emails; ID reveals and exports per
# user. "count/period", period s, m, h or d with a multiplier ("30/15m"). Its own cache alias, so
# the counters live in Redis in production and are cleared between tests.
THROTTLE_LOGIN_FAILURES_PER_ADDRESS = env_str("THROTTLE_LOGIN_FAILURES_PER_ADDRESS", "30/15m")
THROTTLE_LOGIN_FAILURES_PER_USERNAME = env_str("THROTTLE_LOGIN_FAILURES_PER_USERNAME", "10/15m")
THROTTLE_PASSWORD_RESET = env_str("THROTTLE_PASSWORD_RESET", "5/h")
THROTTLE_ID_REVEALS = env_str("THROTTLE_ID_REVEALS", "60/h")
THROTTLE_EXPORTS = env_str("THROTTLE_EXPORTS", "60/h")
RATELIMIT_USE_CACHE = "ratelimit"
RATELIMIT_VIEW = "union_office.accounts.views.rate_limited"
CACHES["ratelimit"] = {**CACHES["default"], "KEY_PREFIX": "rl", "LOCATION": CACHES["default"].get("LOCATION", "rl")}
# Redis down: the throttles let requests through (axes' database lockout still holds) rather than
# refuse every login.
RATELIMIT_FAIL_OPEN = True

# TOTP two-factor authentication (django-otp). Anyone may enrol with a one-time enrolment code; with
# TWO_FACTOR_REQUIRED the users that TWO_FACTOR_POLICY names (default: a grant of a role that reads
# full ID numbers, hardship files, aid applications or the ledger, anywhere) must, before any
# other page. On by default in production only, so `make run`'s demo logins work without a phone.
# Who reads members' phone numbers in full (members.view_phone); the rest see 138****5678.
PHONE_VISIBLE_ROLES = env_list("PHONE_VISIBLE_ROLES", ["chair", "committee"])
TWO_FACTOR_REQUIRED = env_bool("TWO_FACTOR_REQUIRED", PRODUCTION)
TWO_FACTOR_REQUIRED_ROLES = env_list("TWO_FACTOR_REQUIRED_ROLES", ["chair", "committee", "treasurer", "auditor"])
# Dotted path to f(user) -> bool; the kernel cannot import members, so the roles are asked by name.
TWO_FACTOR_POLICY = "members.twofactor.requires_two_factor"
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "工会办公管理系统")

# Password reset links (emailed; console backend unless EMAIL_HOST is set) stay valid this long.
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 2 * 60 * 60)
# The activation link emailed with a login created from the roster (members/logins.py): a member
# may read it days later, and it works once (setting the password spends it).
LOGIN_ACTIVATION_TIMEOUT = env_int("LOGIN_ACTIVATION_TIMEOUT", 7 * 24 * 60 * 60)

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files --------------------------------------------------------------
# Front-end libraries come from npm packages (package.json) and are served by the app itself:
# the system runs on intranets without internet, so nothing is loaded from a CDN.
STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT", str(BASE_DIR / "var" / "static")))
NODE_MODULES = Path(env_str("NODE_MODULES_DIR", str(BASE_DIR / "node_modules")))
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", NODE_MODULES / "bootstrap-icons" / "font"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/sortablejs", NODE_MODULES / "sortablejs"),
    ("vendor/chartjs", NODE_MODULES / "chart.js" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Welfare documents: their own alias (union_office/storage.py); object storage below.
    "private": {"BACKEND": "union_office.storage.PrivateFileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Uploads (aid documents, motion attachments) are private: never under STATIC_ROOT and never
# served by URL; views stream them after a permission check.
MEDIA_ROOT = Path(env_str("DJANGO_MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Welfare documents (低保证, 病历, 身份证 copies) live in their own root, apart from MEDIA_ROOT, so a
# misconfigured web server that publishes the media folder still cannot reach them.
PRIVATE_MEDIA_ROOT = Path(env_str("DJANGO_PRIVATE_MEDIA_ROOT", str(BASE_DIR / "var" / "private")))
# 公示 period of an aid decision, in days (objections may be raised until its last day).
WELFARE_NOTICE_DAYS = env_int("WELFARE_NOTICE_DAYS", 5)
WELFARE_UPLOAD_MAX_BYTES = env_int("WELFARE_UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- Object storage (docs/scale.md) -------------------------------------------------------------
# With S3_BUCKET set, uploads and generated files go to S3-compatible object storage (MinIO on an
# intranet) instead of the two local folders, so that every web node and worker sees the same files.
# Both aliases share the bucket under the prefixes media/ and private/ (or S3_PRIVATE_BUCKET). The
# bucket must not be public: the app streams every file after its access check.
S3_BUCKET = env_str("S3_BUCKET")
if S3_BUCKET:
    _s3_options = {
        "bucket_name": S3_BUCKET,
        "endpoint_url": env_str("S3_ENDPOINT_URL"),
        "access_key": env_str("S3_ACCESS_KEY_ID"),
        "secret_key": env_str("S3_SECRET_ACCESS_KEY"),
        "region_name": env_str("S3_REGION", "us-east-1"),
        # MinIO and most intranet servers answer on one host name, not one per bucket.
        "addressing_style": env_str("S3_ADDRESSING_STYLE", "path"),
        "signature_version": "s3v4",
        "default_acl": None,
        # Never overwrite: two nodes saving "花名册.xlsx" at once each get their own object.
        "file_overwrite": False,
    }
    if env_str("S3_ENDPOINT_URL") is None and env_str("S3_REGION") is None:
        raise ImproperlyConfigured("S3_BUCKET is set: set S3_ENDPOINT_URL (MinIO) or S3_REGION (AWS) too")
    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {**_s3_options, "location": "media"}}
    STORAGES["private"] = {
        "BACKEND": "union_office.storage.PrivateS3Storage",
        "OPTIONS": {**_s3_options, "bucket_name": env_str("S3_PRIVATE_BUCKET", S3_BUCKET), "location": "private"},
    }

# Outside production, serve straight from the finders (no collectstatic step for `make run`).
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = not PRODUCTION

# --- Exports (issue 23) ------------------------------------------------------------------------------
# Rows one .xlsx sheet may hold (Excel's limit); a longer report goes on over further sheets. Tests
# set a small figure to exercise that without writing a million rows.
XLSX_MAX_ROWS_PER_SHEET = env_int("XLSX_MAX_ROWS_PER_SHEET", 1_048_576)
if not 10 <= XLSX_MAX_ROWS_PER_SHEET <= 1_048_576:
    raise ImproperlyConfigured("XLSX_MAX_ROWS_PER_SHEET must be between 10 and 1048576")

# --- Finance --------------------------------------------------------------------------------
# A payout with no budget line or over its remainder: "block" refuses it, "warn" books it and warns.
FINANCE_BUDGET_CHECK = env_str("FINANCE_BUDGET_CHECK", "block")
if FINANCE_BUDGET_CHECK not in ("block", "warn"):
    raise ImproperlyConfigured(f"FINANCE_BUDGET_CHECK must be block or warn, not {FINANCE_BUDGET_CHECK!r}")

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Security headers -----------------------------------------------------------------------
# Content Security Policy: only our own files; inline <script>/<style> need the per-request nonce.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
X_FRAME_OPTIONS = "DENY"
# The browser features no page of ours uses are switched off for every page and frame.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True

if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    # Behind a TLS-terminating proxy (nginx in front of gunicorn) that sets X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # The healthchecks ask each node directly over plain HTTP, not through the TLS proxy.
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]
    SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 365 * 24 * 60 * 60)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"expected_client_errors": {"()": "union_office.logs.ExpectedClientErrors"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["expected_client_errors"]}
    },
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own console handler (DEBUG only) printed every record a second time beside ours.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        # WeasyPrint logs every fetched file and layout step at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # "AXES: BEGIN version …" on every start and every management command.
        "axes.apps": {"level": "WARNING"},
    },
}
