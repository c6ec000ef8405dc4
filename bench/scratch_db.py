"""Scratch databases for the benchmarks, migrated with the project's own migrations."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

PROJECT_DIR = Path(__file__).resolve().parent.parent


def with_database(url: str, name: str) -> str:
    """``url`` pointing at database ``name``."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def with_user(url: str, user: str) -> str:
    """``url`` logging in as ``user`` (no password)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=f"{user}@{parts.netloc.rsplit('@', 1)[-1]}"))


def recreate_database(maintenance_url: str, name: str) -> None:
    with psycopg.connect(maintenance_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(maintenance_url: str, name: str) -> None:
    with psycopg.connect(maintenance_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


def migrate(*, owner_url: str, runtime_url: str | None = None) -> None:
    """``manage.py migrate`` on the owner login; exits with its error output if it fails."""
    django_url = {url: url.replace("postgresql://", "postgres://", 1) for url in (owner_url, runtime_url) if url}
    env = {
        **os.environ,
        "DATABASE_URL": django_url[runtime_url or owner_url],
        "DATABASE_OWNER_URL": django_url[owner_url],
        "DEBUG": "true",
    }
    done = subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=PROJECT_DIR, env=env, capture_output=True, text=True
    )
    if done.returncode:
        sys.exit(f"manage.py migrate failed:\n{done.stderr[-3000:]}")
