"""Hand-made legacy SQLite files for the import tests, and helpers to read the results back.

``LegacyDir(tmp_path)`` creates the five legacy files by executing the contract
DDL (``ops/legacy/contract/*.sql``) verbatim; ``.insert(file, table, **values)``
adds one committed row, with every column not given set to NULL (the DDL
defaults do not apply: a test states what it needs). Files are closed after
every write and stay in the default rollback-journal mode unless a test asks
for rows committed only in a ``-wal`` file (``insert_wal_only``).

The fixtures below are plain pytest fixtures registered under a ``name``; a test
module imports the functions it uses (``import_settings_fixture`` provides the
``import_settings`` fixture, ``legacy_dir_fixture`` the ``legacy`` one).
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import shutil
import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings as django_settings
from django.db import connection
from django.test import override_settings
from werkzeug.security import generate_password_hash

import ops.legacy
from ops.legacy.importer import ImportResult, import_legacy_dir
from ops.legacy.mapping import LEGACY_FILES, TABLE_MAPPINGS
from ops.models import QuarantinedRow

CONTRACT_DIR = Path(ops.legacy.__file__).parent / "contract"
CUTOFF = datetime(2025, 1, 1, tzinfo=UTC)  # the sample's reference "now"
CUTOFF_ISO = CUTOFF.isoformat()
CREATED = "2024-01-01 00:00:00"  # a valid mingus.db DATETIME for rows that need one
FAST_HASH = "pbkdf2:sha256:1000"


def _key(label: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(f"import-tests/{label}".encode()).digest()).decode()


# Two legacy keys, as LEGACY_FERNET_KEYS lists them: newest first.
LEGACY_KEY_NEW = _key("legacy-new")
LEGACY_KEY_OLD = _key("legacy-old")
LEGACY_KEYS = [LEGACY_KEY_NEW, LEGACY_KEY_OLD]


class InvalidText:
    """A TEXT value that is not valid UTF-8: inserted as ``CAST(? AS TEXT)`` over these bytes."""

    def __init__(self, raw: bytes):
        self.raw = raw


class LegacyDir:
    """The five legacy files, created from the contract DDL, for a test to fill row by row."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        for name in LEGACY_FILES:
            ddl = (CONTRACT_DIR / name.replace(".db", ".sql")).read_text()
            with closing(sqlite3.connect(self.path / name)) as conn:
                conn.executescript(ddl)
                conn.commit()

    def connect(self, file: str) -> closing[sqlite3.Connection]:
        return closing(sqlite3.connect(self.path / file))

    def columns(self, file: str, table: str) -> list[str]:
        with self.connect(file) as conn:
            return [row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')]

    def insert(self, file: str, table: str, **values) -> int:
        """Insert one row (columns not given are NULL) and return its rowid."""
        return self.insert_many(file, table, [values])[0]

    def insert_many(self, file: str, table: str, rows: list[dict]) -> list[int]:
        columns = self.columns(file, table)
        rowids = []
        with self.connect(file) as conn:
            for values in rows:
                unknown = set(values) - set(columns)
                assert not unknown, f"{file}:{table} has no column {sorted(unknown)}"
                rowids.append(_insert(conn, table, columns, values))
            conn.commit()
        return rowids

    def execute(self, file: str, sql: str, params=()) -> None:
        """Run one statement (ALTER TABLE, CREATE TABLE, ...) and commit."""
        with self.connect(file) as conn:
            conn.execute(sql, params)
            conn.commit()

    def user(self, id: int, email: str | None = None, **values) -> int:
        """An ordinary legacy account: active, not admin, created at CREATED, no password."""
        row = {
            "id": id,
            "email": email or f"user{id}@example.com",
            "is_active": 1,
            "is_admin": 0,
            "email_verified": 0,
            "created_at": CREATED,
        }
        row.update(values)
        return self.insert("mingus.db", "users", **row)

    def insert_wal_only(self, file: str, table: str, rows: list[dict]) -> None:
        """Commit ``rows`` into a ``-wal`` file only, as the legacy app left its files.

        A WAL-mode connection with automatic checkpoints off inserts the rows in a
        scratch copy; while it is still open (so nothing is checkpointed), the
        ``.db`` and its ``-wal`` are copied into this directory. No ``-shm``.
        """
        scratch = self.path.parent / f"{self.path.name}-wal-scratch"
        scratch.mkdir(exist_ok=True)
        shutil.copyfile(self.path / file, scratch / file)
        columns = self.columns(file, table)
        conn = sqlite3.connect(scratch / file)
        try:
            assert conn.execute("PRAGMA journal_mode=WAL").fetchone()[0] == "wal"
            conn.execute("PRAGMA wal_autocheckpoint=0")
            for values in rows:
                _insert(conn, table, columns, values)
            conn.commit()
            shutil.copyfile(scratch / file, self.path / file)
            shutil.copyfile(scratch / f"{file}-wal", self.path / f"{file}-wal")
        finally:
            conn.close()
        shutil.rmtree(scratch)


def _insert(conn: sqlite3.Connection, table: str, columns: list[str], values: dict) -> int:
    placeholders, params = [], []
    for column in columns:
        value = values.get(column)
        if isinstance(value, InvalidText):
            placeholders.append("CAST(? AS TEXT)")
            params.append(value.raw)
        else:
            placeholders.append("?")
            params.append(value)
    names = ", ".join(f'"{c}"' for c in columns)
    cursor = conn.execute(f'INSERT INTO "{table}" ({names}) VALUES ({", ".join(placeholders)})', params)  # noqa: S608
    return cursor.lastrowid


def werkzeug_hash(password: str, method: str = FAST_HASH) -> str:
    """A legacy password hash exactly as the Flask app wrote it."""
    return generate_password_hash(password, method=method)


def legacy_token(document, key: str = LEGACY_KEY_OLD) -> bytes:
    """A legacy encrypted_financial_profiles.encrypted_data value: Fernet over UTF-8 JSON."""
    return Fernet(key.encode()).encrypt(json.dumps(document).encode("utf-8"))


# --------------------------------------------------------------------------------------------
# Running the importer and reading its results
# --------------------------------------------------------------------------------------------


@pytest.fixture(name="import_settings")
def import_settings_fixture(settings, tmp_path):
    """The importer writes its snapshot and backup under tmp_path and knows the legacy keys."""
    settings.VAR_DIR = tmp_path / "var"
    settings.LEGACY_BACKUP_DIR = tmp_path / "legacy-backups"
    settings.LEGACY_FERNET_KEYS = list(LEGACY_KEYS)
    return settings


@pytest.fixture(name="legacy")
def legacy_dir_fixture(tmp_path) -> LegacyDir:
    return LegacyDir(tmp_path / "legacy")


_imports = itertools.count()


def run_import(directory: Path, **options) -> ImportResult:
    """One in-process import (a savepoint per chunk inside the test transaction).

    Each call backs up into a directory of its own under LEGACY_BACKUP_DIR: backups
    are named by the UTC second, and two imports within one second collide (a bug,
    pinned by test_two_imports_started_in_the_same_second_both_run).
    """
    options.setdefault("workers", 1)
    options.setdefault("cache_cutoff", CUTOFF)
    backups = Path(django_settings.LEGACY_BACKUP_DIR) / f"import-{next(_imports)}"
    with override_settings(LEGACY_BACKUP_DIR=backups):
        return import_legacy_dir(directory=Path(directory), **options)


def table_report(result: ImportResult | dict, file: str, table: str) -> dict:
    report = result.report if isinstance(result, ImportResult) else result
    matches = [t for t in report["tables"] if (t["source_file"], t["source_table"]) == (file, table)]
    assert len(matches) == 1, f"{file}:{table} not in the report"
    return matches[0]


def quarantined(file: str, table: str, rowid: int) -> QuarantinedRow:
    return QuarantinedRow.objects.get(source_file=file, source_table=table, source_rowid=rowid)


def original(row: QuarantinedRow) -> dict[str, list]:
    """The quarantined row's columns as ``{name: [storage class, value]}``."""
    return {name: [storage, value] for name, storage, value in row.original}


def cents(value) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"))


# --------------------------------------------------------------------------------------------
# Whole-database views for idempotence, dry run, rollback and resume
# --------------------------------------------------------------------------------------------

TARGET_TABLES = sorted({m.target_table for m in TABLE_MAPPINGS})

# What each table's content checksum covers. Rows that the importer writes about
# itself (its audit entries) are left out; so is what differs by design between two
# runs over the same files: a run id, and the Fernet token re-encryption produces
# (fresh IV and timestamp; tests compare the decrypted documents instead).
_CHECKSUM_ROW = {
    "encrypted_financial_profiles": "(t.id, t.user_id, t.created_at, t.updated_at)",
    # Every column but txid, the transaction that wrote the entry (set by the database).
    "audit_logs": "(t.id, t.created_at, t.user_id, t.actor, t.action, t.source, t.entity_type, t.entity_id,"
    " t.changes, t.details, t.ip_address, t.request_id, t.db_role, t.db_login)",
    "ops_legacy_extras": "(t.id, t.source_file, t.source_table, t.source_rowid, t.target_table, t.target_id, t.data)",
}
_CHECKSUM_WHERE = {"audit_logs": "WHERE t.source = 'legacy'"}


def table_counts(*, bookkeeping: bool = True) -> dict[str, int]:
    """Rows per target table (audit_logs: legacy entries only), and the import's own bookkeeping.

    ``audit_logs:all`` counts every audit entry, the importer's own included.
    """
    counts = {}
    tables = [*TARGET_TABLES, "ops_legacy_extras", "ops_quarantined_rows"]
    if bookkeeping:
        tables += ["ops_import_runs", "ops_import_chunks", "audit_logs:all"]
    with connection.cursor() as cursor:
        for key in tables:
            table = key.removesuffix(":all")
            where = "" if key.endswith(":all") else _CHECKSUM_WHERE.get(table, "")
            cursor.execute(f'SELECT count(*) FROM "{table}" t {where}')  # noqa: S608
            counts[key] = cursor.fetchone()[0]
    return counts


def content_checksums(*, stable_across_runs: bool = False) -> dict[str, tuple[int, str | None]]:
    """``{table: (rows, md5 of the rows in id order)}`` for every target table and the extras.

    With ``stable_across_runs`` the checksum leaves out what two separate imports
    of the same files legitimately produce differently (see ``_CHECKSUM_ROW``);
    without it every column counts (a second run must not touch anything).
    """
    result = {}
    with connection.cursor() as cursor:
        for table in [*TARGET_TABLES, "ops_legacy_extras"]:
            row = _CHECKSUM_ROW.get(table, "t") if stable_across_runs else "t"
            where = _CHECKSUM_WHERE.get(table, "")
            cursor.execute(
                f"SELECT count(*), md5(string_agg({row}::text, ',' ORDER BY t.id)) "  # noqa: S608
                f'FROM "{table}" t {where}'
            )
            result[table] = tuple(cursor.fetchone())
    return result


def quarantine_content() -> list[tuple]:
    """Quarantined rows without what names the run: (file, table, rowid, code, reason, original)."""
    return sorted(
        (q.source_file, q.source_table, q.source_rowid, q.reason_code, q.reason, json.dumps(q.original))
        for q in QuarantinedRow.objects.all()
    )


# --------------------------------------------------------------------------------------------
# The generated sample (ops/legacy/sample.py), made once per test process
# --------------------------------------------------------------------------------------------

SAMPLE_SEED = 0
_SAMPLES: dict[float, Path] = {}


def legacy_sample(tmp_path_factory, scale: float = 0.2) -> Path:
    """The sample directory for ``scale`` (seed 0); generating one costs seconds, so it is cached."""
    from ops.legacy.sample import make_legacy_sample

    if scale not in _SAMPLES:
        directory = tmp_path_factory.mktemp(f"legacy-sample-{scale}") / "legacy"
        make_legacy_sample(directory=directory, scale=scale, seed=SAMPLE_SEED)
        _SAMPLES[scale] = directory
    return _SAMPLES[scale]


@pytest.fixture(name="sample_dir", scope="module")
def sample_dir_fixture(tmp_path_factory) -> Path:
    return legacy_sample(tmp_path_factory, scale=0.2)


@pytest.fixture(name="sample_settings")
def sample_settings_fixture(settings, tmp_path, sample_dir):
    """Like import_settings, with the sample's legacy keys (from its sample-info.json)."""
    settings.VAR_DIR = tmp_path / "var"
    settings.LEGACY_BACKUP_DIR = tmp_path / "legacy-backups"
    info = json.loads((sample_dir / "sample-info.json").read_text())
    settings.LEGACY_FERNET_KEYS = info["legacy_fernet_keys"].split(",")
    return settings


def index_definitions() -> dict[str, str]:
    """Every index of the public schema: name -> pg_get_indexdef."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'")
        return dict(cursor.fetchall())


def constraint_definitions() -> dict[tuple[str, str], str]:
    """Every constraint of the public schema's tables: (table, name) -> pg_get_constraintdef."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
            "JOIN pg_class t ON t.oid = c.conrelid WHERE t.relnamespace = 'public'::regnamespace"
        )
        return {(table, name): definition for table, name, definition in cursor.fetchall()}


def readable_copy(directory: Path, destination: Path) -> Path:
    """A copy of the legacy files (with their -wal) that a test may open with plain sqlite3."""
    destination.mkdir(parents=True, exist_ok=True)
    for name in LEGACY_FILES:
        for suffix in ("", "-wal"):
            source = directory / f"{name}{suffix}"
            if source.exists():
                shutil.copyfile(source, destination / f"{name}{suffix}")
    return destination


def source_counts(copy: Path) -> dict[tuple[str, str], int]:
    counts = {}
    for name in LEGACY_FILES:
        with closing(sqlite3.connect(copy / name)) as conn:
            tables = [
                r[0]
                for r in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                )
            ]
            for table in tables:
                counts[(name, table)] = conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # noqa: S608
    return counts


def file_states(directory: Path) -> dict[str, tuple[str, int]]:
    """``{file name: (sha256, mtime_ns)}`` of every file in ``directory``."""
    states = {}
    for path in sorted(directory.iterdir()):
        if path.is_file():
            states[path.name] = (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns)
    return states
