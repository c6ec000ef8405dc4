"""Configuration from the environment, checked in fresh processes."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]
_STATEMENTS_QUERY = "c.execute('SELECT count(*) >= 0 FROM pg_stat_statements'); print('query', c.fetchone()[0])"
SETUP = "import django; django.setup(); from django.conf import settings; print('started', settings.DEBUG)"


def _run(code: str, **env_overrides) -> subprocess.CompletedProcess:
    secrets = ("SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "AUDIT_SEAL_KEY", "DEBUG")
    env = {k: v for k, v in os.environ.items() if k not in secrets}
    env.update(ENV_FILE=os.devnull, DJANGO_SETTINGS_MODULE="mingus.settings")
    # A URL nobody connects to keeps the embedded server out of these checks.
    env.setdefault("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")
    env.update(env_overrides)
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_production_refuses_to_start_without_secret_key():
    result = _run(SETUP, DEBUG="false", FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode())
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_production_refuses_to_start_without_encryption_keys():
    result = _run(SETUP, DEBUG="false", SECRET_KEY="s" * 50)
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS is not set" in result.stderr


def test_production_refuses_to_start_without_the_audit_seal_key():
    result = _run(SETUP, DEBUG="false", SECRET_KEY="s" * 50, FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode())
    assert result.returncode != 0
    assert "AUDIT_SEAL_KEY is not set" in result.stderr


def test_production_starts_with_its_secrets():
    result = _run(
        SETUP,
        DEBUG="false",
        SECRET_KEY="s" * 50,
        FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        AUDIT_SEAL_KEY="a" * 48,
    )
    assert result.returncode == 0, result.stderr
    assert "started False" in result.stdout


def test_development_starts_without_secrets_and_keeps_its_keyring_under_var(tmp_path):
    code = SETUP + "; print(settings.FIELD_ENCRYPTION_KEYS[0])"
    first = _run(code, VAR_DIR=str(tmp_path))
    second = _run(code, VAR_DIR=str(tmp_path))
    assert first.returncode == 0, first.stderr
    assert first.stdout.split()[-1] == second.stdout.split()[-1]
    assert (tmp_path / "field-encryption.keys").exists()


@pytest.mark.slow
def test_embedded_database_starts_from_a_clean_state_and_is_shared(tmp_path):
    var = tmp_path / "var"
    env = {"VAR_DIR": str(var), "DATABASE_URL": ""}
    query = SETUP + "; from django.db import connection; c = connection.cursor(); " + _STATEMENTS_QUERY
    try:
        # Two processes race to start the same fresh server; both must get it.
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", query],
                cwd=ROOT,
                env={**os.environ, "ENV_FILE": os.devnull, **env},
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        outputs = [p.communicate(timeout=180) for p in procs]
        for proc, (out, err) in zip(procs, outputs, strict=True):
            assert proc.returncode == 0, err
            assert "query True" in out
        assert (var / "pgdata" / "PG_VERSION").exists()
        postmaster_pid = (var / "pgdata" / "postmaster.pid").read_text().splitlines()[0]
        pid_line = "; print('pid', (settings.VAR_DIR / 'pgdata' / 'postmaster.pid').read_text().split()[0])"
        third = _run(query + pid_line, **env)
        assert f"pid {postmaster_pid}" in third.stdout, third.stderr
    finally:
        subprocess.run(
            [sys.executable, "manage.py", "embedded_db", "stop"],
            cwd=ROOT,
            env={**os.environ, "ENV_FILE": os.devnull, **env},
            capture_output=True,
            timeout=120,
        )


def test_embedded_server_is_not_started_when_database_url_is_set(tmp_path):
    result = _run(SETUP + "; print(settings.EMBEDDED_DATABASE)", VAR_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("False")
    assert not (tmp_path / "pgdata").exists()
