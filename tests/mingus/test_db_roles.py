"""The owner and runtime logins as separate processes see them."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection

from tests.databases import database_url

pytestmark = pytest.mark.django_db(transaction=True)


def _manage(*args: str, runtime: str, owner: str, **extra_env: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": runtime, "DATABASE_OWNER_URL": owner, "DEBUG": "true", **extra_env}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _has_password() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolpassword IS NOT NULL FROM pg_authid WHERE rolname = 'mingus_app'")
        return cursor.fetchone()[0]


def _owner_password() -> str | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolpassword FROM pg_authid WHERE rolname = session_user")
        return cursor.fetchone()[0]


def test_sync_runtime_password_gives_the_runtime_role_the_password_of_database_url():
    owner = database_url()
    owner_password = _owner_password()
    try:
        result = _manage(
            "sync_runtime_password", runtime=database_url(user="mingus_app", password="s3cret-pw"), owner=owner
        )
        assert result.returncode == 0, result.stderr
        assert "password set" in result.stdout
        assert _has_password()
        assert _owner_password() == owner_password, "the owner's password was changed"
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ALTER ROLE mingus_app PASSWORD NULL")


def test_a_command_on_the_runtime_login_runs_as_mingus_app_and_migrate_as_the_owner():
    owner = database_url()
    code = (
        "from django.db import connection as c; k = c.cursor(); k.execute('SELECT current_user'); print(k.fetchone())"
    )
    result = _manage("shell", "-c", code, runtime=database_url(user="mingus_app"), owner=owner)
    assert result.returncode == 0, result.stderr
    assert "('mingus_app',)" in result.stdout
    # migrate connects as the owner: with nothing to apply it still succeeds, which the runtime role could not
    # (it may not even write django_migrations).
    result = _manage("migrate", "--check", runtime=database_url(user="mingus_app"), owner=owner)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "command",
    [
        ["seal_audit"],
        ["verify_audit"],
        ["rotate_encryption_keys"],
        ["export_user_data", "runtime-login@example.com"],
        ["erase_user", "runtime-login@example.com", "--yes"],
    ],
    ids=lambda command: command[0],
)
def test_operations_commands_take_their_reach_themselves_on_the_runtime_login(command, tmp_path):
    """The suite runs as mingus_staff; production commands log in as mingus_app and must take staff reach."""
    from finance.models import EncryptedFinancialProfile
    from mingus.accounts.models import User

    user = User.objects.create_user(email="runtime-login@example.com", password=None)
    profile = EncryptedFinancialProfile(user=user)
    profile.encrypt({"monthly_income": "4200.00"})
    profile.save()
    result = _manage(
        *command,
        runtime=database_url(user="mingus_app"),
        owner=database_url(),
        VAR_DIR=str(tmp_path),
        FIELD_ENCRYPTION_KEYS=",".join(settings.FIELD_ENCRYPTION_KEYS),
        AUDIT_SEAL_KEY=settings.AUDIT_SEAL_KEY,
    )
    assert result.returncode == 0, result.stdout + result.stderr
