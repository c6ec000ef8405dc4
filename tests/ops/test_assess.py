import hashlib
import json
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from contextlib import contextmanager
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from ops.legacy.assess import assess_legacy_dir, render_assessment
from ops.legacy.contract import CONTRACT_DIR
from ops.legacy.mapping import LEGACY_FILES

# Helpers shared with test_sqlite_backup.py ----------------------------------


def create_legacy_file(path: Path) -> None:
    """An empty legacy file made by running its contract DDL, in rollback-journal mode."""
    connection = sqlite3.connect(path)
    try:
        connection.executescript((CONTRACT_DIR / path.name.replace(".db", ".sql")).read_text())
    finally:
        connection.close()


def build_legacy_dir(directory: Path) -> Path:
    """The five contract files, empty."""
    directory.mkdir(parents=True, exist_ok=True)
    for name in LEGACY_FILES:
        create_legacy_file(directory / name)
    return directory


def execute(path: Path, sql: str, rows: list[tuple] = ()) -> None:
    connection = sqlite3.connect(path)
    try:
        if rows:
            connection.executemany(sql, rows)
        else:
            connection.executescript(sql)
        connection.commit()
    finally:
        connection.close()


def open_wal_writer(path: Path) -> sqlite3.Connection:
    """A connection that left its commits in the -wal (no checkpoint); close it to checkpoint."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA wal_autocheckpoint=0")
    return connection


def insert_alerts(connection: sqlite3.Connection, count: int) -> None:
    connection.execute("BEGIN")
    connection.executemany(
        "INSERT INTO alerts (severity, title, created_at) VALUES ('info', ?, '2025-01-15T12:00:00')",
        [(f"alert {i}",) for i in range(count)],
    )
    connection.execute("COMMIT")


def copy_files(source_dir: Path, target_dir: Path, names: list[str]) -> None:
    target_dir.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copyfile(source_dir / name, target_dir / name)


def directory_state(directory: Path) -> dict[str, str]:
    """Every file in ``directory`` with the SHA-256 of its content: the listing and the bytes."""
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in sorted(directory.iterdir())}


_LIVE_WRITER = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("PRAGMA journal_mode=WAL")
connection.execute("PRAGMA wal_autocheckpoint=0")
connection.execute("BEGIN")
connection.executemany("INSERT INTO error_logs (level, message) VALUES ('ERROR', ?)", [(str(i),) for i in range(5)])
connection.execute("COMMIT")
print("ready", flush=True)
sys.stdin.readline()
connection.close()
"""


@contextmanager
def live_writer(path: Path):
    """Another process that committed 5 error_logs rows to ``path``'s -wal and keeps the file open.

    A separate process, as the legacy app would be: SQLite shares one -shm
    mapping between connections of the same process, so an in-process writer
    would let our read-only reader write to the -shm through it.
    """
    process = subprocess.Popen(
        [sys.executable, "-c", _LIVE_WRITER, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout.readline().strip() == "ready"
        yield process
    finally:
        process.stdin.write("\n")
        process.stdin.close()
        process.wait(timeout=30)
        process.stdout.close()


@contextmanager
def directory_in_every_wal_state(tmp_path: Path):
    """Legacy files in each state a reader must leave untouched.

    mingus.db: rollback journal. business_intelligence.db: WAL mode, cleanly
    closed (no -wal). cache.db: 3 rows only in a -wal, no -shm (as copied
    from a stopped app). alerts.db: 4 rows only in a -wal, with its -shm.
    performance_metrics.db: a writer process still has it open, 5 rows only
    in its -wal.
    """
    directory = build_legacy_dir(tmp_path / "legacy")
    staging = build_legacy_dir(tmp_path / "staging")

    bi = open_wal_writer(directory / "business_intelligence.db")
    bi.execute("INSERT INTO kpi_daily VALUES ('2025-01-01', 'signups', 3)")
    bi.close()

    cache = open_wal_writer(staging / "cache.db")
    cache.execute("BEGIN")
    cache.executemany("INSERT INTO query_cache (query_hash) VALUES (?)", [("a",), ("b",), ("c",)])
    cache.execute("COMMIT")
    copy_files(staging, directory, ["cache.db", "cache.db-wal"])
    cache.close()

    alerts = open_wal_writer(staging / "alerts.db")
    insert_alerts(alerts, 4)
    copy_files(staging, directory, ["alerts.db", "alerts.db-wal", "alerts.db-shm"])
    alerts.close()

    with live_writer(directory / "performance_metrics.db"):
        yield directory


def run_command(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


# Tests ----------------------------------------------------------------------


def _file(assessment, name):
    return next(report for report in assessment.files if report.name == name)


def _table(assessment, file_name, table_name):
    return next(table for table in _file(assessment, file_name).tables if table.name == table_name)


def _column(table, name):
    return next(column for column in table.columns if column.name == name)


def test_row_counts_and_storage_classes_are_exact_on_a_hand_made_file(tmp_path):
    directory = build_legacy_dir(tmp_path / "legacy")
    execute(
        directory / "mingus.db",
        "INSERT INTO users (email, is_active, phone, created_at) VALUES (?, ?, ?, ?)",
        [
            ("a@x.com", 1, None, "2024-01-01 00:00:00"),
            ("b@x.com", 0, "555", "2024-01-01 00:00:00"),
            ("c@x.com", "true", None, "2024-01-01 00:00:00"),
            ("d@x.com", "False", b"\x00\x01", "2024-01-01 00:00:00"),
        ],
    )
    execute(
        directory / "mingus.db",
        "INSERT INTO user_profiles (user_id, annual_income) VALUES (?, ?)",
        [(1, 52000), (2, 61000.5), (3, "n/a")],
    )

    assessment = assess_legacy_dir(directory=directory)

    users = _table(assessment, "mingus.db", "users")
    assert users.row_count == 4
    assert _column(users, "email").storage == {"text": 4}
    assert _column(users, "is_active").storage == {"integer": 2, "text": 2}
    assert _column(users, "is_active").mixed
    assert _column(users, "phone").storage == {"text": 1, "blob": 1, "null": 2}
    assert _column(users, "last_login").storage == {"null": 4}
    assert not _column(users, "email").mixed
    profiles = _table(assessment, "mingus.db", "user_profiles")
    # FLOAT affinity stores 52000 as a REAL; only the text is a second class.
    assert _column(profiles, "annual_income").storage == {"real": 2, "text": 1}
    assert _table(assessment, "cache.db", "api_cache").row_count == 0
    assert _column(_table(assessment, "cache.db", "api_cache"), "endpoint").storage == {}
    assert _file(assessment, "mingus.db").rows == 7
    assert assessment.ok


def test_drift_from_the_contract_is_reported_but_is_not_an_error(tmp_path):
    directory = build_legacy_dir(tmp_path / "legacy")
    execute(
        directory / "mingus.db",
        """
        CREATE TABLE import_scratch (id INTEGER PRIMARY KEY, note TEXT);
        ALTER TABLE users ADD COLUMN nickname TEXT;
        ALTER TABLE users DROP COLUMN phone;
        """,
    )
    execute(
        directory / "cache.db",
        """
        DROP TABLE api_cache;
        CREATE TABLE api_cache (id INTEGER PRIMARY KEY AUTOINCREMENT, endpoint TEXT NOT NULL, params_hash TEXT,
            response TEXT, status_code TEXT, expires_at INTEGER, created_at INTEGER);
        DROP TABLE query_cache;
        """,
    )

    assessment = assess_legacy_dir(directory=directory)

    mingus = _file(assessment, "mingus.db")
    assert mingus.extra_tables == ["import_scratch"]
    users = _table(assessment, "mingus.db", "users")
    assert users.extra_columns == ["nickname"]
    assert users.missing_columns == ["phone VARCHAR(32)"]
    assert users.drift
    api_cache = _table(assessment, "cache.db", "api_cache")
    assert api_cache.type_differences == ["status_code: TEXT, contract INTEGER"]
    assert _file(assessment, "cache.db").missing_tables == ["query_cache"]
    assert not _table(assessment, "mingus.db", "user_goals").drift
    assert assessment.ok
    output = run_command("assess_sqlite", str(directory))  # exits 0: drift is reported, not an error
    assert re.search(r"^ +\+ +import_scratch ", output, re.MULTILINE)
    assert re.search(r"^ +- +phone +VARCHAR\(32\) +in the contract, missing here$", output, re.MULTILINE)


def test_conflicting_table_names_are_listed_with_where_each_copy_goes(tmp_path):
    assessment = assess_legacy_dir(directory=build_legacy_dir(tmp_path / "legacy"))

    resolved = {
        conflict.table: {item.source_file: item.target_table for item in conflict.resolutions}
        for conflict in assessment.conflicts
    }
    assert resolved == {
        "users": {"mingus.db": "users", "business_intelligence.db": "bi_users"},
        "income_comparisons": {"mingus.db": "income_comparisons", "business_intelligence.db": "bi_income_comparisons"},
        "alerts": {"performance_metrics.db": "perf_alerts", "alerts.db": "alerts"},
    }
    assert all(item.present for conflict in assessment.conflicts for item in conflict.resolutions)
    assert _table(assessment, "business_intelligence.db", "users").target_table == "bi_users"


def test_rows_committed_only_in_the_wal_are_counted_and_its_frames_reported(tmp_path):
    live_dir = build_legacy_dir(tmp_path / "live")
    writer = open_wal_writer(live_dir / "alerts.db")
    insert_alerts(writer, 10)
    insert_alerts(writer, 2)
    directory = tmp_path / "copy"
    copy_files(live_dir, directory, [*LEGACY_FILES, "alerts.db-wal"])  # the -wal but not the -shm
    writer.close()

    assessment = assess_legacy_dir(directory=directory)

    report = _file(assessment, "alerts.db")
    alerts = _table(assessment, "alerts.db", "alerts")
    assert alerts.row_count == 12
    assert alerts.wal_only_rows == 12
    assert report.journal_mode == "wal"
    assert report.wal.commits == 2
    assert report.wal.frames == report.wal.frames_in_file > 0
    assert report.wal_size == (directory / "alerts.db-wal").stat().st_size
    assert report.shm_size is None
    assert "private copy" in report.opened
    assert _table(assessment, "mingus.db", "users").wal_only_rows is None
    assert "12 rows live only there" in render_assessment(assessment)


def test_assessing_changes_nothing_in_the_directory_whatever_the_wal_state(tmp_path):
    with directory_in_every_wal_state(tmp_path) as directory:
        before = directory_state(directory)
        assessment = assess_legacy_dir(directory=directory)
        after = directory_state(directory)

    assert after == before
    assert {"performance_metrics.db-wal", "performance_metrics.db-shm", "cache.db-wal"} <= set(after)
    assert assessment.ok
    assert _table(assessment, "business_intelligence.db", "kpi_daily").row_count == 1
    assert _table(assessment, "cache.db", "query_cache").row_count == 3
    assert _table(assessment, "alerts.db", "alerts").row_count == 4
    assert _table(assessment, "performance_metrics.db", "error_logs").row_count == 5
    assert _table(assessment, "performance_metrics.db", "error_logs").wal_only_rows == 5
    assert _file(assessment, "mingus.db").opened == "read-only"
    assert "immutable" in _file(assessment, "business_intelligence.db").opened
    assert "private copy" in _file(assessment, "cache.db").opened
    assert "read-only -shm" in _file(assessment, "alerts.db").opened


def test_a_file_that_is_not_a_database_is_reported_and_the_command_fails_after_the_report(tmp_path):
    directory = build_legacy_dir(tmp_path / "legacy")
    (directory / "cache.db").write_bytes(b"this is not sqlite" * 500)

    assessment = assess_legacy_dir(directory=directory)

    cache = _file(assessment, "cache.db")
    assert cache.error_kind == "corrupt"
    assert "not an SQLite database" in cache.error
    assert assessment.problems == [f"cache.db: {cache.error}"]
    out = StringIO()
    with pytest.raises(CommandError, match=r"cache\.db: not an SQLite database"):
        call_command("assess_sqlite", str(directory), stdout=out)
    assert "== cache.db == ERROR" in out.getvalue()
    assert "== mingus.db == OK" in out.getvalue()


def test_a_truncated_file_is_reported_as_corrupt(tmp_path):
    directory = build_legacy_dir(tmp_path / "legacy")
    execute(directory / "mingus.db", "INSERT INTO audit_logs (action, details) VALUES ('x', ?)", [("y" * 500,)] * 200)
    data = (directory / "mingus.db").read_bytes()
    (directory / "mingus.db").write_bytes(data[: len(data) // 2])

    report = _file(assess_legacy_dir(directory=directory), "mingus.db")

    assert report.problems
    assert "malformed" in " ".join(report.problems)


def test_a_file_failing_integrity_check_is_reported_with_the_first_findings(tmp_path):
    directory = build_legacy_dir(tmp_path / "legacy")
    execute(
        directory / "alerts.db",
        "INSERT INTO alert_rules (name, metric_name, operator, threshold, severity) "
        "VALUES (?, 'cpu', '>', 90, 'warning')",
        [(f"rule {i}",) for i in range(3000)],
    )
    execute(directory / "alerts.db", "CREATE INDEX ix_rules_name ON alert_rules (name)")
    # Forget the index in the schema: its pages stay allocated but unreachable.
    execute(directory / "alerts.db", "PRAGMA writable_schema=ON; DELETE FROM sqlite_schema WHERE name='ix_rules_name';")

    assessment = assess_legacy_dir(directory=directory)

    report = _file(assessment, "alerts.db")
    assert report.error is None
    assert report.integrity[0] == "*** in database main ***"
    assert "never used" in report.integrity[1]
    assert len(report.integrity) <= 21
    assert not assessment.ok
    with pytest.raises(CommandError, match=r"alerts\.db: integrity_check"):
        run_command("assess_sqlite", str(directory))


def test_a_missing_file_is_reported_and_makes_the_command_fail(tmp_path):
    directory = build_legacy_dir(tmp_path / "legacy")
    (directory / "performance_metrics.db").unlink()

    assessment = assess_legacy_dir(directory=directory)

    assert not _file(assessment, "performance_metrics.db").present
    assert assessment.problems == ["performance_metrics.db: missing"]
    with pytest.raises(CommandError, match=r"performance_metrics\.db: missing"):
        run_command("assess_sqlite", str(directory))


def test_a_missing_directory_is_a_command_error_naming_it(tmp_path):
    with pytest.raises(CommandError, match=r"legacy directory .*nowhere does not exist"):
        run_command("assess_sqlite", str(tmp_path / "nowhere"))


def test_a_locked_file_is_reported_as_locked_after_the_busy_timeout(tmp_path):
    directory = build_legacy_dir(tmp_path / "legacy")
    holder = sqlite3.connect(directory / "mingus.db", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        started = time.monotonic()
        assessment = assess_legacy_dir(directory=directory, busy_timeout=0.3)
        elapsed = time.monotonic() - started
    finally:
        holder.execute("ROLLBACK")
        holder.close()

    report = _file(assessment, "mingus.db")
    assert report.error_kind == "locked"
    assert "locked by another connection" in report.error
    assert elapsed < 5
    assert _file(assessment, "cache.db").error is None


def test_unexpected_files_in_the_directory_are_listed(tmp_path):
    directory = build_legacy_dir(tmp_path / "legacy")
    shutil.copyfile(directory / "cache.db", directory / "cache_old.db")
    (directory / "notes.txt").write_text("hello")

    extras = {extra.name: extra.kind for extra in assess_legacy_dir(directory=directory).extra_files}

    assert extras == {
        "cache_old.db": "SQLite database not in the contract (not imported)",
        "notes.txt": "not an SQLite database",
    }


def test_json_output_parses_and_has_every_section(tmp_path):
    directory = build_legacy_dir(tmp_path / "legacy")
    execute(directory / "mingus.db", "INSERT INTO users (email, is_admin) VALUES (?, ?)", [("a@x.com", "True")])
    target = tmp_path / "assessment.json"

    run_command("assess_sqlite", str(directory), "--json", str(target))

    data = json.loads(target.read_text())
    assert data["ok"] is True
    assert data["directory"] == str(directory)
    assert [f["name"] for f in data["files"]] == list(LEGACY_FILES)
    mingus = data["files"][0]
    assert {"size", "wal_size", "shm_size", "journal_mode", "page_size", "page_count", "wal", "integrity"} <= set(
        mingus
    )
    users = next(t for t in mingus["tables"] if t["name"] == "users")
    assert users["row_count"] == 1
    assert users["target_table"] == "users"
    is_admin = next(c for c in users["columns"] if c["name"] == "is_admin")
    assert is_admin == {
        "name": "is_admin",
        "declared_type": "BOOLEAN",
        "storage": {"text": 1},
        "in_contract": True,
        "contract_type": None,
        "mixed": False,
    }
    assert {c["table"] for c in data["conflicts"]} == {"users", "income_comparisons", "alerts"}
    assert data["extra_files"] == []


def test_the_terminal_report_marks_mixed_columns_and_shows_compact_distributions(tmp_path):
    directory = build_legacy_dir(tmp_path / "legacy")
    execute(
        directory / "mingus.db",
        "INSERT INTO users (email, email_verified) VALUES (?, ?)",
        [(f"u{i}@x.com", 1) for i in range(980)] + [(f"t{i}@x.com", "true") for i in range(20)],
    )

    report = render_assessment(assess_legacy_dir(directory=directory))
    flagged = render_assessment(assess_legacy_dir(directory=directory), all_columns=False)

    line = next(line for line in report.splitlines() if "email_verified" in line)
    assert line.split() == ["*", "email_verified", "BOOLEAN", "integer", "980,", "text", "20"]
    assert "email_verified" in flagged
    assert "password_hash" in report
    assert "password_hash" not in flagged
