"""Settings for the back office, read from the environment.

The defaults are the embedded development set-up (`make run`): SQLite under
``var/``, a database-backed task queue, email written to ``var/mail/``. Production
sets ``DEBUG=0``, ``SECRET_KEY``, ``ALLOWED_HOSTS``, ``DATABASE_URL`` and friends
(see docs/operations.md). Every reader fails loudly on a bad value.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from backoffice.lib.env import (
    env_bool,
    env_int,
    env_list,
    env_str,
    mailer_from_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", default=True)


def _secret_key() -> str:
    key = env_str("SECRET_KEY", "")
    if key:
        return key
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    # Development: one random key per checkout, kept under var/ (never committed).
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
# After changing SECRET_KEY, the previous keys (comma-separated) keep sessions,
# links already emailed and recovery codes valid until they are removed.
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", [])


def _field_keys() -> str:
    from backoffice.lib.encryption import EncryptionError, parse_keys

    keys = env_str("FIELD_ENCRYPTION_KEYS", "")
    if keys:
        try:
            parse_keys(keys)
        except EncryptionError as error:
            raise ImproperlyConfigured(f"FIELD_ENCRYPTION_KEYS: {error}") from None
        return keys
    if not DEBUG:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS must be set when DEBUG is off (docs/operations.md)"
        )
    # Development: one random key per checkout, kept under var/ (never committed).
    path = VAR_DIR / "field_keys"
    if not path.exists():
        from backoffice.lib.encryption import new_key

        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(f"dev1:{new_key()}")
        path.chmod(0o600)
    return path.read_text().strip()


# Keys for encrypted fields (bank accounts, tax IDs, authenticator secrets):
# "id:base64key,..."; the first encrypts.
FIELD_ENCRYPTION_KEYS = _field_keys()
ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# --- the company -----------------------------------------------------------
COMPANY_NAME = env_str("COMPANY_NAME", "Gano Excel USA")
COMPANY_ADDRESS = env_str(
    "COMPANY_ADDRESS", "980 Corporate Center Drive, Pomona, CA 91768"
)
COMPANY_SUPPORT_PHONE = env_str("COMPANY_SUPPORT_PHONE", "(626) 338-8081")
COMPANY_SUPPORT_HOURS = env_str("COMPANY_SUPPORT_HOURS", "Mon–Fri 6:00–17:00 Pacific")
COMPANY_SUPPORT_EMAIL = env_str("COMPANY_SUPPORT_EMAIL", "support@ganoexcel.us")
COMPANY_CORPORATE_PHONE = env_str("COMPANY_CORPORATE_PHONE", "(626) 480-7550")
TIME_ZONE = env_str("TIME_ZONE", "America/Los_Angeles")

# --- applications ----------------------------------------------------------
INSTALLED_APPS = [
    "backoffice.accounts",
    "backoffice.dashboard",
    "backoffice.network",
    "backoffice.shop",
    "backoffice.commissions",
    "backoffice.profiles",
    "backoffice.support",
    "backoffice.library",
    "backoffice.library.training",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_otp",
    # Second factors are accounts.Authenticator (the app's secret encrypted) and
    # accounts.RecoveryCodes (digests only); the two plugins stay installed for
    # the migrations that moved their rows over, and their tables stay empty.
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "backoffice.accounts.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "backoffice.urls"
WSGI_APPLICATION = "backoffice.wsgi.application"
ASGI_APPLICATION = "backoffice.asgi.application"

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
                "backoffice.dashboard.context_processors.company",
            ],
        },
    }
]

# --- data ------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
try:
    _database = dj_database_url.parse(DATABASE_URL, conn_max_age=0)
except ValueError as error:
    raise ImproperlyConfigured(f"DATABASE_URL is not usable: {error}") from None
if _database["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the task worker read while the other writes;
    # IMMEDIATE transactions take the write lock up front instead of failing later.
    _database["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    if _database["NAME"] not in ("", ":memory:"):
        Path(_database["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # Tests use a file too (not shared-cache memory), so concurrent writers wait
    # on SQLite's lock like they do in the embedded set-up instead of failing.
    # One file per test process, so parallel runs never share one.
    _database["TEST"] = {"NAME": str(VAR_DIR / f"test-db-{os.getpid()}.sqlite3")}
elif _database["ENGINE"] == "django.db.backends.postgresql":
    _database["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0)
    _database["CONN_HEALTH_CHECKS"] = True
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Background work: Django's tasks framework, stored in the database and run by
# `python manage.py db_worker` (started by `make run`).
TASKS_BACKEND = env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")
TASKS = {"default": {"BACKEND": TASKS_BACKEND}}
if TASKS_BACKEND == "django_tasks_rq.RQBackend":
    # Optional Redis-backed queue (docs/operations.md): same tasks API, RQ workers.
    if not REDIS_URL:
        raise ImproperlyConfigured(
            "TASKS_BACKEND=django_tasks_rq.RQBackend needs REDIS_URL"
        )
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    TASKS["default"]["QUEUES"] = ["default"]
    RQ_QUEUES = {"default": {"URL": REDIS_URL}}

# --- accounts and sign-in --------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["backoffice.accounts.backends.AccountBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
_VALIDATION = "django.contrib.auth.password_validation"
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": f"{_VALIDATION}.UserAttributeSimilarityValidator",
        "OPTIONS": {
            "user_attributes": ("username", "first_name", "last_name", "email")
        },
    },
    {
        "NAME": f"{_VALIDATION}.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": f"{_VALIDATION}.CommonPasswordValidator"},
    {"NAME": f"{_VALIDATION}.NumericPasswordValidator"},
    {"NAME": "backoffice.accounts.validators.NotLikeIdValidator"},
]
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 3600, minimum=300)

LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
LOGIN_IP_FAILURE_LIMIT = env_int("LOGIN_IP_FAILURE_LIMIT", 30, minimum=1)
LOGIN_FAILURE_WINDOW = env_int("LOGIN_FAILURE_WINDOW", 15 * 60, minimum=60)
LOGIN_LOCKOUT_SECONDS = env_int("LOGIN_LOCKOUT_SECONDS", 15 * 60, minimum=60)
# How many reverse proxies in front of the app append to X-Forwarded-For.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
HOLDING_TANK_DAYS = env_int("HOLDING_TANK_DAYS", 7, minimum=1)
REAUTH_SECONDS = env_int("REAUTH_SECONDS", 10 * 60, minimum=60)
TEAM_MESSAGES_PER_DAY = env_int("TEAM_MESSAGES_PER_DAY", 5, minimum=1)
TEAM_RECIPIENTS_PER_DAY = env_int("TEAM_RECIPIENTS_PER_DAY", 1000, minimum=1)
OTP_TOTP_ISSUER = COMPANY_NAME + " Back Office"

# --- shop and orders ---------------------------------------------------------
# Payment providers offered at checkout, in order: "demo" (development only: a
# clearly labelled fake card), "wallet" (the commission balance), "stripe" (card).
PAYMENT_PROVIDERS = env_list(
    "PAYMENT_PROVIDERS", ["demo", "wallet"] if DEBUG else ["wallet"]
)
if "demo" in PAYMENT_PROVIDERS and not DEBUG:
    raise ImproperlyConfigured("The demo card provider is refused when DEBUG is off")
STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY", "")
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET", "")
# Only tests and local fakes point the client elsewhere.
STRIPE_API_BASE = env_str("STRIPE_API_BASE", "")
if "stripe" in PAYMENT_PROVIDERS and not (STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET):
    raise ImproperlyConfigured(
        "PAYMENT_PROVIDERS has stripe: set STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET"
    )
# An order not paid within this many minutes is cancelled and its stock released.
UNPAID_ORDER_MINUTES = env_int("UNPAID_ORDER_MINUTES", 60, minimum=5)
RETURN_WINDOW_DAYS = env_int("RETURN_WINDOW_DAYS", 45, minimum=1)
# Percentages, whole numbers: refund 90 % of the net cost; exchanges keep 10 %.
RETURN_REFUND_PERCENT = env_int("RETURN_REFUND_PERCENT", 90, minimum=0)
EXCHANGE_RESTOCKING_PERCENT = env_int("EXCHANGE_RESTOCKING_PERCENT", 10, minimum=0)
AUTOSHIP_LEAD_DAYS = env_int("AUTOSHIP_LEAD_DAYS", 5, minimum=0)
AUTOSHIP_MAX_ATTEMPTS = env_int("AUTOSHIP_MAX_ATTEMPTS", 3, minimum=1)
AUTOSHIP_RETRY_HOURS = env_int("AUTOSHIP_RETRY_HOURS", 24, minimum=1)
ACTIVE_PV_30_DAYS = 50
# Payouts: a bank-details change holds payouts this many days (staff can release).
BANK_CHANGE_HOLD_DAYS = env_int("BANK_CHANGE_HOLD_DAYS", 7, minimum=0)
# The company's ACH origination details, from its bank (docs/operations.md).
NACHA_IMMEDIATE_DESTINATION = env_str("NACHA_IMMEDIATE_DESTINATION", "011000015")
NACHA_DESTINATION_NAME = env_str("NACHA_DESTINATION_NAME", "DEMO BANK")
NACHA_IMMEDIATE_ORIGIN = env_str("NACHA_IMMEDIATE_ORIGIN", "1123456789")
NACHA_ORIGIN_NAME = env_str("NACHA_ORIGIN_NAME", "GANO EXCEL USA")
NACHA_COMPANY_NAME = env_str("NACHA_COMPANY_NAME", "GANO EXCEL USA")
NACHA_COMPANY_ID = env_str("NACHA_COMPANY_ID", "1123456789")
NACHA_ODFI = env_str("NACHA_ODFI", "01100001")
# The compensation plan the commission engine runs (docs/compensation-plan.md).
COMMISSION_PLAN = Path(
    env_str("COMMISSION_PLAN", str(BASE_DIR / "plans" / "gano-us.toml"))
)

SESSION_ENGINE = "backoffice.accounts.sessions"
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_TIMEOUT", 30 * 60, minimum=60)
# The cookie age is an idle timeout: AccountMiddleware touches the session at most
# once a minute (saving it on every request would write on every page view).
SESSION_TOUCH_SECONDS = 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- security headers -----------------------------------------------------
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    # Chrome applies form-action to the redirect after a form post: "Pay"
    # redirects to Stripe Checkout.
    "form-action": [
        CSP.SELF,
        *(["https://checkout.stripe.com"] if "stripe" in PAYMENT_PROVIDERS else []),
    ],
    "frame-ancestors": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env_int(
    "SECURE_HSTS_SECONDS", 0 if DEBUG else 63072000, minimum=0
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
if env_bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- internationalisation ---------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True

# --- static and media ------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = VAR_DIR / "media"
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

# --- support (help center, tickets) ----------------------------------------
# Ticket attachments live outside MEDIA_ROOT and are served only by an
# access-checked view (support:attachment).
STORAGES["support"] = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {
        "location": env_str("SUPPORT_FILES_DIR", str(VAR_DIR / "private" / "support")),
        "base_url": "/support/files-are-not-served/",
        "file_permissions_mode": 0o600,
        "directory_permissions_mode": 0o700,
    },
}
SUPPORT_ATTACHMENT_MAX_BYTES = env_int(
    "SUPPORT_ATTACHMENT_MAX_BYTES", 5 * 1024 * 1024, minimum=1024
)
SUPPORT_ATTACHMENTS_PER_MESSAGE = 3
# A distributor may reopen a closed ticket for this many days.
SUPPORT_REOPEN_DAYS = env_int("SUPPORT_REOPEN_DAYS", 30, minimum=0)
# Opening more tickets than this in 24 hours is refused (flooding the inbox).
SUPPORT_TICKETS_PER_DAY = env_int("SUPPORT_TICKETS_PER_DAY", 10, minimum=1)

# --- library (marketing materials, training) --------------------------------
# Library files live in their own storage, never under MEDIA_URL: every file goes
# out through an access-checked view. LIBRARY_STORAGE_BACKEND switches it to S3
# (django-storages; docs/operations.md "Library files on S3").
LIBRARY_STORAGE_BACKEND = env_str(
    "LIBRARY_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage"
)
STORAGES["library"] = {
    "BACKEND": LIBRARY_STORAGE_BACKEND,
    "OPTIONS": (
        {"location": str(VAR_DIR / "library")}
        if LIBRARY_STORAGE_BACKEND.endswith("FileSystemStorage")
        else {
            "bucket_name": env_str("LIBRARY_S3_BUCKET", ""),
            "location": env_str("LIBRARY_S3_PREFIX", "library"),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        }
    ),
}
LIBRARY_MAX_UPLOAD_BYTES = env_int(
    "LIBRARY_MAX_UPLOAD_BYTES", 50 * 1024 * 1024, minimum=1024
)
# Images larger than this (either side) are scaled down when re-encoded.
LIBRARY_MAX_IMAGE_SIDE = env_int("LIBRARY_MAX_IMAGE_SIDE", 4000, minimum=200)
LIBRARY_THUMBNAIL_SIDE = env_int("LIBRARY_THUMBNAIL_SIDE", 480, minimum=64)

# --- email ------------------------------------------------------------------
EMAIL_URL = env_str("EMAIL_URL", f"file://{VAR_DIR / 'mail'}")
MAILERS = {"default": mailer_from_url(EMAIL_URL)}
DEFAULT_FROM_EMAIL = env_str(
    "DEFAULT_FROM_EMAIL", f"{COMPANY_NAME} <no-reply@ganoexcel.us>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
