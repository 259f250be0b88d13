"""Settings for the portal: configuration comes from environment variables only.

Every variable is listed in `.env.example`. They may also come from a `.env` file
at the project root (`make run` writes one for the local run); real environment
variables win. Unset variables give a local development setup: SQLite under var/,
an embedded (filesystem) Celery broker.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from celery.schedules import crontab

from portal.env import (
    ConfigError,
    env_bool,
    env_float,
    env_int,
    env_list,
    env_secret,
    env_str,
    load_env_file,
)

BASE_DIR = Path(__file__).resolve().parent.parent
load_env_file(BASE_DIR / ".env")
VAR_DIR = Path(env_str("PORTAL_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_secret("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ConfigError("SECRET_KEY must be set unless DEBUG=true")
    SECRET_KEY = "insecure-local-development-key-only"  # noqa: S105
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# Absolute address of the portal, used for links in emails.
PORTAL_BASE_URL = env_str("PORTAL_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    # The admin with the portal's site: staff only, a 404 for anyone else signed in.
    "portal.apps.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "csp",
    "uploads",
]

MIDDLEWARE = [
    # First: a body over the limit is refused before anything reads it.
    "portal.limits.RequestBodyLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Pages for a signed-in person (and the account pages) stay out of caches.
    "portal.middleware.PrivateCacheMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its lockout page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

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
                "uploads.context_processors.navigation",
            ],
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "portal.sqlite3",
            # The web server, worker and beat share the file: wait for locks.
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": (
            "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
        )
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# Login throttling (django-axes, rules in portal/logins.py), all counted over the
# cool-off window: a username at one address is locked after LOGIN_FAILURE_LIMIT
# failures; an address is locked for every username after LOGIN_FAILURES_PER_ADDRESS
# (password spraying); an account that failed LOGIN_FAILURES_PER_ACCOUNT times from
# all addresses together gives an address it never signed in from one try, while its
# usual addresses keep theirs (slowed, never locked out by someone else's failures).
LOGIN_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
LOGIN_FAILURES_PER_ADDRESS = env_int("LOGIN_FAILURES_PER_ADDRESS", 20, minimum=1)
LOGIN_FAILURES_PER_ACCOUNT = env_int("LOGIN_FAILURES_PER_ACCOUNT", 10, minimum=1)
AXES_FAILURE_LIMIT = "portal.logins.failure_limit"
AXES_COOLOFF_TIME = env_float("AXES_COOLOFF_HOURS", 0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The visitor's address: REMOTE_ADDR, or X-Forwarded-For when REMOTE_ADDR is one of
# FORWARDED_ALLOW_IPS (below). django-ipware is not used.
AXES_CLIENT_IP_CALLABLE = "portal.logins.client_ip"
# The name kept of a failed attempt, cut to a username's length (portal/logins.py).
AXES_USERNAME_CALLABLE = "portal.logins.axes_username"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Password throttling (django-ratelimit, counted in the shared cache below): reset
# links an hour per address typed and per account; wrong current passwords an hour
# per account on the change-password form.
PASSWORD_RESET_PER_HOUR = env_int("PASSWORD_RESET_PER_HOUR", 5, minimum=1)
PASSWORD_CHANGE_FAILURES_PER_HOUR = env_int(
    "PASSWORD_CHANGE_FAILURES_PER_HOUR", 5, minimum=1
)

# --- Sign-in with the organization's identity provider (OpenID Connect) --------
# Off unless OIDC_ISSUER (or OIDC_AUTHORIZATION_ENDPOINT) is set; uploads/auth_oidc.py
# and the README's "Sign in with your organization". Endpoints come from the
# issuer's discovery document unless set one by one.
OIDC_ISSUER = env_str("OIDC_ISSUER").rstrip("/")
OIDC_DISCOVERY_URL = env_str("OIDC_DISCOVERY_URL") or (
    f"{OIDC_ISSUER}/.well-known/openid-configuration" if OIDC_ISSUER else ""
)
OIDC_OP_AUTHORIZATION_ENDPOINT = env_str("OIDC_AUTHORIZATION_ENDPOINT")
OIDC_OP_TOKEN_ENDPOINT = env_str("OIDC_TOKEN_ENDPOINT")
OIDC_OP_USER_ENDPOINT = env_str("OIDC_USERINFO_ENDPOINT")
OIDC_OP_JWKS_ENDPOINT = env_str("OIDC_JWKS_ENDPOINT")
OIDC_OP_LOGOUT_ENDPOINT = env_str("OIDC_END_SESSION_ENDPOINT")
OIDC_ENABLED = bool(OIDC_ISSUER or OIDC_OP_AUTHORIZATION_ENDPOINT)
OIDC_RP_CLIENT_ID = env_str("OIDC_CLIENT_ID")
OIDC_RP_CLIENT_SECRET = env_secret("OIDC_CLIENT_SECRET")
OIDC_RP_SIGN_ALGO = env_str("OIDC_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = env_str("OIDC_SCOPES", "openid email profile")
OIDC_ORGANIZATION_NAME = env_str("OIDC_ORGANIZATION_NAME", "your organization")
OIDC_GROUPS_CLAIM = env_str("OIDC_GROUPS_CLAIM", "groups")
# Only for a provider that sends no email_verified claim but owns every address
# it vouches for (Microsoft Entra ID, a single organization's tenant).
OIDC_ASSUME_EMAIL_VERIFIED = env_bool("OIDC_ASSUME_EMAIL_VERIFIED", False)
OIDC_TIMEOUT = env_float("OIDC_TIMEOUT", 10.0, minimum=0.1)
OIDC_USE_PKCE = True
OIDC_USE_NONCE = True
# group=team:role, comma-separated: the teams those groups manage at each sign-in.
OIDC_TEAM_GROUPS: dict[str, list[tuple[str, str]]] = {}
for _entry in env_list("OIDC_TEAM_GROUPS", []):
    _group, _, _target = _entry.rpartition("=")
    _team, _, _role = _target.partition(":")
    if (
        not _group.strip()
        or not _team.strip()
        or _role.strip()
        not in (
            "viewer",
            "uploader",
            "manager",
        )
    ):
        raise ConfigError(
            f"OIDC_TEAM_GROUPS: {_entry!r} is not group=team:role with a role of "
            "viewer, uploader or manager"
        )
    OIDC_TEAM_GROUPS.setdefault(_group.strip(), []).append(
        (_team.strip(), _role.strip())
    )
if OIDC_ENABLED and not (OIDC_ISSUER and OIDC_RP_CLIENT_ID):
    raise ConfigError(
        "OpenID Connect needs OIDC_ISSUER (the ID token's iss is checked against "
        "it) and OIDC_CLIENT_ID"
    )
# Local passwords for staff only (the break-glass way in); everyone else signs in
# through the provider.
LOCAL_LOGIN_STAFF_ONLY = env_bool("LOCAL_LOGIN_STAFF_ONLY", False)
if LOCAL_LOGIN_STAFF_ONLY:
    AUTHENTICATION_BACKENDS[-1] = "uploads.auth_oidc.StaffOnlyModelBackend"
# Restores the sessions of people who signed in through the provider.
AUTHENTICATION_BACKENDS.append("uploads.auth_oidc.OIDCBackend")

# --- Cache ---------------------------------------------------------------------
# One cache shared by every process, so the throttles (password reset and change,
# the API's calls a minute) count across all gunicorn workers. A folder under var/
# serves the processes of one host; CACHE_URL=redis://... serves several hosts
# (and counts exactly: a folder may let a few concurrent calls slip past a limit).
CACHE_URL = env_str("CACHE_URL")
if CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
elif CACHE_URL:
    raise ConfigError(
        f"CACHE_URL={CACHE_URL!r} is not a redis:// or rediss:// address "
        "(leave it unset for a cache folder under PORTAL_VAR_DIR)"
    )
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
            # Room for many addresses' counters before the oldest third is culled.
            "OPTIONS": {"MAX_ENTRIES": 10_000},
        }
    }

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Original uploaded files live here, outside static and media URLs.
PRIVATE_STORAGE_DIR = Path(env_str("PRIVATE_STORAGE_DIR", str(VAR_DIR / "private")))

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# --- HTTPS -------------------------------------------------------------------
# With DEBUG off the portal is HTTPS only: plain HTTP is redirected, and browsers
# are told (HSTS) never to try it again. Each can be turned off for a setup that
# needs it. Behind a proxy that terminates TLS (the compose file's nginx), set
# BEHIND_TLS_PROXY=true: the proxy's X-Forwarded-Proto then says whether the
# visitor used HTTPS. The proxy must set it itself, never pass on a visitor's.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int(
    "SECURE_HSTS_SECONDS", 0 if DEBUG else 365 * 24 * 3600, minimum=0
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
# `preload` only makes the host eligible for the browsers' built-in HTTPS list;
# nothing is listed until someone submits the domain at hstspreload.org.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
# X-Forwarded-For names the visitor (login throttling) only on a connection from
# one of these addresses or networks ("*": any), the proxies in front; from anyone
# else the header is ignored, so a visitor cannot choose the address counted.
# gunicorn reads the same variable for the proxies it believes about the scheme.
FORWARDED_ALLOW_IPS = env_list("FORWARDED_ALLOW_IPS", [])
for _proxy in FORWARDED_ALLOW_IPS:
    try:
        if _proxy != "*":
            ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ConfigError(
            f"FORWARDED_ALLOW_IPS: {_proxy!r} is not an address or a network"
        ) from None
if env_bool("BEHIND_TLS_PROXY", False):
    if not FORWARDED_ALLOW_IPS:
        # Every visitor would then have the proxy's address, and five wrong
        # passwords from anyone would lock an account for everybody.
        raise ConfigError(
            "BEHIND_TLS_PROXY=true needs FORWARDED_ALLOW_IPS, the proxy's address "
            "(its X-Forwarded-For tells visitors apart)"
        )
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy (django-csp): scripts, styles, fonts and pictures come
# from the portal's own static files only; no inline script or style, no eval, no
# framing, forms post only to the portal. Tabler and Chart.js set styles from
# JavaScript (CSSOM), which a policy does not restrict.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
# Signing out sends the form's answer on to the provider's end-session page.
for _url in (OIDC_ISSUER, OIDC_OP_LOGOUT_ENDPOINT):
    if _url:
        _origin = "{0.scheme}://{0.netloc}".format(urlsplit(_url))
        CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"].append(_origin)

# A DEBUG error page hides every address (they may hold passwords), not only
# settings named like KEY or PASSWORD.
DEFAULT_EXCEPTION_REPORTER_FILTER = "portal.debug.PortalExceptionReporterFilter"

# --- AchieveIt ---------------------------------------------------------------
ACHIEVEIT_BASE_URL = env_str("ACHIEVEIT_BASE_URL", "https://api.achieveit.com")
ACHIEVEIT_API_KEY = env_secret("ACHIEVEIT_API_KEY")
ACHIEVEIT_CONNECT_TIMEOUT = env_float("ACHIEVEIT_CONNECT_TIMEOUT", 5.0, minimum=0.1)
ACHIEVEIT_READ_TIMEOUT = env_float("ACHIEVEIT_READ_TIMEOUT", 30.0, minimum=0.1)
# Where a metric update's job is polled. An assumption: the vendor's "Submitting
# Metric Updates" page shows the POST but not its status call, so the default is
# the progress status path by analogy; change it when AchieveIt documents another.
ACHIEVEIT_METRIC_STATUS_PATH = env_str(
    "ACHIEVEIT_METRIC_STATUS_PATH", "/api/metricupdates/status/{job_id}"
)
if not ACHIEVEIT_METRIC_STATUS_PATH.startswith("/") or (
    ACHIEVEIT_METRIC_STATUS_PATH.count("{job_id}") != 1
):
    raise ConfigError(
        "ACHIEVEIT_METRIC_STATUS_PATH must be a path starting with / that holds "
        "{job_id} once, e.g. /api/metricupdates/status/{job_id}"
    )
POINT_OF_CONTACT_EMAIL = env_str("POINT_OF_CONTACT_EMAIL")

# Submission and polling schedule (seconds).
SUBMIT_MAX_ATTEMPTS = env_int("SUBMIT_MAX_ATTEMPTS", 5, minimum=1)
# Backoff is computed by Celery's exponential helper, which works in whole seconds.
SUBMIT_RETRY_BASE = env_int("SUBMIT_RETRY_BASE", 5, minimum=0)
SUBMIT_RETRY_MAX = env_int("SUBMIT_RETRY_MAX", 300, minimum=0)
POLL_FIRST_DELAY = env_int("POLL_FIRST_DELAY", 2, minimum=1)
POLL_MAX_DELAY = env_int("POLL_MAX_DELAY", 300, minimum=1)
POLL_DEADLINE = env_float("POLL_DEADLINE", 24 * 3600.0, minimum=1.0)
# A 500 on a status poll may be a passing server error: ask again (with the normal
# backoff) this many times before taking it as AchieveIt's "failed" verdict.
STATUS_500_CONFIRMATIONS = env_int("STATUS_500_CONFIRMATIONS", 2, minimum=1)
SWEEP_INTERVAL = env_float("SWEEP_INTERVAL", 30.0, minimum=0.1)
# A queued upload that no worker took within this long is published again.
REQUEUE_AFTER = env_float("REQUEUE_AFTER", 30.0, minimum=0.0)
# ...but only when its task is lost: none was published (or the publish failed),
# the Redis broker restarted empty, or it was published this long ago and is this
# long overdue (a worker killed holding it). A task merely waiting behind a long
# queue is not published again (uploads/services/delivery.py _republish_overdue).
REPUBLISH_AFTER = env_float("REPUBLISH_AFTER", 300.0, minimum=0.0)
# The sweep has a queue of its own (every worker consumes it, see portal/celery.py),
# so it never waits behind a burst of uploads' tasks; one sweep at a time (a cache
# lock held at most this long).
SWEEP_QUEUE = env_str("SWEEP_QUEUE") or "sweep"

# Plans linked to a team (uploads/services/plans.py) and the read-back of uploads
# (uploads/services/readback.py), in seconds.
PLAN_SYNC_EVERY = env_float("PLAN_SYNC_EVERY", 24 * 3600.0, minimum=60.0)
# A sync of a big plan (100,000 items, 67 pages) outlasts a normal task's limit.
PLAN_SYNC_TIME_LIMIT = env_int("PLAN_SYNC_TIME_LIMIT", 900, minimum=30)
# How long after a POST AchieveIt's plans are read back, and when a read-back
# that still does not show the updates gives its verdict.
READBACK_AFTER = env_float("READBACK_AFTER", 300.0, minimum=0.0)
READBACK_GIVE_UP = env_float("READBACK_GIVE_UP", 3600.0, minimum=1.0)
# A team's plans are read back at most this often, whatever the sweep's pace.
READBACK_EVERY = env_float("READBACK_EVERY", 60.0, minimum=0.0)
# Beat sends the weekly reminders of stale items (uploads/services/reminders.py)
# once a day at this hour (UTC): each team's go out on its own weekday.
REMINDER_HOUR = env_int("REMINDER_HOUR", 7, minimum=0)

# A draft not sent within this many days is discarded by beat (its file is kept).
DRAFT_MAX_AGE_DAYS = env_int("DRAFT_MAX_AGE_DAYS", 7, minimum=1)

# CSV limits.
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 10_000_000, minimum=1)
UPLOAD_MAX_ROWS = env_int("UPLOAD_MAX_ROWS", 100_000, minimum=1)
# The largest request body: one file plus room for the form around it. Bigger
# bodies get a 413 from their Content-Length (portal.limits), and deploy/nginx.conf
# refuses them too (client_max_body_size: change both together).
REQUEST_BODY_MAX_BYTES = UPLOAD_MAX_BYTES + 1_000_000
# A file bigger than this is stored at once and checked by a worker, so no web
# worker is held by a big file (its page follows the check). 200 KB: 16 uploads of
# a 1 MB bad file, checked in requests (two at a time), held the login page's p99
# at 1.7 s; in the worker, 0.47 s (bench/bench_stall.py uploads, issue 20).
CHECK_IN_WORKER_BYTES = env_int("CHECK_IN_WORKER_BYTES", 200_000, minimum=0)
# Files being checked at once (the upload page and the script API, in a web thread
# or a worker): at most this many per person (per token for a script) and per
# team; one more is refused with a 429 (uploads/services/checks.py).
CHECKS_PER_PERSON = env_int("CHECKS_PER_PERSON", 2, minimum=1)
CHECKS_PER_TEAM = env_int("CHECKS_PER_TEAM", 4, minimum=1)
DATA_UPLOAD_MAX_MEMORY_SIZE = REQUEST_BODY_MAX_BYTES
# The limit handler comes first, so a file past UPLOAD_MAX_BYTES is stopped before
# Django's handlers keep it in memory or spool it to disk.
FILE_UPLOAD_HANDLERS = [
    "portal.limits.UploadLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# The script API (/api/): calls a minute one token may make before a 429.
API_RATE_LIMIT_PER_MINUTE = env_int("API_RATE_LIMIT_PER_MINUTE", 120, minimum=1)
# Calls a minute with an invalid token one address (portal.logins.client_ip) may
# make before its calls are a 429, whatever token they carry.
API_BAD_TOKENS_PER_MINUTE = env_int("API_BAD_TOKENS_PER_MINUTE", 20, minimum=1)

# The history export (/history/export.csv) holds a web thread while it streams:
# how many one person may download at once, how long a slot stays taken when its
# stream dies unnoticed (the lease), and the most events one file holds.
HISTORY_EXPORTS_PER_PERSON = env_int("HISTORY_EXPORTS_PER_PERSON", 2, minimum=1)
HISTORY_EXPORT_LEASE_SECONDS = env_int("HISTORY_EXPORT_LEASE_SECONDS", 300, minimum=1)
HISTORY_EXPORT_MAX_ROWS = env_int("HISTORY_EXPORT_MAX_ROWS", 100_000, minimum=1)
# Plan items files (mapping imports) one person may check an hour: each check
# tells which External IDs the organization already has.
MAPPING_CHECKS_PER_HOUR = env_int("MAPPING_CHECKS_PER_HOUR", 30, minimum=1)

# --- Celery --------------------------------------------------------------------
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
if not CELERY_BROKER_URL:
    # Embedded broker: kombu's filesystem transport needs no server, so a
    # machine with only Python runs the whole stack.
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_URL = "filesystem://localhost//"
    # The local run. The filesystem transport, made to notice a worker's stop at
    # once (portal/local_broker.py), and a pool of threads: a prefork pool's
    # threads and processes alone take 3-5 s to end, so a Ctrl-C on `make run`
    # outlasted honcho's 5 s. Threads enforce no task time limits; the sweep
    # still sends an upload stuck in `submitting` to review.
    CELERY_BROKER_TRANSPORT = "portal.local_broker:Transport"
    CELERY_WORKER_POOL = "threads"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "polling_interval": 0.1,
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
        # Where the worker's control messages go (kombu's default: ./control).
        "control_folder": str(_broker_dir / "control"),
    }
    for _folder in ("queue", "processed", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Both limits stay far below the broker's one-hour visibility timeout, so a
# running task is never handed to a second worker while the first still holds it.
CELERY_TASK_SOFT_TIME_LIMIT = (
    int(ACHIEVEIT_CONNECT_TIMEOUT + ACHIEVEIT_READ_TIMEOUT) + 10
)
CELERY_TASK_TIME_LIMIT = CELERY_TASK_SOFT_TIME_LIMIT + 10
# An upload left in `submitting` longer than a task may live had its worker die.
SUBMIT_STUCK_AFTER = float(CELERY_TASK_TIME_LIMIT + 5)
SWEEP_LOCK_SECONDS = CELERY_TASK_TIME_LIMIT + 5
CELERY_TASK_ROUTES = {"uploads.tasks.sweep": {"queue": SWEEP_QUEUE}}
# A person confirming while the broker is down must not wait: publish once,
# quickly, and let the sweep publish again later.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_PUBLISH_RETRY = False
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "sweep-uploads": {
        "task": "uploads.tasks.sweep",
        "schedule": SWEEP_INTERVAL,
        # A sweep not run within a few intervals is dropped, not run back to back.
        "options": {"expires": SWEEP_INTERVAL * 3 + 5},
    },
    "expire-drafts": {"task": "uploads.tasks.expire_drafts", "schedule": 3600.0},
    "sync-plans": {"task": "uploads.tasks.sync_plans", "schedule": PLAN_SYNC_EVERY},
    "send-reminders": {
        "task": "uploads.tasks.send_reminders",
        "schedule": crontab(minute=0, hour=REMINDER_HOUR % 24),
    },
}

# --- Email -------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND") or (
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend"
)
# Backends that keep mail on this machine (a log, a folder, memory, nowhere). With
# DEBUG off a password-reset link written there opens the account to anyone who
# reads it, so they need ALLOW_LOCAL_EMAIL=true as well (a test instance).
_LOCAL_EMAIL_BACKENDS = {
    f"django.core.mail.backends.{name}.EmailBackend"
    for name in ("console", "filebased", "locmem", "dummy")
}
if (
    not DEBUG
    and EMAIL_BACKEND in _LOCAL_EMAIL_BACKENDS
    and not env_bool("ALLOW_LOCAL_EMAIL", False)
):
    raise ConfigError(
        f"EMAIL_BACKEND={EMAIL_BACKEND} keeps mail on this machine, where "
        "password-reset links can be read: with DEBUG off use SMTP (EMAIL_HOST ...) "
        "or set ALLOW_LOCAL_EMAIL=true for an instance nobody relies on"
    )
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 10
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "portal@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # urllib3 logs request lines at DEBUG; keep it quiet whatever LOG_LEVEL says.
    "loggers": {
        "urllib3": {"level": "WARNING"},
        # django-axes announces itself at INFO in every process.
        "axes": {"level": "WARNING"},
        # At DEBUG the template engine logs the context of a failed lookup, which
        # on the tokens page holds a token just made: never below INFO.
        "django.template": {"level": "INFO"},
    },
}
