"""`manage.py check --deploy` with production settings reports nothing, and flags a database reached without TLS."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from mingus.accounts.checks import check_database_sslmode, database_tls_warnings

ROOT = Path(__file__).resolve().parents[2]
NO_ISSUES = "System check identified no issues"
# A URL nobody connects to: the deploy checks read settings, they do not query.
UNREACHABLE_LOCAL_DB = "postgres://nobody@127.0.0.1:1/none"


def _manage(*args: str, **env_overrides: str) -> subprocess.CompletedProcess:
    drop = ("SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "AUDIT_SEAL_KEY", "DEBUG", "DATABASE_SSLMODE", "PGSSLMODE")
    env = {k: v for k, v in os.environ.items() if k not in drop and not k.startswith(("SECURE_", "DJANGO_"))}
    env.update(ENV_FILE=os.devnull, DJANGO_SETTINGS_MODULE="mingus.settings")
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
    )


@pytest.fixture(scope="module")
def production_env() -> dict[str, str]:
    key = _manage("generate_encryption_key", DATABASE_URL=UNREACHABLE_LOCAL_DB)
    assert key.returncode == 0, key.stderr
    return {
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "FIELD_ENCRYPTION_KEYS": key.stdout.strip(),
        "AUDIT_SEAL_KEY": secrets.token_urlsafe(48),
        "ALLOWED_HOSTS": "ops.example.com",
        "BEHIND_TLS_PROXY": "true",
        "CSRF_TRUSTED_ORIGINS": "https://ops.example.com",
    }


def _check_deploy(env: dict[str, str], **overrides: str) -> subprocess.CompletedProcess:
    return _manage("check", "--deploy", "--fail-level", "WARNING", **{**env, **overrides})


def test_production_settings_pass_the_deploy_check(production_env):
    # The database the suite runs on: DATABASE_URL when set (CI's server), else the embedded one.
    result = _check_deploy(production_env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert NO_ISSUES in result.stdout


def test_a_remote_database_without_tls_is_flagged(production_env):
    result = _check_deploy(production_env, DATABASE_URL="postgres://mingus_app@db.example.com:5432/mingus")
    assert result.returncode != 0
    assert "mingus.W020" in result.stderr + result.stdout
    assert "db.example.com" in result.stderr + result.stdout


def test_a_remote_database_with_sslmode_require_passes(production_env):
    result = _check_deploy(
        production_env,
        DATABASE_URL="postgres://mingus_app@db.example.com:5432/mingus",
        DATABASE_OWNER_URL="postgres://mingus@db.example.com:5432/mingus",
        DATABASE_SSLMODE="require",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert NO_ISSUES in result.stdout


def test_database_sslmode_reaches_every_connection(production_env):
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.DATABASES['default']['OPTIONS']['sslmode'], settings.DATABASE_OWNER['OPTIONS']['sslmode'])"
    )
    env = {
        **production_env,
        "DATABASE_URL": "postgres://mingus_app@db.example.com:5432/mingus",
        "DATABASE_OWNER_URL": "postgres://mingus@db.example.com:5432/mingus",
        "DATABASE_SSLMODE": "verify-full",
    }
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "ENV_FILE": os.devnull, "DJANGO_SETTINGS_MODULE": "mingus.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["verify-full", "verify-full"]


def test_an_unknown_sslmode_is_refused_at_start(production_env):
    result = _manage("check", **production_env, DATABASE_URL=UNREACHABLE_LOCAL_DB, DATABASE_SSLMODE="required")
    assert result.returncode != 0
    assert "DATABASE_SSLMODE='required' is not a libpq sslmode" in result.stderr


@pytest.mark.parametrize(
    ("host", "options", "flagged"),
    [
        ("db.example.com", {}, True),
        ("10.0.0.5", {"sslmode": "prefer"}, True),
        ("db.example.com", {"sslmode": "require"}, False),
        ("db.example.com", {"sslmode": "verify-full"}, False),
        ("localhost", {}, False),
        ("127.0.0.1", {}, False),
        ("::1", {}, False),
        ("/var/run/postgresql", {}, False),
        ("", {}, False),
    ],
)
def test_the_sslmode_check_flags_only_remote_hosts_without_tls(host, options, flagged):
    warnings = database_tls_warnings(connections={"default": {"HOST": host, "OPTIONS": options}})
    assert bool(warnings) is flagged


def test_the_sslmode_check_trusts_pgsslmode_and_names_each_remote_server_once():
    remote = {"HOST": "db.example.com", "PORT": "5432", "OPTIONS": {}}
    assert database_tls_warnings(connections={"default": remote}, pgsslmode="require") == []
    both = database_tls_warnings(connections={"default": remote, "owner": dict(remote)})
    assert [w.id for w in both] == ["mingus.W020"]


def test_the_sslmode_check_is_silent_in_development(settings):
    settings.DEBUG = True
    assert check_database_sslmode(None) == []
