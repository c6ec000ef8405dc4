"""import_sqlite with real commits: a run killed half-way resumes, and parallel workers change nothing.

These tests need committed data (``transactional_db``): the import runs in a
``manage.py`` subprocess against the test database, or in forked workers.
Each compares the final state with a clean import of the same files.
"""

import json
import os
import signal
import subprocess
import sys
import time
from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command

from finance.models import EncryptedFinancialProfile
from ops.legacy.importer import _UserScans, import_lock_held, scan_users
from ops.legacy.rollback import rollback_import
from ops.legacy.sqlite_backup import snapshot_legacy_dir
from ops.models import DeferredIndex, ImportChunk, ImportRun, ImportStatus
from tests.databases import database_url
from tests.ops.legacy_fixtures import (
    CUTOFF_ISO,
    TARGET_TABLES,
    constraint_definitions,
    content_checksums,
    index_definitions,
    quarantine_content,
    run_import,
    sample_dir_fixture,  # noqa: F401 (the sample_dir fixture)
    sample_settings_fixture,  # noqa: F401 (the sample_settings fixture)
    table_counts,
)

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("sample_settings")]

BATCH = 50
KILL_AFTER_CHUNKS = 25  # of about 70: after users and their placeholders, before most tables


def state() -> dict:
    """Everything an import leaves behind that two imports of the same files must share."""
    return {
        "counts": table_counts(bookkeeping=False),
        "checksums": content_checksums(stable_across_runs=True),
        "quarantine": quarantine_content(),
        # Re-encryption makes new tokens each run: compare what they decrypt to.
        "profiles": sorted((str(p.id), json.dumps(p.decrypt())) for p in EncryptedFinancialProfile.objects.all()),
    }


def assert_same_state(actual: dict, expected: dict) -> None:
    for key in expected:
        assert actual[key] == expected[key], f"{key} differs"


def wait_for_lock_release(timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while import_lock_held():
        assert time.monotonic() < deadline, "the killed import's advisory lock was never released"
        time.sleep(0.05)


def assert_empty() -> None:
    counts = table_counts(bookkeeping=False)
    assert {table: counts[table] for table in TARGET_TABLES if counts[table]} == {}


def test_an_import_killed_mid_run_resumes_to_the_state_of_a_clean_import(transactional_db, sample_dir, tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DEBUG": "true",
        "VAR_DIR": str(tmp_path / "child-var"),
        "LEGACY_BACKUP_DIR": str(tmp_path / "child-backups"),
        "LEGACY_FERNET_KEYS": ",".join(django_settings.LEGACY_FERNET_KEYS),
        "FIELD_ENCRYPTION_KEYS": ",".join(django_settings.FIELD_ENCRYPTION_KEYS),
    }
    migrated_indexes, migrated_constraints = index_definitions(), constraint_definitions()
    log_path = tmp_path / "child.log"
    command = [
        sys.executable, "manage.py", "import_sqlite", str(sample_dir), "--batch-size", str(BATCH),
        "--workers", "1", "--cache-cutoff", CUTOFF_ISO,
    ]  # fmt: skip
    with open(log_path, "wb") as log:
        child = subprocess.Popen(command, cwd=django_settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 120
            while not ImportChunk.objects.filter(run__status=ImportStatus.RUNNING).count() >= KILL_AFTER_CHUNKS:
                assert child.poll() is None, f"the import ended before it could be killed:\n{log_path.read_text()}"
                assert time.monotonic() < deadline, f"no chunk was committed in time:\n{log_path.read_text()}"
                time.sleep(0.02)
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait()
    assert child.returncode == -signal.SIGKILL
    wait_for_lock_release()
    killed = ImportRun.objects.get()
    assert killed.status == ImportStatus.RUNNING
    assert killed.finished_at is None
    assert killed.report["placeholders_created"]  # committed by the killed attempt, kept by the resumed one
    chunks_before = ImportChunk.objects.filter(run=killed).count()
    # The killed run left its empty tables' deferrable indexes and keys dropped, and a record of each.
    missing = set(migrated_indexes) - set(index_definitions())
    assert any(name.endswith("_pkey") for name in missing)  # a leaf table's primary key among them
    assert set(DeferredIndex.objects.filter(run=killed).values_list("index_name", flat=True)) == missing

    out = StringIO()
    report_path = tmp_path / "report.json"
    call_command(
        "import_sqlite", str(sample_dir), "--batch-size", str(BATCH), "--workers", "1",
        "--cache-cutoff", CUTOFF_ISO, "--report-json", str(report_path), stdout=out,
    )  # fmt: skip

    assert f"Import run {killed.id} resumed and finished" in out.getvalue()
    resumed = ImportRun.objects.get()
    assert (resumed.id, resumed.status) == (killed.id, ImportStatus.SUCCEEDED)
    assert ImportChunk.objects.filter(run=resumed).count() > chunks_before
    report = json.loads(report_path.read_text())
    assert report["run_id"] == str(killed.id)
    assert report["problems"] == []
    assert report["totals"]["already_present"] == 0  # no chunk was loaded twice
    assert index_definitions() == migrated_indexes
    assert constraint_definitions() == migrated_constraints
    assert not DeferredIndex.objects.exists()
    resumed_state = state()

    rollback_import(run_id=resumed.id)
    assert_empty()
    clean = run_import(sample_dir, batch_size=BATCH)

    assert clean.report["totals"] == report["totals"]
    assert_same_state(state(), resumed_state)


def test_parallel_workers_import_exactly_what_one_worker_imports(transactional_db, sample_dir):
    parallel = run_import(sample_dir, workers=2, batch_size=200)
    parallel_state = state()
    rollback_import(run_id=parallel.run_id)
    assert_empty()

    serial = run_import(sample_dir, workers=1, batch_size=200)

    assert serial.report["totals"] == parallel.report["totals"]
    assert_same_state(state(), parallel_state)


def test_children_wait_until_every_chunk_of_their_parent_table_is_loaded(transactional_db, sample_dir):
    # alert_rules is a parent (alerts and subscriptions point at it) without a unique key of its own, so
    # its one-row chunks run side by side: a child that started while one was still loading would find
    # that chunk's rules missing and quarantine the alerts pointing at them.
    tables = ["alerts.db:alert_rules", "alerts.db:alerts", "alerts.db:alert_subscriptions"]
    parallel = run_import(sample_dir, workers=2, batch_size=1, only=tables)
    parallel_state = state()
    rollback_import(run_id=parallel.run_id)
    assert_empty()

    serial = run_import(sample_dir, workers=1, batch_size=1, only=tables)

    assert parallel.report["totals"] == serial.report["totals"]
    assert_same_state(state(), parallel_state)


def test_the_user_scans_started_in_a_child_give_what_they_give_here(transactional_db, sample_dir, tmp_path):
    copies = snapshot_legacy_dir(directory=sample_dir, destination=tmp_path / "copies")
    here = scan_users(snapshot=copies, only=None)
    assert here[0] and here[1]  # email decisions and deleted users' ids: something to compare

    scans = _UserScans(only=None)
    scans.start(copies)
    in_child = scans.result(snapshot=copies)

    assert in_child == here
    assert ImportRun.objects.count() == 0  # the parent's connection, closed before the fork, opens again


def test_an_import_without_the_compiled_encoder_ends_in_the_same_state(transactional_db, sample_dir, monkeypatch):
    from ops.legacy import row_codec, snapshot_rows

    compiled = run_import(sample_dir, workers=1, batch_size=200)
    assert compiled.report["row_encoder"] == "compiled"
    compiled_state = state()
    rollback_import(run_id=compiled.run_id)
    assert_empty()

    # A machine without a C compiler: the Python converter and sqlite3 do everything.
    monkeypatch.setattr(row_codec, "_native", None)
    monkeypatch.setattr(snapshot_rows, "_Reader", None)
    python = run_import(sample_dir, workers=1, batch_size=200)

    assert python.report["row_encoder"] == "python"
    assert python.report["totals"] == compiled.report["totals"]
    assert_same_state(state(), compiled_state)
