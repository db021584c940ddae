"""Carnet's settings, read from the environment (see README and .env.example)."""

import datetime
import importlib.util
import os
import zoneinfo
from pathlib import Path

import dj_database_url
import phonenumbers
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from dotenv import load_dotenv
from js_asset import static_lazy

from campaigns.editor import allow_email_blocks
from crm.lib.env import env_bool, env_float, env_int, env_list, env_secret, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
# A .env file beside manage.py fills in what the real environment leaves unset.
load_dotenv(BASE_DIR / ".env", override=False)
VAR_DIR = Path(env_str("VAR_DIR") or BASE_DIR / "var")
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_secret("SECRET_KEY", VAR_DIR / "secret_key")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "crm.apps.CarnetAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "anymail",
    "django_prose_editor",
    "crm",
    "contacts",
    "campaigns",
    "audience",
    "news",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",  # Content-Security-Policy, below
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "crm.middleware.chosen_language",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified(): two-step login
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it answers a locked-out login with the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "crm.urls"
WSGI_APPLICATION = "crm.wsgi.application"

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
            ],
        },
    },
]


def _database(url: str) -> dict:
    if not url:
        url = f"sqlite:///{VAR_DIR / 'carnet.sqlite3'}"
    try:
        config = dj_database_url.parse(url, conn_max_age=600, conn_health_checks=True)
    except ValueError as e:
        raise ImproperlyConfigured(f"DATABASE_URL cannot be used: {e}") from e
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # Web, worker and beat share the file: WAL lets readers run beside one writer,
        # and IMMEDIATE transactions queue writers instead of failing with "locked".
        config["CONN_MAX_AGE"] = 0
        # A file, not memory, so that the Celery workers that tests start see it too.
        config["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    return config


DATABASES = {"default": _database(env_str("DATABASE_URL"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "carnet",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": VAR_DIR / "cache",
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}"}
    for name in (
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    )
]

# Login throttling (README, "Signing in"): after LOGIN_FAILURE_LIMIT wrong passwords for one
# username from one address, that pair may not log in for LOGIN_COOLOFF_MINUTES, even with
# the right password. Behind TRUSTED_PROXY_COUNT reverse proxies the address is read from
# X-Forwarded-For (crm/security.py); with none, the header is ignored: anyone can forge it.
AUTHENTICATION_BACKENDS = [
    "crm.security.LoginThrottle",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_FAILURE_LIMIT = max(1, env_int("LOGIN_FAILURE_LIMIT", 5))
LOGIN_COOLOFF_MINUTES = max(1, env_int("LOGIN_COOLOFF_MINUTES", 15))
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = datetime.timedelta(minutes=LOGIN_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Tries made while locked out do not push the end of the lockout back: the page's time holds.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "crm.security.client_ip"
AXES_LOCKOUT_CALLABLE = "crm.security.lockout_page"
# Only the failures are kept, and only until their cool-off ends; no log of every login.
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ADMIN = False
# No "AXES: BEGIN …" banner on every start: management commands print one line of output.
AXES_VERBOSE = False
# Two-step login (crm/security.py): the name authenticator apps show beside the code.
OTP_TOTP_ISSUER = "Carnet"

LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LANGUAGE_CODE = env_str("LANGUAGE_CODE", "fr")
if LANGUAGE_CODE not in dict(LANGUAGES):
    raise ImproperlyConfigured(f"LANGUAGE_CODE must be one of fr, en, not {LANGUAGE_CODE!r}")
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Europe/Paris")
if TIME_ZONE not in zoneinfo.available_timezones():
    raise ImproperlyConfigured(f"TIME_ZONE is not a known time zone: {TIME_ZONE!r}")
USE_I18N = True
USE_TZ = True
PHONE_REGION = env_str("PHONE_REGION", "FR").upper()
if PHONE_REGION not in phonenumbers.SUPPORTED_REGIONS:
    raise ImproperlyConfigured(
        f"PHONE_REGION must be a two-letter region such as FR, not {PHONE_REGION!r}"
    )
IMPORT_MAX_MB = env_int("IMPORT_MAX_MB", 50)
# A running import renews its lease while its process lives; once the lease has run out
# the beat resumes it, and fails it after IMPORT_MAX_ATTEMPTS runs (contacts.importing.lease).
IMPORT_LEASE_SECONDS = max(3, env_int("IMPORT_LEASE_SECONDS", 60))
IMPORT_MAX_ATTEMPTS = max(1, env_int("IMPORT_MAX_ATTEMPTS", 3))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns at start-up when it is missing
# Uploaded files (the business logo), kept beside the database.
MEDIA_URL = "media/"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Deployment switches, under Django's own names; off by default so that a fresh
# checkout runs on http://127.0.0.1, on in production (see README).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", False)
CSRF_FAILURE_VIEW = "crm.errors.csrf_failure"  # the 403 page, in French
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy of every page (django-csp; docs/RELIABILITY.md, "Content-Security-
# Policy"). Scripts come from Carnet's own static files, or carry the request's nonce (the
# editor's import map); no inline handler, no eval. Styles likewise: no style="" anywhere.
# A view that answers with a stricter policy of its own (the error pages) keeps it.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        # Django's admin change list writes one inline <style> when a user has no action
        # (admin/change_list.html); allowed by its hash, which a test checks against Django.
        "style-src": [SELF, NONCE, "'sha256-blvLUW3UscWqsXGByNOqdBboM+ShWAuugp2mC/wbafU='"],
        "img-src": [SELF, "https:", "data:"],  # a campaign's images, in the editor and news
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# The public news page runs no script at all: its own files, and the campaigns' images from
# anywhere (their inline styles are removed by the sanitizer).
NEWS_PAGE_POLICY = {
    "default-src": [NONE],
    "style-src": [SELF],
    "img-src": [SELF, "https:", "data:"],
    "base-uri": [NONE],
    "form-action": [NONE],
    "frame-ancestors": [NONE],
}
# An email shown in a sandboxed frame (preview, outage notice, invitation): no script at all,
# its own inline styles (an email's CSS is in style="" attributes), images from anywhere as
# in a mail client, framed by Carnet's own pages only.
MESSAGE_FRAME_POLICY = {
    "default-src": [NONE],
    "style-src": [UNSAFE_INLINE],
    "img-src": ["http:", "https:", "data:"],
    "base-uri": [NONE],
    "form-action": [NONE],
    "frame-ancestors": [SELF],
    "sandbox": [True],
}

DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Carnet <carnet@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)

ANYMAIL_ESP = env_str("ANYMAIL_ESP").lower()
if ANYMAIL_ESP:
    if importlib.util.find_spec(f"anymail.backends.{ANYMAIL_ESP}") is None:
        raise ImproperlyConfigured(f"ANYMAIL_ESP names no django-anymail backend: {ANYMAIL_ESP!r}")
    EMAIL_BACKEND = f"anymail.backends.{ANYMAIL_ESP}.EmailBackend"
# Every ANYMAIL_<NAME> variable becomes anymail's <NAME> setting (MAILGUN_API_KEY…).
ANYMAIL = {
    name.removeprefix("ANYMAIL_"): value
    for name, value in os.environ.items()
    if name.startswith("ANYMAIL_") and name != "ANYMAIL_ESP"
}
WEBHOOK_MAX_AGE_SECONDS = max(1, env_int("WEBHOOK_MAX_AGE_SECONDS", 300))  # webhooks.py

CELERY_BROKER_URL = REDIS_URL or "filesystem://"
if not REDIS_URL:
    # The embedded broker: messages are files under var/, so a fresh checkout needs no
    # server. One folder serves as inbox and outbox because every process is local.
    _broker_dir = VAR_DIR / "broker"
    _broker_dir.mkdir(exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "control_folder": str(_broker_dir / "control"),
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None  # Redis down for hours: the worker waits, never exits
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Sending campaigns (README, "Sending"). The beat tick starts due campaigns, takes back
# expired leases and restarts stalled sending; 15 s at most, as the campaigns promise.
CAMPAIGN_TICK_SECONDS = env_int("CAMPAIGN_TICK_SECONDS", 15)
if not 1 <= CAMPAIGN_TICK_SECONDS <= 15:
    raise ImproperlyConfigured("CAMPAIGN_TICK_SECONDS must be between 1 and 15")
CAMPAIGN_BATCH_SIZE = max(1, env_int("CAMPAIGN_BATCH_SIZE", 1000))
CAMPAIGN_PARALLEL_BATCHES = max(1, env_int("CAMPAIGN_PARALLEL_BATCHES", 2))
CAMPAIGN_LEASE_SECONDS = max(10, env_int("CAMPAIGN_LEASE_SECONDS", 40))  # renewed by a live worker
CAMPAIGN_HANDOVER_GROUP = max(1, env_int("CAMPAIGN_HANDOVER_GROUP", 8))
CAMPAIGN_MAX_ATTEMPTS = max(1, env_int("CAMPAIGN_MAX_ATTEMPTS", 5))
CAMPAIGN_RETRY_SECONDS = env_int("CAMPAIGN_RETRY_SECONDS", 60)
SEND_RATE_PER_SECOND = env_int("SEND_RATE_PER_SECOND", 0)
SEND_RATE_PER_HOUR = env_int("SEND_RATE_PER_HOUR", 0)
CAMPAIGN_PAUSE_COMPLAINT_RATE = env_float("CAMPAIGN_PAUSE_COMPLAINT_RATE", 0.003)
CAMPAIGN_PAUSE_BOUNCE_RATE = env_float("CAMPAIGN_PAUSE_BOUNCE_RATE", 0.05)
CAMPAIGN_PAUSE_MIN_SENT = env_int("CAMPAIGN_PAUSE_MIN_SENT", 500)

# Owned audience (README, "Your own audience"): how long a confirmation link is valid, and
# how long a quiet prospect is kept before being asked again, then after being asked.
SIGNUP_CONFIRM_DAYS = max(1, env_int("SIGNUP_CONFIRM_DAYS", 7))
RETENTION_YEARS = max(1, env_int("RETENTION_YEARS", 3))
RETENTION_GRACE_DAYS = max(1, env_int("RETENTION_GRACE_DAYS", 30))

# The campaign editor: the email blocks (button, merge fields) beside the stock extensions.
# The processor is given as a function: django-prose-editor 0.28 imports a dotted path wrongly.
DJANGO_PROSE_EDITOR_EXTENSIONS = [
    {
        "js": [static_lazy("campaigns/editor/email-blocks.js")],
        "extensions": {"EmailBlocks": allow_email_blocks},
    }
]

CELERY_BEAT_SCHEDULE = {
    "heartbeat": {"task": "crm.tasks.record_heartbeat", "schedule": 15.0},
    # The dashboard's figures, counted ahead of the page (crm/dashboard/figures.py).
    "dashboard": {"task": "crm.dashboard.tasks.refresh_figures", "schedule": 300.0},
    "campaigns": {"task": "campaigns.tasks.tick", "schedule": float(CAMPAIGN_TICK_SECONDS)},
    # Quiet prospects flagged, the unanswered deleted, stale uploads too (contacts.retention).
    "retention": {"task": "contacts.tasks.apply_retention", "schedule": 86400.0},
    # Imports whose process disappeared, resumed (contacts.importing.lease).
    "imports": {"task": "contacts.tasks.resume_interrupted_imports", "schedule": 15.0},
    # Sign-ups never confirmed, a month after their link expired (audience.tasks).
    "signups": {"task": "audience.tasks.forget_unconfirmed", "schedule": 86400.0},
    # Confirmation emails whose task was lost or never queued (audience.signups).
    "signup-emails": {"task": "audience.tasks.resend_confirmations", "schedule": 30.0},
}

LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
if LOG_LEVEL not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
    raise ImproperlyConfigured(
        f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, not {LOG_LEVEL!r}"
    )
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
}
