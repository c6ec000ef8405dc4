import hashlib
import json
import re
import shutil
import sqlite3
import time
from io import StringIO
from pathlib import Path

import pytest
import zstandard
from django.core.management import CommandError, call_command

from ops.legacy.assess import assess_legacy_dir
from ops.legacy.mapping import LEGACY_FILES
from ops.legacy.sqlite_backup import (
    MANIFEST_NAME,
    BackupError,
    LegacyFileError,
    backup_legacy_dir,
    read_wal_info,
    sha256_file,
    snapshot_legacy_dir,
    verify_backup,
)
from tests.ops.test_assess import (
    build_legacy_dir,
    copy_files,
    directory_in_every_wal_state,
    directory_state,
    execute,
    insert_alerts,
    open_wal_writer,
)


def _users(directory: Path) -> Path:
    execute(
        directory / "mingus.db",
        "INSERT INTO users (email, is_active) VALUES (?, ?)",
        [("a@x.com", 1), ("b@x.com", "true"), ("c@x.com", 0)],
    )
    return directory


def _decompress(path: Path, target: Path) -> Path:
    target.write_bytes(zstandard.ZstdDecompressor().decompress(path.read_bytes()))
    return target


def _rows(path: Path, sql: str) -> list[tuple]:
    connection = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


def _manifest(backup_dir: Path) -> dict:
    return json.loads((backup_dir / MANIFEST_NAME).read_text())


def test_a_backup_round_trips_and_verifies(tmp_path):
    source = _users(build_legacy_dir(tmp_path / "legacy"))

    result = backup_legacy_dir(directory=source, destination=tmp_path / "backups", verify=True)

    assert result.path.parent == tmp_path / "backups"
    assert re.fullmatch(r"\d{8}T\d{6}Z", result.path.name)
    assert sorted(p.name for p in result.path.iterdir()) == sorted([MANIFEST_NAME, *(f"{n}.zst" for n in LEGACY_FILES)])
    assert result.verify.ok
    assert [check.name for check in result.verify.files] == list(LEGACY_FILES)
    restored = _decompress(result.path / "mingus.db.zst", tmp_path / "mingus.db")
    assert _rows(restored, "SELECT email, is_active FROM users ORDER BY id") == [
        ("a@x.com", 1),
        ("b@x.com", "true"),
        ("c@x.com", 0),
    ]
    manifest = _manifest(result.path)
    assert manifest["source_directory"] == str(source)
    assert manifest["created_at"].endswith("Z")
    assert manifest["sqlite_version"] == sqlite3.sqlite_version
    assert manifest["missing_files"] == []
    mingus = manifest["files"][0]
    assert mingus["name"] == "mingus.db"
    assert mingus["source_size"] == (source / "mingus.db").stat().st_size
    assert mingus["source_wal_size"] is None
    assert mingus["integrity_check"] == ["ok"]
    assert mingus["row_counts"]["users"] == 3
    assert len(mingus["row_counts"]) == 15


def test_manifest_hashes_match_the_compressed_files_and_their_content(tmp_path):
    result = backup_legacy_dir(directory=_users(build_legacy_dir(tmp_path / "legacy")), destination=tmp_path / "b")

    for entry in _manifest(result.path)["files"]:
        packed = result.path / entry["compressed_name"]
        assert sha256_file(packed) == entry["compressed_sha256"]
        assert packed.stat().st_size == entry["compressed_size"]
        plain = _decompress(packed, tmp_path / entry["name"])
        assert sha256_file(plain) == entry["sha256"]
        assert plain.stat().st_size == entry["size"]


def test_a_backup_keeps_the_checked_copies_it_was_made_from_when_asked(tmp_path):
    source = _users(build_legacy_dir(tmp_path / "legacy"))

    result = backup_legacy_dir(directory=source, destination=tmp_path / "b", keep_snapshot=tmp_path / "kept")

    assert sorted(result.snapshot) == sorted(LEGACY_FILES)
    for entry in _manifest(result.path)["files"]:
        kept = result.snapshot[entry["name"]]
        assert kept == tmp_path / "kept" / entry["name"]
        assert sha256_file(kept) == entry["sha256"]
    assert _rows(result.snapshot["mingus.db"], "SELECT count(*) FROM users") == [(3,)]
    assert not (result.path / ".snapshot").exists()
    assert sorted(p.name for p in result.path.iterdir()) == sorted([MANIFEST_NAME, *(f"{n}.zst" for n in LEGACY_FILES)])


def test_without_keep_snapshot_a_backup_leaves_no_uncompressed_copy(tmp_path):
    result = backup_legacy_dir(directory=_users(build_legacy_dir(tmp_path / "legacy")), destination=tmp_path / "b")

    assert result.snapshot == {}
    assert not any(path.suffix == ".db" for path in tmp_path.joinpath("b").rglob("*"))


def _alerts_only_in_the_wal(tmp_path: Path) -> Path:
    """A legacy directory whose alerts.db holds 7 rows only in its -wal, with no -shm (a stopped app's files)."""
    live = build_legacy_dir(tmp_path / "live")
    writer = open_wal_writer(live / "alerts.db")
    insert_alerts(writer, 7)
    source = tmp_path / "legacy"
    copy_files(live, source, [*LEGACY_FILES, "alerts.db-wal"])
    writer.close()
    return source


def test_rows_committed_only_in_the_wal_are_in_the_backup(tmp_path):
    source = _alerts_only_in_the_wal(tmp_path)
    assert read_wal_info(source / "alerts.db-wal").frames > 0
    assert _rows(source / "alerts.db", "SELECT count(*) FROM alerts") == [(0,)]  # the main file alone

    result = backup_legacy_dir(directory=source, destination=tmp_path / "b", verify=True)

    entry = next(e for e in _manifest(result.path)["files"] if e["name"] == "alerts.db")
    assert entry["row_counts"]["alerts"] == 7
    assert entry["source_wal_size"] == (source / "alerts.db-wal").stat().st_size
    restored = _decompress(result.path / "alerts.db.zst", tmp_path / "alerts.db")
    assert _rows(restored, "SELECT count(*) FROM alerts") == [(7,)]
    assert result.verify.ok


def test_a_snapshot_keeps_the_checkpointed_private_copy_of_a_file_with_a_pending_wal(tmp_path):
    source = _alerts_only_in_the_wal(tmp_path)
    before = directory_state(source)

    copies = snapshot_legacy_dir(directory=source, destination=tmp_path / "snap")

    assert directory_state(source) == before
    # One self-contained file per source: the -wal folded in, no sidecar and no scratch directory left.
    assert sorted(p.name for p in (tmp_path / "snap").iterdir()) == sorted(LEGACY_FILES)
    assert _rows(copies["alerts.db"], "SELECT count(*) FROM alerts") == [(7,)]
    assert _rows(copies["alerts.db"], "PRAGMA integrity_check") == [("ok",)]
    # Byte for byte what the backup API makes of the same content: the SHA-256 of a snapshot is the
    # run's source checksum, and validate_import compares it with one taken later.
    assert copies["alerts.db"].read_bytes() == _through_backup_api(source / "alerts.db", tmp_path / "api").read_bytes()


def _through_backup_api(path: Path, scratch: Path) -> Path:
    """A copy of ``path`` (with its -wal or -journal) made by SQLite's backup API from a scratch copy."""
    scratch.mkdir()
    for suffix in ("", "-wal", "-journal"):
        if Path(f"{path}{suffix}").exists():
            shutil.copyfile(f"{path}{suffix}", scratch / f"{path.name}{suffix}")
    source = sqlite3.connect(scratch / path.name)
    target = sqlite3.connect(scratch / f"copy-{path.name}")
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()
    return scratch / f"copy-{path.name}"


def test_backing_up_changes_nothing_in_the_source_directory(tmp_path):
    with directory_in_every_wal_state(tmp_path) as source:
        before = directory_state(source)
        result = backup_legacy_dir(directory=source, destination=tmp_path / "b", verify=True)
        after = directory_state(source)

    assert after == before
    assert result.verify.ok
    counts = {entry["name"]: entry["row_counts"] for entry in _manifest(result.path)["files"]}
    assert counts["cache.db"]["query_cache"] == 3
    assert counts["alerts.db"]["alerts"] == 4
    assert counts["performance_metrics.db"]["error_logs"] == 5
    assert counts["business_intelligence.db"]["kpi_daily"] == 1


def test_verify_detects_a_flipped_byte_in_a_compressed_file(tmp_path):
    result = backup_legacy_dir(directory=_users(build_legacy_dir(tmp_path / "legacy")), destination=tmp_path / "b")
    packed = result.path / "mingus.db.zst"
    data = bytearray(packed.read_bytes())
    data[len(data) // 2] ^= 0xFF
    packed.write_bytes(bytes(data))

    verified = verify_backup(backup_dir=result.path)

    assert not verified.ok
    failed = {check.name: check.problems for check in verified.files if not check.ok}
    assert list(failed) == ["mingus.db"]
    assert "mingus.db.zst SHA-256 is" in failed["mingus.db"][0]


def test_verify_detects_a_row_count_that_differs_from_the_manifest(tmp_path):
    result = backup_legacy_dir(directory=_users(build_legacy_dir(tmp_path / "legacy")), destination=tmp_path / "b")
    manifest = _manifest(result.path)
    manifest["files"][0]["row_counts"]["users"] = 4
    (result.path / MANIFEST_NAME).write_text(json.dumps(manifest))

    verified = verify_backup(backup_dir=result.path)

    assert [check.problems for check in verified.files if not check.ok] == [["users: 3 rows, manifest says 4"]]


def test_the_command_prints_ok_lines_and_fails_naming_the_file_that_differs(tmp_path):
    source = _users(build_legacy_dir(tmp_path / "legacy"))
    out = StringIO()
    call_command("backup_sqlite", str(source), "--to", str(tmp_path / "b"), "--verify", stdout=out)
    assert [line.split()[:2] for line in out.getvalue().splitlines() if line.startswith("OK")] == [
        ["OK", name] for name in LEGACY_FILES
    ]

    (backup,) = (tmp_path / "b").iterdir()
    manifest = _manifest(backup)
    manifest["files"][2]["sha256"] = "0" * 64
    (backup / MANIFEST_NAME).write_text(json.dumps(manifest))
    verified = verify_backup(backup_dir=backup)
    assert [check.name for check in verified.files if not check.ok] == ["cache.db"]
    assert verified.files[2].problems[0].startswith("decompressed SHA-256 is")


def test_verify_on_a_backup_without_manifest_calls_it_incomplete(tmp_path):
    (tmp_path / "20250101T000000Z").mkdir()

    verified = verify_backup(backup_dir=tmp_path / "20250101T000000Z")

    assert not verified.ok
    assert "incomplete backup" in verified.problems[0]


def test_a_locked_source_fails_after_the_busy_timeout_and_leaves_no_manifest(tmp_path):
    source = _users(build_legacy_dir(tmp_path / "legacy"))
    holder = sqlite3.connect(source / "cache.db", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("INSERT INTO query_cache (query_hash) VALUES ('x')")
    try:
        started = time.monotonic()
        with pytest.raises(LegacyFileError, match=r"^cache\.db: locked by another connection .*0\.3 s") as raised:
            backup_legacy_dir(directory=source, destination=tmp_path / "b", busy_timeout=0.3)
        elapsed = time.monotonic() - started
    finally:
        holder.execute("ROLLBACK")
        holder.close()

    assert raised.value.kind == "locked"
    assert elapsed < 5
    assert list((tmp_path / "b").rglob(MANIFEST_NAME)) == []
    assert list((tmp_path / "b").iterdir()) == []


def test_a_wal_file_held_in_exclusive_locking_mode_is_reported_locked(tmp_path):
    source = build_legacy_dir(tmp_path / "legacy")
    holder = sqlite3.connect(source / "alerts.db", isolation_level=None)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("PRAGMA journal_mode=WAL")
    insert_alerts(holder, 2)  # keeps the exclusive lock, and no -shm exists in this mode
    try:
        with pytest.raises(LegacyFileError, match=r"^alerts\.db: locked"):
            snapshot_legacy_dir(directory=source, destination=tmp_path / "snap", busy_timeout=0.3)
    finally:
        holder.close()

    assert list((tmp_path / "snap").iterdir()) == []


def test_a_source_that_is_not_a_database_gives_an_error_naming_it(tmp_path):
    source = build_legacy_dir(tmp_path / "legacy")
    (source / "performance_metrics.db").write_bytes(bytes(range(256)) * 40)

    with pytest.raises(LegacyFileError, match=r"^performance_metrics\.db: not an SQLite database"):
        backup_legacy_dir(directory=source, destination=tmp_path / "b")

    assert list((tmp_path / "b").iterdir()) == []


def test_a_truncated_source_gives_an_error_naming_it(tmp_path):
    source = build_legacy_dir(tmp_path / "legacy")
    execute(source / "mingus.db", "INSERT INTO audit_logs (action, details) VALUES ('x', ?)", [("y" * 500,)] * 200)
    data = (source / "mingus.db").read_bytes()
    (source / "mingus.db").write_bytes(data[: len(data) // 2])

    with pytest.raises(LegacyFileError, match=r"^mingus\.db: corrupt") as raised:
        backup_legacy_dir(directory=source, destination=tmp_path / "b")

    assert raised.value.kind == "corrupt"
    assert list((tmp_path / "b").iterdir()) == []


def test_a_snapshot_that_fails_on_one_file_leaves_no_copy_of_the_others(tmp_path):
    # Files are opened and copied two at a time: alerts.db (last) is copied privately, with its
    # -wal, while the files before it open; the corrupt file must still win, and nothing stay.
    source = _alerts_only_in_the_wal(tmp_path)
    (source / "cache.db").write_bytes(bytes(range(256)) * 40)
    (source / "performance_metrics.db").write_bytes(b"")
    before = directory_state(source)

    with pytest.raises(LegacyFileError, match=r"^cache\.db: not an SQLite database"):
        snapshot_legacy_dir(directory=source, destination=tmp_path / "snap")

    assert list((tmp_path / "snap").iterdir()) == []
    assert directory_state(source) == before


def test_the_command_turns_a_corrupt_source_into_a_command_error(tmp_path):
    source = build_legacy_dir(tmp_path / "legacy")
    (source / "cache.db").write_bytes(b"")

    with pytest.raises(CommandError, match=r"backup failed, nothing written: cache\.db: only 0 bytes"):
        call_command("backup_sqlite", str(source), "--to", str(tmp_path / "b"), stdout=StringIO())


def test_a_missing_source_directory_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match=r"legacy directory .*nowhere does not exist"):
        call_command("backup_sqlite", str(tmp_path / "nowhere"), "--to", str(tmp_path / "b"), stdout=StringIO())


def test_a_missing_contract_file_is_reported_and_the_others_are_backed_up(tmp_path):
    source = build_legacy_dir(tmp_path / "legacy")
    (source / "cache.db").unlink()
    err = StringIO()

    call_command("backup_sqlite", str(source), "--to", str(tmp_path / "b"), stdout=StringIO(), stderr=err)

    (backup,) = (tmp_path / "b").iterdir()
    assert _manifest(backup)["missing_files"] == ["cache.db"]
    assert len(_manifest(backup)["files"]) == 4
    assert "WARNING: cache.db is not in" in err.getvalue()


def test_a_snapshot_copies_every_database_file_including_unexpected_ones(tmp_path):
    source = _users(build_legacy_dir(tmp_path / "legacy"))
    shutil.copyfile(source / "alerts.db", source / "alerts_2019.db")
    (source / "notes.txt").write_text("not a database")

    copies = snapshot_legacy_dir(directory=source, destination=tmp_path / "snap")

    assert list(copies) == [*LEGACY_FILES, "alerts_2019.db"]
    assert all(path.parent == tmp_path / "snap" for path in copies.values())
    assert _rows(copies["mingus.db"], "SELECT count(*) FROM users") == [(3,)]
    assert sorted(p.name for p in (tmp_path / "snap").iterdir()) == sorted(copies)
    with pytest.raises(BackupError, match="refusing to overwrite"):
        snapshot_legacy_dir(directory=source, destination=tmp_path / "snap")


def test_sha256_file_matches_hashlib_on_a_file_larger_than_one_chunk(tmp_path):
    path = tmp_path / "blob"
    data = bytes(range(256)) * 10_000  # 2.5 MB: several 1 MiB chunks
    path.write_bytes(data)

    assert sha256_file(path) == hashlib.sha256(data).hexdigest()


def test_a_hot_journal_is_rolled_back_in_a_private_copy_and_left_in_the_source(tmp_path):
    live = build_legacy_dir(tmp_path / "live")
    execute(live / "mingus.db", "INSERT INTO users (email) VALUES (?)", [("kept@x.com",)])
    writer = sqlite3.connect(live / "mingus.db", isolation_level=None)
    writer.execute("PRAGMA cache_size=1")  # the unfinished write spills into the main file
    writer.execute("BEGIN")
    writer.executemany("INSERT INTO audit_logs (action, details) VALUES ('x', ?)", [("y" * 500,)] * 2000)
    source = tmp_path / "crashed"
    copy_files(live, source, [*LEGACY_FILES, "mingus.db-journal"])  # as a crash would leave them
    writer.execute("ROLLBACK")
    writer.close()
    assert sha256_file(source / "mingus.db") != sha256_file(live / "mingus.db")
    before = directory_state(source)

    result = backup_legacy_dir(directory=source, destination=tmp_path / "b", verify=True)

    assert directory_state(source) == before
    entry = _manifest(result.path)["files"][0]
    assert "hot -journal rolled back" in entry["opened"]
    assert (entry["row_counts"]["users"], entry["row_counts"]["audit_logs"]) == (1, 0)
    assert result.verify.ok
    api_copy = _through_backup_api(source / "mingus.db", tmp_path / "api")
    assert entry["sha256"] == sha256_file(api_copy)


def test_directories_with_spaces_and_uri_characters_in_their_names_work(tmp_path):
    source = _users(build_legacy_dir(tmp_path / "legacy dir #1 ?&%20"))

    result = backup_legacy_dir(directory=source, destination=tmp_path / "backups #2", verify=True)
    assessment = assess_legacy_dir(directory=source)

    assert result.verify.ok
    assert _manifest(result.path)["files"][0]["row_counts"]["users"] == 3
    assert assessment.ok
    assert assessment.files[0].tables[0].row_count == 3


def test_a_directory_without_database_files_is_refused(tmp_path):
    (tmp_path / "empty").mkdir()

    with pytest.raises(BackupError, match=r"no \*\.db files"):
        backup_legacy_dir(directory=tmp_path / "empty", destination=tmp_path / "b")

    assert list((tmp_path / "b").iterdir()) == []
